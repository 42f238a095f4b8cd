//! UPDATE decoding (RFC 4271 §4.3, §6.3) with RFC 7606 error handling.
//!
//! Fast path: netgauze parses the whole UPDATE strictly. If it refuses, the slow path walks
//! the attributes itself (RFC 7606 §4 framing), lets netgauze parse each attribute on its
//! own, and classifies the failures, so one bad attribute costs at most the routes of
//! this UPDATE instead of the session.

use std::collections::HashMap;

use ipnet::IpNet;
use netgauze_bgp_pkt::path_attribute::PathAttribute;
use netgauze_bgp_pkt::update::BgpUpdateMessage;
use netgauze_bgp_pkt::wire::deserializer::BgpParsingContext;
use netgauze_bgp_pkt::wire::deserializer::path_attribute::PathAttributeParsingError;
use netgauze_iana::address_family::AddressType;
use netgauze_parse_utils::reader::SliceReader;
use netgauze_parse_utils::traits::ParseFromWithOneInput;

use super::attrs_in::{self, Converted, Malformed};
use super::context::CodecContext;
use super::error::{DecodeError, codes};
use super::message::{Afi, Nlri, Update};
use super::rfc7606::{Action, AttrError, code};

/// The netgauze parsing context for a session: strict, so that we see every error.
pub(super) fn ng_context(ctx: &CodecContext) -> BgpParsingContext {
    let mut add_path = HashMap::new();
    for afi in &ctx.add_path_receive {
        let t = match afi {
            Afi::Ipv4 => AddressType::Ipv4Unicast,
            Afi::Ipv6 => AddressType::Ipv6Unicast,
        };
        add_path.insert(t, true);
    }
    // Non-unicast prefixes are ignored, not fatal (RFC 4271 §6.3 "SHOULD be ignored").
    BgpParsingContext::new(
        ctx.four_octet_as,
        HashMap::new(),
        add_path,
        false,
        false,
        false,
        true,
    )
}

/// Decode an UPDATE body (the octets after the 19-octet header).
pub(super) fn decode(body: &[u8], ctx: &CodecContext) -> Result<Update, DecodeError> {
    let mut ng = ng_context(ctx);
    let fast = BgpUpdateMessage::parse(&mut SliceReader::new(body), &mut ng);
    match fast {
        Ok(msg) => {
            let converted = attrs_in::convert(msg.path_attributes().iter().map(Ok), ctx);
            finish(
                nlri_of(msg.withdraw_routes()),
                nlri_of(msg.nlri()),
                converted,
            )
        }
        Err(_) => slow_path(body, ctx),
    }
}

fn nlri_of(list: &[netgauze_bgp_pkt::nlri::Ipv4UnicastAddress]) -> Vec<Nlri> {
    list.iter()
        .map(|n| Nlri {
            prefix: IpNet::V4(n.network().address()),
            path_id: n.path_id(),
        })
        .collect()
}

/// Split the body into withdrawn, attributes and NLRI (RFC 4271 §4.3). A length field that
/// runs past the message is a session reset (RFC 7606 §4 keeps RFC 4271's rule).
fn split(body: &[u8]) -> Result<Sections<'_>, DecodeError> {
    let bad = || {
        DecodeError::new(
            codes::UPDATE,
            codes::UPD_MALFORMED_ATTR_LIST,
            Vec::new(),
            "withdrawn or attribute length exceeds the message",
        )
    };
    let wlen = usize::from(u16::from_be_bytes([
        *body.first().ok_or_else(bad)?,
        *body.get(1).ok_or_else(bad)?,
    ]));
    let withdrawn = body.get(2..2 + wlen).ok_or_else(bad)?;
    let rest = body.get(2 + wlen..).ok_or_else(bad)?;
    let alen = usize::from(u16::from_be_bytes([
        *rest.first().ok_or_else(bad)?,
        *rest.get(1).ok_or_else(bad)?,
    ]));
    let attrs = rest.get(2..2 + alen).ok_or_else(bad)?;
    let nlri = rest.get(2 + alen..).ok_or_else(bad)?;
    Ok(Sections {
        withdrawn,
        attrs,
        nlri,
    })
}

/// The three variable parts of an UPDATE body.
struct Sections<'a> {
    withdrawn: &'a [u8],
    attrs: &'a [u8],
    nlri: &'a [u8],
}

fn slow_path(body: &[u8], ctx: &CodecContext) -> Result<Update, DecodeError> {
    let Sections {
        withdrawn,
        attrs: attr_bytes,
        nlri,
    } = split(body)?;
    let mut ng = ng_context(ctx);
    let (parsed, framing) = walk(attr_bytes, &mut ng);
    let mut converted = attrs_in::convert(parsed.iter().map(|r| r.as_ref()), ctx);
    converted.errors.extend(framing);
    // The NLRI fields are parsed by netgauze from an UPDATE without attributes.
    let mut synthetic = Vec::with_capacity(withdrawn.len() + nlri.len() + 4);
    // `split` succeeded, so the first 2 + withdrawn octets exist.
    synthetic.extend_from_slice(body.get(..2 + withdrawn.len()).unwrap_or_default());
    synthetic.extend_from_slice(&[0, 0]);
    synthetic.extend_from_slice(nlri);
    let mut ng = ng_context(ctx);
    let msg = BgpUpdateMessage::parse(&mut SliceReader::new(&synthetic), &mut ng).map_err(|e| {
        // RFC 7606 §5.3: an NLRI field that cannot be parsed resets the session.
        DecodeError::new(
            codes::UPDATE,
            codes::UPD_INVALID_NETWORK,
            Vec::new(),
            e.to_string(),
        )
    })?;
    finish(
        nlri_of(msg.withdraw_routes()),
        nlri_of(msg.nlri()),
        converted,
    )
}

type Parsed = Result<PathAttribute, Malformed>;

/// Walk the attributes one by one (RFC 7606 §4): overrun or underrun stops the walk and is
/// treat-as-withdraw; each attribute is parsed alone so errors stay local.
fn walk(mut buf: &[u8], ng: &mut BgpParsingContext) -> (Vec<Parsed>, Option<AttrError>) {
    let mut out = Vec::new();
    while !buf.is_empty() {
        let flags = buf.first().copied().unwrap_or(0);
        let header = if flags & 0x10 != 0 { 4 } else { 3 };
        let (Some(head), true) = (buf.get(..header), buf.len() >= header) else {
            return (
                out,
                Some(framing("attribute header underruns the attribute list")),
            );
        };
        let code = head.get(1).copied().unwrap_or(0);
        let len = match head {
            [_, _, hi, lo] => usize::from(u16::from_be_bytes([*hi, *lo])),
            [_, _, l] => usize::from(*l),
            _ => 0,
        };
        let Some(one) = buf.get(..header + len) else {
            return (
                out,
                Some(framing("attribute length overruns the attribute list")),
            );
        };
        let mut reader = SliceReader::new(one);
        let parsed = match PathAttribute::parse(&mut reader, &mut *ng) {
            Ok(attr) => Ok(attr),
            Err(e) => Err(Malformed {
                code,
                bad_flags: matches!(e, PathAttributeParsingError::InvalidPathAttribute { .. }),
                reason: e.to_string(),
            }),
        };
        out.push(parsed);
        buf = buf.get(header + len..).unwrap_or_default();
    }
    (out, None)
}

fn framing(reason: &str) -> AttrError {
    AttrError {
        code: None,
        action: Action::TreatAsWithdraw,
        reason: reason.to_string(),
    }
}

/// Missing-attribute checks (RFC 7606 §3 (d)) and the session-reset verdict.
fn finish(withdrawn: Vec<Nlri>, nlri: Vec<Nlri>, mut c: Converted) -> Result<Update, DecodeError> {
    let mp_nlri = c.mp_reach.as_ref().is_some_and(|r| !r.nlri.is_empty());
    if !nlri.is_empty() || mp_nlri {
        let mut required = vec![code::ORIGIN, code::AS_PATH];
        if !nlri.is_empty() {
            required.push(code::NEXT_HOP);
        }
        for code in required {
            if !c.seen.contains(&code) {
                c.errors.push(AttrError {
                    code: Some(code),
                    action: Action::TreatAsWithdraw,
                    reason: "missing well-known mandatory attribute".to_string(),
                });
            }
        }
    }
    if let Some(reset) = c.errors.iter().find(|e| e.action == Action::SessionReset) {
        return Err(session_reset(reset));
    }
    Ok(Update {
        withdrawn,
        attrs: c.attrs,
        nlri,
        mp_reach: c.mp_reach,
        mp_unreach: c.mp_unreach,
        errors: c.errors,
    })
}

fn session_reset(e: &AttrError) -> DecodeError {
    let subcode = match e.code {
        Some(code::MP_REACH | code::MP_UNREACH) if e.reason.contains("more than once") => {
            codes::UPD_MALFORMED_ATTR_LIST
        }
        Some(code::MP_REACH | code::MP_UNREACH) => codes::UPD_OPTIONAL_ATTR,
        Some(_) if e.reason.contains("well-known") => codes::UPD_UNRECOGNIZED_WELL_KNOWN,
        _ => codes::UPD_MALFORMED_ATTR_LIST,
    };
    DecodeError::new(codes::UPDATE, subcode, Vec::new(), e.reason.clone())
}
