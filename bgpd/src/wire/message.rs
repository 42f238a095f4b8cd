//! Terrace's own BGP message types (RFC 4271 §4), independent of the wire library.
//!
//! The codec adapter converts between these and netgauze's types; everything above the
//! codec (FSM, RIBs, the future tokio shell) only sees these.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

use super::attrs::PathAttrs;
use super::rfc7606::AttrError;

/// Address family (AFI with SAFI unicast): the only ones Terrace carries (RFC 4760 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Afi {
    /// AFI 1, SAFI 1.
    Ipv4,
    /// AFI 2, SAFI 1.
    Ipv6,
}

impl Afi {
    /// The family of a prefix.
    pub fn of(prefix: &IpNet) -> Afi {
        match prefix {
            IpNet::V4(_) => Afi::Ipv4,
            IpNet::V6(_) => Afi::Ipv6,
        }
    }
}

/// One NLRI entry: a prefix and, with ADD-PATH (RFC 7911 §3), its path identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nlri {
    /// The announced or withdrawn prefix (host bits zero).
    pub prefix: IpNet,
    /// Path identifier, present only when ADD-PATH is negotiated for the family.
    pub path_id: Option<u32>,
}

impl Nlri {
    /// A prefix without a path identifier.
    pub fn new(prefix: IpNet) -> Nlri {
        Nlri {
            prefix,
            path_id: None,
        }
    }
}

/// A BGP message (RFC 4271 §4.1 message types 1-4, RFC 2918 type 5).
// UPDATE is by far the most frequent message; boxing it would cost an allocation each.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// OPEN (RFC 4271 §4.2).
    Open(Open),
    /// UPDATE (RFC 4271 §4.3).
    Update(Update),
    /// NOTIFICATION (RFC 4271 §4.5).
    Notification(Notification),
    /// KEEPALIVE (RFC 4271 §4.4).
    Keepalive,
    /// ROUTE-REFRESH (RFC 2918 §3, RFC 7313 subtypes).
    RouteRefresh(RouteRefresh),
}

/// OPEN message (RFC 4271 §4.2) with capabilities (RFC 5492) already typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    /// Protocol version, 4.
    pub version: u8,
    /// "My Autonomous System": the 2-octet AS, AS_TRANS (23456) for large ASes (RFC 6793 §4.1).
    pub my_as: u16,
    /// Proposed hold time in seconds.
    pub hold_time: u16,
    /// BGP Identifier.
    pub bgp_id: Ipv4Addr,
    /// Capabilities from all Capabilities optional parameters, in order.
    pub capabilities: Vec<Capability>,
}

impl Open {
    /// The speaker's real AS: the 4-octet AS capability if present, else `my_as` (RFC 6793 §4.1).
    pub fn asn(&self) -> u32 {
        self.capabilities
            .iter()
            .find_map(|c| match c {
                Capability::FourOctetAs(asn) => Some(*asn),
                _ => None,
            })
            .unwrap_or(u32::from(self.my_as))
    }
}

/// A capability advertised in OPEN (RFC 5492 §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capability {
    /// Multiprotocol Extensions, code 1 (RFC 4760 §8); only unicast families are typed.
    MultiProtocol(Afi),
    /// Route Refresh, code 2 (RFC 2918 §2).
    RouteRefresh,
    /// Extended Message, code 6 (RFC 8654 §3).
    ExtendedMessage,
    /// Graceful Restart, code 64 (RFC 4724 §3).
    GracefulRestart(GracefulRestartCap),
    /// Support for 4-octet AS numbers, code 65 (RFC 6793 §3).
    FourOctetAs(u32),
    /// ADD-PATH, code 69 (RFC 7911 §4).
    AddPath(Vec<AddPathFamily>),
    /// Any other capability (or a non-unicast family): carried but ignored (RFC 5492 §3).
    Unknown {
        /// Capability code.
        code: u8,
    },
}

/// Graceful Restart capability value (RFC 4724 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GracefulRestartCap {
    /// Restart State bit (R): the sender has restarted.
    pub restarting: bool,
    /// Restart Time in seconds (12 bits).
    pub restart_time: u16,
    /// Families with their Forwarding State bit (F).
    pub families: Vec<(Afi, bool)>,
}

/// One ADD-PATH tuple (RFC 7911 §4): what the sender is able to send/receive for a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddPathFamily {
    /// Family.
    pub afi: Afi,
    /// The sender can receive multiple paths.
    pub receive: bool,
    /// The sender can send multiple paths.
    pub send: bool,
}

/// UPDATE message (RFC 4271 §4.3) with MP_REACH/MP_UNREACH (RFC 4760 §3-4) split out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Update {
    /// IPv4 Withdrawn Routes field.
    pub withdrawn: Vec<Nlri>,
    /// Path attributes other than MP_REACH_NLRI / MP_UNREACH_NLRI.
    pub attrs: PathAttrs,
    /// IPv4 NLRI field.
    pub nlri: Vec<Nlri>,
    /// MP_REACH_NLRI (type 14).
    pub mp_reach: Option<MpReach>,
    /// MP_UNREACH_NLRI (type 15).
    pub mp_unreach: Option<MpUnreach>,
    /// Attribute errors found while decoding, with their RFC 7606 action; empty when encoding.
    pub errors: Vec<AttrError>,
}

/// MP_REACH_NLRI contents (RFC 4760 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MpReach {
    /// Family of the NLRI.
    pub afi: Afi,
    /// Global next hop.
    pub next_hop: IpAddr,
    /// IPv6 link-local next hop (RFC 2545 §3), if present.
    pub link_local: Option<std::net::Ipv6Addr>,
    /// Reachable prefixes.
    pub nlri: Vec<Nlri>,
}

/// MP_UNREACH_NLRI contents (RFC 4760 §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MpUnreach {
    /// Family of the withdrawn prefixes.
    pub afi: Afi,
    /// Withdrawn prefixes.
    pub withdrawn: Vec<Nlri>,
}

impl Update {
    /// The End-of-RIB family, if this UPDATE is an End-of-RIB marker (RFC 4724 §2).
    pub fn end_of_rib(&self) -> Option<Afi> {
        let no_classic = self.withdrawn.is_empty() && self.nlri.is_empty();
        match (&self.mp_reach, &self.mp_unreach) {
            (None, None) if no_classic && self.attrs == PathAttrs::default() => Some(Afi::Ipv4),
            (None, Some(un)) if no_classic && un.withdrawn.is_empty() => Some(un.afi),
            _ => None,
        }
    }

    /// An End-of-RIB marker for a family (RFC 4724 §2).
    pub fn end_of_rib_marker(afi: Afi) -> Update {
        let mut u = Update::default();
        if afi == Afi::Ipv6 {
            u.mp_unreach = Some(MpUnreach {
                afi,
                withdrawn: Vec::new(),
            });
        }
        u
    }

    /// True when an attribute error requires treat-as-withdraw (RFC 7606 §2).
    pub fn treat_as_withdraw(&self) -> bool {
        self.errors
            .iter()
            .any(|e| e.action == super::rfc7606::Action::TreatAsWithdraw)
    }

    /// All announced NLRI with their next hop (IPv4 NEXT_HOP or the MP_REACH next hop).
    pub fn announced(&self) -> impl Iterator<Item = (Nlri, Option<IpAddr>)> + '_ {
        let v4_nh = self.attrs.next_hop.map(IpAddr::V4);
        let classic = self.nlri.iter().map(move |n| (*n, v4_nh));
        let mp = self
            .mp_reach
            .iter()
            .flat_map(|r| r.nlri.iter().map(move |n| (*n, Some(r.next_hop))));
        classic.chain(mp)
    }

    /// All withdrawn NLRI from both the classic field and MP_UNREACH.
    pub fn all_withdrawn(&self) -> impl Iterator<Item = Nlri> + '_ {
        let mp = self
            .mp_unreach
            .iter()
            .flat_map(|u| u.withdrawn.iter().copied());
        self.withdrawn.iter().copied().chain(mp)
    }
}

/// NOTIFICATION message (RFC 4271 §4.5): error code, subcode and data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Error code (RFC 4271 §4.5, IANA "BGP Error (Notification) Codes").
    pub code: u8,
    /// Error subcode.
    pub subcode: u8,
    /// Data, meaning depends on code and subcode.
    pub data: Vec<u8>,
}

/// ROUTE-REFRESH message (RFC 2918 §3; RFC 7313 §3.2 for the subtype).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteRefresh {
    /// Family to refresh.
    pub afi: Afi,
    /// 0 normal request, 1 BoRR, 2 EoRR (RFC 7313).
    pub subtype: u8,
}
