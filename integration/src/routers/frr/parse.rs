//! Parsers for `vtysh -c 'show bgp summary json'`, `vtysh -c 'show ip bgp json'` and
//! `vtysh -c 'show bgp ipv6 unicast json'`. Pure.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::Deserialize;
use serde_json::Value;

use crate::reads::{ParseError, parse_json};
use crate::routers::{BgpSession, RibRoute, SessionState};

#[derive(Deserialize)]
struct Summary {
    #[serde(rename = "ipv4Unicast")]
    ipv4: Option<AfiSummary>,
    #[serde(rename = "ipv6Unicast")]
    ipv6: Option<AfiSummary>,
}

#[derive(Deserialize)]
struct AfiSummary {
    #[serde(default)]
    peers: std::collections::BTreeMap<IpAddr, PeerSummary>,
}

#[derive(Deserialize)]
struct PeerSummary {
    #[serde(rename = "remoteAs")]
    remote_as: Option<u32>,
    state: String,
}

/// Parses `show bgp summary json` (the peers of the IPv4 and IPv6 unicast families).
pub fn sessions(text: &str) -> Result<Vec<BgpSession>, ParseError> {
    let s: Summary = parse_json("vtysh show bgp summary json", text)?;
    let peers = [s.ipv4, s.ipv6].into_iter().flatten().flat_map(|a| a.peers);
    Ok(peers
        .map(|(peer, p)| BgpSession {
            peer,
            remote_as: p.remote_as,
            state: SessionState::parse(&p.state),
        })
        .collect())
}

#[derive(Deserialize)]
struct Table {
    #[serde(default)]
    routes: std::collections::BTreeMap<IpNet, Vec<Path>>,
}

#[derive(Deserialize)]
struct Path {
    #[serde(default)]
    bestpath: bool,
    #[serde(default)]
    nexthops: Vec<Value>,
}

/// Parses `show ip bgp json` or `show bgp ipv6 unicast json`. Of an IPv6 path's
/// global and link-local next hops (RFC 2545 §3) the global one is reported.
pub fn routes(text: &str) -> Result<Vec<RibRoute>, ParseError> {
    let t: Table = parse_json("vtysh show bgp json", text)?;
    let mut out = Vec::new();
    for (prefix, paths) in t.routes {
        for p in paths {
            let next_hop = p
                .nexthops
                .iter()
                .filter(|n| n.get("scope").and_then(Value::as_str) != Some("link-local"))
                .filter_map(|n| n.get("ip")?.as_str()?.parse::<IpAddr>().ok())
                .find(|a| !a.is_unspecified());
            out.push(RibRoute {
                prefix,
                next_hop,
                best: p.bestpath,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from FRR 8.4.4 (trimmed).
    const SUMMARY: &str = r#"{"ipv4Unicast":{"routerId":"10.0.1.1","as":65000,"vrfId":0,"vrfName":"default","peerCount":2,
      "peers":{"10.0.1.2":{"hostname":"host1","remoteAs":65001,"localAs":65000,"version":4,"msgRcvd":5,"msgSent":6,"state":"Established","peerState":"OK","pfxRcd":1,"connectionsEstablished":1},
               "10.0.2.2":{"remoteAs":65002,"localAs":65000,"version":4,"state":"Active","peerState":"OK"}}}}"#;

    const ROUTES: &str = r#"{"vrfId":0,"vrfName":"default","tableVersion":3,"routerId":"10.0.1.1","defaultLocPrf":100,"localAS":65000,
      "routes":{"10.66.1.0/24":[{"valid":true,"bestpath":true,"selectionReason":"First path received","pathFrom":"external","prefix":"10.66.1.0","prefixLen":24,"network":"10.66.1.0/24","metric":0,"weight":0,"peerId":"10.0.1.2","path":"65001","origin":"IGP","nexthops":[{"ip":"10.0.1.2","hostname":"host1","afi":"ipv4","used":true}]}],
                "10.66.100.0/24":[{"valid":true,"bestpath":true,"pathFrom":"external","network":"10.66.100.0/24","weight":32768,"peerId":"(unspec)","path":"","origin":"IGP","nexthops":[{"ip":"0.0.0.0","hostname":"tor","afi":"ipv4","used":true}]}]}}"#;

    #[test]
    fn summary_lists_every_peer_with_its_state() {
        let s = sessions(SUMMARY).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].peer.to_string(), s[0].remote_as, &s[0].state),
            ("10.0.1.2".into(), Some(65001), &SessionState::Established)
        );
        assert_eq!(s[1].state, SessionState::Active);
    }

    // Captured from FRR 8.4.4 (trimmed): an IPv6 session.
    const SUMMARY_V6: &str = r#"{"ipv6Unicast":{"routerId":"10.0.9.1","as":65000,"peers":{"fd00:9::2":{"hostname":"vm","remoteAs":65001,"localAs":65000,"version":4,"state":"Established","peerState":"OK","idType":"ipv6"}}}}"#;

    // Captured from FRR 8.4.4 (`show bgp ipv6 unicast json`, trimmed): a route from a
    // directly connected BIRD, which sends a global and a link-local next hop.
    const ROUTES_V6: &str = r#"{"vrfId":0,"routerId":"10.0.9.1","localAS":65000,
      "routes":{"fd00:65:1::/64":[{"valid":true,"bestpath":true,"selectionReason":"First path received","pathFrom":"external","prefix":"fd00:65:1::","prefixLen":64,"network":"fd00:65:1::/64","version":4,"weight":0,"peerId":"fd00:9::2","path":"65001","origin":"IGP","nexthops":[{"ip":"fd00:9::2","afi":"ipv6","scope":"global"},{"ip":"fe80::a052:c8ff:fe15:2a58","afi":"ipv6","scope":"link-local","used":true}]}],
                "fd00:66:1::/64":[{"valid":true,"bestpath":true,"pathFrom":"external","network":"fd00:66:1::/64","weight":32768,"peerId":"(unspec)","path":"","origin":"IGP","nexthops":[{"ip":"::","hostname":"a","afi":"ipv6","scope":"global","used":true}]}]}}"#;

    #[test]
    fn ipv6_sessions_and_routes_parse_with_the_global_next_hop() {
        let s = sessions(SUMMARY_V6).unwrap();
        assert_eq!(
            (s[0].peer.to_string(), &s[0].state),
            ("fd00:9::2".into(), &SessionState::Established)
        );
        let r = routes(ROUTES_V6).unwrap();
        assert_eq!(r[0].next_hop, Some("fd00:9::2".parse().unwrap()));
        assert_eq!((r[1].next_hop, r[1].best), (None, true));
    }

    #[test]
    fn an_empty_summary_has_no_sessions() {
        assert!(sessions("{}").unwrap().is_empty());
    }

    #[test]
    fn routes_have_peer_next_hops_and_none_for_local_networks() {
        let r = routes(ROUTES).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].next_hop, Some("10.0.1.2".parse().unwrap()));
        assert_eq!((r[1].next_hop, r[1].best), (None, true));
    }
}
