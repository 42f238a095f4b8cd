//! netgauze path attributes → Terrace `PathAttrs`, applying RFC 7606 per attribute.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use ipnet::IpNet;
use netgauze_bgp_pkt::path_attribute::{
    Aggregator, MpReach as NgMpReach, MpUnreach as NgMpUnreach, Origin as NgOrigin, PathAttribute,
    PathAttributeValue as V,
};
use netgauze_parse_utils::WritablePdu;

use super::as4;
use super::attrs::{AsPath, LargeCommunity, Origin, PathAttrs, RawAttr};
use super::context::CodecContext;
use super::message::{Afi, MpReach, MpUnreach, Nlri};
use super::rfc7606::{
    self, Action, AttrError, action_for_bad_flags, action_for_duplicate, action_for_malformed, code,
};

/// An attribute that failed to parse, with what the walker could learn of it.
#[derive(Debug, Clone)]
pub(super) struct Malformed {
    pub code: u8,
    pub bad_flags: bool,
    pub reason: String,
}

/// The attribute part of an UPDATE after conversion.
#[derive(Debug, Default)]
pub(super) struct Converted {
    pub attrs: PathAttrs,
    pub mp_reach: Option<MpReach>,
    pub mp_unreach: Option<MpUnreach>,
    pub errors: Vec<AttrError>,
    pub seen: HashSet<u8>,
    as4_path: Option<AsPath>,
    as4_aggregator: Option<(u32, Ipv4Addr)>,
}

impl Converted {
    fn error(&mut self, code: u8, action: Action, reason: impl Into<String>) {
        self.errors.push(AttrError {
            code: Some(code),
            action,
            reason: reason.into(),
        });
    }
}

/// Convert all attributes, recording RFC 7606 errors instead of failing.
pub(super) fn convert<'a>(
    attrs: impl Iterator<Item = Result<&'a PathAttribute, &'a Malformed>>,
    ctx: &CodecContext,
) -> Converted {
    let mut out = Converted::default();
    for attr in attrs {
        match attr {
            Ok(a) => one(&mut out, a, ctx),
            Err(m) => {
                let action = if m.bad_flags {
                    action_for_bad_flags(m.code)
                } else {
                    action_for_malformed(m.code, false)
                };
                out.seen.insert(m.code);
                out.error(m.code, action, m.reason.clone());
            }
        }
    }
    finish_as4(&mut out, ctx);
    out
}

fn wire_code(a: &PathAttribute) -> u8 {
    match a.path_attribute_type() {
        Ok(t) => t.into(),
        Err(c) => c,
    }
}

fn one(out: &mut Converted, a: &PathAttribute, ctx: &CodecContext) {
    let c = wire_code(a);
    if !out.seen.insert(c) {
        let action = action_for_duplicate(c);
        out.error(c, action, "attribute appears more than once");
        return;
    }
    if ctx.ebgp && rfc7606::ebgp_forbidden(c) {
        out.error(
            c,
            Action::AttributeDiscard,
            "attribute not allowed from an external peer",
        );
        return;
    }
    let attrs = &mut out.attrs;
    match a.value() {
        V::Origin(o) => {
            attrs.origin = Some(match o {
                NgOrigin::IGP => Origin::Igp,
                NgOrigin::EGP => Origin::Egp,
                NgOrigin::Incomplete => Origin::Incomplete,
            })
        }
        V::AsPath(p) => attrs.as_path = as4::from_wire(p),
        V::As4Path(p) => out.as4_path = Some(as4::from_as4_path(p)),
        V::NextHop(nh) => next_hop(out, nh.next_hop()),
        V::MultiExitDiscriminator(m) => attrs.med = Some(m.metric()),
        V::LocalPreference(l) => attrs.local_pref = Some(l.metric()),
        V::AtomicAggregate(_) => attrs.atomic_aggregate = true,
        V::Aggregator(Aggregator::As2Aggregator(g)) => {
            attrs.aggregator = Some((u32::from(*g.asn()), g.origin()))
        }
        V::Aggregator(Aggregator::As4Aggregator(g)) => {
            attrs.aggregator = Some((*g.asn(), g.origin()))
        }
        V::Communities(cs) => {
            attrs.communities = cs.communities().iter().map(|c| c.value()).collect()
        }
        V::LargeCommunities(cs) => {
            attrs.large_communities = cs
                .communities()
                .iter()
                .map(|c| LargeCommunity(c.global_admin(), c.local_data1(), c.local_data2()))
                .collect()
        }
        V::Originator(o) => attrs.originator_id = Some(o.id()),
        V::ClusterList(l) => attrs.cluster_list = l.cluster_list().iter().map(|c| c.id()).collect(),
        V::MpReach(r) => out.mp_reach = mp_reach(r),
        V::MpUnreach(u) => out.mp_unreach = mp_unreach(u),
        V::UnknownAttribute(u) => unknown(out, a, u.value(), c),
        _ => keep_raw(out, a),
    }
}

/// Attributes netgauze does not type (RFC 4271 §5, RFC 6793 for AS4_AGGREGATOR).
fn unknown(out: &mut Converted, a: &PathAttribute, value: &[u8], c: u8) {
    if c == code::AS4_AGGREGATOR {
        out.as4_aggregator = as4_aggregator(value);
        if out.as4_aggregator.is_none() {
            out.error(
                c,
                Action::AttributeDiscard,
                "AS4_AGGREGATOR length is not 8",
            );
        }
    } else if !a.optional() {
        out.error(
            c,
            Action::SessionReset,
            "unrecognized well-known attribute (RFC 4271 §6.3)",
        );
    } else if a.transitive() {
        keep_raw(out, a);
    }
    // Optional non-transitive attributes Terrace does not know are dropped (RFC 4271 §5).
}

fn next_hop(out: &mut Converted, nh: Ipv4Addr) {
    // RFC 4271 §6.3 semantic checks; RFC 7606 §7.3: treat-as-withdraw.
    if nh.is_unspecified() || nh.is_multicast() || nh.is_broadcast() {
        out.error(
            code::NEXT_HOP,
            Action::TreatAsWithdraw,
            "NEXT_HOP is not a unicast address",
        );
    } else {
        out.attrs.next_hop = Some(nh);
    }
}

fn keep_raw(out: &mut Converted, a: &PathAttribute) {
    let mut buf = Vec::with_capacity(a.len());
    if a.write(&mut buf).is_err() {
        return;
    }
    let flags = buf.first().copied().unwrap_or(0);
    let code = buf.get(1).copied().unwrap_or(0);
    let header = if a.extended_length() { 4 } else { 3 };
    let value = buf.get(header..).unwrap_or_default().to_vec();
    out.attrs.other.push(RawAttr { flags, code, value });
}

fn as4_aggregator(value: &[u8]) -> Option<(u32, Ipv4Addr)> {
    let bytes: [u8; 8] = value.try_into().ok()?;
    let [a, b, c, d, e, f, g, h] = bytes;
    Some((u32::from_be_bytes([a, b, c, d]), Ipv4Addr::new(e, f, g, h)))
}

/// RFC 6793 §4.2.3: on a 2-octet session, AS4_PATH/AS4_AGGREGATOR complete the 2-octet
/// attributes unless AGGREGATOR names an AS other than AS_TRANS. On a 4-octet session they
/// are ignored (§4.1).
fn finish_as4(out: &mut Converted, ctx: &CodecContext) {
    let as4_path = out.as4_path.take();
    let as4_agg = out.as4_aggregator.take();
    if ctx.four_octet_as {
        return;
    }
    if let Some((asn, _)) = out.attrs.aggregator {
        if asn != as4::AS_TRANS {
            return;
        }
        if let Some(agg) = as4_agg {
            out.attrs.aggregator = Some(agg);
        }
    }
    if let Some(p4) = as4_path {
        out.attrs.as_path = as4::merge(&out.attrs.as_path, &p4);
    }
}

fn mp_reach(r: &NgMpReach) -> Option<MpReach> {
    match r {
        NgMpReach::Ipv4Unicast { next_hop, nlri, .. } => Some(MpReach {
            afi: Afi::Ipv4,
            next_hop: *next_hop,
            link_local: None,
            nlri: nlri
                .iter()
                .map(|n| Nlri {
                    prefix: IpNet::V4(n.network().address()),
                    path_id: n.path_id(),
                })
                .collect(),
        }),
        NgMpReach::Ipv6Unicast {
            next_hop_global,
            next_hop_local,
            nlri,
        } => Some(MpReach {
            afi: Afi::Ipv6,
            next_hop: (*next_hop_global).into(),
            link_local: *next_hop_local,
            nlri: nlri
                .iter()
                .map(|n| Nlri {
                    prefix: IpNet::V6(n.network().address()),
                    path_id: n.path_id(),
                })
                .collect(),
        }),
        // Families Terrace never negotiates are ignored (RFC 4760 §7).
        _ => None,
    }
}

fn mp_unreach(u: &NgMpUnreach) -> Option<MpUnreach> {
    match u {
        NgMpUnreach::Ipv4Unicast { nlri } => Some(MpUnreach {
            afi: Afi::Ipv4,
            withdrawn: nlri
                .iter()
                .map(|n| Nlri {
                    prefix: IpNet::V4(n.network().address()),
                    path_id: n.path_id(),
                })
                .collect(),
        }),
        NgMpUnreach::Ipv6Unicast { nlri } => Some(MpUnreach {
            afi: Afi::Ipv6,
            withdrawn: nlri
                .iter()
                .map(|n| Nlri {
                    prefix: IpNet::V6(n.network().address()),
                    path_id: n.path_id(),
                })
                .collect(),
        }),
        _ => None,
    }
}
