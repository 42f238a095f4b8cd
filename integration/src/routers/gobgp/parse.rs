//! Parsers for `gobgp -j neighbor` and `gobgp -j global rib`. Pure.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Deserialize;
use serde_json::Value;

use crate::reads::{ParseError, parse_json};
use crate::routers::{BgpSession, RibRoute, SessionState};

#[derive(Deserialize)]
struct Peer {
    conf: PeerConf,
    #[serde(default)]
    state: PeerState,
}

#[derive(Deserialize)]
struct PeerConf {
    neighbor_address: IpAddr,
    peer_asn: Option<u32>,
}

#[derive(Deserialize, Default)]
struct PeerState {
    // The protobuf enum PeerState.SessionState as a number.
    #[serde(default)]
    session_state: u8,
}

/// Maps GoBGP's `SessionState` enum (apipb) to the RFC names.
pub fn session_state(n: u8) -> SessionState {
    match n {
        1 => SessionState::Idle,
        2 => SessionState::Connect,
        3 => SessionState::Active,
        4 => SessionState::OpenSent,
        5 => SessionState::OpenConfirm,
        6 => SessionState::Established,
        other => SessionState::Other(format!("session_state {other}")),
    }
}

/// Parses `gobgp -j neighbor`.
pub fn sessions(text: &str) -> Result<Vec<BgpSession>, ParseError> {
    let peers: Vec<Peer> = parse_json("gobgp -j neighbor", text)?;
    Ok(peers
        .into_iter()
        .map(|p| BgpSession {
            peer: p.conf.neighbor_address,
            remote_as: p.conf.peer_asn,
            state: session_state(p.state.session_state),
        })
        .collect())
}

#[derive(Deserialize)]
struct Path {
    #[serde(default)]
    best: bool,
    #[serde(default)]
    attrs: Vec<Value>,
}

/// Parses `gobgp -j global rib -a ipv4` (or `-a ipv6`).
pub fn routes(text: &str) -> Result<Vec<RibRoute>, ParseError> {
    let rib: BTreeMap<IpNet, Vec<Path>> = parse_json(
        "gobgp -j global rib",
        text.trim().strip_prefix("null").unwrap_or(text),
    )?;
    let mut out = Vec::new();
    for (prefix, paths) in rib {
        for p in paths {
            // Attribute type 3 is NEXT_HOP (RFC 4271 section 5.1.3), type 14
            // MP_REACH_NLRI (RFC 4760 section 3), which carries IPv6 next hops.
            let next_hop = p
                .attrs
                .iter()
                .filter(|a| matches!(a.get("type").and_then(Value::as_u64), Some(3 | 14)))
                .filter_map(|a| a.get("nexthop")?.as_str()?.parse::<IpAddr>().ok())
                .find(|a| !a.is_unspecified());
            out.push(RibRoute {
                prefix,
                next_hop,
                best: p.best,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from gobgp 3.10.0 (trimmed).
    const NEIGHBORS: &str = r#"[{"conf":{"auth_password":"x","local_asn":65000,"neighbor_address":"10.9.0.2","peer_asn":65001,"type":1},"state":{"neighbor_address":"10.9.0.2","peer_asn":65001,"session_state":3},"transport":{"local_address":"0.0.0.0","passive_mode":true}},
      {"conf":{"neighbor_address":"10.9.0.6","peer_asn":65002},"state":{"session_state":6}}]"#;

    const RIB: &str = r#"{"10.66.5.0/24":[{"nlri":{"prefix":"10.66.5.0/24"},"age":1795433869,"best":true,"attrs":[{"type":1,"value":2},{"type":3,"nexthop":"0.0.0.0"}],"stale":false}],
      "10.66.1.0/24":[{"nlri":{"prefix":"10.66.1.0/24"},"best":true,"attrs":[{"type":1,"value":0},{"type":2,"as_paths":[{"type":2,"num":1,"asns":[65001]}]},{"type":3,"nexthop":"10.0.1.2"}],"neighbor-ip":"10.0.1.2"}]}"#;

    #[test]
    fn neighbors_parse_with_numeric_states() {
        let s = sessions(NEIGHBORS).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].remote_as, &s[0].state),
            (Some(65001), &SessionState::Active)
        );
        assert_eq!(s[1].state, SessionState::Established);
    }

    #[test]
    fn rib_routes_take_the_next_hop_attribute() {
        let r = routes(RIB).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].prefix.to_string(), "10.66.1.0/24");
        assert_eq!(r[0].next_hop, Some("10.0.1.2".parse().unwrap()));
        assert_eq!((r[1].next_hop, r[1].best), (None, true));
    }

    // Captured from gobgp 3.10.0 (`global rib -a ipv6`).
    const RIB_V6: &str = r#"{"fd00:65:1::/64":[{"nlri":{"prefix":"fd00:65:1::/64"},"age":1796247938,"best":true,"attrs":[{"type":1,"value":2},{"type":14,"nexthop":"::","afi":2,"safi":1,"value":[{"prefix":"fd00:65:1::/64"}]}],"stale":false}],"fd00:66:1::/64":[{"nlri":{"prefix":"fd00:66:1::/64"},"age":1796247937,"best":true,"attrs":[{"type":1,"value":0},{"type":2,"as_paths":[{"segment_type":2,"num":1,"asns":[65000]}]},{"type":4,"metric":0},{"type":14,"nexthop":"fd00:9::1","afi":2,"safi":1,"value":[{"prefix":"fd00:66:1::/64"}]}],"stale":false,"source-id":"10.0.9.1","neighbor-ip":"fd00:9::1"}]}"#;

    #[test]
    fn ipv6_rib_routes_take_the_mp_reach_next_hop() {
        let r = routes(RIB_V6).unwrap();
        assert_eq!((r[0].next_hop, r[0].best), (None, true));
        assert_eq!(r[1].next_hop, Some("fd00:9::1".parse().unwrap()));
    }

    #[test]
    fn unknown_state_numbers_are_kept_visible() {
        assert_eq!(
            session_state(0),
            SessionState::Other("session_state 0".into())
        );
    }
}
