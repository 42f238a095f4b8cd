//! IP protocols by name or number.

use std::fmt;

/// An IP protocol number, printed with Calico's name when it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Protocol(pub u8);

/// Calico's protocol names and their numbers.
const NAMES: &[(&str, u8)] = &[
    ("TCP", 6),
    ("UDP", 17),
    ("ICMP", 1),
    ("ICMPv6", 58),
    ("SCTP", 132),
    ("UDPLite", 136),
];

impl Protocol {
    /// TCP (6).
    pub const TCP: Protocol = Protocol(6);
    /// UDP (17).
    pub const UDP: Protocol = Protocol(17);
    /// SCTP (132).
    pub const SCTP: Protocol = Protocol(132);
    /// ICMP (1).
    pub const ICMP: Protocol = Protocol(1);
    /// ICMPv6 (58).
    pub const ICMPV6: Protocol = Protocol(58);
    /// UDP-Lite (136).
    pub const UDPLITE: Protocol = Protocol(136);

    /// Parses a Calico protocol name (`TCP`, or all lower-case `tcp`).
    pub fn from_name(name: &str) -> Option<Protocol> {
        NAMES
            .iter()
            .find(|(n, _)| *n == name || n.to_ascii_lowercase() == name)
            .map(|(_, num)| Protocol(*num))
    }

    /// Parses a name or a decimal number 1-255.
    pub fn parse(text: &str) -> Option<Protocol> {
        Protocol::from_name(text)
            .or_else(|| text.parse::<u8>().ok().filter(|n| *n > 0).map(Protocol))
    }

    /// True for the protocols that carry ports (TCP, UDP, SCTP, UDP-Lite).
    pub fn has_ports(self) -> bool {
        matches!(
            self,
            Protocol::TCP | Protocol::UDP | Protocol::SCTP | Protocol::UDPLITE
        )
    }

    /// True for ICMP and ICMPv6.
    pub fn is_icmp(self) -> bool {
        matches!(self, Protocol::ICMP | Protocol::ICMPV6)
    }

    /// The Calico name, if the protocol has one.
    pub fn name(self) -> Option<&'static str> {
        NAMES
            .iter()
            .find(|(_, n)| *n == self.0)
            .map(|(name, _)| *name)
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{}", self.0),
        }
    }
}
