//! Adj-RIB-Out (RFC 4271 §3.2), derived instead of stored: what a peer has been told
//! about a prefix is what export makes of the prefix's current selection, so a peer
//! costs a flag and a counter instead of a copy of the table.
//!
//! The invariant that makes this true, for every peer whose session is up and that has
//! been sent the table (`synced`): what it was told about each prefix equals the export
//! of that prefix's selection under the current export inputs (its policy and session,
//! the source peers' [`super::PeerInfo`]). It is kept by telling every change as a
//! difference ([`diff`]) between two exports:
//! - the selection changed: export of the selection before vs after;
//! - an export input changed (policy reload, a source peer's identity): export under
//!   the old input vs the new one, over the unchanged selection;
//! - a session came up: from nothing, by sending the whole table, after which the peer
//!   is synced. While results are deferred after our restart nobody is synced.

use std::sync::Arc;

use ipnet::IpNet;
use smallvec::SmallVec;

use super::advert::Advert;
use super::peer_index::PeerIdx;
use super::types::{PeerId, RibAttrs};

/// Paths advertised for one prefix: (path identifier, attributes). Without ADD-PATH there
/// is at most one entry, with identifier 0.
pub type OutPaths = SmallVec<[(u32, Arc<RibAttrs>); 1]>;

/// What one peer has been told, as far as it is stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Told {
    /// It has been sent the table; from then on every change is told to it.
    pub synced: bool,
    /// Prefixes it has been told at least one path for (the "advertised" count).
    pub prefixes: usize,
}

impl Told {
    /// Count the change a [`diff`] reported.
    pub fn count(&mut self, change: PrefixChange) {
        match change {
            PrefixChange::Added => self.prefixes += 1,
            PrefixChange::Removed => self.prefixes = self.prefixes.saturating_sub(1),
            PrefixChange::Same => {}
        }
    }
}

/// [`Told`] per peer number.
#[derive(Debug, Default)]
pub(super) struct ToldTable(Vec<Told>);

impl ToldTable {
    pub fn get(&self, peer: PeerIdx) -> Told {
        self.0.get(peer.slot()).copied().unwrap_or_default()
    }

    pub fn get_mut(&mut self, peer: PeerIdx) -> &mut Told {
        let i = peer.slot();
        if self.0.len() <= i {
            self.0.resize(i + 1, Told::default());
        }
        // Just resized to hold `i`.
        &mut self.0[i]
    }

    /// Nobody is synced any more (results are being deferred).
    pub fn reset_all(&mut self) {
        self.0.clear();
    }
}

/// Whether a prefix started or stopped being told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PrefixChange {
    Added,
    Removed,
    Same,
}

/// Record the announcements and withdrawals that take `target` from `told` to
/// `wanted` for `prefix`. Sets are compared by value (exports of old inputs are not
/// interned), by address first.
pub(super) fn diff(
    target: PeerId,
    prefix: IpNet,
    told: &OutPaths,
    wanted: OutPaths,
    adverts: &mut Vec<(PeerId, Advert)>,
) -> PrefixChange {
    let change = match (told.is_empty(), wanted.is_empty()) {
        (true, false) => PrefixChange::Added,
        (false, true) => PrefixChange::Removed,
        _ => PrefixChange::Same,
    };
    for (path_id, _) in told {
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
    for (path_id, attrs) in wanted {
        let unchanged = told
            .iter()
            .any(|(id, a)| *id == path_id && (Arc::ptr_eq(a, &attrs) || **a == *attrs));
        if !unchanged {
            adverts.push((
                target,
                Advert::Announce {
                    prefix,
                    path_id,
                    attrs,
                },
            ));
        }
    }
    change
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;
    use crate::wire::PathAttrs;

    const T: PeerId = PeerId(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)));

    fn attrs(med: u32) -> Arc<RibAttrs> {
        Arc::new(RibAttrs {
            path: PathAttrs {
                med: Some(med),
                ..PathAttrs::default()
            },
            next_hop: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
        })
    }

    fn paths(list: &[(u32, &Arc<RibAttrs>)]) -> OutPaths {
        list.iter().map(|(i, a)| (*i, Arc::clone(a))).collect()
    }

    fn run(told: OutPaths, wanted: OutPaths) -> (Vec<Advert>, PrefixChange) {
        let mut adverts = Vec::new();
        let prefix: IpNet = "10.1.0.0/24".parse().unwrap();
        let change = diff(T, prefix, &told, wanted, &mut adverts);
        (adverts.into_iter().map(|(_, a)| a).collect(), change)
    }

    fn kinds(adverts: &[Advert]) -> Vec<(char, u32)> {
        adverts
            .iter()
            .map(|a| match a {
                Advert::Announce { path_id, .. } => ('A', *path_id),
                Advert::Withdraw { path_id, .. } => ('W', *path_id),
                Advert::EndOfRib(_) => ('E', 0),
            })
            .collect()
    }

    #[test]
    fn differences_become_announcements_and_withdrawals() {
        let (a, b) = (attrs(1), attrs(2));
        type Row = (
            &'static str,
            OutPaths,
            OutPaths,
            Vec<(char, u32)>,
            PrefixChange,
        );
        let rows: Vec<Row> = vec![
            (
                "new prefix",
                paths(&[]),
                paths(&[(0, &a)]),
                vec![('A', 0)],
                PrefixChange::Added,
            ),
            (
                "gone",
                paths(&[(0, &a)]),
                paths(&[]),
                vec![('W', 0)],
                PrefixChange::Removed,
            ),
            (
                "same set",
                paths(&[(0, &a)]),
                paths(&[(0, &a)]),
                vec![],
                PrefixChange::Same,
            ),
            (
                "other set",
                paths(&[(0, &a)]),
                paths(&[(0, &b)]),
                vec![('A', 0)],
                PrefixChange::Same,
            ),
            (
                "an equal value in another allocation is no change",
                paths(&[(0, &attrs(1))]),
                paths(&[(0, &a)]),
                vec![],
                PrefixChange::Same,
            ),
            (
                "add-path: one identifier replaced by another",
                paths(&[(1, &a), (2, &b)]),
                paths(&[(1, &a), (3, &b)]),
                vec![('W', 2), ('A', 3)],
                PrefixChange::Same,
            ),
            (
                "nothing to nothing",
                paths(&[]),
                paths(&[]),
                vec![],
                PrefixChange::Same,
            ),
        ];
        for (name, told, wanted, want, change) in rows {
            let (adverts, got) = run(told, wanted);
            assert_eq!((kinds(&adverts), got), (want, change), "{name}");
        }
    }

    #[test]
    fn the_count_follows_prefixes_added_and_removed() {
        let mut t = Told::default();
        t.count(PrefixChange::Added);
        t.count(PrefixChange::Added);
        t.count(PrefixChange::Same);
        t.count(PrefixChange::Removed);
        assert_eq!(t.prefixes, 1);
        t.count(PrefixChange::Removed);
        t.count(PrefixChange::Removed);
        assert_eq!(t.prefixes, 0, "never below zero");
    }
}
