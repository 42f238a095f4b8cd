//! Checked configuration: what the daemon runs with. Built by [`super::parse`].

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use ipnet::IpNet;

use crate::rib::policy::Filter;
use crate::rib::{NextHopMode, PeerPolicy, RibConfig};
use crate::wire::{Afi, LargeCommunity};

/// The speaker's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// BGP Identifier.
    pub router_id: Ipv4Addr,
    /// Our AS.
    pub asn: u32,
    /// Where the listener binds.
    pub listen: SocketAddr,
    /// Route-reflector cluster ID; `Some` makes us a route reflector.
    pub cluster_id: Option<Ipv4Addr>,
    /// ECMP width.
    pub max_paths: usize,
    /// Prefixes we originate.
    pub originate: Vec<Originated>,
    /// Neighbors, addresses unique.
    pub peers: Vec<PeerConfig>,
}

/// An originated prefix and the communities it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Originated {
    /// Prefix (host bits cleared).
    pub prefix: IpNet,
    /// Standard communities.
    pub communities: Vec<u32>,
    /// Large communities.
    pub large_communities: Vec<LargeCommunity>,
}

/// Status display type of a peer (Calico's `node status` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerKind {
    /// Node-to-node mesh.
    Mesh,
    /// Global peer.
    Global,
    /// Node-specific peer.
    Node,
}

impl fmt::Display for PeerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PeerKind::Mesh => "node-to-node mesh",
            PeerKind::Global => "global",
            PeerKind::Node => "node specific",
        })
    }
}

/// A TCP MD5 key. Its `Debug` form never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(Vec<u8>);

impl Password {
    /// Wrap a secret (1..=80 octets, the TCP_MD5SIG key limit).
    pub fn new(secret: Vec<u8>) -> Password {
        Password(secret)
    }

    /// The key octets, for the setsockopt only.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// One neighbor, fully resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerConfig {
    /// Unique name.
    pub name: String,
    /// Peer address.
    pub address: IpAddr,
    /// Peer TCP port.
    pub port: u16,
    /// Peer AS.
    pub remote_as: u32,
    /// Our AS on this session (the global AS unless overridden).
    pub local_as: u32,
    /// Never dial.
    pub passive: bool,
    /// TCP MD5 key.
    pub password: Option<Password>,
    /// GTSM hop count.
    pub ttl_security: Option<u8>,
    /// Next-hop rule (auto already resolved by session type).
    pub next_hop: NextHopMode,
    /// Route-reflector client.
    pub rr_client: bool,
    /// Proposed hold time.
    pub hold_time: u16,
    /// Keepalive interval override.
    pub keepalive_time: Option<u16>,
    /// First connect-retry interval.
    pub connect_retry_time: u32,
    /// Graceful Restart time; `None` disables GR on this session.
    pub graceful_restart_time: Option<u16>,
    /// Max-prefix limit.
    pub max_prefixes: Option<u32>,
    /// allowas-in count.
    pub allowed_local_as: u8,
    /// Families.
    pub families: Vec<Afi>,
    /// Status display type.
    pub kind: PeerKind,
    /// Import filter.
    pub import: Filter,
    /// Export filter.
    pub export: Filter,
}

impl PeerConfig {
    /// External session.
    pub fn is_ebgp(&self) -> bool {
        self.local_as != self.remote_as
    }

    /// The FSM settings for this peer.
    pub fn session_config(&self, router_id: Ipv4Addr) -> crate::fsm::SessionConfig {
        let mut s = crate::fsm::SessionConfig::new(self.local_as, router_id, self.remote_as);
        s.hold_time = self.hold_time;
        s.connect_retry = self.connect_retry_time;
        s.connect_retry_max = s.connect_retry_max.max(self.connect_retry_time);
        s.passive = self.passive;
        s.families = self.families.clone();
        s.graceful_restart =
            self.graceful_restart_time
                .map(|restart_time| crate::fsm::LocalGracefulRestart {
                    restart_time,
                    restarting: false,
                    forwarding_preserved: false,
                });
        s
    }

    /// The RIB policy for this peer, given our session addresses (next-hop-self).
    pub fn policy(&self, local_addresses: Vec<IpAddr>) -> PeerPolicy {
        let mut p = PeerPolicy::new(self.remote_as, self.local_as, local_addresses);
        p.rr_client = self.rr_client;
        p.next_hop = self.next_hop;
        p.allow_local_as = self.allowed_local_as;
        p.max_prefixes = self.max_prefixes;
        p.import = self.import.clone();
        p.export = self.export.clone();
        p
    }
}

impl Config {
    /// RIB-wide settings.
    pub fn rib_config(&self) -> RibConfig {
        RibConfig {
            router_id: self.router_id,
            local_as: self.asn,
            cluster_id: self.cluster_id,
            max_paths: self.max_paths,
        }
    }

    /// The peer with this address.
    pub fn peer(&self, address: IpAddr) -> Option<&PeerConfig> {
        self.peers.iter().find(|p| p.address == address)
    }
}
