//! Watches the kernel for changes that can make a next hop resolvable or unresolvable:
//! routes (not ours), addresses and links, via rtnetlink multicast groups.
//!
//! Our own route changes never reach us: a socket filter drops them in the kernel, so
//! installing a full table does not queue a notification per route here (each one
//! decoded and held until the reconciler, busy installing, looks again), and cannot
//! overflow the socket's buffer, which would lose the changes that follow.
//!
//! Events only say "look again": the reconciler then dumps the main table. Link events
//! matter because the kernel drops IPv4 routes of a link that goes down without a
//! notification per route; a periodic resync in the reconciler covers anything missed
//! (a full socket buffer is reported as an overrun, which also means "look again").

use futures::StreamExt;
use futures::channel::mpsc::UnboundedReceiver;
use rtnetlink::constants::{
    RTMGRP_IPV4_IFADDR, RTMGRP_IPV4_ROUTE, RTMGRP_IPV6_IFADDR, RTMGRP_IPV6_ROUTE, RTMGRP_LINK,
};
use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::route::RouteMessage;
use rtnetlink::sys::{AsyncSocket, SocketAddr};
use tokio_util::task::AbortOnDropHandle;

use super::{FibError, ROUTE_PROTOCOL};
use crate::rib::nexthop::MAIN_TABLE;
use crate::sockopt;

/// Receive buffer of the subscription: room for about 10,000 queued notifications.
const RECEIVE_BUFFER: libc::c_int = 8 << 20;

/// A subscription to route, address and link changes.
#[derive(Debug)]
pub struct Monitor {
    events: UnboundedReceiver<(NetlinkMessage<RouteNetlinkMessage>, SocketAddr)>,
    /// The netlink connection's task, aborted with the subscription.
    _conn: AbortOnDropHandle<()>,
    received: u64,
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
        let socket = conn.socket_mut().socket_mut();
        sockopt::attach_filter(socket, &drop_routes_of(ROUTE_PROTOCOL))
            .map_err(FibError::Socket)?;
        // The default buffer holds ~256 notifications; the kernel drops what does not
        // fit and the stream reports only an overrun, so a burst (another daemon
        // installing a table) would cost a rescan per overrun.
        sockopt::set_receive_buffer(socket, RECEIVE_BUFFER).map_err(FibError::Socket)?;
        socket
            .bind(&SocketAddr::new(0, groups))
            .map_err(FibError::Socket)?;
        Ok(Monitor {
            events,
            _conn: AbortOnDropHandle::new(tokio::spawn(conn)),
            received: 0,
        })
    }

    /// Messages that reached us so far (the kernel's filter has dropped our own).
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Wait for a relevant change, then take every event already queued with it (one
    /// rescan per burst). `false` once the subscription ended.
    pub async fn changed(&mut self) -> bool {
        loop {
            let Some((msg, _)) = self.events.next().await else {
                return false;
            };
            self.received += 1;
            if relevant(&msg) {
                while self.events.try_recv().is_ok() {
                    self.received += 1;
                }
                return true;
            }
        }
    }
}

/// Offsets in a netlink message: the low and high byte of the 16-bit `nlmsg_type` (host
/// order), and `rtm_protocol`, sixth byte of the `rtmsg` after the 16-byte header.
#[cfg(target_endian = "little")]
const TYPE_BYTES: (u32, u32) = (4, 5);
#[cfg(target_endian = "big")]
const TYPE_BYTES: (u32, u32) = (5, 4);
const RTM_PROTOCOL_OFFSET: u32 = 21;

/// A classic BPF program that drops `RTM_NEWROUTE` and `RTM_DELROUTE` messages of route
/// protocol `protocol` and accepts everything else. The kernel queues one notification
/// per message, so the program sees each at offset 0.
fn drop_routes_of(protocol: u8) -> [libc::sock_filter; 9] {
    let load_byte = |offset| bpf(libc::BPF_LD | libc::BPF_B | libc::BPF_ABS, offset, 0, 0);
    let jump_if = |value, jt, jf| bpf(libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K, value, jt, jf);
    let ret = |n| bpf(libc::BPF_RET | libc::BPF_K, n, 0, 0);
    let (low, high) = TYPE_BYTES;
    [
        load_byte(low),
        jump_if(u32::from(libc::RTM_NEWROUTE), 1, 0), // → 3, else → 2
        jump_if(u32::from(libc::RTM_DELROUTE), 0, 4), // → 3, else → 7 (accept)
        load_byte(high),
        jump_if(0, 0, 2), // → 5, else → 7 (accept)
        load_byte(RTM_PROTOCOL_OFFSET),
        jump_if(u32::from(protocol), 1, 0), // → 8 (drop), else → 7
        ret(u32::MAX),                      // accept the whole message
        ret(0),                             // drop it
    ]
}

fn bpf(code: u32, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter {
        // Every BPF_* class, size and mode constant fits the 16-bit opcode field.
        code: code as u16,
        jt,
        jf,
        k,
    }
}

/// Our own route changes are the reconciler's doing, and other tables do not resolve.
fn relevant(msg: &NetlinkMessage<RouteNetlinkMessage>) -> bool {
    match &msg.payload {
        NetlinkPayload::InnerMessage(
            RouteNetlinkMessage::NewRoute(r) | RouteNetlinkMessage::DelRoute(r),
        ) => !ours_or_elsewhere(r),
        NetlinkPayload::InnerMessage(_) => true,
        // The buffer overflowed: changes were lost, so look again.
        NetlinkPayload::Overrun(_) => true,
        _ => false,
    }
}

fn ours_or_elsewhere(r: &RouteMessage) -> bool {
    super::kernel::kernel_route(r)
        .is_none_or(|k| k.protocol == ROUTE_PROTOCOL || k.table != MAIN_TABLE)
}
