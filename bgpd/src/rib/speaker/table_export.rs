//! Whole-table exports: the table for a session that came up, again for ROUTE-REFRESH
//! (RFC 2918) or an outbound soft reset, and the differences a change of export inputs
//! makes (a peer's policy, a source peer's identity) — see [`super::adj_out`] for why
//! these keep what every peer was told exact without storing it.

use ipnet::IpNet;

use super::{Rib, RibOutput};
use crate::rib::adj_out::{OutPaths, Told, diff};
use crate::rib::advert::Advert;
use crate::rib::loc::selection_of;
use crate::rib::peer_index::PeerIdx;
use crate::rib::peer_policy::PeerPolicy;
use crate::rib::types::{PeerId, PeerInfo};
use crate::wire::Afi;

impl Rib {
    /// Send the whole selected table to a peer told nothing yet (its session just came
    /// up, or deferred results are released), then End-of-RIB. From then on every
    /// change is told to it.
    pub(super) fn full_export(&mut self, id: PeerId, out: &mut RibOutput) {
        let Some(idx) = self.peers.established(id) else {
            return;
        };
        let prefixes = self.announce_all(id, None, &mut out.adverts);
        *self.told.get_mut(idx) = Told {
            synced: true,
            prefixes,
        };
        self.end_of_rib(id, None, out);
    }

    /// Announce the table (of one family) again to a peer that has it, then End-of-RIB;
    /// how many prefixes were announced. Nothing for a peer not sent the table yet: it
    /// gets it, with End-of-RIB, once deferred results are released.
    pub(super) fn announce_again(
        &mut self,
        id: PeerId,
        afi: Option<Afi>,
        out: &mut RibOutput,
    ) -> usize {
        if !self.is_synced(id) {
            return 0;
        }
        let n = self.announce_all(id, afi, &mut out.adverts);
        self.end_of_rib(id, afi, out);
        n
    }

    /// End-of-RIB for each family of the session (or just `afi`), if the peer has the
    /// table.
    pub(super) fn end_of_rib(&self, id: PeerId, afi: Option<Afi>, out: &mut RibOutput) {
        if !self.is_synced(id) {
            return;
        }
        for f in self.families(id) {
            if afi.is_none_or(|a| a == f) {
                out.adverts.push((id, Advert::EndOfRib(f)));
            }
        }
    }

    /// Announce every selected prefix of the session's families (or of `afi`); how
    /// many prefixes had something to announce.
    fn announce_all(
        &mut self,
        id: PeerId,
        afi: Option<Afi>,
        adverts: &mut Vec<(PeerId, Advert)>,
    ) -> usize {
        let families = self.families(id);
        let wanted_family = |p: &IpNet| {
            let f = Afi::of(p);
            families.contains(&f) && afi.is_none_or(|a| a == f)
        };
        let (loc, mut ex, _) = self.split();
        let mut n = 0;
        for (prefix, selected) in loc.best_routes().filter(|(p, _)| wanted_family(p)) {
            let wanted = ex.wanted(id, &prefix, &selection_of(selected));
            n += usize::from(!wanted.is_empty());
            diff(id, prefix, &OutPaths::new(), wanted, adverts);
        }
        n
    }

    /// `id`'s policy was `old` until now: tell it how the current selection looks under
    /// the new one (a stricter export filter withdraws, a looser one announces).
    pub(super) fn reexport_target(&mut self, id: PeerId, old: &PeerPolicy, out: &mut RibOutput) {
        let Some(idx) = self.peers.established(id).filter(|_| self.is_synced(id)) else {
            return;
        };
        let families = self.families(id);
        let (loc, mut ex, told) = self.split();
        let index = ex.index();
        let info = |i: PeerIdx| index.info(i).copied();
        let routes = loc.best_routes();
        for (prefix, selected) in routes.filter(|(p, _)| families.contains(&Afi::of(p))) {
            let sel = selection_of(selected);
            let before = ex.view().wanted_with(id, &prefix, &sel, old, &info);
            let after = ex.wanted(id, &prefix, &sel);
            told.get_mut(idx)
                .count(diff(id, prefix, &before, after, &mut out.adverts));
        }
    }

    /// What the decision process and export know about `source` was `old` until now:
    /// tell every peer with the table how the prefixes where one of `source`'s paths
    /// is selected look now (reflection and ORIGINATOR_ID depend on it).
    pub(super) fn reexport_source(&mut self, source: PeerIdx, old: &PeerInfo, out: &mut RibOutput) {
        if self.loc.counts(source).accepted == 0 {
            return;
        }
        let targets: Vec<(PeerId, PeerIdx)> = self.synced_targets().collect();
        if targets.is_empty() {
            return;
        }
        let (loc, mut ex, told) = self.split();
        let index = ex.index();
        let info = |i: PeerIdx| {
            if i == source {
                Some(*old)
            } else {
                index.info(i).copied()
            }
        };
        let routes = loc.best_routes();
        for (prefix, selected) in routes.filter(|(_, s)| s.iter().any(|p| p.peer == source)) {
            let sel = selection_of(selected);
            for (target, idx) in &targets {
                let Some(policy) = ex.policy(*target) else {
                    continue;
                };
                let before = ex.view().wanted_with(*target, &prefix, &sel, policy, &info);
                let after = ex.wanted(*target, &prefix, &sel);
                told.get_mut(*idx)
                    .count(diff(*target, prefix, &before, after, &mut out.adverts));
            }
        }
    }

    /// The peer's session is up and it has been sent the table.
    pub(super) fn is_synced(&self, id: PeerId) -> bool {
        self.peers
            .established(id)
            .is_some_and(|idx| self.told.get(idx).synced)
    }
}
