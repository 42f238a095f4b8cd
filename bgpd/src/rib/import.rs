//! Import checks and policy for a route received from a peer.

use ipnet::IpNet;

use super::decision::DEFAULT_LOCAL_PREF;
use super::peer_policy::{PeerPolicy, RibConfig};
use crate::wire::PathAttrs;

/// Why a received route is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportReject {
    /// Our AS is in the AS_PATH more often than allowed (RFC 4271 §9.1.2 loop detection).
    AsPathLoop,
    /// An eBGP route whose leftmost AS is not the peer's (RFC 4271 §6.3, RFC 7606 §7.2).
    FirstAsMismatch,
    /// ORIGINATOR_ID is our router ID (RFC 4456 §8).
    OriginatorIsUs,
    /// CLUSTER_LIST contains our cluster ID (RFC 4456 §8).
    ClusterLoop,
    /// The import filter rejected it.
    Filtered,
}

/// Check and transform a received route. `attrs` are the attributes as received.
pub fn import(
    prefix: &IpNet,
    attrs: &PathAttrs,
    peer: &PeerPolicy,
    rib: &RibConfig,
) -> Result<PathAttrs, ImportReject> {
    let allowed = usize::from(peer.allow_local_as);
    if attrs.as_path.count(peer.local_as) > allowed || attrs.as_path.count(rib.local_as) > allowed {
        return Err(ImportReject::AsPathLoop);
    }
    if peer.is_ebgp() && attrs.as_path.first_as() != Some(peer.peer_as) {
        return Err(ImportReject::FirstAsMismatch);
    }
    if attrs.originator_id == Some(rib.router_id) {
        return Err(ImportReject::OriginatorIsUs);
    }
    // Without a configured cluster ID the router ID is the cluster ID (RFC 4456 §7).
    let cluster = rib.cluster_id.unwrap_or(rib.router_id);
    if attrs.cluster_list.contains(&cluster) {
        return Err(ImportReject::ClusterLoop);
    }
    let mut accepted = peer
        .import
        .apply(prefix, attrs, peer.peer_as)
        .ok_or(ImportReject::Filtered)?;
    if peer.is_ebgp() {
        // LOCAL_PREF is local to an AS; eBGP routes get the default (the codec already
        // dropped any LOCAL_PREF an external peer sent, RFC 7606 §7.5).
        accepted.local_pref = Some(accepted.local_pref.unwrap_or(DEFAULT_LOCAL_PREF));
    }
    Ok(accepted)
}
