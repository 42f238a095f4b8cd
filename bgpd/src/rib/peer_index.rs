//! Compact peer numbers for per-route records.
//!
//! Every stored path names the peer it came from. A [`PeerId`] is an `IpAddr`, 17
//! octets; a [`PeerIdx`] is 2, which keeps a path at 24 octets instead of 40 — times
//! every route of a full table. Number 0 is the local pseudo-peer of originated routes.
//! A number is reused only after every path that named it is gone (the peer was
//! removed, which removes its routes first).

use super::types::{FastMap, PeerId, PeerInfo};

/// A peer's number in this RIB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct PeerIdx(u16);

impl PeerIdx {
    /// The local pseudo-peer ([`PeerId::LOCAL`]).
    pub const LOCAL: PeerIdx = PeerIdx(0);

    /// Position in per-peer vectors.
    pub fn slot(self) -> usize {
        usize::from(self.0)
    }
}

/// One numbered peer: who it is and, once its session came up, what the decision
/// process and export rules need to know about it.
#[derive(Debug, Clone)]
struct Slot {
    id: PeerId,
    info: Option<PeerInfo>,
}

/// The numbering of peers: both directions, plus the [`PeerInfo`] per number.
#[derive(Debug)]
pub(super) struct PeerIndex {
    slots: Vec<Option<Slot>>,
    by_id: FastMap<PeerId, PeerIdx>,
    /// Released numbers, reused before new ones.
    free: Vec<PeerIdx>,
}

impl PeerIndex {
    /// An index holding only the local pseudo-peer, described by `local`.
    pub fn new(local: PeerInfo) -> PeerIndex {
        let mut by_id = FastMap::default();
        by_id.insert(PeerId::LOCAL, PeerIdx::LOCAL);
        PeerIndex {
            slots: vec![Some(Slot {
                id: PeerId::LOCAL,
                info: Some(local),
            })],
            by_id,
            free: Vec::new(),
        }
    }

    /// The number of `id`, assigning one if it has none; `None` when all 65,536 are
    /// taken.
    pub fn assign(&mut self, id: PeerId) -> Option<PeerIdx> {
        if let Some(idx) = self.by_id.get(&id) {
            return Some(*idx);
        }
        let idx = match self.free.pop() {
            Some(idx) => idx,
            None => PeerIdx(u16::try_from(self.slots.len()).ok()?),
        };
        let slot = Some(Slot { id, info: None });
        match self.slots.get_mut(idx.slot()) {
            Some(s) => *s = slot,
            None => self.slots.push(slot),
        }
        self.by_id.insert(id, idx);
        Some(idx)
    }

    /// Give `id`'s number back. The caller has removed every path that names it.
    pub fn release(&mut self, id: PeerId) {
        if id == PeerId::LOCAL {
            return;
        }
        let Some(idx) = self.by_id.remove(&id) else {
            return;
        };
        if let Some(s) = self.slots.get_mut(idx.slot()) {
            *s = None;
            self.free.push(idx);
        }
    }

    /// The number of `id`, if it has one.
    #[cfg(test)]
    pub fn idx(&self, id: &PeerId) -> Option<PeerIdx> {
        self.by_id.get(id).copied()
    }

    /// The peer numbered `idx`.
    pub fn id(&self, idx: PeerIdx) -> Option<PeerId> {
        self.slot(idx).map(|s| s.id)
    }

    /// What the decision process knows about `idx`: `None` before its first session.
    pub fn info(&self, idx: PeerIdx) -> Option<&PeerInfo> {
        self.slot(idx)?.info.as_ref()
    }

    /// Replace what is known about `idx`, returning the previous value.
    pub fn set_info(&mut self, idx: PeerIdx, info: PeerInfo) -> Option<PeerInfo> {
        let slot = self.slots.get_mut(idx.slot())?.as_mut()?;
        slot.info.replace(info)
    }

    fn slot(&self, idx: PeerIdx) -> Option<&Slot> {
        self.slots.get(idx.slot())?.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;

    fn peer(n: u32) -> PeerId {
        PeerId(IpAddr::V4(Ipv4Addr::from(0x0A00_0000 + n)))
    }

    fn index() -> PeerIndex {
        PeerIndex::new(PeerInfo::local(Ipv4Addr::new(10, 0, 0, 1), 65001))
    }

    #[test]
    fn the_local_pseudo_peer_is_number_zero_and_known_from_the_start() {
        let ix = index();
        assert_eq!(ix.idx(&PeerId::LOCAL), Some(PeerIdx::LOCAL));
        assert_eq!(ix.id(PeerIdx::LOCAL), Some(PeerId::LOCAL));
        assert!(ix.info(PeerIdx::LOCAL).is_some());
    }

    #[test]
    fn numbers_are_stable_per_peer_and_both_directions_agree() {
        let mut ix = index();
        let a = ix.assign(peer(1)).unwrap();
        let b = ix.assign(peer(2)).unwrap();
        assert_ne!(a, b);
        assert_eq!(
            ix.assign(peer(1)),
            Some(a),
            "assigning again keeps the number"
        );
        assert_eq!((ix.id(a), ix.id(b)), (Some(peer(1)), Some(peer(2))));
        assert_eq!(ix.info(a), None, "unknown until its session comes up");
    }

    #[test]
    fn a_released_number_is_reused_and_forgets_the_old_peer() {
        let mut ix = index();
        let a = ix.assign(peer(1)).unwrap();
        ix.set_info(a, PeerInfo::local(Ipv4Addr::new(1, 1, 1, 1), 1));
        ix.release(peer(1));
        assert_eq!((ix.idx(&peer(1)), ix.id(a)), (None, None));
        let c = ix.assign(peer(3)).unwrap();
        assert_eq!(c, a, "the freed number comes back first");
        assert_eq!(ix.info(c), None, "nothing of the old peer carries over");
        ix.release(PeerId::LOCAL);
        assert_eq!(
            ix.idx(&PeerId::LOCAL),
            Some(PeerIdx::LOCAL),
            "never released"
        );
    }

    #[test]
    fn assignment_fails_cleanly_once_every_number_is_taken() {
        let mut ix = index();
        for n in 1..=u32::from(u16::MAX) {
            assert!(ix.assign(peer(n)).is_some(), "peer {n}");
        }
        assert_eq!(ix.assign(peer(70_000)), None);
        ix.release(peer(5));
        assert!(
            ix.assign(peer(70_000)).is_some(),
            "a released number is free again"
        );
    }
}
