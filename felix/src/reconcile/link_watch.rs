//! Interfaces appearing in the kernel: an endpoint's record can arrive
//! before its veth exists, and its route and interface settings can only
//! be written once it does.

use futures::StreamExt;
use futures::channel::mpsc::UnboundedReceiver;
use rtnetlink::constants::RTMGRP_LINK;
use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::link::LinkAttribute;
use rtnetlink::sys::{AsyncSocket, SocketAddr};

use super::routes::RouteError;

/// A subscription to link changes in the current network namespace.
#[derive(Debug)]
pub struct LinkWatch {
    events: UnboundedReceiver<(NetlinkMessage<RouteNetlinkMessage>, SocketAddr)>,
    conn: tokio::task::JoinHandle<()>,
}

impl Drop for LinkWatch {
    fn drop(&mut self) {
        self.conn.abort();
    }
}

impl LinkWatch {
    /// Subscribes.
    pub fn start() -> Result<Self, RouteError> {
        let (mut conn, _handle, events) =
            rtnetlink::new_connection().map_err(RouteError::Socket)?;
        conn.socket_mut()
            .socket_mut()
            .bind(&SocketAddr::new(0, RTMGRP_LINK))
            .map_err(RouteError::Socket)?;
        Ok(Self {
            events,
            conn: tokio::spawn(conn),
        })
    }

    /// The name of the next interface that was added or changed; `None`
    /// once the subscription ended.
    pub async fn next(&mut self) -> Option<String> {
        loop {
            let (msg, _) = self.events.next().await?;
            if let NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(link)) = msg.payload {
                let name = link.attributes.iter().find_map(|a| match a {
                    LinkAttribute::IfName(n) => Some(n.clone()),
                    _ => None,
                });
                if let Some(n) = name {
                    return Some(n);
                }
            }
        }
    }
}
