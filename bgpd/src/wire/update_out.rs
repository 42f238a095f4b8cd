//! Terrace UPDATE → netgauze UPDATE, with RFC 6793 AS width handling and attribute flags
//! per RFC 4271 §5 (well-known: transitive; optional attributes as defined).

use std::net::IpAddr;

use ipnet::IpNet;
use netgauze_bgp_pkt::community::{Community, LargeCommunity as NgLarge};
use netgauze_bgp_pkt::nlri::{Ipv4Unicast, Ipv4UnicastAddress, Ipv6Unicast, Ipv6UnicastAddress};
use netgauze_bgp_pkt::path_attribute::{
    Aggregator, As2Aggregator, As4Aggregator, AtomicAggregate, ClusterId, ClusterList, Communities,
    LargeCommunities, LocalPreference, MpReach as NgMpReach, MpUnreach as NgMpUnreach,
    MultiExitDiscriminator, NextHop, Origin as NgOrigin, Originator, PathAttribute,
    PathAttributeValue as V, UnknownAttribute,
};
use netgauze_bgp_pkt::update::BgpUpdateMessage;
use netgauze_parse_utils::WritablePdu;

use super::as4;
use super::attrs::{Origin, PathAttrs};
use super::context::CodecContext;
use super::error::EncodeError;
use super::message::{Afi, MpReach, MpUnreach, Nlri, Update};
use super::rfc7606::code;

const OPTIONAL: u8 = 0x80;
const TRANSITIVE: u8 = 0x40;
const PARTIAL: u8 = 0x20;

/// Build the netgauze UPDATE for `u` on a session described by `ctx`.
pub(super) fn to_ng(u: &Update, ctx: &CodecContext) -> Result<BgpUpdateMessage, EncodeError> {
    let mut attrs = path_attributes(&u.attrs, ctx)?;
    if let Some(r) = &u.mp_reach {
        attrs.push(attr(OPTIONAL, V::MpReach(mp_reach(r, ctx)?))?);
    }
    if let Some(w) = &u.mp_unreach {
        attrs.push(attr(OPTIONAL, V::MpUnreach(mp_unreach(w, ctx)?))?);
    }
    // RFC 4271 §5 recommends ascending type codes; netgauze writes in the given order.
    attrs.sort_by_key(|a| match a.path_attribute_type() {
        Ok(t) => u8::from(t),
        Err(c) => c,
    });
    Ok(BgpUpdateMessage::new(
        v4_nlri(&u.withdrawn, ctx)?,
        attrs,
        v4_nlri(&u.nlri, ctx)?,
    ))
}

/// Build an attribute, using the 2-octet length form only when the value needs it
/// (BIRD and GoBGP do the same, so captured UPDATEs re-encode byte for byte).
fn attr(flags: u8, value: V) -> Result<PathAttribute, EncodeError> {
    let optional = flags & OPTIONAL != 0;
    let transitive = flags & TRANSITIVE != 0 || !optional;
    let partial = flags & PARTIAL != 0;
    let build = |extended: bool, value: V| {
        PathAttribute::from(optional, transitive, partial, extended, value).map_err(|(_, e)| {
            EncodeError::Unrepresentable {
                what: format!("attribute flags: {e}"),
            }
        })
    };
    let short = build(false, value)?;
    // `len` counts flags, type, one length octet and the value.
    if short.len() <= 3 + 255 {
        return Ok(short);
    }
    build(true, short.value().clone())
}

fn path_attributes(a: &PathAttrs, ctx: &CodecContext) -> Result<Vec<PathAttribute>, EncodeError> {
    let mut out = Vec::new();
    if let Some(o) = a.origin {
        let o = match o {
            Origin::Igp => NgOrigin::IGP,
            Origin::Egp => NgOrigin::EGP,
            Origin::Incomplete => NgOrigin::Incomplete,
        };
        out.push(attr(TRANSITIVE, V::Origin(o))?);
    }
    // An UPDATE that only withdraws carries no attributes at all (RFC 4271 §4.3).
    if a.origin.is_some() || !a.as_path.segments.is_empty() {
        let path = as4::to_wire(&a.as_path, ctx.four_octet_as);
        out.push(attr(TRANSITIVE, V::AsPath(path))?);
    }
    if let Some(nh) = a.next_hop {
        out.push(attr(TRANSITIVE, V::NextHop(NextHop::new(nh)))?);
    }
    if let Some(med) = a.med {
        out.push(attr(
            OPTIONAL,
            V::MultiExitDiscriminator(MultiExitDiscriminator::new(med)),
        )?);
    }
    if let Some(lp) = a.local_pref {
        out.push(attr(
            TRANSITIVE,
            V::LocalPreference(LocalPreference::new(lp)),
        )?);
    }
    if a.atomic_aggregate {
        out.push(attr(TRANSITIVE, V::AtomicAggregate(AtomicAggregate))?);
    }
    aggregator(a, ctx, &mut out)?;
    optional_attributes(a, ctx, &mut out)?;
    Ok(out)
}

/// COMMUNITIES, ORIGINATOR_ID, CLUSTER_LIST, AS4_PATH, LARGE_COMMUNITY and pass-through
/// attributes.
fn optional_attributes(
    a: &PathAttrs,
    ctx: &CodecContext,
    out: &mut Vec<PathAttribute>,
) -> Result<(), EncodeError> {
    if !a.communities.is_empty() {
        let cs: Vec<Community> = a.communities.iter().map(|c| Community::new(*c)).collect();
        out.push(attr(
            OPTIONAL | TRANSITIVE,
            V::Communities(Communities::new(cs)),
        )?);
    }
    if let Some(id) = a.originator_id {
        out.push(attr(OPTIONAL, V::Originator(Originator::new(id)))?);
    }
    if !a.cluster_list.is_empty() {
        let ids: Vec<ClusterId> = a.cluster_list.iter().map(|c| ClusterId::new(*c)).collect();
        out.push(attr(OPTIONAL, V::ClusterList(ClusterList::new(ids)))?);
    }
    if let Some(p4) = as4::as4_path_for(&a.as_path, ctx.four_octet_as) {
        out.push(attr(OPTIONAL | TRANSITIVE, V::As4Path(p4))?);
    }
    if !a.large_communities.is_empty() {
        let cs: Vec<NgLarge> = a
            .large_communities
            .iter()
            .map(|c| NgLarge::new(c.0, c.1, c.2))
            .collect();
        out.push(attr(
            OPTIONAL | TRANSITIVE,
            V::LargeCommunities(LargeCommunities::new(cs)),
        )?);
    }
    for raw in &a.other {
        let known = matches!(raw.code, code::EXT_COMMUNITIES | code::IPV6_EXT_COMMUNITIES);
        // RFC 4271 §5: an unrecognized optional transitive attribute passed on gets Partial.
        let flags = if known {
            raw.flags
        } else {
            raw.flags | PARTIAL
        };
        let value = V::UnknownAttribute(UnknownAttribute::new(raw.code, raw.value.clone()));
        out.push(attr(flags & (OPTIONAL | TRANSITIVE | PARTIAL), value)?);
    }
    Ok(())
}

fn aggregator(
    a: &PathAttrs,
    ctx: &CodecContext,
    out: &mut Vec<PathAttribute>,
) -> Result<(), EncodeError> {
    let Some((asn, id)) = a.aggregator else {
        return Ok(());
    };
    let value = if ctx.four_octet_as {
        Aggregator::As4Aggregator(As4Aggregator::new(asn, id))
    } else {
        Aggregator::As2Aggregator(As2Aggregator::new(as4::to_as2(asn), id))
    };
    out.push(attr(OPTIONAL | TRANSITIVE, V::Aggregator(value))?);
    if !ctx.four_octet_as && asn > u32::from(u16::MAX) {
        // AS4_AGGREGATOR (RFC 6793 §4.2.2); netgauze has no typed variant, so raw.
        let mut v = asn.to_be_bytes().to_vec();
        v.extend_from_slice(&id.octets());
        let value = V::UnknownAttribute(UnknownAttribute::new(code::AS4_AGGREGATOR, v));
        out.push(attr(OPTIONAL | TRANSITIVE, value)?);
    }
    Ok(())
}

fn path_id(n: &Nlri, afi: Afi, ctx: &CodecContext) -> Option<u32> {
    // With ADD-PATH for sending, every NLRI carries an identifier (RFC 7911 §3); 0 if unset.
    ctx.add_path_send
        .contains(&afi)
        .then(|| n.path_id.unwrap_or(0))
}

fn unrepresentable(n: &Nlri) -> EncodeError {
    EncodeError::Unrepresentable {
        what: format!("prefix {} in this field", n.prefix),
    }
}

fn v4_nlri(list: &[Nlri], ctx: &CodecContext) -> Result<Vec<Ipv4UnicastAddress>, EncodeError> {
    list.iter()
        .map(|n| match n.prefix {
            IpNet::V4(net) => Ipv4Unicast::from_net(net)
                .map(|u| Ipv4UnicastAddress::new(path_id(n, Afi::Ipv4, ctx), u))
                .map_err(|_| unrepresentable(n)),
            IpNet::V6(_) => Err(unrepresentable(n)),
        })
        .collect()
}

fn v6_nlri(list: &[Nlri], ctx: &CodecContext) -> Result<Vec<Ipv6UnicastAddress>, EncodeError> {
    list.iter()
        .map(|n| match n.prefix {
            IpNet::V6(net) => Ipv6Unicast::from_net(net)
                .map(|u| Ipv6UnicastAddress::new(path_id(n, Afi::Ipv6, ctx), u))
                .map_err(|_| unrepresentable(n)),
            IpNet::V4(_) => Err(unrepresentable(n)),
        })
        .collect()
}

fn mp_reach(r: &MpReach, ctx: &CodecContext) -> Result<NgMpReach, EncodeError> {
    Ok(match (r.afi, r.next_hop) {
        (Afi::Ipv6, IpAddr::V6(global)) => NgMpReach::Ipv6Unicast {
            next_hop_global: global,
            next_hop_local: r.link_local,
            nlri: v6_nlri(&r.nlri, ctx)?.into(),
        },
        (Afi::Ipv4, next_hop) => NgMpReach::Ipv4Unicast {
            next_hop,
            next_hop_local: r.link_local,
            nlri: v4_nlri(&r.nlri, ctx)?.into(),
        },
        (Afi::Ipv6, IpAddr::V4(_)) => {
            return Err(EncodeError::Unrepresentable {
                what: "IPv4 next hop for IPv6 NLRI".to_string(),
            });
        }
    })
}

fn mp_unreach(w: &MpUnreach, ctx: &CodecContext) -> Result<NgMpUnreach, EncodeError> {
    Ok(match w.afi {
        Afi::Ipv4 => NgMpUnreach::Ipv4Unicast {
            nlri: v4_nlri(&w.withdrawn, ctx)?.into(),
        },
        Afi::Ipv6 => NgMpUnreach::Ipv6Unicast {
            nlri: v6_nlri(&w.withdrawn, ctx)?.into(),
        },
    })
}
