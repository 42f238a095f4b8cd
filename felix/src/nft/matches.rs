//! A compiled policy rule as data: a conjunction of typed matches and an
//! action. It renders as the nft rule text felix writes, and the same data
//! drives [`super::sim`], which runs packets through a compiled table
//! without a kernel. Pure.

use std::fmt;

use super::{MARK_ACCEPT, MARK_PASS};
use crate::sets::Family;

/// Which end of the packet a match looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Source address or port.
    Src,
    /// Destination address or port.
    Dst,
}

impl Side {
    fn letter(self) -> char {
        match self {
            Side::Src => 's',
            Side::Dst => 'd',
        }
    }
}

/// ICMP header field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcmpField {
    /// `type`.
    Type,
    /// `code`.
    Code,
}

/// One condition of an nft rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// `meta nfproto ipv4|ipv6`.
    NfProto(Family),
    /// `meta l4proto [!=] N`.
    L4Proto {
        /// Protocol number.
        proto: u8,
        /// `!=`.
        negate: bool,
    },
    /// `meta l4proto { tcp, udp, sctp, udplite }`: a protocol with ports.
    L4WithPorts,
    /// `icmp|icmpv6 type|code [!=] N`; nft adds the protocol dependency, so
    /// it never matches another protocol, negated or not.
    Icmp {
        /// ICMPv6 rather than ICMP.
        v6: bool,
        /// Type or code.
        field: IcmpField,
        /// Value.
        value: u8,
        /// `!=`.
        negate: bool,
    },
    /// `ip|ip6 saddr|daddr [!=] @set`.
    Addr {
        /// Which address.
        side: Side,
        /// Family of the address expression.
        family: Family,
        /// Set name.
        set: String,
        /// `!=`.
        negate: bool,
    },
    /// `th sport|dport [!=] { 80, 8000-8080 }`.
    Ports {
        /// Which port.
        side: Side,
        /// Inclusive ranges.
        ranges: Vec<(u16, u16)>,
        /// `!=`.
        negate: bool,
    },
    /// `ip saddr . meta l4proto . th sport [!=] @set`: a named port.
    NamedPort {
        /// Which end.
        side: Side,
        /// Family of the address expression.
        family: Family,
        /// Set name.
        set: String,
        /// `!=`.
        negate: bool,
    },
}

/// What a compiled rule does when it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Allow: set [`MARK_ACCEPT`] and return.
    Allow,
    /// Drop.
    Deny,
    /// Pass inside a tier: set [`MARK_PASS`] and return.
    PassTier,
    /// Pass inside a profile: return (the next profile decides).
    Return,
    /// Log with this prefix and go on.
    Log(String),
}

/// A compiled rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NftRule {
    /// All must hold.
    pub matches: Vec<Match>,
    /// Then this happens.
    pub action: Action,
}

fn family_word(f: Family) -> &'static str {
    match f {
        Family::V4 => "ipv4",
        Family::V6 => "ipv6",
    }
}

fn addr_word(f: Family, side: Side) -> String {
    let base = match f {
        Family::V4 => "ip",
        Family::V6 => "ip6",
    };
    format!("{base} {}addr", side.letter())
}

fn op(negate: bool) -> &'static str {
    if negate { "!= " } else { "" }
}

impl fmt::Display for Match {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Match::NfProto(fam) => write!(f, "meta nfproto {}", family_word(*fam)),
            Match::L4Proto { proto, negate } => write!(f, "meta l4proto {}{proto}", op(*negate)),
            Match::L4WithPorts => f.write_str("meta l4proto { tcp, udp, sctp, udplite }"),
            Match::Icmp {
                v6,
                field,
                value,
                negate,
            } => {
                let kw = if *v6 { "icmpv6" } else { "icmp" };
                let field = match field {
                    IcmpField::Type => "type",
                    IcmpField::Code => "code",
                };
                write!(f, "{kw} {field} {}{value}", op(*negate))
            }
            Match::Addr {
                side,
                family,
                set,
                negate,
            } => write!(f, "{} {}@{set}", addr_word(*family, *side), op(*negate)),
            Match::Ports {
                side,
                ranges,
                negate,
            } => {
                let list: Vec<String> = ranges
                    .iter()
                    .map(|(a, b)| {
                        if a == b {
                            a.to_string()
                        } else {
                            format!("{a}-{b}")
                        }
                    })
                    .collect();
                write!(
                    f,
                    "th {}port {}{{ {} }}",
                    side.letter(),
                    op(*negate),
                    list.join(", ")
                )
            }
            Match::NamedPort {
                side,
                family,
                set,
                negate,
            } => write!(
                f,
                "{} . meta l4proto . th {}port {}@{set}",
                addr_word(*family, *side),
                side.letter(),
                op(*negate)
            ),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Allow => write!(f, "meta mark set meta mark | 0x{MARK_ACCEPT:08x} return"),
            Action::Deny => f.write_str("drop"),
            Action::PassTier => write!(f, "meta mark set meta mark | 0x{MARK_PASS:08x} return"),
            Action::Return => f.write_str("return"),
            Action::Log(prefix) => write!(f, "log prefix \"{prefix}\" level info"),
        }
    }
}

impl fmt::Display for NftRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for m in &self.matches {
            write!(f, "{m} ")?;
        }
        write!(f, "{}", self.action)
    }
}
