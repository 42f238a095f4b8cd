//! Pure FIB bookkeeping: what the kernel holds of ours, what it should hold once BGP
//! next hops are resolved to gateways, and what to delete after a restart once the RIB
//! has re-converged.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use crate::rib::intern::Interner;
use crate::rib::{FibDelta, Gateway, NextHopTable};

/// What the FIB knows of one prefix.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Route {
    /// The BGP next hops the RIB selected (sorted), if it selected any.
    pub want: Option<Arc<[IpAddr]>>,
    /// The gateways our kernel route goes via (sorted), if we have one there.
    pub have: Option<Arc<[Gateway]>>,
}

/// Every prefix the RIB wants in the kernel or that we hold there. One map, not one
/// for each side: a prefix costs one key, and a change one lookup per step.
pub type Routes = BTreeMap<IpNet, Route>;

/// A RIB delta as the FIB keeps it: the prefix and its next hops, or `None` once it is
/// no longer reachable through BGP.
pub type Change = (IpNet, Option<Arc<[IpAddr]>>);

/// One kernel operation on a route of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Install or change the route to go via these gateways.
    Replace(IpNet, Vec<Gateway>),
    /// Remove the route.
    Delete(IpNet),
}

/// Lists of next hops or gateways shared by every route that has them: a full table
/// has a handful of distinct lists, so a route costs a pointer, not a vector. Unused
/// lists are forgotten whenever the store has doubled since it last looked.
#[derive(Debug)]
pub struct Shared<T> {
    lists: Interner<[T]>,
    collect_at: usize,
}

impl<T> Default for Shared<T> {
    fn default() -> Self {
        Self {
            lists: Interner::default(),
            collect_at: 64,
        }
    }
}

impl<T: Clone + Eq + Hash> Shared<T> {
    /// The shared copy of `list`.
    pub fn share(&mut self, list: &[T]) -> Arc<[T]> {
        if self.lists.len() >= self.collect_at {
            self.lists.collect_garbage();
            self.collect_at = (2 * self.lists.len()).max(64);
        }
        self.lists.intern(list)
    }

    /// Distinct lists held.
    pub fn len(&self) -> usize {
        self.lists.len()
    }

    /// True when no list is held.
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }
}

/// A RIB delta as a [`Change`], its next hops shared through `hops`.
pub fn change(d: &FibDelta, hops: &mut Shared<IpAddr>) -> Change {
    match d {
        FibDelta::Add { prefix, next_hops } | FibDelta::Replace { prefix, next_hops } => {
            (*prefix, Some(hops.share(next_hops)))
        }
        FibDelta::Remove { prefix } => (*prefix, None),
    }
}

/// Record a change in what the RIB wants.
pub fn record(routes: &mut Routes, (prefix, next_hops): &Change) {
    match next_hops {
        Some(nhs) => routes.entry(*prefix).or_default().want = Some(Arc::clone(nhs)),
        None => clear(routes, *prefix, |r| r.want = None),
    }
}

/// Apply `f` to the prefix's entry, if there is one, and drop the entry once neither
/// side holds anything.
fn clear(routes: &mut Routes, prefix: IpNet, f: impl FnOnce(&mut Route)) {
    if let Entry::Occupied(mut e) = routes.entry(prefix) {
        f(e.get_mut());
        if e.get().want.is_none() && e.get().have.is_none() {
            e.remove();
        }
    }
}

/// Record a kernel operation that succeeded.
pub fn applied(routes: &mut Routes, gateways: &mut Shared<Gateway>, op: &Op) {
    match op {
        Op::Replace(prefix, gws) => {
            routes.entry(*prefix).or_default().have = Some(gateways.share(gws));
        }
        Op::Delete(prefix) => clear(routes, *prefix, |r| r.have = None),
    }
}

/// The operation that brings `prefix` in the kernel to its desired next hops resolved
/// through `table`: via the resolved gateways, or removed when no next hop resolves.
pub fn sync(prefix: IpNet, routes: &Routes, table: &NextHopTable) -> Option<Op> {
    op_for(prefix, routes.get(&prefix), table)
}

fn op_for(prefix: IpNet, route: Option<&Route>, table: &NextHopTable) -> Option<Op> {
    let want = route
        .and_then(|r| r.want.as_ref())
        .map(|nhs| table.gateways(nhs))
        .unwrap_or_default();
    match (want.is_empty(), route.and_then(|r| r.have.as_ref())) {
        (true, None) => None,
        (true, Some(_)) => Some(Op::Delete(prefix)),
        (false, Some(have)) if **have == *want => None,
        (false, _) => Some(Op::Replace(prefix, want)),
    }
}

/// After the table changed: the operations for every desired prefix.
pub fn reconcile(routes: &Routes, table: &NextHopTable) -> Vec<Op> {
    routes
        .iter()
        .filter(|(_, r)| r.want.is_some())
        .filter_map(|(p, r)| op_for(*p, Some(r), table))
        .collect()
}

/// Routes found at start that the RIB did not (re)install since: delete these once the
/// RIB has re-converged after a restart.
pub fn leftovers(found_at_start: &BTreeSet<IpNet>, touched: &BTreeSet<IpNet>) -> Vec<IpNet> {
    found_at_start.difference(touched).copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn only_routes_nobody_reannounced_are_left_over() {
        let found: BTreeSet<IpNet> = [net("10.65.1.0/26"), net("10.65.2.0/26")].into();
        let table = [
            (
                "nothing relearned: all go",
                vec![],
                vec![net("10.65.1.0/26"), net("10.65.2.0/26")],
            ),
            (
                "one relearned: the other goes",
                vec![net("10.65.1.0/26")],
                vec![net("10.65.2.0/26")],
            ),
            (
                "all relearned: none go",
                vec![net("10.65.1.0/26"), net("10.65.2.0/26")],
                vec![],
            ),
        ];
        for (name, touched, want) in table {
            let touched: BTreeSet<IpNet> = touched.into_iter().collect();
            assert_eq!(leftovers(&found, &touched), want, "{name}");
        }
    }

    #[test]
    fn deltas_update_the_desired_table() {
        let mut t = Routes::new();
        let mut hops = Shared::default();
        let p = net("10.65.1.0/26");
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let add = FibDelta::Add {
            prefix: p,
            next_hops: vec![a],
        };
        record(&mut t, &change(&add, &mut hops));
        let replace = FibDelta::Replace {
            prefix: p,
            next_hops: vec![a, b],
        };
        record(&mut t, &change(&replace, &mut hops));
        let want = t.get(&p).and_then(|r| r.want.as_deref());
        assert_eq!(want, Some(&[a, b][..]));
        record(&mut t, &change(&FibDelta::Remove { prefix: p }, &mut hops));
        assert!(t.is_empty());
    }

    #[test]
    fn a_prefix_is_forgotten_once_neither_the_rib_nor_the_kernel_holds_it() {
        let (mut t, mut hops, mut gateways) = (Routes::new(), Shared::default(), Shared::default());
        let p = net("10.65.1.0/26");
        let add = FibDelta::Add {
            prefix: p,
            next_hops: ips("10.0.0.1"),
        };
        record(&mut t, &change(&add, &mut hops));
        applied(&mut t, &mut gateways, &Op::Replace(p, gws("10.0.0.1")));
        record(&mut t, &change(&FibDelta::Remove { prefix: p }, &mut hops));
        assert!(
            t.get(&p)
                .is_some_and(|r| r.want.is_none() && r.have.is_some())
        );
        applied(&mut t, &mut gateways, &Op::Delete(p));
        assert!(t.is_empty());
        applied(&mut t, &mut gateways, &Op::Delete(p));
        assert!(t.is_empty(), "deleting what is gone adds nothing");
    }

    #[test]
    fn routes_with_the_same_next_hops_share_one_list() {
        let mut hops = Shared::default();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let changes: Vec<Change> = (0..1000u32)
            .map(|i| {
                let prefix = IpNet::new(IpAddr::from((0x0a40_0000 + (i << 8)).to_be_bytes()), 24);
                let d = FibDelta::Add {
                    prefix: prefix.unwrap(),
                    next_hops: vec![a],
                };
                change(&d, &mut hops)
            })
            .collect();
        assert_eq!(hops.len(), 1);
        let first = changes[0].1.as_ref().unwrap();
        assert!(
            changes
                .iter()
                .all(|(_, h)| Arc::ptr_eq(h.as_ref().unwrap(), first))
        );
    }

    #[test]
    fn lists_nobody_holds_are_forgotten_as_the_store_grows() {
        let mut hops: Shared<u32> = Shared::default();
        let held: Vec<_> = (0..10).map(|i| hops.share(&[i])).collect();
        for i in 10..10_000 {
            hops.share(&[i]);
        }
        assert!(hops.len() < 200, "{} lists kept", hops.len());
        assert!(held.iter().enumerate().all(|(i, h)| h[..] == [i as u32]));
        assert!(!hops.is_empty());
    }

    fn ips(s: &str) -> Vec<IpAddr> {
        s.split_whitespace().map(|a| a.parse().unwrap()).collect()
    }

    fn gws(s: &str) -> Vec<Gateway> {
        ips(s).into_iter().map(Gateway::from).collect()
    }

    /// A prefix's entry from its wanted next hops and installed gateways.
    fn route(want: Option<&str>, have: Option<&str>) -> Route {
        Route {
            want: want.map(|w| ips(w).into()),
            have: have.map(|h| gws(h).into()),
        }
    }

    /// A host on 10.0.1.0/30 whose ToR is 10.0.1.1; `extra` routes are added to it.
    fn table(extra: &[(&str, &str)]) -> NextHopTable {
        let route = |prefix: &str, via: &str| crate::rib::KernelRoute {
            prefix: net(prefix),
            gateways: gws(via),
            oif: None,
            unicast: true,
            protocol: 2,
            table: crate::rib::nexthop::MAIN_TABLE,
            metric: 0,
        };
        let mut routes = vec![route("10.0.1.0/30", "")];
        routes.extend(extra.iter().map(|(p, g)| route(p, g)));
        NextHopTable::new(routes, crate::fib::ROUTE_PROTOCOL)
    }

    /// Name, desired next hops, table, installed gateways, expected operation.
    type Row<'a> = (
        &'a str,
        &'a str,
        &'a NextHopTable,
        Option<&'a str>,
        Option<Op>,
    );

    #[test]
    fn desired_routes_are_installed_via_resolved_gateways() {
        let p = net("10.65.2.0/26");
        let with_default = table(&[("0.0.0.0/0", "10.0.1.1")]);
        let with_route = table(&[("10.0.2.0/24", "10.0.1.1")]);
        let connected_only = table(&[]);
        let rows: [Row<'_>; 8] = [
            (
                "remote next hop via the default: installed via the tor",
                "10.0.2.2",
                &with_default,
                None,
                Some(Op::Replace(p, gws("10.0.1.1"))),
            ),
            (
                "remote next hop via a specific route",
                "10.0.2.2",
                &with_route,
                None,
                Some(Op::Replace(p, gws("10.0.1.1"))),
            ),
            (
                "directly connected: via the next hop itself",
                "10.0.1.1",
                &connected_only,
                None,
                Some(Op::Replace(p, gws("10.0.1.1"))),
            ),
            (
                "already installed that way: nothing",
                "10.0.2.2",
                &with_default,
                Some("10.0.1.1"),
                None,
            ),
            (
                "unresolvable and absent: nothing",
                "10.0.2.2",
                &connected_only,
                None,
                None,
            ),
            (
                "became unresolvable: removed",
                "10.0.2.2",
                &connected_only,
                Some("10.0.1.1"),
                Some(Op::Delete(p)),
            ),
            (
                "installed by a previous run via the bgp next hop: fixed",
                "10.0.2.2",
                &with_default,
                Some("10.0.2.2"),
                Some(Op::Replace(p, gws("10.0.1.1"))),
            ),
            (
                "ecmp over one connected and one remote next hop",
                "10.0.1.2 10.0.2.2",
                &with_default,
                None,
                Some(Op::Replace(p, gws("10.0.1.1 10.0.1.2"))),
            ),
        ];
        for (name, nhs, t, have, want) in rows {
            let routes: Routes = [(p, route(Some(nhs), have))].into();
            assert_eq!(sync(p, &routes, t), want, "{name}");
        }
    }

    #[test]
    fn a_withdrawn_prefix_is_deleted_only_if_installed() {
        let p = net("10.65.2.0/26");
        let t = table(&[]);
        let installed: Routes = [(p, route(None, Some("10.0.1.1")))].into();
        assert_eq!(sync(p, &installed, &t), Some(Op::Delete(p)));
        assert_eq!(sync(p, &Routes::new(), &t), None);
    }

    #[test]
    fn a_table_change_touches_only_desired_prefixes_whose_gateways_changed() {
        let (a, b) = (net("10.65.1.0/26"), net("10.65.2.0/26"));
        let leftover = net("10.99.0.0/24");
        let routes: Routes = [
            (a, route(Some("10.0.1.1"), Some("10.0.1.1"))),
            (b, route(Some("10.0.2.2"), Some("10.0.1.1"))),
            (leftover, route(None, Some("10.0.1.1"))),
        ]
        .into();
        let rows = [
            (
                "default route gone: b goes, a (connected) and the leftover stay",
                table(&[]),
                vec![Op::Delete(b)],
            ),
            (
                "still resolvable the same way: nothing",
                table(&[("0.0.0.0/0", "10.0.1.1")]),
                vec![],
            ),
            (
                "resolved through another gateway now",
                table(&[("10.0.2.0/24", "10.0.1.2")]),
                vec![Op::Replace(b, gws("10.0.1.2"))],
            ),
        ];
        for (name, t, want) in rows {
            assert_eq!(reconcile(&routes, &t), want, "{name}");
        }
    }
}
