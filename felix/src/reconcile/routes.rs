//! The route reconciler: felix's routes (protocol [`ROUTE_PROTOCOL`]) in the
//! main table, dumped, diffed and fixed over one rtnetlink socket with many
//! requests in flight (batched), never touching routes of other protocols.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use futures::{StreamExt, TryStreamExt, stream};
use ipnet::IpNet;
use rtnetlink::packet_route::link::LinkAttribute;
use rtnetlink::packet_route::route::{
    RouteAddress, RouteAttribute, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use rtnetlink::{Handle, RouteMessageBuilder};

use super::routes_diff::{KernelRoute, RouteOp, diff, resolve};
use crate::ROUTE_PROTOCOL;
use crate::calc::RouteSpec;

/// Requests in flight on the netlink socket at once.
const IN_FLIGHT: usize = 512;

/// Why the route reconciler failed.
#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    /// The netlink socket could not be opened.
    #[error("failed to open rtnetlink socket: {0}")]
    Socket(#[source] std::io::Error),
    /// A dump failed.
    #[error("failed to dump {what}: {source}")]
    Dump {
        /// Routes or links.
        what: &'static str,
        /// Netlink error.
        source: rtnetlink::Error,
    },
    /// Some operations failed (the others were applied).
    #[error("{failed} of {total} route operations failed, first: {first}")]
    Apply {
        /// Failed count.
        failed: usize,
        /// Total.
        total: usize,
        /// First error.
        first: String,
    },
}

/// An rtnetlink connection in the current network namespace.
#[derive(Debug, Clone)]
pub struct Routes {
    handle: Handle,
}

impl Routes {
    /// Opens a connection; its driver runs on the current tokio runtime.
    pub fn connect() -> Result<Self, RouteError> {
        let (conn, handle, _) = rtnetlink::new_connection().map_err(RouteError::Socket)?;
        tokio::spawn(conn);
        Ok(Self { handle })
    }

    /// Interface name → index.
    pub async fn links(&self) -> Result<BTreeMap<String, u32>, RouteError> {
        let msgs: Vec<_> = self
            .handle
            .link()
            .get()
            .execute()
            .try_collect()
            .await
            .map_err(|source| RouteError::Dump {
                what: "links",
                source,
            })?;
        Ok(msgs
            .into_iter()
            .filter_map(|m| {
                m.attributes.iter().find_map(|a| match a {
                    LinkAttribute::IfName(n) => Some((n.clone(), m.header.index)),
                    _ => None,
                })
            })
            .collect())
    }

    /// felix's routes in the main table.
    pub async fn dump(&self) -> Result<BTreeSet<KernelRoute>, RouteError> {
        let mut out = BTreeSet::new();
        let v4 = RouteMessageBuilder::<Ipv4Addr>::new().build();
        let v6 = RouteMessageBuilder::<Ipv6Addr>::new().build();
        for query in [v4, v6] {
            let msgs: Vec<RouteMessage> = self
                .handle
                .route()
                .get(query)
                .execute()
                .try_collect()
                .await
                .map_err(|source| RouteError::Dump {
                    what: "routes",
                    source,
                })?;
            out.extend(msgs.iter().filter_map(owned_route));
        }
        Ok(out)
    }

    /// Applies `ops`, many in flight at once; every op is tried.
    pub async fn apply(&self, ops: &[RouteOp]) -> Result<(), RouteError> {
        let results: Vec<Result<(), String>> = stream::iter(ops.iter().copied())
            .map(|op| self.one(op))
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        let errors: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        match errors.first() {
            None => Ok(()),
            Some(first) => Err(RouteError::Apply {
                failed: errors.len(),
                total: ops.len(),
                first: (*first).clone(),
            }),
        }
    }

    async fn one(&self, op: RouteOp) -> Result<(), String> {
        match op {
            RouteOp::Replace(r) => {
                let msg = message(r);
                self.handle.route().add(msg).replace().execute().await
            }
            RouteOp::Delete(r) => self.handle.route().del(message(r)).execute().await,
        }
        .or_else(|e| match (op, &e) {
            // Deleting something already gone is success.
            (RouteOp::Delete(_), rtnetlink::Error::NetlinkError(m))
                if m.raw_code() == -libc_esrch() =>
            {
                Ok(())
            }
            _ => Err(format!("{op:?}: {e}")),
        })
    }

    /// Dump, diff, apply. Returns the operations performed.
    pub async fn reconcile(
        &self,
        desired: &BTreeSet<RouteSpec>,
    ) -> Result<Vec<RouteOp>, RouteError> {
        let links = self.links().await?;
        let want = resolve(desired, &links);
        let have = self.dump().await?;
        let ops = diff(&want, &have);
        if !ops.is_empty() {
            tracing::debug!(ops = ops.len(), "applying route delta");
            self.apply(&ops).await?;
        }
        Ok(ops)
    }
}

/// ESRCH: "no such process", netlink's answer to deleting a missing route.
fn libc_esrch() -> i32 {
    3
}

/// The netlink message for a route of ours.
pub fn message(r: KernelRoute) -> RouteMessage {
    let builder = RouteMessageBuilder::<IpAddr>::new()
        .destination_prefix(r.dst.addr(), r.dst.prefix_len())
        // An IpNet's prefix length always fits its family.
        .unwrap_or_else(|_| RouteMessageBuilder::<IpAddr>::new())
        .protocol(RouteProtocol::Other(ROUTE_PROTOCOL));
    let builder = match r.oif {
        Some(i) => builder.output_interface(i).scope(RouteScope::Link),
        None => builder.kind(RouteType::BlackHole),
    };
    builder.build()
}

/// The route as a [`KernelRoute`] if felix owns it (its protocol, main table).
fn owned_route(m: &RouteMessage) -> Option<KernelRoute> {
    if u8::from(m.header.protocol) != ROUTE_PROTOCOL {
        return None;
    }
    let len = m.header.destination_prefix_length;
    let mut dst = None;
    let mut oif = None;
    for a in &m.attributes {
        match a {
            RouteAttribute::Destination(RouteAddress::Inet(a)) => dst = Some(IpAddr::V4(*a)),
            RouteAttribute::Destination(RouteAddress::Inet6(a)) => dst = Some(IpAddr::V6(*a)),
            RouteAttribute::Oif(i) => oif = Some(*i),
            _ => {}
        }
    }
    let dst = IpNet::new(dst?, len).ok()?;
    let oif = if m.header.kind == RouteType::BlackHole {
        None
    } else {
        oif
    };
    Some(KernelRoute { dst, oif })
}
