//! The configured peers and their compact numbers ([`PeerIndex`]). A peer is in the
//! table exactly while it holds a number: [`Peers::add`] assigns one and
//! [`Peers::remove`] releases it, so a route's peer number always names a configured
//! peer or LOCAL.

use super::peer_index::{PeerIdx, PeerIndex};
use super::peer_policy::PeerPolicy;
use super::types::{FastMap, PeerId, PeerInfo};
use crate::fsm::NegotiatedSession;
use crate::wire::Afi;

/// One configured peer.
#[derive(Debug)]
pub(super) struct Peer {
    /// Its number in the per-route records, fixed while it is configured.
    idx: PeerIdx,
    pub policy: PeerPolicy,
    pub session: Option<NegotiatedSession>,
}

impl Peer {
    /// Its number in the per-route records.
    pub fn idx(&self) -> PeerIdx {
        self.idx
    }
}

/// Configured peers by address, with the number index.
#[derive(Debug)]
pub(super) struct Peers {
    by_id: FastMap<PeerId, Peer>,
    /// Peer numbers, with the decision-process view of every peer whose session came
    /// up (and of LOCAL).
    index: PeerIndex,
}

impl Peers {
    /// No peers; LOCAL described by `local`.
    pub fn new(local: PeerInfo) -> Peers {
        Peers {
            by_id: FastMap::default(),
            index: PeerIndex::new(local),
        }
    }

    /// Configure a peer with a fresh number. A peer configured already only gets the
    /// new policy.
    pub fn add(&mut self, id: PeerId, policy: PeerPolicy) {
        if let Some(peer) = self.by_id.get_mut(&id) {
            peer.policy = policy;
            return;
        }
        let Some(idx) = self.index.assign(id) else {
            // Per-route records hold a 16-bit peer number.
            tracing::error!(peer = %id.0, "more than 65,535 peers; this one is ignored");
            return;
        };
        let peer = Peer {
            idx,
            policy,
            session: None,
        };
        self.by_id.insert(id, peer);
    }

    /// Forget a peer and release its number.
    pub fn remove(&mut self, id: PeerId) -> Option<Peer> {
        let peer = self.by_id.remove(&id)?;
        self.index.release(id);
        Some(peer)
    }

    /// The number index (read-only: numbers change only with `add` and `remove`).
    pub fn index(&self) -> &PeerIndex {
        &self.index
    }

    /// Set what the decision process knows about a numbered peer; the previous value.
    pub fn set_info(&mut self, idx: PeerIdx, info: PeerInfo) -> Option<PeerInfo> {
        self.index.set_info(idx, info)
    }

    pub fn get(&self, id: &PeerId) -> Option<&Peer> {
        self.by_id.get(id)
    }

    pub fn get_mut(&mut self, id: &PeerId) -> Option<&mut Peer> {
        self.by_id.get_mut(id)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&PeerId, &Peer)> {
        self.by_id.iter()
    }

    /// The peer's number if its session is up.
    pub fn established(&self, id: PeerId) -> Option<PeerIdx> {
        self.by_id
            .get(&id)
            .filter(|p| p.session.is_some())
            .map(|p| p.idx)
    }

    /// Families a peer's session carries.
    pub fn families(&self, id: PeerId) -> Vec<Afi> {
        self.by_id
            .get(&id)
            .and_then(|p| p.session.as_ref())
            .map(|s| s.families.clone())
            .unwrap_or_default()
    }
}
