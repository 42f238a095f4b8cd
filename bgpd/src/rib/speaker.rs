//! The RIB as one value: peers, Adj-RIBs-In, Loc-RIB, Adj-RIBs-Out and origination.
//! Every method is pure state transition and returns a [`RibOutput`] for the driver.

use std::collections::HashMap;
use std::sync::Arc;

use ipnet::IpNet;

use super::adj_in::AdjRibIn;
use super::advert::Advert;
use super::fib::FibDelta;
use super::intern::Interner;
use super::loc::{BestChange, LocRib};
use super::nexthop::NextHopTable;
use super::peer_policy::{PeerPolicy, RibConfig};
use super::types::{Candidate, FastMap, PeerId, PeerInfo, RibAttrs};
use crate::fsm::NegotiatedSession;
use crate::wire::{Afi, Notification, PathAttrs};

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

/// One configured peer.
#[derive(Debug)]
pub(super) struct Peer {
    pub policy: PeerPolicy,
    pub session: Option<NegotiatedSession>,
    pub adj_in: AdjRibIn,
    pub adj_out: super::adj_out::AdjRibOut,
}

/// The routing information bases of the speaker.
#[derive(Debug)]
pub struct Rib {
    pub(super) config: RibConfig,
    pub(super) peers: FastMap<PeerId, Peer>,
    /// Decision-process view of peers that have routes in the Loc-RIB (incl. LOCAL).
    pub(super) infos: FastMap<PeerId, PeerInfo>,
    pub(super) loc: LocRib,
    pub(super) interner: Interner,
    pub(super) originated: Vec<IpNet>,
    /// Export results per (target, source, attribute set address, family); cleared when
    /// policies or sessions change and before garbage collection.
    pub(super) export_cache: FastMap<ExportKey, (Arc<RibAttrs>, Option<Arc<RibAttrs>>)>,
    /// Interior cost to next hops, for decision step (e) (RFC 4271 §9.1.2.2).
    pub(super) igp_costs: HashMap<std::net::IpAddr, u32>,
    /// ADD-PATH identifiers we send, per (source peer, received path id) (RFC 7911).
    pub(super) path_ids: FastMap<(PeerId, u32), u32>,
    /// Graceful Restart selection deferral after our own restart (RFC 4724 §4.1).
    pub(super) deferral: super::deferral::Deferral,
    /// Routes that resolve next hops (RFC 4271 §9.1.2); `None`: all are resolvable.
    pub(super) next_hops: Option<Arc<NextHopTable>>,
    /// Scratch list of established peers for [`Rib::propagate`].
    targets: Vec<PeerId>,
}

fn resolvable(table: Option<&NextHopTable>, next_hop: std::net::IpAddr) -> bool {
    table.is_none_or(|t| t.resolve(next_hop).is_some())
}

/// Key of the export cache.
pub(super) type ExportKey = (PeerId, PeerId, usize, crate::wire::Afi);

impl Rib {
    /// An empty RIB.
    pub fn new(config: RibConfig) -> Rib {
        let mut infos = FastMap::default();
        infos.insert(
            PeerId::LOCAL,
            PeerInfo::local(config.router_id, config.local_as),
        );
        Rib {
            config,
            peers: FastMap::default(),
            infos,
            loc: LocRib::default(),
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

    /// Configure a peer (its session is down until `peer_up`).
    pub fn add_peer(&mut self, id: PeerId, policy: PeerPolicy) {
        let peer = Peer {
            policy,
            session: None,
            adj_in: AdjRibIn::default(),
            adj_out: super::adj_out::AdjRibOut::default(),
        };
        self.peers.insert(id, peer);
    }

    /// Remove a peer and all its routes.
    pub fn remove_peer(&mut self, id: PeerId) -> RibOutput {
        let mut out = self.peer_down(id, false);
        self.peers.remove(&id);
        self.infos.remove(&id);
        out.timers.push(StaleTimer::Stop { peer: id });
        out
    }

    /// Replace a peer's policy (config reload) and re-run import and export.
    pub fn set_policy(&mut self, id: PeerId, policy: PeerPolicy) -> RibOutput {
        let mut out = RibOutput::default();
        let Some(peer) = self.peers.get_mut(&id) else {
            return out;
        };
        peer.policy = policy;
        self.export_cache.clear();
        if let Some(info) = self.infos.get_mut(&id) {
            info.rr_client = peer.policy.rr_client;
            info.ebgp = peer.policy.is_ebgp();
        }
        self.reimport(id, &mut out);
        self.full_export(id, None, &mut out);
        out
    }

    /// Set the interior cost to each next hop (decision step (e), RFC 4271 §9.1.2.2) and
    /// re-run the decision for every route. Next hops not listed cost nothing.
    pub fn set_igp_costs(&mut self, costs: HashMap<std::net::IpAddr, u32>) -> RibOutput {
        self.igp_costs = costs;
        let mut out = RibOutput::default();
        let mut ids: Vec<PeerId> = self.peers.keys().copied().collect();
        ids.sort();
        for id in ids {
            self.reimport(id, &mut out);
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
        let mut flipped: HashMap<std::net::IpAddr, bool> = HashMap::new();
        let mut changed: Vec<(PeerId, IpNet, u32, Arc<RibAttrs>)> = Vec::new();
        let mut ids: Vec<PeerId> = self.peers.keys().copied().collect();
        ids.sort();
        for id in ids {
            let Some(peer) = self.peers.get(&id) else {
                continue;
            };
            for ((prefix, path_id), attrs) in peer.adj_in.iter() {
                let nh = attrs.next_hop;
                let differs = *flipped.entry(nh).or_insert_with(|| {
                    resolvable(old.as_deref(), nh) != resolvable(self.next_hops.as_deref(), nh)
                });
                if differs {
                    changed.push((id, *prefix, *path_id, Arc::clone(attrs)));
                }
            }
        }
        let mut cache = super::speaker_routes::ImportCache::default();
        for (id, prefix, path_id, attrs) in changed {
            self.import_one(id, prefix, path_id, &attrs, &mut cache, &mut out);
        }
        out.fib = super::fib::coalesce(std::mem::take(&mut out.fib));
        out
    }

    /// The table set by [`Rib::set_next_hop_table`].
    pub fn next_hop_table(&self) -> Option<Arc<NextHopTable>> {
        self.next_hops.clone()
    }

    /// Whether a next hop takes part in the decision process.
    pub(super) fn next_hop_resolvable(&self, next_hop: std::net::IpAddr) -> bool {
        resolvable(self.next_hops.as_deref(), next_hop)
    }

    /// Run import again for everything a peer sent (policy or cost change).
    pub(super) fn reimport(&mut self, id: PeerId, out: &mut RibOutput) {
        let Some(peer) = self.peers.get(&id) else {
            return;
        };
        let received: Vec<((IpNet, u32), Arc<RibAttrs>)> = peer
            .adj_in
            .iter()
            .map(|(k, attrs)| (*k, Arc::clone(attrs)))
            .collect();
        let mut cache = super::speaker_routes::ImportCache::default();
        for ((prefix, path_id), attrs) in received {
            self.import_one(id, prefix, path_id, &attrs, &mut cache, out);
        }
    }

    /// Our configuration.
    pub fn config(&self) -> &RibConfig {
        &self.config
    }

    /// The selected paths for a prefix, best first.
    pub fn selected(&self, prefix: &IpNet) -> &[Candidate] {
        self.loc.selected(prefix)
    }

    /// Every prefix with its selected paths (best first), for queries.
    pub fn best_routes(&self) -> impl Iterator<Item = (&IpNet, &[Candidate])> {
        self.loc.best_routes()
    }

    /// Number of prefixes in the Loc-RIB.
    pub fn loc_rib_len(&self) -> usize {
        self.loc.len()
    }

    /// Routes received from a peer (its max-prefix count).
    pub fn received_count(&self, id: PeerId) -> usize {
        self.peers.get(&id).map_or(0, |p| p.adj_in.len())
    }

    /// Routes from a peer in the Loc-RIB: accepted by import policy, next hop resolvable.
    pub fn accepted_count(&self, id: PeerId) -> usize {
        self.loc.candidates_from(id)
    }

    /// What we currently advertise to a peer.
    pub fn advertised(&self, id: PeerId, prefix: &IpNet) -> Option<&RibAttrs> {
        let paths = self.peers.get(&id)?.adj_out.paths(prefix);
        paths.into_iter().next().map(|(_, a)| a.as_ref())
    }

    /// Every path we advertise to a peer for a prefix, with its ADD-PATH identifier.
    pub fn advertised_paths(&self, id: PeerId, prefix: &IpNet) -> Vec<(u32, &RibAttrs)> {
        self.peers
            .get(&id)
            .map(|p| {
                let paths = p.adj_out.paths(prefix);
                paths.into_iter().map(|(i, a)| (i, a.as_ref())).collect()
            })
            .unwrap_or_default()
    }

    /// Distinct interned attribute sets (memory diagnostics).
    pub fn interned_sets(&self) -> usize {
        self.interner.len()
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
            let change = self
                .loc
                .remove(p, PeerId::LOCAL, 0, &self.infos, self.config.max_paths);
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
            let cand = Candidate {
                peer: PeerId::LOCAL,
                path_id: 0,
                attrs,
                igp_cost: None,
            };
            let change = self.loc.upsert(p, cand, &self.infos, self.config.max_paths);
            self.propagate(change, &mut out);
        }
        self.originated = prefixes;
        out
    }

    /// Families a peer's session carries.
    pub(super) fn families(&self, id: PeerId) -> Vec<Afi> {
        self.peers
            .get(&id)
            .and_then(|p| p.session.as_ref())
            .map(|s| s.families.clone())
            .unwrap_or_default()
    }

    /// Record a Loc-RIB change: FIB delta and exports to every established peer.
    pub(super) fn propagate(&mut self, change: Option<BestChange>, out: &mut RibOutput) {
        let Some(change) = change else {
            return;
        };
        if self.deferral.active {
            // Held back until End-of-RIB from every peer (see `deferral`).
            return;
        }
        if let Some(fib) = change.fib {
            out.fib.push(fib);
        }
        // A buffer kept between calls: this runs for every route change.
        let mut targets = std::mem::take(&mut self.targets);
        targets.clear();
        targets.extend(
            self.peers
                .iter()
                .filter(|(_, p)| p.session.is_some())
                .map(|(id, _)| *id),
        );
        for target in &targets {
            self.export_one(*target, change.prefix, &mut out.adverts);
        }
        self.targets = targets;
    }
}
