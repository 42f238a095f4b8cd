//! What each peer should hear about a prefix, given a selection: the export rules
//! ([`super::export()`]) per selected path, cached per attribute set, with ADD-PATH
//! identifiers (RFC 7911). [`Exporter`] borrows only what exports need, so a walk over
//! the Loc-RIB can export as it goes instead of collecting the table first.

use std::sync::Arc;

use ipnet::IpNet;

use super::adj_out::{OutPaths, PrefixChange, diff};
use super::advert::Advert;
use super::export::export;
use super::intern::Interner;
use super::loc::{BestChange, Selected};
use super::peer_index::{PeerIdx, PeerIndex};
use super::peer_policy::{PeerPolicy, RibConfig};
use super::peers::{Peer, Peers};
use super::types::{FastMap, PeerId, PeerInfo, RibAttrs};
use crate::fsm::NegotiatedSession;
use crate::wire::Afi;

/// Key of the export cache: target, source, attribute set address, family.
pub(super) type ExportKey = (PeerIdx, PeerIdx, usize, Afi);

/// Export results per [`ExportKey`]; the key's source set is held so its address is
/// not reused while cached.
pub(super) type ExportCache = FastMap<ExportKey, (Arc<RibAttrs>, Option<Arc<RibAttrs>>)>;

/// ADD-PATH identifiers we send, per (source peer, received path id).
pub(super) type PathIds = FastMap<(PeerId, u32), u32>;

/// Read-only export inputs: exports under given (possibly old) policy and peer info.
#[derive(Debug, Clone, Copy)]
pub(super) struct ExportView<'a> {
    peers: &'a Peers,
    config: &'a RibConfig,
    path_ids: &'a PathIds,
}

/// The send side of a session for one prefix: its families and ADD-PATH send.
struct Sending<'a> {
    peer: &'a Peer,
    add_path: bool,
}

fn sending<'a>(peers: &'a Peers, target: PeerId, prefix: &IpNet) -> Option<Sending<'a>> {
    let peer = peers.get(&target)?;
    let session: &NegotiatedSession = peer.session.as_ref()?;
    let afi = Afi::of(prefix);
    if !session.families.contains(&afi) {
        return None;
    }
    let add_path = session.add_path.iter().any(|f| f.afi == afi && f.send);
    Some(Sending { peer, add_path })
}

/// The selected paths a target hears about: all of them with ADD-PATH send, else the
/// best one only.
fn offered(sel: &[Selected], add_path: bool) -> &[Selected] {
    if add_path {
        sel
    } else {
        sel.get(..1).unwrap_or_default()
    }
}

impl<'a> ExportView<'a> {
    /// Exports from the peers' current policies and information.
    pub fn new(peers: &'a Peers, config: &'a RibConfig, path_ids: &'a PathIds) -> Self {
        ExportView {
            peers,
            config,
            path_ids,
        }
    }

    /// What `target` hears about `prefix` with selection `sel` under `policy` and the
    /// peer information `info` gives, uncached and not interned (to compare only).
    pub fn wanted_with(
        &self,
        target: PeerId,
        prefix: &IpNet,
        sel: &[Selected],
        policy: &PeerPolicy,
        info: &dyn Fn(PeerIdx) -> Option<PeerInfo>,
    ) -> OutPaths {
        let mut wanted = OutPaths::new();
        let Some(s) = sending(self.peers, target, prefix) else {
            return wanted;
        };
        for path in offered(sel, s.add_path) {
            let Some(source) = info(path.peer) else {
                continue;
            };
            let Some(out) = export(prefix, &path.attrs, &source, target, policy, self.config)
            else {
                continue;
            };
            let id = if s.add_path {
                // A path told before has its identifier already.
                let Some(id) = self
                    .peers
                    .index()
                    .id(path.peer)
                    .and_then(|src| self.path_ids.get(&(src, path.path_id)))
                else {
                    continue;
                };
                *id
            } else {
                0
            };
            wanted.push((id, Arc::new(out)));
        }
        wanted
    }
}

/// Export inputs with the caches and the interner: exports under the current inputs.
#[derive(Debug)]
pub(super) struct Exporter<'a> {
    peers: &'a Peers,
    config: &'a RibConfig,
    path_ids: &'a mut PathIds,
    cache: &'a mut ExportCache,
    interner: &'a mut Interner,
}

impl<'a> Exporter<'a> {
    /// Exports from the current inputs, recording ADD-PATH identifiers and caching
    /// results.
    pub fn new(
        peers: &'a Peers,
        config: &'a RibConfig,
        path_ids: &'a mut PathIds,
        cache: &'a mut ExportCache,
        interner: &'a mut Interner,
    ) -> Self {
        Exporter {
            peers,
            config,
            path_ids,
            cache,
            interner,
        }
    }

    /// The same inputs, read-only.
    pub fn view(&self) -> ExportView<'_> {
        ExportView::new(self.peers, self.config, self.path_ids)
    }

    pub fn index(&self) -> &'a PeerIndex {
        self.peers.index()
    }

    pub fn policy(&self, target: PeerId) -> Option<&'a PeerPolicy> {
        let peers: &'a Peers = self.peers;
        peers.get(&target).map(|p| &p.policy)
    }

    /// Tell `target` what a selection change means for it.
    pub fn tell(
        &mut self,
        target: PeerId,
        change: &BestChange,
        adverts: &mut Vec<(PeerId, Advert)>,
    ) -> PrefixChange {
        let told = self.wanted(target, &change.prefix, &change.before);
        let wanted = self.wanted(target, &change.prefix, &change.after);
        diff(target, change.prefix, &told, wanted, adverts)
    }

    /// What `target` hears about `prefix` with selection `sel`: the best path, or with
    /// ADD-PATH send every selected path under a stable identifier.
    pub fn wanted(&mut self, target: PeerId, prefix: &IpNet, sel: &[Selected]) -> OutPaths {
        let mut wanted = OutPaths::new();
        if sel.is_empty() {
            return wanted;
        }
        let Some(s) = sending(self.peers, target, prefix) else {
            return wanted;
        };
        for path in offered(sel, s.add_path) {
            let Some(out) = self.export_path(target, s.peer, prefix, path) else {
                continue;
            };
            let id = if s.add_path {
                match self.path_id(path) {
                    Some(id) => id,
                    None => continue,
                }
            } else {
                0
            };
            wanted.push((id, out));
        }
        wanted
    }

    /// Stable identifier for paths from (source, received id).
    fn path_id(&mut self, path: &Selected) -> Option<u32> {
        let source = self.peers.index().id(path.peer)?;
        let next = u32::try_from(self.path_ids.len() + 1).unwrap_or(u32::MAX);
        Some(*self.path_ids.entry((source, path.path_id)).or_insert(next))
    }

    /// Export one path, cached per (target, source, attribute set, family) while the
    /// target's export filter ignores prefixes.
    fn export_path(
        &mut self,
        target: PeerId,
        to: &Peer,
        prefix: &IpNet,
        path: &Selected,
    ) -> Option<Arc<RibAttrs>> {
        let key = (
            to.idx(),
            path.peer,
            Arc::as_ptr(&path.attrs) as usize,
            Afi::of(prefix),
        );
        let cacheable = !to.policy.export.depends_on_prefix();
        if cacheable && let Some((_, hit)) = self.cache.get(&key) {
            return hit.clone();
        }
        let info = self.peers.index().info(path.peer)?;
        let out = export(prefix, &path.attrs, info, target, &to.policy, self.config)
            .map(|a| self.interner.intern(a));
        if cacheable {
            self.cache
                .insert(key, (Arc::clone(&path.attrs), out.clone()));
        }
        out
    }
}
