//! The rtnetlink side: dump our routes, replace (add or change) and delete them, and
//! dump the main table for next-hop resolution.

use std::net::IpAddr;

use ipnet::IpNet;
use rtnetlink::packet_route::route::{
    RouteAddress, RouteAttribute, RouteMessage, RouteNextHop, RouteVia,
};
use rtnetlink::{Handle, RouteMessageBuilder};
use terrace_netlink::route::{self, address as addr};

use super::plan::{Route, Routes, Shared};
use super::{ROUTE_METRIC, ROUTE_PROTOCOL};
use crate::rib::{Gateway, KernelRoute, NextHopTable};

/// Why a FIB operation failed.
#[derive(Debug, thiserror::Error)]
pub enum FibError {
    /// No netlink socket.
    #[error("failed to open rtnetlink socket")]
    Socket(#[source] std::io::Error),
    /// The kernel refused.
    #[error("failed to {op} route {prefix}")]
    Route {
        /// install / delete / dump.
        op: &'static str,
        /// Prefix.
        prefix: String,
        /// Netlink error.
        #[source]
        source: rtnetlink::Error,
    },
}

/// An rtnetlink connection in the current network namespace.
#[derive(Debug, Clone)]
pub struct KernelFib {
    handle: Handle,
}

impl KernelFib {
    /// Open the connection; its driver runs on the current tokio runtime.
    pub fn connect() -> Result<KernelFib, FibError> {
        let (conn, handle, _) = rtnetlink::new_connection().map_err(FibError::Socket)?;
        tokio::spawn(conn);
        Ok(KernelFib { handle })
    }

    /// Every IPv4 and IPv6 route the kernel lists; `what` names the dump in errors.
    async fn all_routes(&self, what: &str) -> Result<Vec<RouteMessage>, FibError> {
        route::dump(&self.handle)
            .await
            .map_err(|source| FibError::Route {
                op: "dump",
                prefix: what.into(),
                source,
            })
    }

    /// Our routes in the main table, their gateway lists shared through `gateways`.
    pub async fn dump(&self, gateways: &mut Shared<Gateway>) -> Result<Routes, FibError> {
        let msgs = self.all_routes("all").await?;
        Ok(msgs
            .iter()
            .filter_map(ours)
            .map(|(prefix, gws)| {
                let have = Some(gateways.share(&gws));
                (prefix, Route { want: None, have })
            })
            .collect())
    }

    /// The main table as a [`NextHopTable`] (our own routes left out).
    pub async fn next_hop_table(&self) -> Result<NextHopTable, FibError> {
        let msgs = self.all_routes("main table").await?;
        let routes: Vec<_> = msgs.iter().filter_map(kernel_route).collect();
        Ok(NextHopTable::new(routes, ROUTE_PROTOCOL))
    }

    /// Install or change a route (one gateway, or a multipath route for ECMP).
    pub async fn replace(&self, prefix: IpNet, next_hops: &[Gateway]) -> Result<(), FibError> {
        let msg = message(prefix, next_hops);
        self.handle
            .route()
            .add(msg)
            .replace()
            .execute()
            .await
            .map_err(|source| FibError::Route {
                op: "install",
                prefix: prefix.to_string(),
                source,
            })
    }

    /// Delete a route of ours; already gone is success.
    pub async fn delete(&self, prefix: IpNet) -> Result<(), FibError> {
        // Matched by prefix and protocol only, whatever metric it was installed with.
        let mut msg = message(prefix, &[]);
        msg.attributes
            .retain(|a| !matches!(a, RouteAttribute::Priority(_)));
        match self.handle.route().del(msg).execute().await {
            Err(rtnetlink::Error::NetlinkError(m)) if m.raw_code() == -libc::ESRCH => Ok(()),
            r => r.map_err(|source| FibError::Route {
                op: "delete",
                prefix: prefix.to_string(),
                source,
            }),
        }
    }
}

fn message(prefix: IpNet, next_hops: &[Gateway]) -> RouteMessage {
    let builder = route::builder(prefix, ROUTE_PROTOCOL).priority(ROUTE_METRIC);
    let builder = match next_hops {
        [] => builder,
        [one] => {
            let b = builder
                .gateway(one.addr)
                .unwrap_or_else(|_| RouteMessageBuilder::<IpAddr>::new());
            // A link-local gateway needs its interface (the kernel says "Egress device
            // not specified" otherwise).
            match one.oif {
                Some(oif) => b.output_interface(oif),
                None => b,
            }
        }
        many => builder.multipath(many.iter().map(|g| hop(prefix, *g)).collect()),
    };
    builder.build()
}

fn hop(prefix: IpNet, g: Gateway) -> RouteNextHop {
    let mut h = RouteNextHop::default();
    h.interface_index = g.oif.unwrap_or(0);
    h.attributes.push(match (prefix, g.addr) {
        (IpNet::V4(_), IpAddr::V4(v4)) => RouteAttribute::Gateway(RouteAddress::Inet(v4)),
        (IpNet::V6(_), IpAddr::V6(v6)) => RouteAttribute::Gateway(RouteAddress::Inet6(v6)),
        // RFC 5549 style: an IPv4 prefix via an IPv6 next hop.
        (_, IpAddr::V6(v6)) => RouteAttribute::Via(RouteVia::Inet6(v6)),
        (_, IpAddr::V4(v4)) => RouteAttribute::Via(RouteVia::Inet(v4)),
    });
    h
}

/// The route as (prefix, gateways) if it is one of ours.
fn ours(m: &RouteMessage) -> Option<(IpNet, Vec<Gateway>)> {
    if u8::from(m.header.protocol) != ROUTE_PROTOCOL {
        return None;
    }
    let mut hops = Vec::new();
    let oif = route_oif(m);
    for a in &m.attributes {
        match a {
            RouteAttribute::Gateway(g) => hops.extend(addr(g).map(|a| Gateway::new(a, oif))),
            RouteAttribute::MultiPath(list) => {
                for h in list {
                    hops.extend(h.attributes.iter().filter_map(|a| match a {
                        RouteAttribute::Gateway(g) => addr(g).map(|a| hop_gateway(h, a)),
                        _ => None,
                    }));
                }
            }
            _ => {}
        }
    }
    hops.sort();
    Some((route::prefix(m)?, hops))
}

/// The output interface of a single-hop route (`dev`).
fn route_oif(m: &RouteMessage) -> Option<u32> {
    m.attributes.iter().find_map(|a| match a {
        RouteAttribute::Oif(i) => Some(*i),
        _ => None,
    })
}

/// A gateway of one hop of a multipath route, on that hop's interface.
fn hop_gateway(h: &RouteNextHop, a: IpAddr) -> Gateway {
    Gateway::new(a, (h.interface_index != 0).then_some(h.interface_index))
}

/// Any kernel route, as next-hop resolution sees it.
pub(super) fn kernel_route(m: &RouteMessage) -> Option<KernelRoute> {
    use rtnetlink::packet_route::route::RouteType;
    let mut table = u32::from(m.header.table);
    let mut metric = 0;
    let mut gateways = Vec::new();
    let oif = route_oif(m);
    for a in &m.attributes {
        match a {
            RouteAttribute::Table(t) => table = *t,
            RouteAttribute::Priority(p) => metric = *p,
            RouteAttribute::Gateway(g) => gateways.extend(addr(g).map(|a| Gateway::new(a, oif))),
            RouteAttribute::Via(v) => gateways.extend(via(v).map(|a| Gateway::new(a, oif))),
            RouteAttribute::MultiPath(list) => {
                for h in list {
                    gateways.extend(h.attributes.iter().filter_map(|a| match a {
                        RouteAttribute::Gateway(g) => addr(g).map(|a| hop_gateway(h, a)),
                        RouteAttribute::Via(v) => via(v).map(|a| hop_gateway(h, a)),
                        _ => None,
                    }));
                }
            }
            _ => {}
        }
    }
    gateways.sort();
    gateways.dedup();
    Some(KernelRoute {
        prefix: route::prefix(m)?,
        gateways,
        oif,
        unicast: m.header.kind == RouteType::Unicast,
        protocol: u8::from(m.header.protocol),
        table,
        metric,
    })
}

fn via(v: &RouteVia) -> Option<IpAddr> {
    match v {
        RouteVia::Inet(a) => Some(IpAddr::V4(*a)),
        RouteVia::Inet6(a) => Some(IpAddr::V6(*a)),
        _ => None,
    }
}
