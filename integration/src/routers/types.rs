//! Router-independent configuration and state types.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

/// Which router implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouterKind {
    /// BIRD 2.
    Bird,
    /// FRR (zebra + bgpd).
    Frr,
    /// GoBGP (gobgpd, driven through its gRPC API).
    Gobgp,
}

impl RouterKind {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bird => "bird",
            Self::Frr => "frr",
            Self::Gobgp => "gobgp",
        }
    }
}

/// BGP timers in seconds. Defaults are short so labs converge fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// Hold time.
    pub hold: u16,
    /// Keepalive interval.
    pub keepalive: u16,
    /// Connect retry interval.
    pub connect_retry: u16,
}

impl Default for Timers {
    fn default() -> Self {
        Self {
            hold: 9,
            keepalive: 3,
            connect_retry: 1,
        }
    }
}

/// One BGP neighbor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeighborConfig {
    /// Peer address (directly connected).
    pub address: IpAddr,
    /// Peer AS.
    pub remote_as: u32,
    /// TCP MD5 password.
    pub password: Option<String>,
    /// Wait for the peer to connect instead of connecting.
    pub passive: bool,
    /// The neighbor is a route-reflector client of this router (RFC 4456), which then
    /// reflects iBGP routes between its clients; the cluster ID is the router ID.
    pub rr_client: bool,
    /// Session timers.
    pub timers: Timers,
}

impl NeighborConfig {
    /// An active neighbor without password.
    pub fn new(address: IpAddr, remote_as: u32) -> Self {
        Self {
            address,
            remote_as,
            password: None,
            passive: false,
            rr_client: false,
            timers: Timers::default(),
        }
    }

    /// With a TCP MD5 password.
    pub fn password(mut self, password: &str) -> Self {
        self.password = Some(password.to_owned());
        self
    }

    /// With other timers than the short defaults.
    pub fn timers(mut self, timers: Timers) -> Self {
        self.timers = timers;
        self
    }

    /// Passive (listen only).
    pub fn passive(mut self) -> Self {
        self.passive = true;
        self
    }

    /// A route-reflector client of this router.
    pub fn rr_client(mut self) -> Self {
        self.rr_client = true;
        self
    }
}

/// What a router is told by the test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouterConfig {
    /// Router id.
    pub router_id: Ipv4Addr,
    /// Local AS.
    pub asn: u32,
    /// Neighbors.
    pub neighbors: Vec<NeighborConfig>,
    /// Prefixes to originate (announced whether or not a kernel route
    /// exists).
    pub originate: Vec<IpNet>,
    /// Install learned routes in the kernel. BIRD honours it; FRR always
    /// installs (zebra); GoBGP never does (it has no FIB).
    pub kernel_export: bool,
    /// A configuration written by hand (a documented example) used verbatim
    /// instead of one rendered from the fields above. BIRD: the whole
    /// `bird.conf` (its sessions are then read only if its protocols follow
    /// the lab's `peer_<address>` naming); FRR: the `bgpd.conf`. GoBGP
    /// ignores it.
    pub config_text: Option<String>,
}

impl RouterConfig {
    /// A router with `router_id` in `asn`, no neighbors, kernel export on.
    pub fn new(router_id: Ipv4Addr, asn: u32) -> Self {
        Self {
            router_id,
            asn,
            neighbors: Vec::new(),
            originate: Vec::new(),
            kernel_export: true,
            config_text: None,
        }
    }

    /// Adds a neighbor.
    pub fn neighbor(mut self, n: NeighborConfig) -> Self {
        self.neighbors.push(n);
        self
    }

    /// Adds a prefix to originate.
    pub fn originate(mut self, prefix: IpNet) -> Self {
        self.originate.push(prefix);
        self
    }

    /// The families the router's tables hold, as "is IPv6": IPv4 (`false`) always, and
    /// IPv6 (`true`) when a neighbor address or an originated prefix is IPv6. Each
    /// session carries the family of its neighbor's address.
    pub fn families(&self) -> Vec<bool> {
        let v6 = self.neighbors.iter().any(|n| n.address.is_ipv6())
            || self.originate.iter().any(|p| p.addr().is_ipv6());
        if v6 { vec![false, true] } else { vec![false] }
    }
}

/// BGP FSM state as RFC 4271 section 8.2.2 names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    /// Idle.
    Idle,
    /// Connect.
    Connect,
    /// Active.
    Active,
    /// OpenSent.
    OpenSent,
    /// OpenConfirm.
    OpenConfirm,
    /// Established.
    Established,
    /// Anything a router printed that is not one of the above.
    Other(String),
}

impl SessionState {
    /// Reads a state name in any case (`Established`, `ESTABLISHED`,
    /// `established`, `openconfirm`, `OpenConfirm`...).
    pub fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().replace(['_', ' '], "").as_str() {
            "idle" => Self::Idle,
            "connect" => Self::Connect,
            "active" => Self::Active,
            "opensent" => Self::OpenSent,
            "openconfirm" => Self::OpenConfirm,
            "established" => Self::Established,
            _ => Self::Other(s.to_owned()),
        }
    }
}

/// One BGP session as the router reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BgpSession {
    /// Peer address.
    pub peer: IpAddr,
    /// Peer AS, when reported.
    pub remote_as: Option<u32>,
    /// FSM state.
    pub state: SessionState,
}

/// One route in a router's BGP RIB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RibRoute {
    /// Prefix.
    pub prefix: IpNet,
    /// Next hop; `None` for locally originated routes.
    pub next_hop: Option<IpAddr>,
    /// Selected as best path.
    pub best: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_states_parse_in_every_spelling_routers_use() {
        let cases = [
            ("Established", SessionState::Established),
            ("ESTABLISHED", SessionState::Established),
            ("openconfirm", SessionState::OpenConfirm),
            ("OpenSent", SessionState::OpenSent),
            ("Active", SessionState::Active),
            ("idle", SessionState::Idle),
            ("Connect", SessionState::Connect),
            ("Idle (Admin)", SessionState::Other("Idle (Admin)".into())),
        ];
        for (s, want) in cases {
            assert_eq!(SessionState::parse(s), want, "{s}");
        }
    }
}
