//! The route reconciler: felix's routes (protocol [`ROUTE_PROTOCOL`]) in the
//! main table, diffed against what felix last installed (or, on resyncs,
//! against a dump) and fixed in batches of raw rtnetlink messages, never
//! touching routes of other protocols.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures::TryStreamExt;
use ipnet::IpNet;
use rtnetlink::Handle;
use rtnetlink::packet_route::link::LinkAttribute;
use rtnetlink::packet_route::route::{RouteAttribute, RouteMessage, RouteType};
use terrace_netlink::route;

use super::route_batch::RouteSocket;
use super::routes_diff::{KernelRoute, RouteOp, diff, resolve};
use crate::ROUTE_PROTOCOL;
use crate::calc::RouteSpec;

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

/// rtnetlink in the current network namespace, and what felix installed.
#[derive(Debug)]
pub struct Routes {
    handle: Handle,
    /// Shared with the blocking pool, where its acknowledgements are read.
    batch: Arc<RouteSocket>,
    /// Interface indexes as last seen.
    ifindex: BTreeMap<String, u32>,
    /// felix's routes as last installed; `None` until a dump, or after a
    /// failure.
    installed: Option<BTreeSet<KernelRoute>>,
}

impl Routes {
    /// Opens a connection; its driver runs on the current tokio runtime.
    pub fn connect() -> Result<Self, RouteError> {
        let (conn, handle, _) = rtnetlink::new_connection().map_err(RouteError::Socket)?;
        tokio::spawn(conn);
        Ok(Self {
            handle,
            batch: Arc::new(RouteSocket::open().map_err(RouteError::Socket)?),
            ifindex: BTreeMap::new(),
            installed: None,
        })
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

    /// The index of interface `name`, if it exists.
    pub async fn link_index(&self, name: &str) -> Result<Option<u32>, RouteError> {
        let mut links = self
            .handle
            .link()
            .get()
            .match_name(name.to_string())
            .execute();
        match links.try_next().await {
            Ok(link) => Ok(link.map(|m| m.header.index)),
            // No such device: the route waits for the interface.
            Err(rtnetlink::Error::NetlinkError(e)) if e.raw_code() == -19 => Ok(None),
            Err(source) => Err(RouteError::Dump {
                what: "links",
                source,
            }),
        }
    }

    /// felix's routes in the main table.
    pub async fn dump(&self) -> Result<BTreeSet<KernelRoute>, RouteError> {
        let msgs = route::dump(&self.handle)
            .await
            .map_err(|source| RouteError::Dump {
                what: "routes",
                source,
            })?;
        Ok(msgs.iter().filter_map(owned_route).collect())
    }

    /// Applies `ops` in batches; every op is tried. The socket's blocking sends and
    /// receives run on tokio's blocking pool, never on a runtime worker.
    pub async fn apply(&self, ops: &[RouteOp]) -> Result<(), RouteError> {
        let socket = Arc::clone(&self.batch);
        let owned = ops.to_vec();
        let outcome = tokio::task::spawn_blocking(move || socket.apply(&owned))
            .await
            .map_err(|e| RouteError::Socket(std::io::Error::other(e)))?;
        match outcome.map_err(RouteError::Socket)? {
            Ok(()) => Ok(()),
            Err(f) => Err(RouteError::Apply {
                failed: f.failed,
                total: ops.len(),
                first: f.first,
            }),
        }
    }

    /// Brings felix's routes to `desired`. `full` dumps links and routes
    /// first (resyncs, new interfaces); otherwise the diff is against what
    /// felix last installed. Returns the operations performed.
    pub async fn reconcile(
        &mut self,
        desired: &BTreeSet<RouteSpec>,
        full: bool,
    ) -> Result<Vec<RouteOp>, RouteError> {
        if full || self.installed.is_none() {
            self.ifindex = self.links().await?;
        } else {
            // A new endpoint's interface: ask for it alone, not for every link.
            let unknown: BTreeSet<&String> = desired
                .iter()
                .filter_map(|r| r.iface.as_ref())
                .filter(|i| !self.ifindex.contains_key(*i))
                .collect();
            for name in unknown {
                if let Some(index) = self.link_index(name).await? {
                    self.ifindex.insert(name.clone(), index);
                }
            }
        }
        let have = match (&self.installed, full) {
            (Some(have), false) => have.clone(),
            _ => self.dump().await?,
        };
        let want = resolve(desired, &self.ifindex);
        let ops = diff(&want, &have);
        self.installed = None;
        if !ops.is_empty() {
            tracing::debug!(ops = ops.len(), "applying route delta");
            self.apply(&ops).await?;
        }
        self.installed = Some(want);
        Ok(ops)
    }
}

/// The route as a [`KernelRoute`] if felix owns it (its protocol, main table).
fn owned_route(m: &RouteMessage) -> Option<KernelRoute> {
    if u8::from(m.header.protocol) != ROUTE_PROTOCOL {
        return None;
    }
    // No destination attribute: a default route, which felix never installs.
    let dst = IpNet::new(route::destination(m)?, m.header.destination_prefix_length).ok()?;
    let oif = m.attributes.iter().rev().find_map(|a| match a {
        RouteAttribute::Oif(i) => Some(*i),
        _ => None,
    });
    let oif = if m.header.kind == RouteType::BlackHole {
        None
    } else {
        oif
    };
    Some(KernelRoute { dst, oif })
}
