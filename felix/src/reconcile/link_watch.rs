//! Interfaces appearing in the kernel: an endpoint's record can arrive
//! before its veth exists, and its route and interface settings can only
//! be written once it does.
//!
//! The socket's default receive buffer holds about 256 messages; the kernel drops
//! what does not fit, and the stream only says that something was lost (an
//! overrun), so a burst (a node starting a few hundred containers at once) costs
//! a full resync. The subscription asks for room for thousands.

use futures::StreamExt;
use futures::channel::mpsc::UnboundedReceiver;
use nix::sys::socket::{setsockopt, sockopt};
use rtnetlink::constants::RTMGRP_LINK;
use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::link::LinkAttribute;
use rtnetlink::sys::{AsyncSocket, SocketAddr};
use tokio_util::task::AbortOnDropHandle;

use super::routes::RouteError;

/// Receive buffer of the subscription, in bytes.
const RECEIVE_BUFFER: usize = 8 << 20;

/// A subscription to link changes in the current network namespace.
#[derive(Debug)]
pub struct LinkWatch {
    events: UnboundedReceiver<(NetlinkMessage<RouteNetlinkMessage>, SocketAddr)>,
    /// The netlink connection's task, aborted with the subscription.
    _conn: AbortOnDropHandle<()>,
}

impl LinkWatch {
    /// Subscribes.
    pub fn start() -> Result<Self, RouteError> {
        let (mut conn, _handle, events) =
            rtnetlink::new_connection().map_err(RouteError::Socket)?;
        let socket = conn.socket_mut().socket_mut();
        // SO_RCVBUFFORCE may exceed net.core.rmem_max (CAP_NET_ADMIN, which felix
        // has); without it SO_RCVBUF gets what rmem_max allows.
        setsockopt(socket, sockopt::RcvBufForce, &RECEIVE_BUFFER)
            .or_else(|_| setsockopt(socket, sockopt::RcvBuf, &RECEIVE_BUFFER))
            .map_err(|e| RouteError::Socket(e.into()))?;
        socket
            .bind(&SocketAddr::new(0, RTMGRP_LINK))
            .map_err(RouteError::Socket)?;
        Ok(Self {
            events,
            _conn: AbortOnDropHandle::new(tokio::spawn(conn)),
        })
    }

    /// The next interface that was added or changed, or the news that some were
    /// lost; `None` once the subscription ended.
    pub async fn next(&mut self) -> Option<LinkEvent> {
        loop {
            let (msg, _) = self.events.next().await?;
            if let Some(event) = classify(msg) {
                return Some(event);
            }
        }
    }
}

/// What the subscription reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    /// The interface of this name was added or changed.
    Changed(String),
    /// The socket's buffer overflowed and the kernel dropped messages: any
    /// interface may have changed unseen.
    Lost,
}

fn classify(msg: NetlinkMessage<RouteNetlinkMessage>) -> Option<LinkEvent> {
    match msg.payload {
        NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(link)) => {
            link.attributes.into_iter().find_map(|a| match a {
                LinkAttribute::IfName(n) => Some(LinkEvent::Changed(n)),
                _ => None,
            })
        }
        NetlinkPayload::Overrun(_) => Some(LinkEvent::Lost),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtnetlink::packet_core::NetlinkHeader;
    use rtnetlink::packet_route::link::LinkMessage;

    fn message(
        payload: NetlinkPayload<RouteNetlinkMessage>,
    ) -> NetlinkMessage<RouteNetlinkMessage> {
        NetlinkMessage::new(NetlinkHeader::default(), payload)
    }

    #[test]
    fn new_links_are_named_and_an_overrun_is_news_of_loss() {
        let mut link = LinkMessage::default();
        link.attributes.push(LinkAttribute::IfName("tra1".into()));
        let new_link = RouteNetlinkMessage::NewLink(link.clone());
        assert_eq!(
            classify(message(NetlinkPayload::InnerMessage(new_link))),
            Some(LinkEvent::Changed("tra1".into()))
        );
        assert_eq!(
            classify(message(NetlinkPayload::Overrun(Vec::new()))),
            Some(LinkEvent::Lost)
        );
        let del_link = RouteNetlinkMessage::DelLink(link);
        assert_eq!(
            classify(message(NetlinkPayload::InnerMessage(del_link))),
            None
        );
        assert_eq!(
            classify(message(NetlinkPayload::InnerMessage(
                RouteNetlinkMessage::NewLink(LinkMessage::default())
            ))),
            None
        );
    }
}
