//! Route operations as raw rtnetlink messages, a thousand per `sendmsg`,
//! each acknowledged: the kernel works through a whole buffer under one
//! lock, where one request per round trip (as `ip -batch` and a
//! request/response client do) pays a system call and a wakeup per route.

use std::net::IpAddr;

use netlink_sys::{Socket, protocols::NETLINK_ROUTE};
use terrace_netlink::msg::{F_ACK, F_CREATE, F_REPLACE, Writer};
use terrace_netlink::socket::{self, AckError};

use super::routes_diff::{KernelRoute, RouteOp};
use crate::ROUTE_PROTOCOL;

const RTM_NEWROUTE: u16 = 24;
const RTM_DELROUTE: u16 = 25;
const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RT_TABLE_MAIN: u8 = 254;
const RT_SCOPE_UNIVERSE: u8 = 0;
const RT_SCOPE_LINK: u8 = 253;
const RTN_UNICAST: u8 = 1;
const RTN_BLACKHOLE: u8 = 6;
const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;
/// `ESRCH`: the kernel's answer to deleting a route that is not there.
const ESRCH: i32 = 3;

/// Messages per buffer.
const PER_SEND: usize = 1024;

/// `struct rtmsg` of one of felix's routes.
fn rtmsg(r: &KernelRoute) -> [u8; 12] {
    let family = match r.dst.addr() {
        IpAddr::V4(_) => AF_INET,
        IpAddr::V6(_) => AF_INET6,
    };
    let (scope, kind) = match r.oif {
        Some(_) => (RT_SCOPE_LINK, RTN_UNICAST),
        None => (RT_SCOPE_UNIVERSE, RTN_BLACKHOLE),
    };
    [
        family,
        r.dst.prefix_len(),
        0,
        0,
        RT_TABLE_MAIN,
        ROUTE_PROTOCOL,
        scope,
        kind,
        0,
        0,
        0,
        0,
    ]
}

/// The buffers for `ops`, numbered from `seq`. Pure.
pub fn encode(ops: &[RouteOp], seq: u32) -> Vec<(Vec<u8>, u32)> {
    let mut out = Vec::new();
    let mut seq = seq;
    for chunk in ops.chunks(PER_SEND) {
        let mut w = Writer::new(seq);
        for op in chunk {
            let (ty, flags, r) = match op {
                RouteOp::Replace(r) => (RTM_NEWROUTE, F_ACK | F_CREATE | F_REPLACE, r),
                RouteOp::Delete(r) => (RTM_DELROUTE, F_ACK, r),
            };
            let m = w.begin_with(ty, flags, &rtmsg(r));
            match r.dst.addr() {
                IpAddr::V4(a) => w.attr(RTA_DST, &a.octets()),
                IpAddr::V6(a) => w.attr(RTA_DST, &a.octets()),
            }
            if let Some(oif) = r.oif {
                w.attr(RTA_OIF, &oif.to_ne_bytes());
            }
            w.end(m);
        }
        let acks = w.acked();
        out.push((w.into_bytes(), acks));
        seq = seq.wrapping_add(chunk.len() as u32);
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
    use super::*;

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
        assert_eq!(rtmsg(&blackhole)[6..8], [RT_SCOPE_UNIVERSE, RTN_BLACKHOLE]);
    }
}
