//! The RIB as one value: peers, the Loc-RIB with the Adj-RIBs-In folded in, what each
//! peer has been told (derived, [`super::adj_out`]) and origination. Every method is
//! pure state transition and returns a [`RibOutput`] for the driver.
//!
//! [`Rib`]'s fields are private to this module; its methods are spread over the child
//! modules by concern: [`routes`] (sessions and UPDATEs), [`table_export`] (whole-table
//! exports), [`soft_reset`], [`deferral`] (Graceful Restart) and [`queries`]. The
//! parts with invariants of their own keep them behind their own types: [`Peers`],
//! [`LocRib`], [`ToldTable`], [`Deferral`], [`Interner`].

mod deferral;
mod queries;
mod routes;
mod soft_reset;
mod table_export;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use super::adj_out::ToldTable;
use super::advert::Advert;
use super::deferral::Deferral;
use super::exports::{ExportCache, ExportView, Exporter, PathIds};
use super::fib::FibDelta;
use super::intern::Interner;
use super::loc::{BestChange, Decide, LocRib};
use super::nexthop::NextHopTable;
use super::path::StoredPath;
use super::peer_index::PeerIdx;
use super::peer_policy::{PeerPolicy, RibConfig};
use super::peers::Peers;
use super::types::{FastMap, PeerId, PeerInfo, RibAttrs};
use crate::wire::{Afi, Notification, PathAttrs};
use routes::ImportCache;

/// Timer requests for Graceful Restart stale routes (RFC 4724 §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaleTimer {
    /// Start (or restart) the peer's restart timer; on expiry call `stale_timer_expired`.
    Start {
        /// Peer.
        peer: PeerId,
        /// Seconds: the restart time the peer advertised.
        secs: u16,
    },
    /// No stale routes left: stop it.
    Stop {
        /// Peer.
        peer: PeerId,
    },
}

/// Everything a RIB operation asks the driver to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RibOutput {
    /// Kernel FIB changes.
    pub fib: Vec<FibDelta>,
    /// Adj-RIB-Out changes per peer (pack with [`super::pack`] and send).
    pub adverts: Vec<(PeerId, Advert)>,
    /// Sessions to close with this NOTIFICATION (feed `fsm::Input::Close`).
    pub close: Vec<(PeerId, Notification)>,
    /// Stale-route timers.
    pub timers: Vec<StaleTimer>,
}

/// The routing information bases of the speaker.
#[derive(Debug)]
pub struct Rib {
    config: RibConfig,
    /// Configured peers and their numbers.
    peers: Peers,
    /// Every stored path: Adj-RIBs-In and Loc-RIB in one table.
    loc: LocRib,
    /// What each peer has been told, as far as it is stored ([`super::adj_out`]).
    told: ToldTable,
    interner: Interner,
    originated: Vec<IpNet>,
    /// Export results per (target, source, attribute set address, family); cleared when
    /// policies or sessions change and before garbage collection.
    export_cache: ExportCache,
    /// Interior cost to next hops, for decision step (e) (RFC 4271 §9.1.2.2).
    igp_costs: HashMap<IpAddr, u32>,
    /// ADD-PATH identifiers we send, per (source peer, received path id) (RFC 7911).
    path_ids: PathIds,
    /// Graceful Restart selection deferral after our own restart (RFC 4724 §4.1).
    deferral: Deferral,
    /// Routes that resolve next hops (RFC 4271 §9.1.2); `None`: all are resolvable.
    next_hops: Option<Arc<NextHopTable>>,
    /// Scratch list of established peers for [`Rib::propagate`].
    targets: Vec<(PeerId, PeerIdx)>,
}

fn resolvable(table: Option<&NextHopTable>, next_hop: IpAddr) -> bool {
    table.is_none_or(|t| t.resolve(next_hop).is_some())
}

impl Rib {
    /// An empty RIB.
    pub fn new(config: RibConfig) -> Rib {
        let peers = Peers::new(PeerInfo::local(config.router_id, config.local_as));
        Rib {
            config,
            peers,
            loc: LocRib::default(),
            told: ToldTable::default(),
            interner: Interner::default(),
            originated: Vec::new(),
            export_cache: FastMap::default(),
            path_ids: FastMap::default(),
            igp_costs: HashMap::new(),
            deferral: Default::default(),
            next_hops: None,
            targets: Vec::new(),
        }
    }

    /// Configure a peer (its session is down until `peer_up`). A peer configured
    /// already only gets the new policy; [`Rib::set_policy`] also applies it.
    pub fn add_peer(&mut self, id: PeerId, policy: PeerPolicy) {
        self.peers.add(id, policy);
    }

    /// Remove a peer and all its routes.
    pub fn remove_peer(&mut self, id: PeerId) -> RibOutput {
        let mut out = self.peer_down(id, false);
        if let Some(peer) = self.peers.remove(id) {
            self.loc.forget_peer(peer.idx());
            *self.told.get_mut(peer.idx()) = Default::default();
        }
        out.timers.push(StaleTimer::Stop { peer: id });
        out
    }

    /// Replace a peer's policy (config reload) and re-run import and export.
    pub fn set_policy(&mut self, id: PeerId, policy: PeerPolicy) -> RibOutput {
        let mut out = RibOutput::default();
        let Some(peer) = self.peers.get_mut(&id) else {
            return out;
        };
        let old_policy = std::mem::replace(&mut peer.policy, policy);
        let (idx, rr_client, ebgp) = (peer.idx(), peer.policy.rr_client, peer.policy.is_ebgp());
        self.export_cache.clear();
        if let Some(old) = self.peers.index().info(idx).copied() {
            let info = PeerInfo {
                rr_client,
                ebgp,
                ..old
            };
            if info != old {
                self.peers.set_info(idx, info);
                self.reexport_source(idx, &old, &mut out);
            }
        }
        // Export first, from what it was told under the old policy, then import: the
        // changes import makes are told under the new one.
        self.reexport_target(id, &old_policy, &mut out);
        self.reimport(id, &mut out);
        self.end_of_rib(id, None, &mut out);
        out
    }

    /// Set the interior cost to each next hop (decision step (e), RFC 4271 §9.1.2.2) and
    /// re-run the decision where it can matter. Next hops not listed cost nothing.
    pub fn set_igp_costs(&mut self, costs: HashMap<IpAddr, u32>) -> RibOutput {
        self.igp_costs = costs;
        let mut out = RibOutput::default();
        for prefix in self.loc.contested() {
            let change = self.reselect_prefix(prefix);
            self.propagate(change, &mut out);
        }
        out.fib = super::fib::coalesce(std::mem::take(&mut out.fib));
        out
    }

    /// Set the routing table next hops resolve against (`None`: every next hop counts as
    /// resolvable) and re-run import for the routes whose next hop became resolvable
    /// or unresolvable (RFC 4271 §9.1.2: only those with a resolvable next hop take part
    /// in the decision process).
    pub fn set_next_hop_table(&mut self, table: Option<Arc<NextHopTable>>) -> RibOutput {
        let old = std::mem::replace(&mut self.next_hops, table);
        let mut out = RibOutput::default();
        let mut flipped: HashMap<IpAddr, bool> = HashMap::new();
        let mut changed: Vec<(PeerIdx, IpNet, u32)> = Vec::new();
        for (prefix, path) in self.loc.all_paths() {
            if path.peer == PeerIdx::LOCAL {
                continue;
            }
            let nh = path.received.next_hop;
            let differs = *flipped.entry(nh).or_insert_with(|| {
                resolvable(old.as_deref(), nh) != resolvable(self.next_hops.as_deref(), nh)
            });
            if differs {
                changed.push((path.peer, prefix, path.path_id));
            }
        }
        changed.sort_unstable_by_key(|(peer, _, _)| self.peers.index().id(*peer));
        let mut cache = ImportCache::again();
        for (idx, prefix, path_id) in changed {
            self.reimport_one(idx, prefix, path_id, &mut cache, &mut out);
        }
        out.fib = super::fib::coalesce(std::mem::take(&mut out.fib));
        out
    }

    /// The table set by [`Rib::set_next_hop_table`].
    pub fn next_hop_table(&self) -> Option<Arc<NextHopTable>> {
        self.next_hops.clone()
    }

    /// Whether a next hop takes part in the decision process.
    fn next_hop_resolvable(&self, next_hop: IpAddr) -> bool {
        resolvable(self.next_hops.as_deref(), next_hop)
    }

    /// Run import again for everything a peer sent (policy change, soft reset).
    fn reimport(&mut self, id: PeerId, out: &mut RibOutput) {
        let Some(idx) = self.peers.get(&id).map(|p| p.idx()) else {
            return;
        };
        let mut cache = ImportCache::again();
        for (prefix, path_id) in self.loc.paths_of(idx, None, false) {
            self.reimport_one(idx, prefix, path_id, &mut cache, out);
        }
    }

    /// Run import again for one stored path (a re-import keeps its stale mark).
    fn reimport_one(
        &mut self,
        idx: PeerIdx,
        prefix: IpNet,
        path_id: u32,
        cache: &mut ImportCache,
        out: &mut RibOutput,
    ) {
        let Some(id) = self.peers.index().id(idx) else {
            return;
        };
        let Some(received) = self
            .loc
            .path(&prefix, idx, path_id)
            .map(|p| Arc::clone(&p.received))
        else {
            return;
        };
        self.import_one(id, prefix, path_id, received, cache, out);
    }

    /// Store a path in the Loc-RIB, deciding again.
    fn store_path(
        &mut self,
        prefix: IpNet,
        path: StoredPath,
        clear_stale: bool,
    ) -> Option<BestChange> {
        let ctx = Decide {
            peers: self.peers.index(),
            max_paths: self.config.max_paths,
            igp_costs: &self.igp_costs,
        };
        self.loc.store(prefix, path, clear_stale, &ctx)
    }

    /// Remove a path from the Loc-RIB, deciding again.
    fn remove_path(&mut self, prefix: IpNet, peer: PeerIdx, path_id: u32) -> Option<BestChange> {
        let ctx = Decide {
            peers: self.peers.index(),
            max_paths: self.config.max_paths,
            igp_costs: &self.igp_costs,
        };
        self.loc.remove(prefix, peer, path_id, &ctx)
    }

    fn reselect_prefix(&mut self, prefix: IpNet) -> Option<BestChange> {
        let ctx = Decide {
            peers: self.peers.index(),
            max_paths: self.config.max_paths,
            igp_costs: &self.igp_costs,
        };
        self.loc.reselect(prefix, &ctx)
    }

    /// Set the prefixes we originate (see [`super::originated`]); withdraws the ones
    /// no longer listed.
    pub fn set_originated(&mut self, prefixes: Vec<IpNet>) -> RibOutput {
        let routes = prefixes
            .into_iter()
            .map(|p| (p, PathAttrs::default()))
            .collect();
        self.set_originated_routes(routes)
    }

    /// Like [`Rib::set_originated`], with attributes per prefix (communities, large
    /// communities from the configuration); ORIGIN is IGP unless set.
    pub fn set_originated_routes(&mut self, routes: Vec<(IpNet, PathAttrs)>) -> RibOutput {
        let prefixes: Vec<IpNet> = routes.iter().map(|(p, _)| *p).collect();
        let mut out = RibOutput::default();
        let removed: Vec<IpNet> = self
            .originated
            .iter()
            .filter(|p| !prefixes.contains(p))
            .copied()
            .collect();
        for p in removed {
            let change = self.remove_path(p, PeerIdx::LOCAL, 0);
            self.propagate(change, &mut out);
        }
        for (p, path) in routes {
            let attrs = self.interner.intern(RibAttrs {
                path: PathAttrs {
                    origin: Some(path.origin.unwrap_or(crate::wire::Origin::Igp)),
                    ..path
                },
                next_hop: PeerId::LOCAL.0,
            });
            let path = StoredPath::new(PeerIdx::LOCAL, 0, Arc::clone(&attrs), Some(attrs), true);
            let change = self.store_path(p, path, true);
            self.propagate(change, &mut out);
        }
        self.originated = prefixes;
        out
    }

    /// Families a peer's session carries.
    fn families(&self, id: PeerId) -> Vec<Afi> {
        self.peers.families(id)
    }

    /// Record a Loc-RIB change: FIB delta and what it changes for every established
    /// peer that has been sent the table.
    fn propagate(&mut self, change: Option<BestChange>, out: &mut RibOutput) {
        let Some(mut change) = change else {
            return;
        };
        if self.deferral.is_active() {
            // Held back until End-of-RIB from every peer (see `deferral`).
            return;
        }
        if let Some(fib) = change.fib.take() {
            out.fib.push(fib);
        }
        // A buffer kept between calls: this runs for every route change.
        let mut targets = std::mem::take(&mut self.targets);
        targets.clear();
        targets.extend(self.synced_targets());
        let (_, mut ex, told) = self.split();
        for (target, idx) in &targets {
            let c = ex.tell(*target, &change, &mut out.adverts);
            told.get_mut(*idx).count(c);
        }
        self.targets = targets;
    }

    /// Peers whose session is up and that have been sent the table.
    fn synced_targets(&self) -> impl Iterator<Item = (PeerId, PeerIdx)> + '_ {
        self.peers
            .iter()
            .filter(|(_, p)| p.session.is_some() && self.told.get(p.idx()).synced)
            .map(|(id, p)| (*id, p.idx()))
    }

    /// Export inputs, read-only.
    fn exports(&self) -> ExportView<'_> {
        ExportView::new(&self.peers, &self.config, &self.path_ids)
    }

    /// The Loc-RIB, an exporter and the told state, borrowed apart.
    fn split(&mut self) -> (&LocRib, Exporter<'_>, &mut ToldTable) {
        let ex = Exporter::new(
            &self.peers,
            &self.config,
            &mut self.path_ids,
            &mut self.export_cache,
            &mut self.interner,
        );
        (&self.loc, ex, &mut self.told)
    }
}
