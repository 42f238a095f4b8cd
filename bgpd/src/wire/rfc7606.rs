//! RFC 7606 "Revised Error Handling for BGP UPDATE Messages": which action a malformed
//! attribute triggers.
//!
//! The codec adapter asks [`action_for_malformed`] for every attribute that netgauze
//! rejected (or that fails Terrace's own checks) and records an [`AttrError`] in the
//! UPDATE; only [`Action::SessionReset`] turns into a NOTIFICATION.

/// What to do about a malformed UPDATE, strongest last (RFC 7606 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// "Attribute discard": drop the attribute, process the rest (RFC 7606 §2).
    AttributeDiscard,
    /// "Treat-as-withdraw": withdraw every NLRI of the UPDATE (RFC 7606 §2).
    TreatAsWithdraw,
    /// "Session reset": NOTIFICATION and close (RFC 4271 §6.3, RFC 7606 §2).
    SessionReset,
}

/// One attribute problem found while decoding an UPDATE.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrError {
    /// Attribute type code; `None` for problems not tied to one attribute (framing).
    pub code: Option<u8>,
    /// The RFC 7606 action.
    pub action: Action,
    /// What was wrong, for logs.
    pub reason: String,
}

/// Attribute type codes (IANA "BGP Path Attributes").
pub mod code {
    /// ORIGIN.
    pub const ORIGIN: u8 = 1;
    /// AS_PATH.
    pub const AS_PATH: u8 = 2;
    /// NEXT_HOP.
    pub const NEXT_HOP: u8 = 3;
    /// MULTI_EXIT_DISC.
    pub const MED: u8 = 4;
    /// LOCAL_PREF.
    pub const LOCAL_PREF: u8 = 5;
    /// ATOMIC_AGGREGATE.
    pub const ATOMIC_AGGREGATE: u8 = 6;
    /// AGGREGATOR.
    pub const AGGREGATOR: u8 = 7;
    /// COMMUNITIES.
    pub const COMMUNITIES: u8 = 8;
    /// ORIGINATOR_ID.
    pub const ORIGINATOR_ID: u8 = 9;
    /// CLUSTER_LIST.
    pub const CLUSTER_LIST: u8 = 10;
    /// MP_REACH_NLRI.
    pub const MP_REACH: u8 = 14;
    /// MP_UNREACH_NLRI.
    pub const MP_UNREACH: u8 = 15;
    /// EXTENDED COMMUNITIES.
    pub const EXT_COMMUNITIES: u8 = 16;
    /// AS4_PATH.
    pub const AS4_PATH: u8 = 17;
    /// AS4_AGGREGATOR.
    pub const AS4_AGGREGATOR: u8 = 18;
    /// IPv6 Address Specific Extended Community.
    pub const IPV6_EXT_COMMUNITIES: u8 = 25;
    /// LARGE_COMMUNITY.
    pub const LARGE_COMMUNITY: u8 = 32;
}

/// The action for a malformed attribute of type `code` (RFC 7606 §7, per attribute).
///
/// `well_known_unrecognized` is true when the attribute's Optional bit is clear but
/// Terrace does not know the code: RFC 4271 §6.3 "Unrecognized Well-known Attribute",
/// which RFC 7606 leaves as a session reset.
pub fn action_for_malformed(code: u8, well_known_unrecognized: bool) -> Action {
    use self::code::*;
    match code {
        // §7.1 ORIGIN, §7.2 AS_PATH, §7.3 NEXT_HOP, §7.4 MED, §7.5 LOCAL_PREF (length),
        // §7.8 COMMUNITIES, §7.9 ORIGINATOR_ID, §7.10 CLUSTER_LIST,
        // §7.14 Extended Communities, RFC 5701 §3 (via §7.15), RFC 8092 §6 large communities.
        ORIGIN | AS_PATH | NEXT_HOP | MED | LOCAL_PREF | COMMUNITIES | ORIGINATOR_ID
        | CLUSTER_LIST | EXT_COMMUNITIES | IPV6_EXT_COMMUNITIES | LARGE_COMMUNITY => {
            Action::TreatAsWithdraw
        }
        // §7.6 ATOMIC_AGGREGATE, §7.7 AGGREGATOR: attribute discard.
        // RFC 6793 §6: malformed AS4_PATH / AS4_AGGREGATOR are discarded.
        ATOMIC_AGGREGATE | AGGREGATOR | AS4_PATH | AS4_AGGREGATOR => Action::AttributeDiscard,
        // §7.11: the NLRI cannot be located reliably, so the session is reset
        // (Terrace does not implement the optional "AFI/SAFI disable").
        MP_REACH | MP_UNREACH => Action::SessionReset,
        _ if well_known_unrecognized => Action::SessionReset,
        // An optional attribute Terrace does not interpret: RFC 7606 §2 "attribute
        // discard" is the least disruptive choice and what §3 (e) allows.
        _ => Action::AttributeDiscard,
    }
}

/// The action when an attribute appears more than once (RFC 7606 §3 (g)).
pub fn action_for_duplicate(code: u8) -> Action {
    match code {
        code::MP_REACH | code::MP_UNREACH => Action::SessionReset,
        // "all the occurrences of the attribute other than the first one SHALL be discarded"
        _ => Action::AttributeDiscard,
    }
}

/// The action for attribute flags in conflict with the attribute's definition
/// (RFC 7606 §3 (c)): treat-as-withdraw unless the attribute's own rule is weaker or
/// stronger.
pub fn action_for_bad_flags(code: u8) -> Action {
    action_for_malformed(code, false)
}

/// The action for attributes that an external peer must not send (RFC 7606 §7.5, §7.9,
/// §7.10: LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST from an eBGP peer are discarded).
pub fn ebgp_forbidden(code: u8) -> bool {
    matches!(
        code,
        code::LOCAL_PREF | code::ORIGINATOR_ID | code::CLUSTER_LIST
    )
}
