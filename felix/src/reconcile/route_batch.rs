//! Route operations as rtnetlink messages (netlink-packet-route's types,
//! serialized back to back), a thousand per `sendmsg`,
//! each acknowledged: the kernel works through a whole buffer under one
//! lock, where one request per round trip (as `ip -batch` and a
//! request/response client do) pays a system call and a wakeup per route.

use netlink_sys::{Socket, protocols::NETLINK_ROUTE};
use rtnetlink::packet_core::{
    NLM_F_ACK, NLM_F_CREATE, NLM_F_REPLACE, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage,
    NetlinkPayload,
};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::route::{RouteMessage, RouteScope, RouteType};
use terrace_netlink::route;
use terrace_netlink::socket::{self, AckError};

use super::routes_diff::{KernelRoute, RouteOp};
use crate::ROUTE_PROTOCOL;

/// `ESRCH`: the kernel's answer to deleting a route that is not there.
const ESRCH: i32 = 3;

/// Messages per buffer.
const PER_SEND: usize = 1024;

/// The netlink message for a route of ours.
pub fn message(r: KernelRoute) -> RouteMessage {
    let builder = route::builder(r.dst, ROUTE_PROTOCOL);
    let builder = match r.oif {
        Some(i) => builder.output_interface(i).scope(RouteScope::Link),
        None => builder.kind(RouteType::BlackHole),
    };
    builder.build()
}

/// The buffers for `ops`, numbered from `seq`, each with the number of
/// acknowledgements it asks for. Pure.
pub fn encode(ops: &[RouteOp], seq: u32) -> Vec<(Vec<u8>, u32)> {
    let mut out = Vec::new();
    let mut seq = seq;
    for chunk in ops.chunks(PER_SEND) {
        let mut bytes = Vec::with_capacity(chunk.len() * 64);
        for op in chunk {
            let (inner, flags) = match op {
                RouteOp::Replace(r) => (
                    RouteNetlinkMessage::NewRoute(message(*r)),
                    NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE,
                ),
                RouteOp::Delete(r) => (
                    RouteNetlinkMessage::DelRoute(message(*r)),
                    NLM_F_REQUEST | NLM_F_ACK,
                ),
            };
            let mut header = NetlinkHeader::default();
            header.flags = flags;
            header.sequence_number = seq;
            let mut msg = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(inner));
            msg.finalize();
            let start = bytes.len();
            bytes.resize(start + msg.buffer_len(), 0);
            msg.serialize(&mut bytes[start..]);
            seq = seq.wrapping_add(1);
        }
        out.push((bytes, chunk.len() as u32));
    }
    out
}

/// An rtnetlink socket for batched route changes.
#[derive(Debug)]
pub struct RouteSocket {
    socket: Socket,
}

/// The first failure of a batch, by operation, and how many failed.
#[derive(Debug)]
pub struct BatchFailure {
    /// Failed operations.
    pub failed: usize,
    /// The first one and the kernel's error.
    pub first: String,
}

impl RouteSocket {
    /// Opens a socket in the current network namespace.
    pub fn open() -> std::io::Result<Self> {
        let socket = socket::open(NETLINK_ROUTE, 1 << 20)?;
        Ok(Self { socket })
    }

    /// Applies every op (each is tried; deleting a missing route succeeds).
    pub fn apply(&self, ops: &[RouteOp]) -> std::io::Result<Result<(), BatchFailure>> {
        let mut failed = 0;
        let mut first = None;
        let mut buf: Vec<u8> = Vec::with_capacity(256 * 1024);
        for (bytes, acks) in encode(ops, 1) {
            socket::send_acked(&self.socket, &bytes, acks, &mut buf, |ack| {
                let i = (ack.seq as usize).wrapping_sub(1);
                let op = ops.get(i);
                let gone = matches!(op, Some(RouteOp::Delete(_))) && ack.error == -ESRCH;
                if ack.error != 0 && !gone {
                    failed += 1;
                    let err = std::io::Error::from_raw_os_error(-ack.error);
                    first.get_or_insert_with(|| format!("{op:?}: {err}"));
                }
            })
            .map_err(|e| match e {
                AckError::Io(e) => e,
                AckError::Malformed => std::io::Error::other("malformed rtnetlink answer"),
            })?;
        }
        Ok(match first {
            None => Ok(()),
            Some(first) => Err(BatchFailure { failed, first }),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    // The kernel's numbers, spelled out so the test checks the encoder against them.
    const AF_INET: u8 = 2;
    const RT_TABLE_MAIN: u8 = 254;
    const RT_SCOPE_UNIVERSE: u8 = 0;
    const RT_SCOPE_LINK: u8 = 253;
    const RTN_UNICAST: u8 = 1;
    const RTN_BLACKHOLE: u8 = 6;

    #[test]
    fn routes_are_packed_many_per_buffer_with_felix_protocol() {
        let r = KernelRoute {
            dst: "10.65.0.2/32".parse().unwrap(),
            oif: Some(7),
        };
        let ops: Vec<RouteOp> = (0..2500).map(|_| RouteOp::Replace(r)).collect();
        let bufs = encode(&ops, 1);
        assert_eq!(
            bufs.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
            [1024, 1024, 452]
        );
        let first = &bufs[0].0;
        // rtmsg right after the 16-byte header: family, dst_len, .., protocol, scope, type.
        assert_eq!(
            &first[16..24],
            &[
                AF_INET,
                32,
                0,
                0,
                RT_TABLE_MAIN,
                ROUTE_PROTOCOL,
                RT_SCOPE_LINK,
                RTN_UNICAST
            ]
        );
        let blackhole = KernelRoute {
            dst: "10.65.0.0/26".parse().unwrap(),
            oif: None,
        };
        let bufs = encode(&[RouteOp::Delete(blackhole)], 9);
        let del = &bufs[0].0;
        // nlmsghdr: length, type RTM_DELROUTE (25), flags REQUEST|ACK, sequence 9.
        assert_eq!(
            u32::from_ne_bytes(del[0..4].try_into().unwrap()) as usize,
            del.len()
        );
        assert_eq!(u16::from_ne_bytes([del[4], del[5]]), 25);
        assert_eq!(u16::from_ne_bytes([del[6], del[7]]), 0x5);
        assert_eq!(u32::from_ne_bytes(del[8..12].try_into().unwrap()), 9);
        assert_eq!(
            &del[16..24],
            &[
                AF_INET,
                26,
                0,
                0,
                RT_TABLE_MAIN,
                ROUTE_PROTOCOL,
                RT_SCOPE_UNIVERSE,
                RTN_BLACKHOLE
            ]
        );
    }
}
