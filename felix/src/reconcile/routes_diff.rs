//! Desired routes vs the kernel's routes of felix's protocol → minimal
//! operations. Pure.

use std::collections::{BTreeMap, BTreeSet};

use ipnet::IpNet;

use crate::calc::RouteSpec;

/// A route as the kernel holds it: destination and output interface index
/// (`None` for a blackhole).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KernelRoute {
    /// Destination prefix.
    pub dst: IpNet,
    /// Output interface index; `None` for a blackhole route.
    pub oif: Option<u32>,
}

/// One netlink operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteOp {
    /// Add, or replace a route with the same destination.
    Replace(KernelRoute),
    /// Delete.
    Delete(KernelRoute),
}

/// Desired routes with interface names resolved; routes whose interface
/// does not exist (yet) are left out — they are added once it appears.
pub fn resolve(
    desired: &BTreeSet<RouteSpec>,
    ifindex: &BTreeMap<String, u32>,
) -> BTreeSet<KernelRoute> {
    desired
        .iter()
        .filter_map(|r| match &r.iface {
            None => Some(KernelRoute {
                dst: r.dst,
                oif: None,
            }),
            Some(name) => ifindex.get(name).map(|i| KernelRoute {
                dst: r.dst,
                oif: Some(*i),
            }),
        })
        .collect()
}

/// The operations turning `actual` into `desired`. A destination that moves
/// to another interface is one replace, not a delete and an add.
pub fn diff(desired: &BTreeSet<KernelRoute>, actual: &BTreeSet<KernelRoute>) -> Vec<RouteOp> {
    let replaced: BTreeSet<IpNet> = desired.difference(actual).map(|r| r.dst).collect();
    let deletes = actual
        .difference(desired)
        .filter(|r| !replaced.contains(&r.dst))
        .map(|r| RouteOp::Delete(*r));
    let adds = desired.difference(actual).map(|r| RouteOp::Replace(*r));
    deletes.chain(adds).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(dst: &str, oif: Option<u32>) -> KernelRoute {
        KernelRoute {
            dst: dst.parse().unwrap(),
            oif,
        }
    }

    #[test]
    fn route_diff_table() {
        type Case = (
            &'static str,
            Vec<KernelRoute>,
            Vec<KernelRoute>,
            Vec<RouteOp>,
        );
        let cases: Vec<Case> = vec![
            (
                "nothing to do when they agree",
                vec![r("10.0.0.1/32", Some(3))],
                vec![r("10.0.0.1/32", Some(3))],
                vec![],
            ),
            (
                "a missing route is added",
                vec![r("10.0.0.1/32", Some(3))],
                vec![],
                vec![RouteOp::Replace(r("10.0.0.1/32", Some(3)))],
            ),
            (
                "a stale route of ours is deleted",
                vec![],
                vec![r("10.0.0.0/26", None)],
                vec![RouteOp::Delete(r("10.0.0.0/26", None))],
            ),
            (
                "a moved endpoint is one replace",
                vec![r("10.0.0.1/32", Some(4))],
                vec![r("10.0.0.1/32", Some(3))],
                vec![RouteOp::Replace(r("10.0.0.1/32", Some(4)))],
            ),
        ];
        for (name, desired, actual, want) in cases {
            let got = diff(
                &desired.into_iter().collect(),
                &actual.into_iter().collect(),
            );
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn routes_wait_for_their_interface() {
        let desired = BTreeSet::from([
            RouteSpec {
                dst: "10.0.0.1/32".parse().unwrap(),
                iface: Some("tra".into()),
            },
            RouteSpec {
                dst: "10.0.0.2/32".parse().unwrap(),
                iface: Some("trb".into()),
            },
            RouteSpec {
                dst: "10.0.0.0/26".parse().unwrap(),
                iface: None,
            },
        ]);
        let idx = BTreeMap::from([("tra".to_string(), 7)]);
        let got: Vec<KernelRoute> = resolve(&desired, &idx).into_iter().collect();
        assert_eq!(got, vec![r("10.0.0.0/26", None), r("10.0.0.1/32", Some(7))]);
    }
}
