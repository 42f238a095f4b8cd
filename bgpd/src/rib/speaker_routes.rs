//! Rib: sessions going up and down, UPDATEs in, Graceful Restart, exports out.

use std::sync::Arc;

use ipnet::IpNet;

use super::adj_out::{self, OutPaths};
use super::advert::Advert;
use super::export::export;
use super::import::import;
use super::speaker::{Rib, RibOutput, StaleTimer};
use super::types::{Candidate, PeerId, PeerInfo, RibAttrs};
use crate::fsm::NegotiatedSession;
use crate::wire::{Afi, Notification, Update, codes};

impl Rib {
    /// The peer's session reached Established: send it our table and End-of-RIB.
    pub fn peer_up(&mut self, id: PeerId, session: &NegotiatedSession) -> RibOutput {
        let mut out = RibOutput::default();
        let Some(peer) = self.peers.get_mut(&id) else {
            return out;
        };
        peer.session = Some(session.clone());
        self.export_cache.clear();
        let info = PeerInfo {
            addr: id.0,
            router_id: session.peer_id,
            ebgp: peer.policy.is_ebgp(),
            rr_client: peer.policy.rr_client,
            asn: session.peer_as,
        };
        self.infos.insert(id, info);
        // RFC 4724 §4.2: without GR now, or without preserved forwarding for a family,
        // the stale routes go at once; otherwise they wait for End-of-RIB.
        let keep: Vec<Afi> = session
            .graceful_restart
            .as_ref()
            .map(|gr| {
                gr.families
                    .iter()
                    .filter(|(_, fwd)| *fwd)
                    .map(|(a, _)| *a)
                    .collect()
            })
            .unwrap_or_default();
        for afi in [Afi::Ipv4, Afi::Ipv6] {
            if !keep.contains(&afi) {
                self.sweep(id, Some(afi), &mut out);
            }
        }
        if self.deferral.active {
            self.defer_peer(id, &session.families, session.graceful_restart.is_some());
        } else {
            self.full_export(id, None, &mut out);
        }
        out
    }

    /// The session left Established. `graceful`: keep the routes stale for the restart
    /// time the peer advertised (RFC 4724 §4.2), else remove them.
    pub fn peer_down(&mut self, id: PeerId, graceful: bool) -> RibOutput {
        let mut out = RibOutput::default();
        let Some(peer) = self.peers.get_mut(&id) else {
            return out;
        };
        let restart_time = peer
            .session
            .take()
            .and_then(|s| s.graceful_restart)
            .map(|gr| gr.restart_time);
        peer.adj_out.clear();
        self.export_cache.clear();
        match restart_time {
            Some(secs) if graceful && !peer.adj_in.is_empty() => {
                peer.adj_in.mark_all_stale();
                out.timers.push(StaleTimer::Start { peer: id, secs });
            }
            _ => {
                let gone = peer.adj_in.clear();
                for (prefix, path_id) in gone {
                    let change =
                        self.loc
                            .remove(prefix, id, path_id, &self.infos, self.config.max_paths);
                    self.propagate(change, &mut out);
                }
                self.export_cache.clear();
                self.interner.collect_garbage();
            }
        }
        out
    }

    /// The restart timer fired: drop whatever is still stale (RFC 4724 §4.2).
    pub fn stale_timer_expired(&mut self, id: PeerId) -> RibOutput {
        let mut out = RibOutput::default();
        self.sweep(id, None, &mut out);
        out
    }

    /// The peer asked for our routes again (RFC 2918).
    pub fn route_refresh(&mut self, id: PeerId, afi: Afi) -> RibOutput {
        let mut out = RibOutput::default();
        self.full_export(id, Some(afi), &mut out);
        out
    }

    fn sweep(&mut self, id: PeerId, afi: Option<Afi>, out: &mut RibOutput) {
        let Some(peer) = self.peers.get_mut(&id) else {
            return;
        };
        let gone = peer.adj_in.sweep_stale(afi);
        let none_left = !peer.adj_in.has_stale();
        for (prefix, path_id) in gone {
            let change = self
                .loc
                .remove(prefix, id, path_id, &self.infos, self.config.max_paths);
            self.propagate(change, out);
        }
        if none_left {
            out.timers.push(StaleTimer::Stop { peer: id });
        }
        self.export_cache.clear();
        self.interner.collect_garbage();
    }

    /// Apply one UPDATE from a peer (RFC 4271 §9), including RFC 7606 treat-as-withdraw,
    /// End-of-RIB and the max-prefix limit.
    pub fn apply_update(&mut self, id: PeerId, update: &Update) -> RibOutput {
        let mut out = RibOutput::default();
        if let Some(afi) = update.end_of_rib() {
            self.sweep(id, Some(afi), &mut out);
            if self.deferral.active {
                let done = self.deferred_end_of_rib(id, afi);
                out.fib.extend(done.fib);
                out.adverts.extend(done.adverts);
            }
            return out;
        }
        let withdraw_all = update.treat_as_withdraw();
        let announced: Vec<_> = update.announced().collect();
        let withdrawn = update
            .all_withdrawn()
            .chain(announced.iter().filter(|_| withdraw_all).map(|(n, _)| *n));
        for n in withdrawn.collect::<Vec<_>>() {
            self.withdraw_one(id, n.prefix, n.path_id.unwrap_or(0), &mut out);
        }
        if !withdraw_all {
            // All NLRI of an UPDATE share attributes: intern and import them once per next hop.
            let mut interned: Option<(std::net::IpAddr, Arc<RibAttrs>)> = None;
            let mut cache = ImportCache::default();
            for (n, nh) in announced {
                let Some(next_hop) = nh else { continue };
                let attrs = match &interned {
                    Some((h, a)) if *h == next_hop => Arc::clone(a),
                    _ => {
                        let mut path = update.attrs.clone();
                        path.next_hop = None;
                        let a = self.interner.intern(RibAttrs { path, next_hop });
                        interned = Some((next_hop, Arc::clone(&a)));
                        a
                    }
                };
                self.receive_one(
                    id,
                    n.prefix,
                    n.path_id.unwrap_or(0),
                    attrs,
                    &mut cache,
                    &mut out,
                );
            }
        }
        self.check_max_prefixes(id, &mut out);
        out
    }

    fn receive_one(
        &mut self,
        id: PeerId,
        prefix: IpNet,
        path_id: u32,
        attrs: Arc<RibAttrs>,
        cache: &mut ImportCache,
        out: &mut RibOutput,
    ) {
        let Some(peer) = self.peers.get_mut(&id) else {
            return;
        };
        peer.adj_in.insert(prefix, path_id, Arc::clone(&attrs));
        self.import_one(id, prefix, path_id, &attrs, cache, out);
    }

    fn withdraw_one(&mut self, id: PeerId, prefix: IpNet, path_id: u32, out: &mut RibOutput) {
        let Some(peer) = self.peers.get_mut(&id) else {
            return;
        };
        if peer.adj_in.remove(prefix, path_id) {
            let change = self
                .loc
                .remove(prefix, id, path_id, &self.infos, self.config.max_paths);
            self.propagate(change, out);
        }
    }

    /// Run import policy on one received route and update the Loc-RIB.
    pub(super) fn import_one(
        &mut self,
        id: PeerId,
        prefix: IpNet,
        path_id: u32,
        attrs: &Arc<RibAttrs>,
        cache: &mut ImportCache,
        out: &mut RibOutput,
    ) {
        let Some(peer) = self.peers.get(&id) else {
            return;
        };
        let cacheable = !peer.policy.import.depends_on_prefix();
        let imported = match cache.get(attrs).filter(|_| cacheable) {
            Some(hit) => hit,
            None => {
                let result = import(&prefix, &attrs.path, &peer.policy, &self.config).map(|path| {
                    self.interner.intern(RibAttrs {
                        path,
                        next_hop: attrs.next_hop,
                    })
                });
                if let Err(reason) = &result {
                    tracing::debug!(%prefix, ?reason, "route not imported");
                }
                let result = result.ok();
                if cacheable {
                    cache.put(attrs, result.clone());
                }
                result
            }
        };
        let imported = imported.filter(|a| {
            let ok = self.next_hop_resolvable(a.next_hop);
            if !ok {
                tracing::debug!(%prefix, next_hop = %a.next_hop, "next hop unresolvable");
            }
            ok
        });
        let change = match imported {
            Some(attrs) => {
                let igp_cost = self.igp_costs.get(&attrs.next_hop).copied();
                let cand = Candidate {
                    peer: id,
                    path_id,
                    attrs,
                    igp_cost,
                };
                self.loc
                    .upsert(prefix, cand, &self.infos, self.config.max_paths)
            }
            None => self
                .loc
                .remove(prefix, id, path_id, &self.infos, self.config.max_paths),
        };
        self.propagate(change, out);
    }

    fn check_max_prefixes(&self, id: PeerId, out: &mut RibOutput) {
        let Some(peer) = self.peers.get(&id) else {
            return;
        };
        let Some(max) = peer.policy.max_prefixes else {
            return;
        };
        if peer.adj_in.len() > max as usize && !out.close.iter().any(|(p, _)| *p == id) {
            // RFC 4486 §4: data is AFI (2), SAFI (1) and the configured upper bound (4).
            let mut data = vec![0, 1, 1];
            data.extend_from_slice(&max.to_be_bytes());
            let n = Notification {
                code: codes::CEASE,
                subcode: codes::CEASE_MAX_PREFIXES,
                data,
            };
            out.close.push((id, n));
        }
    }

    /// Send the whole selected table (of one family, or all) to a peer, then End-of-RIB.
    pub(super) fn full_export(&mut self, id: PeerId, afi: Option<Afi>, out: &mut RibOutput) {
        let families = self.families(id);
        if families.is_empty() {
            return;
        }
        let prefixes: Vec<IpNet> = self
            .loc
            .best_routes()
            .map(|(p, _)| *p)
            .filter(|p| families.contains(&Afi::of(p)) && afi.is_none_or(|a| Afi::of(p) == a))
            .collect();
        for p in prefixes {
            self.export_one(id, p, &mut out.adverts);
        }
        for f in families.into_iter().filter(|f| afi.is_none_or(|a| a == *f)) {
            out.adverts.push((id, Advert::EndOfRib(f)));
        }
    }

    /// Recompute what `target` should hear about `prefix` and record the difference.
    pub(super) fn export_one(
        &mut self,
        target: PeerId,
        prefix: IpNet,
        adverts: &mut Vec<(PeerId, Advert)>,
    ) {
        let wanted = self.wanted_paths(target, &prefix);
        if let Some(peer) = self.peers.get_mut(&target) {
            adj_out::update(&mut peer.adj_out, target, prefix, wanted, adverts);
        }
    }

    /// The paths `target` should have for `prefix`: the best one, or with ADD-PATH send
    /// (RFC 7911) every selected (ECMP) path under a stable identifier.
    fn wanted_paths(&mut self, target: PeerId, prefix: &IpNet) -> OutPaths {
        let mut wanted = OutPaths::new();
        let Some(session) = self.peers.get(&target).and_then(|p| p.session.as_ref()) else {
            return wanted;
        };
        let afi = Afi::of(prefix);
        if !session.families.contains(&afi) {
            return wanted;
        }
        let add_path = session.add_path.iter().any(|f| f.afi == afi && f.send);
        // Inline for the usual one path: this runs per prefix and target.
        let paths: smallvec::SmallVec<[(PeerId, u32, Arc<RibAttrs>); 1]> = self
            .loc
            .selected(prefix)
            .iter()
            .take(if add_path { usize::MAX } else { 1 })
            .map(|c| (c.peer, c.path_id, Arc::clone(&c.attrs)))
            .collect();
        for (source, received_id, attrs) in paths {
            let Some(out) = self.export_path(target, prefix, source, &attrs) else {
                continue;
            };
            let id = if add_path {
                self.path_id(source, received_id)
            } else {
                0
            };
            wanted.push((id, out));
        }
        wanted
    }

    /// Stable identifier for paths from (`source`, `received_id`).
    fn path_id(&mut self, source: PeerId, received_id: u32) -> u32 {
        let next = u32::try_from(self.path_ids.len() + 1).unwrap_or(u32::MAX);
        *self.path_ids.entry((source, received_id)).or_insert(next)
    }

    /// Export one path, cached per (target, source, attribute set, family) while the
    /// target's export filter ignores prefixes.
    fn export_path(
        &mut self,
        target: PeerId,
        prefix: &IpNet,
        source: PeerId,
        attrs: &Arc<RibAttrs>,
    ) -> Option<Arc<RibAttrs>> {
        let peer = self.peers.get(&target)?;
        let key = (target, source, Arc::as_ptr(attrs) as usize, Afi::of(prefix));
        let cacheable = !peer.policy.export.depends_on_prefix();
        if cacheable && let Some((_, hit)) = self.export_cache.get(&key) {
            return hit.clone();
        }
        let info = self.infos.get(&source)?;
        let out = export(prefix, attrs, info, target, &peer.policy, &self.config)
            .map(|a| self.interner.intern(a));
        if cacheable {
            // The cache holds the source Arc so its address cannot be reused meanwhile.
            self.export_cache
                .insert(key, (Arc::clone(attrs), out.clone()));
        }
        out
    }
}

/// Import result of the last attribute set seen in an UPDATE (valid while the filter
/// does not look at prefixes).
#[derive(Debug, Default)]
pub(super) struct ImportCache {
    last: Option<(Arc<RibAttrs>, Option<Arc<RibAttrs>>)>,
}

impl ImportCache {
    fn get(&self, received: &Arc<RibAttrs>) -> Option<Option<Arc<RibAttrs>>> {
        let (key, value) = self.last.as_ref()?;
        Arc::ptr_eq(key, received).then(|| value.clone())
    }

    fn put(&mut self, received: &Arc<RibAttrs>, imported: Option<Arc<RibAttrs>>) {
        self.last = Some((Arc::clone(received), imported));
    }
}
