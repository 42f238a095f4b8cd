//! 4-octet AS numbers on the wire (RFC 6793).
//!
//! Terrace keeps every AS_PATH with 4-octet ASes. On a session where both sides sent the
//! 4-octet AS capability, AS_PATH is written with 4-octet ASes (§4.1); otherwise it is
//! written with 2-octet ASes, AS_TRANS in place of each large AS, plus AS4_PATH with the
//! real path (§4.2.2). On receipt from a 2-octet speaker the two are merged (§4.2.3).
//! Getting this wrong (2-octet AS_PATH on a 4-octet session) is what made BIRD report
//! "Malformed AS_PATH" against bgp-rs, see docs/decisions/0002-bgp-codec.md.

use netgauze_bgp_pkt::path_attribute::{
    As2PathSegment, As4Path, As4PathSegment, AsPath as NgAsPath, AsPathSegmentType,
};

use super::attrs::{AsPath, AsSegment, SegmentKind};

/// AS_TRANS, the 2-octet stand-in for a 4-octet AS (RFC 6793 §9).
pub const AS_TRANS: u32 = 23456;

fn kind_from(t: AsPathSegmentType) -> SegmentKind {
    match t {
        AsPathSegmentType::AsSet => SegmentKind::Set,
        AsPathSegmentType::AsSequence => SegmentKind::Sequence,
    }
}

fn kind_to(k: SegmentKind) -> AsPathSegmentType {
    match k {
        SegmentKind::Set => AsPathSegmentType::AsSet,
        SegmentKind::Sequence => AsPathSegmentType::AsSequence,
    }
}

/// netgauze AS_PATH (either width) to Terrace's 4-octet form.
pub fn from_wire(path: &NgAsPath) -> AsPath {
    let segments = match path {
        NgAsPath::As2PathSegments(segs) => segs
            .iter()
            .map(|s| AsSegment {
                kind: kind_from(s.segment_type()),
                asns: s.as_numbers().iter().map(|a| u32::from(*a)).collect(),
            })
            .collect(),
        NgAsPath::As4PathSegments(segs) => segs.iter().map(segment_from_as4).collect(),
    };
    AsPath { segments }
}

fn segment_from_as4(s: &As4PathSegment) -> AsSegment {
    AsSegment {
        kind: kind_from(s.segment_type()),
        asns: s.as_numbers().to_vec(),
    }
}

/// AS4_PATH (type 17) to Terrace's form.
pub fn from_as4_path(path: &As4Path) -> AsPath {
    AsPath {
        segments: path.segments().iter().map(segment_from_as4).collect(),
    }
}

/// Merge AS_PATH and AS4_PATH received from a 2-octet speaker (RFC 6793 §4.2.3).
///
/// If AS_PATH is shorter than AS4_PATH, AS4_PATH is ignored. Otherwise the leading
/// `len(AS_PATH) - len(AS4_PATH)` ASes of AS_PATH are kept, followed by AS4_PATH.
pub fn merge(as_path: &AsPath, as4_path: &AsPath) -> AsPath {
    let (len, len4) = (as_path.decision_len(), as4_path.decision_len());
    if len < len4 {
        return as_path.clone();
    }
    let mut keep = len - len4;
    let mut segments = Vec::new();
    for seg in &as_path.segments {
        if keep == 0 {
            break;
        }
        match seg.kind {
            SegmentKind::Set => {
                segments.push(seg.clone());
                keep -= 1;
            }
            SegmentKind::Sequence => {
                let n = keep.min(seg.asns.len());
                segments.push(AsSegment {
                    kind: SegmentKind::Sequence,
                    asns: seg.asns.iter().take(n).copied().collect(),
                });
                keep -= n;
            }
        }
    }
    let mut rest = as4_path.segments.iter();
    if let Some(first) = rest.next() {
        // Join the kept head and AS4_PATH into one AS_SEQUENCE where they meet.
        match segments.last_mut() {
            Some(last)
                if last.kind == SegmentKind::Sequence
                    && first.kind == SegmentKind::Sequence
                    && last.asns.len() + first.asns.len() <= 255 =>
            {
                last.asns.extend_from_slice(&first.asns);
            }
            _ => segments.push(first.clone()),
        }
    }
    segments.extend(rest.cloned());
    AsPath { segments }
}

/// AS_PATH for the wire: 4-octet if negotiated, else 2-octet with AS_TRANS (RFC 6793 §4.2.2).
pub fn to_wire(path: &AsPath, four_octet: bool) -> NgAsPath {
    if four_octet {
        return NgAsPath::As4PathSegments(
            path.segments
                .iter()
                .map(|s| As4PathSegment::new(kind_to(s.kind), s.asns.clone()))
                .collect(),
        );
    }
    NgAsPath::As2PathSegments(
        path.segments
            .iter()
            .map(|s| {
                let asns: Vec<u16> = s.asns.iter().map(|a| to_as2(*a)).collect();
                As2PathSegment::new(kind_to(s.kind), asns)
            })
            .collect(),
    )
}

/// The 2-octet form of an AS: itself if it fits, else AS_TRANS (RFC 6793 §4.2.2).
pub fn to_as2(asn: u32) -> u16 {
    // AS_TRANS (23456) fits in u16, so the fallback cannot fail.
    u16::try_from(asn).unwrap_or(23456)
}

/// AS4_PATH to send alongside a 2-octet AS_PATH, only when some AS does not fit (§4.2.2).
pub fn as4_path_for(path: &AsPath, four_octet: bool) -> Option<As4Path> {
    if four_octet || path.asns().all(|a| a <= u32::from(u16::MAX)) {
        return None;
    }
    Some(As4Path::new(
        path.segments
            .iter()
            .map(|s| As4PathSegment::new(kind_to(s.kind), s.asns.clone()))
            .collect::<Vec<_>>(),
    ))
}

#[cfg(test)]
mod tests {
    use super::merge;
    use crate::wire::attrs::{AsPath, AsSegment, SegmentKind};

    fn seq(asns: &[u32]) -> AsSegment {
        AsSegment {
            kind: SegmentKind::Sequence,
            asns: asns.to_vec(),
        }
    }

    fn path(segments: Vec<AsSegment>) -> AsPath {
        AsPath { segments }
    }

    #[test]
    fn as4_path_replaces_the_trailing_as_trans_entries() {
        let table = [
            (
                "one 2-octet neighbour in front of a 4-octet origin",
                path(vec![seq(&[65001, 23456])]),
                path(vec![seq(&[4_200_000_000])]),
                path(vec![seq(&[65001, 4_200_000_000])]),
            ),
            (
                "as4_path longer than as_path is ignored",
                path(vec![seq(&[23456])]),
                path(vec![seq(&[1, 2])]),
                path(vec![seq(&[23456])]),
            ),
            (
                "an as_set counts as one and is kept in front",
                path(vec![
                    AsSegment {
                        kind: SegmentKind::Set,
                        asns: vec![7, 8],
                    },
                    seq(&[23456]),
                ]),
                path(vec![seq(&[4_200_000_001])]),
                path(vec![
                    AsSegment {
                        kind: SegmentKind::Set,
                        asns: vec![7, 8],
                    },
                    seq(&[4_200_000_001]),
                ]),
            ),
        ];
        for (name, as_path, as4_path, want) in table {
            assert_eq!(merge(&as_path, &as4_path), want, "{name}");
        }
    }
}
