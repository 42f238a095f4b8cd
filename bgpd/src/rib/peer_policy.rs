//! Per-peer RIB settings (the policy half of a peer's configuration).

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

use super::policy::Filter;

/// How the next hop is set when advertising to a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NextHopMode {
    /// Our own session address (always used on eBGP unless `Keep`, RFC 4271 §5.1.3).
    #[default]
    SelfAddress,
    /// Pass the next hop on unchanged (third-party next hop; iBGP default in many
    /// implementations, and route servers on eBGP).
    Keep,
}

/// RIB-wide settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RibConfig {
    /// Our BGP Identifier.
    pub router_id: Ipv4Addr,
    /// Our AS.
    pub local_as: u32,
    /// Route-reflector cluster ID; `Some` makes this speaker a route reflector (RFC 4456).
    pub cluster_id: Option<Ipv4Addr>,
    /// Maximum number of equal paths installed (ECMP); 1 disables multipath.
    pub max_paths: usize,
}

/// One peer's policy settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerPolicy {
    /// The peer's AS.
    pub peer_as: u32,
    /// Our AS on this session (per-peer local AS); usually `RibConfig::local_as`.
    pub local_as: u32,
    /// The peer is our route-reflector client (RFC 4456 §6).
    pub rr_client: bool,
    /// Next-hop rule for routes we send.
    pub next_hop: NextHopMode,
    /// Our addresses on this session, one per family, for next-hop-self.
    pub local_addresses: Vec<IpAddr>,
    /// How many times our own AS may appear in a received AS_PATH (allowas-in).
    pub allow_local_as: u8,
    /// Close the session with Cease/Maximum Number of Prefixes Reached above this.
    pub max_prefixes: Option<u32>,
    /// Import filter.
    pub import: Filter,
    /// Export filter.
    pub export: Filter,
}

impl PeerPolicy {
    /// Defaults: accept all both ways, next-hop-self, no limits.
    pub fn new(peer_as: u32, local_as: u32, local_addresses: Vec<IpAddr>) -> PeerPolicy {
        PeerPolicy {
            peer_as,
            local_as,
            rr_client: false,
            next_hop: NextHopMode::SelfAddress,
            local_addresses,
            allow_local_as: 0,
            max_prefixes: None,
            import: Filter::accept_all(),
            export: Filter::accept_all(),
        }
    }

    /// External session.
    pub fn is_ebgp(&self) -> bool {
        self.peer_as != self.local_as
    }

    /// Our session address of the family of `prefix`, for next-hop-self.
    pub fn self_address_for(&self, prefix: &IpNet) -> Option<IpAddr> {
        self.local_addresses
            .iter()
            .copied()
            .find(|a| a.is_ipv4() == matches!(prefix, IpNet::V4(_)))
    }
}
