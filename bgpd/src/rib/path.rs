//! One path as the RIB stores it: the Adj-RIB-In entry (attributes as received) and the
//! Loc-RIB candidate (attributes after import policy) in a single record.
//!
//! RFC 4271 §3.2 describes Adj-RIBs-In and the Loc-RIB as separate tables; keeping
//! both halves of a route together stores its prefix once instead of twice. A route
//! that import policy rejects, or whose next hop does not resolve, stays here as an
//! ineligible path: soft reset and re-import run from it like from an Adj-RIB-In.

use std::sync::Arc;

use super::peer_index::PeerIdx;
use super::types::RibAttrs;

const ELIGIBLE: u8 = 1;
const STALE: u8 = 2;
const SELECTED: u8 = 4;

/// A path from one peer for one prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StoredPath {
    /// Attributes as received (interned), what import policy runs on again.
    pub received: Arc<RibAttrs>,
    /// Attributes after import policy (interned); `None`: rejected.
    pub imported: Option<Arc<RibAttrs>>,
    /// ADD-PATH identifier it was received with (0 without ADD-PATH).
    pub path_id: u32,
    /// The peer it came from.
    pub peer: PeerIdx,
    flags: u8,
}

impl StoredPath {
    /// A path fresh from import: `eligible` when imported with a resolvable next hop.
    pub fn new(
        peer: PeerIdx,
        path_id: u32,
        received: Arc<RibAttrs>,
        imported: Option<Arc<RibAttrs>>,
        eligible: bool,
    ) -> StoredPath {
        let eligible = eligible && imported.is_some();
        StoredPath {
            received,
            imported,
            path_id,
            peer,
            flags: if eligible { ELIGIBLE } else { 0 },
        }
    }

    /// Takes part in the decision process (RFC 4271 §9.1.2).
    pub fn eligible(&self) -> bool {
        self.flags & ELIGIBLE != 0
    }

    /// The attributes the decision process and export use, if eligible.
    pub fn usable(&self) -> Option<&Arc<RibAttrs>> {
        self.imported.as_ref().filter(|_| self.eligible())
    }

    /// Kept from before the peer restarted (RFC 4724 §4.2).
    pub fn stale(&self) -> bool {
        self.flags & STALE != 0
    }

    /// Among the prefix's selected paths.
    pub fn selected(&self) -> bool {
        self.flags & SELECTED != 0
    }

    pub fn set_stale(&mut self, on: bool) {
        self.set(STALE, on);
    }

    pub fn set_selected(&mut self, on: bool) {
        self.set(SELECTED, on);
    }

    /// Same route for the decision process: same eligibility, same imported set.
    pub fn same_candidate(&self, other: &StoredPath) -> bool {
        self.eligible() == other.eligible()
            && match (&self.imported, &other.imported) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
    }

    fn set(&mut self, flag: u8, on: bool) {
        if on {
            self.flags |= flag;
        } else {
            self.flags &= !flag;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;
    use crate::wire::PathAttrs;

    fn attrs(nh: u8) -> Arc<RibAttrs> {
        Arc::new(RibAttrs {
            path: PathAttrs::default(),
            next_hop: IpAddr::V4(Ipv4Addr::new(192, 0, 2, nh)),
        })
    }

    #[test]
    fn a_path_takes_24_octets() {
        // The per-route cost this module exists for; a regression here costs memory
        // in every prefix of every table.
        assert_eq!(std::mem::size_of::<StoredPath>(), 24);
    }

    #[test]
    fn a_rejected_route_is_never_eligible() {
        let p = StoredPath::new(PeerIdx::LOCAL, 0, attrs(1), None, true);
        assert!(!p.eligible());
        assert!(p.usable().is_none());
        let q = StoredPath::new(PeerIdx::LOCAL, 0, attrs(1), Some(attrs(1)), false);
        assert!(!q.eligible(), "imported, next hop unresolvable");
        assert!(q.usable().is_none());
    }

    #[test]
    fn flags_are_independent() {
        let a = attrs(1);
        let mut p = StoredPath::new(PeerIdx::LOCAL, 7, a.clone(), Some(a), true);
        p.set_stale(true);
        p.set_selected(true);
        assert!(p.eligible() && p.stale() && p.selected());
        p.set_stale(false);
        assert!(p.eligible() && !p.stale() && p.selected());
        p.set_selected(false);
        assert!(p.eligible() && !p.stale() && !p.selected());
    }

    #[test]
    fn same_candidate_looks_at_the_imported_set_and_eligibility_only() {
        let (r1, r2, i) = (attrs(1), attrs(2), attrs(3));
        let a = StoredPath::new(PeerIdx::LOCAL, 0, r1, Some(i.clone()), true);
        let b = StoredPath::new(PeerIdx::LOCAL, 0, r2, Some(i.clone()), true);
        assert!(
            a.same_candidate(&b),
            "different received sets, same import result"
        );
        let c = StoredPath::new(PeerIdx::LOCAL, 0, attrs(1), Some(i), false);
        assert!(!a.same_candidate(&c));
        let d = StoredPath::new(PeerIdx::LOCAL, 0, attrs(1), Some(attrs(3)), true);
        assert!(
            !a.same_candidate(&d),
            "equal values in two allocations: not interned alike"
        );
    }
}
