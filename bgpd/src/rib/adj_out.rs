//! Adj-RIB-Out (RFC 4271 §3.2): what each peer has been told, per prefix and, with
//! ADD-PATH (RFC 7911), per path identifier; changes come out as [`Advert`]s.

use std::collections::HashMap;

// Faster than SipHash on the per-route tables, still seeded per process against
// crafted collisions from peers.
use foldhash::quality::RandomState;
use std::sync::Arc;

use ipnet::IpNet;
use smallvec::SmallVec;

use super::advert::Advert;
use super::types::{PeerId, RibAttrs};

/// Paths advertised for one prefix: (path identifier, attributes). Without ADD-PATH there
/// is one entry with identifier 0.
pub type OutPaths = SmallVec<[(u32, Arc<RibAttrs>); 1]>;

/// One peer's Adj-RIB-Out.
pub type AdjRibOut = HashMap<IpNet, OutPaths, RandomState>;

/// Make `prefix` in `adj_out` equal `wanted`, recording announcements and withdrawals.
pub fn update(
    adj_out: &mut AdjRibOut,
    target: PeerId,
    prefix: IpNet,
    wanted: OutPaths,
    adverts: &mut Vec<(PeerId, Advert)>,
) {
    let current = adj_out.remove(&prefix).unwrap_or_default();
    for (path_id, attrs) in &wanted {
        let unchanged = current
            .iter()
            .any(|(id, a)| id == path_id && Arc::ptr_eq(a, attrs));
        if !unchanged {
            let attrs = Arc::clone(attrs);
            adverts.push((
                target,
                Advert::Announce {
                    prefix,
                    path_id: *path_id,
                    attrs,
                },
            ));
        }
    }
    for (path_id, _) in &current {
        if !wanted.iter().any(|(id, _)| id == path_id) {
            adverts.push((
                target,
                Advert::Withdraw {
                    prefix,
                    path_id: *path_id,
                },
            ));
        }
    }
    if !wanted.is_empty() {
        adj_out.insert(prefix, wanted);
    }
}
