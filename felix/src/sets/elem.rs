//! Set and map elements as typed values: what felix writes, what it reads
//! back from a dump, and their nft spelling. Pure.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

/// What a jump in a verdict map leads to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// `accept`.
    Accept,
    /// `drop`.
    Drop,
    /// `return`.
    Return,
    /// `jump <chain>`.
    Jump(String),
    /// `goto <chain>`.
    Goto(String),
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Accept => f.write_str("accept"),
            Verdict::Drop => f.write_str("drop"),
            Verdict::Return => f.write_str("return"),
            Verdict::Jump(c) => write!(f, "jump {c}"),
            Verdict::Goto(c) => write!(f, "goto {c}"),
        }
    }
}

/// One element of a set or map in `inet terrace`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Elem {
    /// An address or prefix in an address set (`10.0.0.1`, `10.0.0.0/24`).
    Net(IpNet),
    /// `addr . proto . port` of a named port.
    AddrProtoPort(IpAddr, u8, u16),
    /// `"iface" . addr`: an address a workload may send from.
    IfaceAddr(String, IpAddr),
    /// `"iface" . prefix`: a prefix a workload may send from (interval set).
    IfaceNet(String, IpNet),
    /// `"iface" : verdict` in a verdict map.
    IfaceVerdict(String, Verdict),
    /// Anything else found in a dump, in nft's spelling (only ever deleted).
    Raw(String),
}

/// The host address of `ip` as a prefix of full length.
pub fn host_net(ip: IpAddr) -> IpNet {
    IpNet::from(ip)
}

/// nft's name for a transport protocol in `inet_proto` values.
pub fn proto_name(proto: u8) -> Option<&'static str> {
    PROTO_NAMES
        .iter()
        .find(|(_, n)| *n == proto)
        .map(|(name, _)| *name)
}

/// The number of an `inet_proto` name as nft prints it.
pub fn proto_number(name: &str) -> Option<u8> {
    PROTO_NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, num)| *num)
        .or_else(|| name.parse().ok())
}

const PROTO_NAMES: [(&str, u8); 6] = [
    ("icmp", 1),
    ("tcp", 6),
    ("udp", 17),
    ("ipv6-icmp", 58),
    ("sctp", 132),
    ("udplite", 136),
];

/// Prefix text as felix writes it: bare address for a host prefix.
fn net_text(net: &IpNet) -> String {
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.trunc().to_string()
    }
}

impl fmt::Display for Elem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Elem::Net(n) => f.write_str(&net_text(n)),
            Elem::AddrProtoPort(ip, proto, port) => match proto_name(*proto) {
                Some(name) => write!(f, "{ip} . {name} . {port}"),
                None => write!(f, "{ip} . {proto} . {port}"),
            },
            Elem::IfaceAddr(iface, ip) => write!(f, "\"{iface}\" . {ip}"),
            Elem::IfaceNet(iface, net) => write!(f, "\"{iface}\" . {}", net_text(net)),
            Elem::IfaceVerdict(iface, v) => write!(f, "\"{iface}\" : {v}"),
            Elem::Raw(text) => f.write_str(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_are_spelled_as_nft_reads_them() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let cases = [
            (Elem::Net(host_net(ip("10.0.0.1"))), "10.0.0.1"),
            (Elem::Net("10.0.0.5/24".parse().unwrap()), "10.0.0.0/24"),
            (
                Elem::AddrProtoPort(ip("fd00::1"), 6, 8080),
                "fd00::1 . tcp . 8080",
            ),
            (
                Elem::AddrProtoPort(ip("10.0.0.1"), 99, 1),
                "10.0.0.1 . 99 . 1",
            ),
            (
                Elem::IfaceAddr("tra".into(), ip("10.0.0.1")),
                "\"tra\" . 10.0.0.1",
            ),
            (
                Elem::IfaceVerdict("tra".into(), Verdict::Jump("go-1".into())),
                "\"tra\" : jump go-1",
            ),
        ];
        for (elem, text) in cases {
            assert_eq!(elem.to_string(), text);
        }
        assert_eq!(proto_number("udp"), Some(17));
        assert_eq!(proto_number("47"), Some(47));
    }
}
