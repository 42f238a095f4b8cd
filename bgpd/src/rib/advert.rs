//! Adj-RIB-Out changes for one peer, and packing them into UPDATE messages.

use std::collections::HashMap;
use std::sync::Arc;

use ipnet::IpNet;

use super::types::RibAttrs;
use crate::wire::{Afi, CodecContext, MpReach, MpUnreach, Nlri, PathAttrs, Update};

/// One change to what a peer has been told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Advert {
    /// Advertise `prefix` with these attributes (replacing any earlier advertisement).
    Announce {
        /// Prefix.
        prefix: IpNet,
        /// ADD-PATH identifier (RFC 7911); 0 and ignored without ADD-PATH.
        path_id: u32,
        /// Attributes and next hop as the peer must see them.
        attrs: Arc<RibAttrs>,
    },
    /// Withdraw `prefix`.
    Withdraw {
        /// Prefix.
        prefix: IpNet,
        /// ADD-PATH identifier; 0 without ADD-PATH.
        path_id: u32,
    },
    /// End-of-RIB marker after the initial table (RFC 4724 §2).
    EndOfRib(Afi),
}

fn nlri(prefix: IpNet, path_id: u32) -> Nlri {
    // The encoder writes the identifier only on sessions with ADD-PATH send.
    Nlri {
        prefix,
        path_id: Some(path_id),
    }
}

/// Octets an NLRI entry takes: length octet, prefix octets, ADD-PATH identifier.
fn nlri_octets(p: &IpNet, add_path: bool) -> usize {
    1 + usize::from(p.prefix_len()).div_ceil(8) + if add_path { 4 } else { 0 }
}

/// Group announcements sharing attributes into as few UPDATEs as fit the session's
/// maximum message size; withdrawals and End-of-RIB markers follow.
pub fn pack(adverts: &[Advert], ctx: &CodecContext) -> Vec<Update> {
    // Headroom for the header, the two length fields and the attributes' own encoding.
    let budget = ctx.max_message_len().saturating_sub(19 + 4 + 64);
    let mut groups: Vec<(Arc<RibAttrs>, Vec<Nlri>)> = Vec::new();
    let mut index: HashMap<*const RibAttrs, usize> = HashMap::new();
    let mut withdrawn: Vec<Nlri> = Vec::new();
    let mut eors = Vec::new();
    for a in adverts {
        match a {
            Advert::Announce {
                prefix,
                path_id,
                attrs,
            } => {
                let i = *index.entry(Arc::as_ptr(attrs)).or_insert_with(|| {
                    groups.push((Arc::clone(attrs), Vec::new()));
                    groups.len() - 1
                });
                if let Some(g) = groups.get_mut(i) {
                    g.1.push(nlri(*prefix, *path_id));
                }
            }
            Advert::Withdraw { prefix, path_id } => withdrawn.push(nlri(*prefix, *path_id)),
            Advert::EndOfRib(afi) => eors.push(Update::end_of_rib_marker(*afi)),
        }
    }
    let mut out = Vec::new();
    for (attrs, prefixes) in &groups {
        let attr_len = attr_estimate(&attrs.path);
        for afi in [Afi::Ipv4, Afi::Ipv6] {
            let add_path = ctx.add_path_send.contains(&afi);
            let mine: Vec<Nlri> = prefixes
                .iter()
                .copied()
                .filter(|n| Afi::of(&n.prefix) == afi)
                .collect();
            for chunk in chunks(&mine, budget.saturating_sub(attr_len), add_path) {
                out.push(announce(attrs, afi, chunk));
            }
        }
    }
    for afi in [Afi::Ipv4, Afi::Ipv6] {
        let add_path = ctx.add_path_send.contains(&afi);
        let mine: Vec<Nlri> = withdrawn
            .iter()
            .copied()
            .filter(|n| Afi::of(&n.prefix) == afi)
            .collect();
        for chunk in chunks(&mine, budget, add_path) {
            out.push(withdraw(afi, chunk));
        }
    }
    out.extend(eors);
    out
}

/// A generous upper bound of the attributes' encoded size.
fn attr_estimate(a: &PathAttrs) -> usize {
    let path: usize = a
        .as_path
        .segments
        .iter()
        .map(|s| 2 + 4 * s.asns.len())
        .sum();
    let other: usize = a.other.iter().map(|r| 4 + r.value.len()).sum();
    // Fixed-size attributes, plus MP_REACH overhead with two IPv6 next hops.
    64 + path
        + 4 * a.communities.len()
        + 12 * a.large_communities.len()
        + 4 * a.cluster_list.len()
        + other
}

fn chunks(prefixes: &[Nlri], budget: usize, add_path: bool) -> Vec<&[Nlri]> {
    let mut out = Vec::new();
    let (mut start, mut used) = (0, 0);
    for (i, p) in prefixes.iter().enumerate() {
        let n = nlri_octets(&p.prefix, add_path);
        if used + n > budget && i > start {
            out.push(&prefixes[start..i]);
            start = i;
            used = 0;
        }
        used += n;
    }
    if start < prefixes.len() {
        out.push(&prefixes[start..]);
    }
    out
}

fn announce(attrs: &RibAttrs, afi: Afi, prefixes: &[Nlri]) -> Update {
    let nlri = prefixes.to_vec();
    let mut path = attrs.path.clone();
    match (afi, attrs.next_hop) {
        (Afi::Ipv4, std::net::IpAddr::V4(nh)) => {
            path.next_hop = Some(nh);
            Update {
                attrs: path,
                nlri,
                ..Update::default()
            }
        }
        _ => {
            path.next_hop = None;
            Update {
                attrs: path,
                mp_reach: Some(MpReach {
                    afi,
                    next_hop: attrs.next_hop,
                    link_local: None,
                    nlri,
                }),
                ..Update::default()
            }
        }
    }
}

fn withdraw(afi: Afi, prefixes: &[Nlri]) -> Update {
    let nlri = prefixes.to_vec();
    match afi {
        Afi::Ipv4 => Update {
            withdrawn: nlri,
            ..Update::default()
        },
        Afi::Ipv6 => Update {
            mp_unreach: Some(MpUnreach {
                afi,
                withdrawn: nlri,
            }),
            ..Update::default()
        },
    }
}
