//! Parsers for `vtysh -c 'show bgp summary json'` and
//! `vtysh -c 'show ip bgp json'`. Pure.

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

/// Parses `show bgp summary json` (IPv4 unicast peers).
pub fn sessions(text: &str) -> Result<Vec<BgpSession>, ParseError> {
    let s: Summary = parse_json("vtysh show bgp summary json", text)?;
    let peers = s.ipv4.map(|a| a.peers).unwrap_or_default();
    Ok(peers
        .into_iter()
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

/// Parses `show ip bgp json`.
pub fn routes(text: &str) -> Result<Vec<RibRoute>, ParseError> {
    let t: Table = parse_json("vtysh show ip bgp json", text)?;
    let mut out = Vec::new();
    for (prefix, paths) in t.routes {
        for p in paths {
            let next_hop = p
                .nexthops
                .iter()
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
