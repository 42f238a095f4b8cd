//! Watches the kernel for changes that can make a next hop resolvable or unresolvable:
//! routes (not ours), addresses and links, via rtnetlink multicast groups.
//!
//! Events only say "look again": the reconciler then dumps the main table. Link events
//! matter because the kernel drops IPv4 routes of a link that goes down without a
//! notification per route; a periodic resync in the reconciler covers anything missed
//! (e.g. a full socket buffer).

use futures::StreamExt;
use futures::channel::mpsc::UnboundedReceiver;
use rtnetlink::constants::{
    RTMGRP_IPV4_IFADDR, RTMGRP_IPV4_ROUTE, RTMGRP_IPV6_IFADDR, RTMGRP_IPV6_ROUTE, RTMGRP_LINK,
};
use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::route::RouteMessage;
use rtnetlink::sys::{AsyncSocket, SocketAddr};

use super::{FibError, ROUTE_PROTOCOL};
use crate::rib::nexthop::MAIN_TABLE;

/// A subscription to route, address and link changes.
#[derive(Debug)]
pub struct Monitor {
    events: UnboundedReceiver<(NetlinkMessage<RouteNetlinkMessage>, SocketAddr)>,
    conn: tokio::task::JoinHandle<()>,
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.conn.abort();
    }
}

impl Monitor {
    /// Subscribe in the current network namespace.
    pub fn start() -> Result<Monitor, FibError> {
        let (mut conn, _handle, events) = rtnetlink::new_connection().map_err(FibError::Socket)?;
        let groups = RTMGRP_LINK
            | RTMGRP_IPV4_IFADDR
            | RTMGRP_IPV6_IFADDR
            | RTMGRP_IPV4_ROUTE
            | RTMGRP_IPV6_ROUTE;
        conn.socket_mut()
            .socket_mut()
            .bind(&SocketAddr::new(0, groups))
            .map_err(FibError::Socket)?;
        Ok(Monitor {
            events,
            conn: tokio::spawn(conn),
        })
    }

    /// Wait for a relevant change, then take every event already queued with it (one
    /// rescan per burst). `false` once the subscription ended.
    pub async fn changed(&mut self) -> bool {
        loop {
            let Some((msg, _)) = self.events.next().await else {
                return false;
            };
            if relevant(&msg) {
                while self.events.try_recv().is_ok() {}
                return true;
            }
        }
    }
}

/// Our own route changes are the reconciler's doing, and other tables do not resolve.
fn relevant(msg: &NetlinkMessage<RouteNetlinkMessage>) -> bool {
    match &msg.payload {
        NetlinkPayload::InnerMessage(
            RouteNetlinkMessage::NewRoute(r) | RouteNetlinkMessage::DelRoute(r),
        ) => !ours_or_elsewhere(r),
        NetlinkPayload::InnerMessage(_) => true,
        _ => false,
    }
}

fn ours_or_elsewhere(r: &RouteMessage) -> bool {
    super::kernel::kernel_route(r)
        .is_none_or(|k| k.protocol == ROUTE_PROTOCOL || k.table != MAIN_TABLE)
}
