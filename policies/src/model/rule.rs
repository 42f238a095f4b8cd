//! Validated rules: what a packet must look like for a rule to apply.

use ipnet::IpNet;

use super::ports::PortSpec;
use super::protocol::Protocol;
use crate::selector::Selector;

/// What a matching rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Accept the packet; final.
    Allow,
    /// Drop the packet; final.
    Deny,
    /// Log and carry on with the next rule.
    Log,
    /// Skip the rest of this tier; continue with the next tier (or profiles).
    Pass,
}

impl Action {
    /// The Calico spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "Allow",
            Action::Deny => "Deny",
            Action::Log => "Log",
            Action::Pass => "Pass",
        }
    }
}

/// IP family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpVersion {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

/// An ICMP type with an optional code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IcmpMatch {
    /// ICMP type (0-254).
    pub icmp_type: u8,
    /// ICMP code (0-255); any code when absent.
    pub code: Option<u8>,
}

impl IcmpMatch {
    /// True when a packet of this type/code matches.
    pub fn matches(&self, icmp_type: u8, code: u8) -> bool {
        self.icmp_type == icmp_type && self.code.is_none_or(|c| c == code)
    }
}

/// The source or destination half of a rule. Empty fields match anything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntityRule {
    /// The address must be in one of these.
    pub nets: Vec<IpNet>,
    /// The address must be in none of these.
    pub not_nets: Vec<IpNet>,
    /// The peer must be an endpoint or network set matching this.
    pub selector: Option<Selector>,
    /// The peer must not be an endpoint or network set matching this.
    pub not_selector: Option<Selector>,
    /// The peer must be in a namespace whose labels match this;
    /// `global()` means "not namespaced".
    pub namespace_selector: Option<Selector>,
    /// The port must be one of these.
    pub ports: Vec<PortSpec>,
    /// The port must be none of these.
    pub not_ports: Vec<PortSpec>,
}

/// A validated rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// What to do on a match.
    pub action: Action,
    /// Protocol that must match.
    pub protocol: Option<Protocol>,
    /// Protocol that must not match.
    pub not_protocol: Option<Protocol>,
    /// ICMP type/code that must match.
    pub icmp: Option<IcmpMatch>,
    /// ICMP type/code that must not match (not (type and code)).
    pub not_icmp: Option<IcmpMatch>,
    /// IP family that must match.
    pub ip_version: Option<IpVersion>,
    /// Source conditions.
    pub source: EntityRule,
    /// Destination conditions.
    pub destination: EntityRule,
}
