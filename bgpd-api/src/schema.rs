//! bgpd's configuration file (bgpd.toml), field for field. Unknown fields are errors.
//!
//! This is the file's shape only: bgpd checks and resolves every value when it loads
//! the file (addresses, ranges, filters, passwords) and applies the defaults named here,
//! so a value that deserializes can still be refused there with the field's path.
//! confd builds a [`BgpdConfig`] and writes it with [`BgpdConfig::to_toml`];
//! `bgpd/examples/bgpd.toml` shows every field.

use serde::{Deserialize, Serialize};

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BgpdConfig {
    /// Our BGP Identifier, an IPv4 address (`"10.0.0.1"`). Required.
    pub router_id: String,
    /// Our autonomous system number (1..=4294967294). Required.
    pub asn: u32,
    /// Address the BGP listener binds to. Default `"0.0.0.0"`; `"::"` accepts IPv4 and
    /// IPv6 peers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen_address: Option<String>,
    /// TCP port of the listener. Default 179.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen_port: Option<u16>,
    /// Route-reflector cluster ID (IPv4 notation). Setting it makes this speaker a route
    /// reflector for the peers marked `route_reflector_client`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
    /// Most equal-cost paths installed per prefix (ECMP). Default 4; 1 disables multipath.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_paths: Option<u8>,
    /// Graceful Restart time (seconds, 0..=4095) we ask peers to keep our routes across
    /// our restart. Default 120; 0 disables Graceful Restart. Peers may override it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub graceful_restart_time: Option<u16>,
    /// Prefixes this host originates (its address blocks and borrowed addresses).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub originate: Vec<OriginatedPrefix>,
    /// BGP neighbors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<Peer>,
}

impl BgpdConfig {
    /// Reads the file's text. Syntax errors, unknown fields and wrong types are errors
    /// that name their line and column.
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// The file's text, fields in schema order. Deterministic: the same value always
    /// gives the same bytes, so an unchanged configuration is not rewritten.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }
}

/// One originated prefix.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OriginatedPrefix {
    /// The prefix, e.g. `"10.65.1.0/26"` or a borrowed `"10.65.2.9/32"`.
    pub prefix: String,
    /// Standard communities attached (`"65000:100"`, `"no-export"`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub communities: Vec<String>,
    /// Large communities attached (`"65000:1:2"`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub large_communities: Vec<String>,
}

/// How a peer is shown in status output (Calico's peer types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PeerKind {
    /// Another host of the node-to-node mesh.
    Mesh,
    /// A peer configured for every node (global BGPPeer).
    Global,
    /// A peer configured for this node only.
    Node,
}

/// Next-hop rule for routes sent to a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NextHop {
    /// `self` on eBGP sessions, `keep` on iBGP sessions (RFC 4271 §5.1.3).
    Auto,
    /// Always our own session address.
    #[serde(rename = "self")]
    SelfAddress,
    /// Pass the next hop on unchanged where possible (our own routes carry ours).
    Keep,
}

/// An address family carried on a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// IPv4 unicast (AFI 1, SAFI 1).
    Ipv4Unicast,
    /// IPv6 unicast (AFI 2, SAFI 1).
    Ipv6Unicast,
}

/// One BGP neighbor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Peer {
    /// Unique name (status display, logs), e.g. `"mesh-node2"` or `"tor"`. Required.
    pub name: String,
    /// The peer's address, IPv4 or IPv6. Required, unique.
    pub address: String,
    /// The peer's TCP port. Default 179.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The peer's AS. Required. Equal to our AS (after `local_as`) means iBGP.
    pub remote_as: u32,
    /// Our AS on this session instead of the global `asn` (per-peer local AS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_as: Option<u32>,
    /// Only accept the peer's connection, never dial. Default false.
    #[serde(default, skip_serializing_if = "is_false")]
    pub passive: bool,
    /// File holding the TCP MD5 password (RFC 2385), trailing newline ignored. At most
    /// one of `password_file` / `password_env`. The secret never appears in this file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_file: Option<String>,
    /// Environment variable holding the TCP MD5 password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
    /// GTSM (RFC 5082): the peer is at most this many hops away (1..=254); we send with
    /// TTL 255 and drop segments that arrive with TTL below 256 - hops.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl_security: Option<u8>,
    /// Next-hop rule: `"auto"` (default), `"self"` or `"keep"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_hop: Option<NextHop>,
    /// The peer is a route-reflector client (needs the global `cluster_id`). Default false.
    #[serde(default, skip_serializing_if = "is_false")]
    pub route_reflector_client: bool,
    /// Hold time we propose, seconds: 0 (no keepalives) or 3..=65535. Default 90.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold_time: Option<u16>,
    /// Keepalive interval, seconds, below the hold time. Default a third of the
    /// negotiated hold time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keepalive_time: Option<u16>,
    /// First connect-retry interval, seconds (backs off exponentially to 120). Default 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect_retry_time: Option<u32>,
    /// Graceful Restart time for this session; default the global one; 0 disables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub graceful_restart_time: Option<u16>,
    /// Close the session (Cease, Maximum Number of Prefixes Reached) above this many
    /// received prefixes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_prefixes: Option<u32>,
    /// How often our own AS may appear in a received AS_PATH (allowas-in). Default 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub allowed_local_as: u8,
    /// Families negotiated. Default both `"ipv4-unicast"` and `"ipv6-unicast"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub families: Option<Vec<Family>>,
    /// Status display type: `"mesh"`, `"global"` (default) or `"node"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<PeerKind>,
    /// Filter for received routes. Default: accept all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import: Option<Filter>,
    /// Filter for advertised routes. Default: accept all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export: Option<Filter>,
}

/// Accept or reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Let the route through.
    Accept,
    /// Drop it.
    Reject,
}

/// An ordered rule list; the first rule that matches decides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// Verdict for routes no rule matches. Default `"accept"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Verdict>,
    /// Rules, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
}

/// One filter rule: every condition given must hold.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Covering prefix the route must lie in, e.g. `"10.65.0.0/16"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Shortest matching prefix length. Default the covering prefix's length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ge: Option<u8>,
    /// Longest matching prefix length. Default the covering prefix's length (exact).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub le: Option<u8>,
    /// A standard community the route must carry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community: Option<String>,
    /// A large community the route must carry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub large_community: Option<String>,
    /// The AS_PATH must begin with these ASes (leftmost, i.e. nearest, first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_path_prefix: Option<Vec<u32>>,
    /// `"accept"` or `"reject"`. Required.
    pub action: Verdict,
    /// Standard communities added to accepted routes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_communities: Vec<String>,
    /// Large communities added to accepted routes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_large_communities: Vec<String>,
    /// Prepend an AS this many extra times to accepted routes (ours on export, the
    /// peer's on import). Default 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub prepend: u8,
}

// serde's `skip_serializing_if` calls these with a reference.
fn is_false(value: &bool) -> bool {
    !*value
}

fn is_zero(value: &u8) -> bool {
    *value == 0
}
