//! Rib: sessions going up and down, UPDATEs in, Graceful Restart.

use std::sync::Arc;

use ipnet::IpNet;

use super::{Rib, RibOutput, StaleTimer};
use crate::fsm::NegotiatedSession;
use crate::rib::adj_out::Told;
use crate::rib::import::import;
use crate::rib::path::StoredPath;
use crate::rib::types::{PeerId, PeerInfo, RibAttrs};
use crate::wire::{Afi, Notification, Update, codes};

impl Rib {
    /// The peer's session reached Established: send it our table and End-of-RIB.
    pub fn peer_up(&mut self, id: PeerId, session: &NegotiatedSession) -> RibOutput {
        let mut out = RibOutput::default();
        let Some(peer) = self.peers.get_mut(&id) else {
            return out;
        };
        peer.session = Some(session.clone());
        let idx = peer.idx();
        let info = PeerInfo {
            addr: id.0,
            router_id: session.peer_id,
            ebgp: peer.policy.is_ebgp(),
            rr_client: peer.policy.rr_client,
            asn: session.peer_as,
        };
        *self.told.get_mut(idx) = Told::default();
        self.export_cache.clear();
        if let Some(old) = self.peers.set_info(idx, info).filter(|old| *old != info) {
            // Its stale routes were exported with what we knew before (ORIGINATOR_ID
            // on reflection): tell the others what changes.
            self.reexport_source(idx, &old, &mut out);
        }
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
        if self.deferral.is_active() {
            // RFC 4724 §4.1: a peer that says it restarted too (R bit) may itself be
            // waiting for our End-of-RIB, so waiting for its own would deadlock both.
            let wait = session
                .graceful_restart
                .as_ref()
                .is_some_and(|gr| !gr.restarting);
            self.defer_peer(id, &session.families, wait);
        } else {
            self.full_export(id, &mut out);
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
        let idx = peer.idx();
        *self.told.get_mut(idx) = Told::default();
        self.export_cache.clear();
        let received = self.loc.counts(idx).received;
        match restart_time {
            Some(secs) if graceful && received > 0 => {
                self.loc.mark_stale(idx);
                out.timers.push(StaleTimer::Start { peer: id, secs });
            }
            _ => {
                for (prefix, path_id) in self.loc.paths_of(idx, None, false) {
                    let change = self.remove_path(prefix, idx, path_id);
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

    /// The peer asked for our routes again (RFC 2918): the family's table, then
    /// End-of-RIB.
    pub fn route_refresh(&mut self, id: PeerId, afi: Afi) -> RibOutput {
        let mut out = RibOutput::default();
        self.announce_again(id, Some(afi), &mut out);
        out
    }

    fn sweep(&mut self, id: PeerId, afi: Option<Afi>, out: &mut RibOutput) {
        let Some(idx) = self.peers.get(&id).map(|p| p.idx()) else {
            return;
        };
        let gone = self.loc.paths_of(idx, afi, true);
        let swept = !gone.is_empty();
        for (prefix, path_id) in gone {
            let change = self.remove_path(prefix, idx, path_id);
            self.propagate(change, out);
        }
        if self.loc.counts(idx).stale == 0 {
            out.timers.push(StaleTimer::Stop { peer: id });
        }
        if swept {
            self.export_cache.clear();
            self.interner.collect_garbage();
        }
    }

    /// Apply one UPDATE from a peer (RFC 4271 §9), including RFC 7606 treat-as-withdraw,
    /// End-of-RIB and the max-prefix limit.
    pub fn apply_update(&mut self, id: PeerId, update: &Update) -> RibOutput {
        let mut out = RibOutput::default();
        if let Some(afi) = update.end_of_rib() {
            self.sweep(id, Some(afi), &mut out);
            if self.deferral.is_active() {
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
            let mut cache = ImportCache::fresh();
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
                let path_id = n.path_id.unwrap_or(0);
                self.import_one(id, n.prefix, path_id, attrs, &mut cache, &mut out);
            }
        }
        self.check_max_prefixes(id, &mut out);
        out
    }

    fn withdraw_one(&mut self, id: PeerId, prefix: IpNet, path_id: u32, out: &mut RibOutput) {
        let Some(idx) = self.peers.get(&id).map(|p| p.idx()) else {
            return;
        };
        let change = self.remove_path(prefix, idx, path_id);
        self.propagate(change, out);
    }

    /// Run import policy on a route as received and store the result: eligible for
    /// the decision process if accepted with a resolvable next hop, else kept for a
    /// later re-import.
    pub(super) fn import_one(
        &mut self,
        id: PeerId,
        prefix: IpNet,
        path_id: u32,
        received: Arc<RibAttrs>,
        cache: &mut ImportCache,
        out: &mut RibOutput,
    ) {
        let Some(peer) = self.peers.get(&id) else {
            return;
        };
        let idx = peer.idx();
        let cacheable = !peer.policy.import.depends_on_prefix();
        let imported = match cache.get(&received).filter(|_| cacheable) {
            Some(hit) => hit,
            None => {
                let result =
                    import(&prefix, &received.path, &peer.policy, &self.config).map(|path| {
                        self.interner.intern(RibAttrs {
                            path,
                            next_hop: received.next_hop,
                        })
                    });
                if let Err(reason) = &result {
                    tracing::debug!(%prefix, ?reason, "route not imported");
                }
                let result = result.ok();
                if cacheable {
                    cache.put(&received, result.clone());
                }
                result
            }
        };
        let eligible = imported.as_ref().is_some_and(|a| {
            let ok = self.next_hop_resolvable(a.next_hop);
            if !ok {
                tracing::debug!(%prefix, next_hop = %a.next_hop, "next hop unresolvable");
            }
            ok
        });
        let path = StoredPath::new(idx, path_id, received, imported, eligible);
        let change = self.store_path(prefix, path, cache.fresh);
        self.propagate(change, out);
    }

    fn check_max_prefixes(&self, id: PeerId, out: &mut RibOutput) {
        let Some(peer) = self.peers.get(&id) else {
            return;
        };
        let Some(max) = peer.policy.max_prefixes else {
            return;
        };
        let received = self.loc.counts(peer.idx()).received;
        if received > max as usize && !out.close.iter().any(|(p, _)| *p == id) {
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
}

/// One batch of imports: routes fresh from an UPDATE, or a re-import of stored ones;
/// with the import result of the last attribute set seen (valid while the filter does
/// not look at prefixes).
#[derive(Debug)]
pub(super) struct ImportCache {
    /// The peer sent these routes now (clearing stale marks), as opposed to a
    /// re-import, which keeps them.
    fresh: bool,
    last: Option<(Arc<RibAttrs>, Option<Arc<RibAttrs>>)>,
}

impl ImportCache {
    /// For routes an UPDATE brought.
    pub fn fresh() -> ImportCache {
        ImportCache {
            fresh: true,
            last: None,
        }
    }

    /// For running import again over stored routes.
    pub fn again() -> ImportCache {
        ImportCache {
            fresh: false,
            last: None,
        }
    }

    fn get(&self, received: &Arc<RibAttrs>) -> Option<Option<Arc<RibAttrs>>> {
        let (key, value) = self.last.as_ref()?;
        Arc::ptr_eq(key, received).then(|| value.clone())
    }

    fn put(&mut self, received: &Arc<RibAttrs>, imported: Option<Arc<RibAttrs>>) {
        self.last = Some((Arc::clone(received), imported));
    }
}
