//! Path attributes as Terrace's RIBs see them (RFC 4271 §5), always with 4-octet AS numbers.
//!
//! `PathAttrs` is `Eq + Hash` so identical attribute sets can be interned and shared
//! between routes (see `rib::intern`).

use std::net::Ipv4Addr;

/// ORIGIN (RFC 4271 §5.1.1); the derive order is the preference order of §9.1.2.2 (c).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    /// 0: IGP.
    Igp,
    /// 1: EGP.
    Egp,
    /// 2: INCOMPLETE.
    Incomplete,
}

/// AS_PATH segment type (RFC 4271 §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SegmentKind {
    /// AS_SET (1): unordered.
    Set,
    /// AS_SEQUENCE (2): ordered, leftmost is the most recent AS.
    Sequence,
}

/// One AS_PATH segment with 4-octet AS numbers (RFC 6793 §3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AsSegment {
    /// Set or sequence.
    pub kind: SegmentKind,
    /// AS numbers in wire order.
    pub asns: Vec<u32>,
}

/// AS_PATH (RFC 4271 §5.1.2) as a list of segments.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AsPath {
    /// Segments in wire order.
    pub segments: Vec<AsSegment>,
}

impl AsPath {
    /// A path that is one AS_SEQUENCE.
    pub fn sequence(asns: impl Into<Vec<u32>>) -> AsPath {
        let asns = asns.into();
        if asns.is_empty() {
            return AsPath::default();
        }
        AsPath {
            segments: vec![AsSegment {
                kind: SegmentKind::Sequence,
                asns,
            }],
        }
    }

    /// Path length for the decision process: each AS in a sequence counts 1, a whole AS_SET
    /// counts 1 (RFC 4271 §9.1.2.2 (a)).
    pub fn decision_len(&self) -> usize {
        self.segments
            .iter()
            .map(|s| match s.kind {
                SegmentKind::Sequence => s.asns.len(),
                SegmentKind::Set => usize::from(!s.asns.is_empty()),
            })
            .sum()
    }

    /// The neighbouring AS: the leftmost AS of a leading AS_SEQUENCE (RFC 4271 §9.1.2.2 (c)).
    pub fn first_as(&self) -> Option<u32> {
        match self.segments.first() {
            Some(AsSegment {
                kind: SegmentKind::Sequence,
                asns,
            }) => asns.first().copied(),
            _ => None,
        }
    }

    /// How many times `asn` appears anywhere in the path (loop detection, RFC 4271 §9.1.2).
    pub fn count(&self, asn: u32) -> usize {
        self.segments
            .iter()
            .flat_map(|s| s.asns.iter())
            .filter(|a| **a == asn)
            .count()
    }

    /// All AS numbers, flattened in wire order.
    pub fn asns(&self) -> impl Iterator<Item = u32> + '_ {
        self.segments.iter().flat_map(|s| s.asns.iter().copied())
    }

    /// Prepend `asn` `times` times to the leading AS_SEQUENCE (RFC 4271 §5.1.2, eBGP export).
    pub fn prepend(&mut self, asn: u32, times: usize) {
        if times == 0 {
            return;
        }
        match self.segments.first_mut() {
            // A segment holds at most 255 ASes on the wire; open a new one beyond that.
            Some(seg) if seg.kind == SegmentKind::Sequence && seg.asns.len() + times <= 255 => {
                seg.asns.splice(0..0, std::iter::repeat_n(asn, times));
            }
            _ => self.segments.insert(
                0,
                AsSegment {
                    kind: SegmentKind::Sequence,
                    asns: vec![asn; times],
                },
            ),
        }
    }
}

/// A large community (RFC 8092 §3): global administrator and two local data parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LargeCommunity(pub u32, pub u32, pub u32);

/// An attribute Terrace does not interpret, kept to pass on if optional transitive
/// (RFC 4271 §5: "the Partial bit ... MUST be set" when passed on, done by the encoder).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawAttr {
    /// Attribute flags as received.
    pub flags: u8,
    /// Attribute type code.
    pub code: u8,
    /// Attribute value.
    pub value: Vec<u8>,
}

/// Well-known community NO_EXPORT (RFC 1997).
pub const NO_EXPORT: u32 = 0xFFFF_FF01;
/// Well-known community NO_ADVERTISE (RFC 1997).
pub const NO_ADVERTISE: u32 = 0xFFFF_FF02;
/// Well-known community NO_EXPORT_SUBCONFED (RFC 1997).
pub const NO_EXPORT_SUBCONFED: u32 = 0xFFFF_FF03;

/// The path attributes of a route (everything except MP_REACH/MP_UNREACH).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PathAttrs {
    /// ORIGIN (type 1).
    pub origin: Option<Origin>,
    /// AS_PATH (type 2), merged with AS4_PATH (type 17) on 2-octet sessions (RFC 6793 §4.2.3).
    pub as_path: AsPath,
    /// NEXT_HOP (type 3), IPv4 only; IPv6 next hops travel in MP_REACH_NLRI.
    pub next_hop: Option<Ipv4Addr>,
    /// MULTI_EXIT_DISC (type 4).
    pub med: Option<u32>,
    /// LOCAL_PREF (type 5).
    pub local_pref: Option<u32>,
    /// ATOMIC_AGGREGATE (type 6).
    pub atomic_aggregate: bool,
    /// AGGREGATOR (type 7): AS and BGP identifier.
    pub aggregator: Option<(u32, Ipv4Addr)>,
    /// COMMUNITIES (type 8, RFC 1997).
    pub communities: Vec<u32>,
    /// ORIGINATOR_ID (type 9, RFC 4456 §8).
    pub originator_id: Option<Ipv4Addr>,
    /// CLUSTER_LIST (type 10, RFC 4456 §8).
    pub cluster_list: Vec<Ipv4Addr>,
    /// LARGE_COMMUNITY (type 32, RFC 8092).
    pub large_communities: Vec<LargeCommunity>,
    /// Attributes kept as raw bytes (unknown optional transitive, extended communities...).
    pub other: Vec<RawAttr>,
}

impl PathAttrs {
    /// True if the COMMUNITIES attribute carries `community`.
    pub fn has_community(&self, community: u32) -> bool {
        self.communities.contains(&community)
    }
}
