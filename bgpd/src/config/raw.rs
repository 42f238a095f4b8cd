//! The file schema, exactly as written in bgpd.toml. Unknown fields are errors.
//!
//! Values are checked and resolved when they become a [`super::Config`]; defaults
//! named here are applied there.

use serde::Deserialize;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Our BGP Identifier, an IPv4 address (`"10.0.0.1"`). Required.
    pub router_id: String,
    /// Our autonomous system number (1..=4294967294). Required.
    pub asn: u32,
    /// Address the BGP listener binds to. Default `"0.0.0.0"`; `"::"` accepts IPv4 and
    /// IPv6 peers.
    pub listen_address: Option<String>,
    /// TCP port of the listener. Default 179.
    pub listen_port: Option<u16>,
    /// Route-reflector cluster ID (IPv4 notation). Setting it makes this speaker a route
    /// reflector for the peers marked `route_reflector_client`.
    pub cluster_id: Option<String>,
    /// Most equal-cost paths installed per prefix (ECMP). Default 4; 1 disables multipath.
    pub max_paths: Option<u8>,
    /// Graceful Restart time (seconds, 0..=4095) we ask peers to keep our routes across
    /// our restart. Default 120; 0 disables Graceful Restart. Peers may override it.
    pub graceful_restart_time: Option<u16>,
    /// Prefixes this host originates (its address blocks and borrowed addresses).
    #[serde(default)]
    pub originate: Vec<RawOriginated>,
    /// BGP neighbors.
    #[serde(default)]
    pub peers: Vec<RawPeer>,
}

/// One originated prefix.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOriginated {
    /// The prefix, e.g. `"10.65.1.0/26"` or a borrowed `"10.65.2.9/32"`.
    pub prefix: String,
    /// Standard communities attached (`"65000:100"`, `"no-export"`, ...).
    #[serde(default)]
    pub communities: Vec<String>,
    /// Large communities attached (`"65000:1:2"`).
    #[serde(default)]
    pub large_communities: Vec<String>,
}

/// How a peer is shown in status output (Calico's peer types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawPeerKind {
    /// Another host of the node-to-node mesh.
    Mesh,
    /// A peer configured for every node (global BGPPeer).
    Global,
    /// A peer configured for this node only.
    Node,
}

/// Next-hop rule for routes sent to a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawNextHop {
    /// `self` on eBGP sessions, `keep` on iBGP sessions (RFC 4271 §5.1.3).
    Auto,
    /// Always our own session address.
    #[serde(rename = "self")]
    SelfAddress,
    /// Pass the next hop on unchanged where possible (our own routes carry ours).
    Keep,
}

/// An address family carried on a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawFamily {
    /// IPv4 unicast (AFI 1, SAFI 1).
    Ipv4Unicast,
    /// IPv6 unicast (AFI 2, SAFI 1).
    Ipv6Unicast,
}

/// One BGP neighbor.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPeer {
    /// Unique name (status display, logs), e.g. `"mesh-node2"` or `"tor"`. Required.
    pub name: String,
    /// The peer's address, IPv4 or IPv6. Required, unique.
    pub address: String,
    /// The peer's TCP port. Default 179.
    pub port: Option<u16>,
    /// The peer's AS. Required. Equal to our AS (after `local_as`) means iBGP.
    pub remote_as: u32,
    /// Our AS on this session instead of the global `asn` (per-peer local AS).
    pub local_as: Option<u32>,
    /// Only accept the peer's connection, never dial. Default false.
    #[serde(default)]
    pub passive: bool,
    /// File holding the TCP MD5 password (RFC 2385), trailing newline ignored. At most
    /// one of `password_file` / `password_env`. The secret never appears in this file.
    pub password_file: Option<String>,
    /// Environment variable holding the TCP MD5 password.
    pub password_env: Option<String>,
    /// GTSM (RFC 5082): the peer is at most this many hops away (1..=254); we send with
    /// TTL 255 and drop segments that arrive with TTL below 256 - hops.
    pub ttl_security: Option<u8>,
    /// Next-hop rule: `"auto"` (default), `"self"` or `"keep"`.
    pub next_hop: Option<RawNextHop>,
    /// The peer is a route-reflector client (needs the global `cluster_id`). Default false.
    #[serde(default)]
    pub route_reflector_client: bool,
    /// Hold time we propose, seconds: 0 (no keepalives) or 3..=65535. Default 90.
    pub hold_time: Option<u16>,
    /// Keepalive interval, seconds, below the hold time. Default a third of the
    /// negotiated hold time.
    pub keepalive_time: Option<u16>,
    /// First connect-retry interval, seconds (backs off exponentially to 120). Default 5.
    pub connect_retry_time: Option<u32>,
    /// Graceful Restart time for this session; default the global one; 0 disables.
    pub graceful_restart_time: Option<u16>,
    /// Close the session (Cease, Maximum Number of Prefixes Reached) above this many
    /// received prefixes.
    pub max_prefixes: Option<u32>,
    /// How often our own AS may appear in a received AS_PATH (allowas-in). Default 0.
    #[serde(default)]
    pub allowed_local_as: u8,
    /// Families negotiated. Default both `"ipv4-unicast"` and `"ipv6-unicast"`.
    pub families: Option<Vec<RawFamily>>,
    /// Status display type: `"mesh"`, `"global"` (default) or `"node"`.
    pub kind: Option<RawPeerKind>,
    /// Filter for received routes. Default: accept all.
    pub import: Option<RawFilter>,
    /// Filter for advertised routes. Default: accept all.
    pub export: Option<RawFilter>,
}

/// Accept or reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawVerdict {
    /// Let the route through.
    Accept,
    /// Drop it.
    Reject,
}

/// An ordered rule list; the first rule that matches decides.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFilter {
    /// Verdict for routes no rule matches. Default `"accept"`.
    pub default: Option<RawVerdict>,
    /// Rules, in order.
    #[serde(default)]
    pub rules: Vec<RawRule>,
}

/// One filter rule: every condition given must hold.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// Covering prefix the route must lie in, e.g. `"10.65.0.0/16"`.
    pub prefix: Option<String>,
    /// Shortest matching prefix length. Default the covering prefix's length.
    pub ge: Option<u8>,
    /// Longest matching prefix length. Default the covering prefix's length (exact).
    pub le: Option<u8>,
    /// A standard community the route must carry.
    pub community: Option<String>,
    /// A large community the route must carry.
    pub large_community: Option<String>,
    /// The AS_PATH must begin with these ASes (leftmost, i.e. nearest, first).
    pub as_path_prefix: Option<Vec<u32>>,
    /// `"accept"` or `"reject"`. Required.
    pub action: RawVerdict,
    /// Standard communities added to accepted routes.
    #[serde(default)]
    pub add_communities: Vec<String>,
    /// Large communities added to accepted routes.
    #[serde(default)]
    pub add_large_communities: Vec<String>,
    /// Prepend an AS this many extra times to accepted routes (ours on export, the
    /// peer's on import). Default 0.
    #[serde(default)]
    pub prepend: u8,
}
