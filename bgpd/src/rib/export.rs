//! Export rules: what a selected route looks like when advertised to one peer, if at all.
//!
//! Order: well-known communities (RFC 1997), iBGP split horizon and route reflection
//! (RFC 4456 §6), eBGP attribute rewriting (RFC 4271 §5.1), next hop, export filter.

use std::net::IpAddr;

use ipnet::IpNet;

use super::decision::DEFAULT_LOCAL_PREF;
use super::peer_policy::{NextHopMode, PeerPolicy, RibConfig};
use super::types::{PeerId, PeerInfo, RibAttrs};
use crate::wire::attrs::{NO_ADVERTISE, NO_EXPORT, NO_EXPORT_SUBCONFED};
use crate::wire::{Origin, PathAttrs};

/// The route as it should be sent to `target`, or `None` to not advertise it.
pub fn export(
    prefix: &IpNet,
    route: &RibAttrs,
    source: &PeerInfo,
    target_id: PeerId,
    target: &PeerPolicy,
    rib: &RibConfig,
) -> Option<RibAttrs> {
    let local = source.addr == PeerId::LOCAL.0;
    if !local && source.addr == target_id.0 {
        return None;
    }
    let a = &route.path;
    let ebgp = target.is_ebgp();
    if a.has_community(NO_ADVERTISE)
        || (ebgp && (a.has_community(NO_EXPORT) || a.has_community(NO_EXPORT_SUBCONFED)))
    {
        return None;
    }
    let mut out = a.clone();
    if local {
        out.origin = Some(out.origin.unwrap_or(Origin::Igp));
    }
    let reflected = !local && !source.ebgp && !ebgp;
    if reflected {
        reflect(&mut out, source, target, rib)?;
    }
    if ebgp {
        to_external(&mut out, source, target)?;
    } else {
        out.local_pref = Some(out.local_pref.unwrap_or(DEFAULT_LOCAL_PREF));
    }
    let next_hop = next_hop(prefix, route.next_hop, local, reflected, target)?;
    let filtered = target.export.apply(prefix, &out, target.local_as)?;
    Some(RibAttrs {
        path: filtered,
        next_hop,
    })
}

/// iBGP → iBGP: only a route reflector passes it on (RFC 4456 §6), setting ORIGINATOR_ID
/// and prepending its CLUSTER_ID (§8).
fn reflect(
    out: &mut PathAttrs,
    source: &PeerInfo,
    target: &PeerPolicy,
    rib: &RibConfig,
) -> Option<()> {
    let cluster = rib.cluster_id?;
    // From a client: to everyone; from a non-client: to clients only.
    if !source.rr_client && !target.rr_client {
        return None;
    }
    out.originator_id = Some(out.originator_id.unwrap_or(source.router_id));
    out.cluster_list.insert(0, cluster);
    Some(())
}

/// To an external peer: prepend our AS, drop iBGP-only attributes (RFC 4271 §5.1.5,
/// RFC 4456 §8) and MED learned from another AS (§5.1.4).
fn to_external(out: &mut PathAttrs, source: &PeerInfo, target: &PeerPolicy) -> Option<()> {
    // Sender-side loop check: the peer would discard a path that holds its own AS.
    if out.as_path.count(target.peer_as) > 0 {
        return None;
    }
    out.as_path.prepend(target.local_as, 1);
    out.local_pref = None;
    out.originator_id = None;
    out.cluster_list.clear();
    if source.ebgp {
        out.med = None;
    }
    Some(())
}

/// RFC 4271 §5.1.3: our own address unless the peer is set to keep the next hop; a
/// reflected route keeps its next hop (RFC 4456 §10), our own routes always carry ours.
fn next_hop(
    prefix: &IpNet,
    current: IpAddr,
    local: bool,
    reflected: bool,
    target: &PeerPolicy,
) -> Option<IpAddr> {
    let keep = reflected || target.next_hop == NextHopMode::Keep;
    if keep && !local && !current.is_unspecified() {
        return Some(current);
    }
    target.self_address_for(prefix)
}
