//! The configuration schema both ways: what confd writes, bgpd's parser reads back
//! unchanged, and the documented example file is all schema.
#![allow(clippy::unwrap_used)]

use bgpd_api::schema::{BgpdConfig, Family, Filter, NextHop, OriginatedPrefix, Peer, PeerKind};
use bgpd_api::schema::{Rule, Verdict};

fn full() -> BgpdConfig {
    BgpdConfig {
        router_id: "10.0.0.1".into(),
        asn: 64512,
        listen_address: Some("::".into()),
        listen_port: Some(1179),
        cluster_id: Some("1.2.3.4".into()),
        max_paths: Some(2),
        graceful_restart_time: Some(60),
        originate: vec![OriginatedPrefix {
            prefix: "10.65.0.0/26".into(),
            communities: vec!["65000:100".into()],
            large_communities: vec!["65000:1:2".into()],
        }],
        peers: vec![Peer {
            name: "tor".into(),
            address: "10.0.0.254".into(),
            port: Some(179),
            remote_as: 65000,
            local_as: Some(64513),
            passive: true,
            password_env: Some("TOR_PASSWORD".into()),
            ttl_security: Some(1),
            next_hop: Some(NextHop::SelfAddress),
            route_reflector_client: true,
            hold_time: Some(9),
            keepalive_time: Some(3),
            connect_retry_time: Some(1),
            max_prefixes: Some(1000),
            allowed_local_as: 1,
            families: Some(vec![Family::Ipv4Unicast, Family::Ipv6Unicast]),
            kind: Some(PeerKind::Node),
            import: Some(Filter {
                default: Some(Verdict::Reject),
                rules: vec![Rule {
                    prefix: Some("10.65.0.0/16".into()),
                    ge: Some(26),
                    le: Some(32),
                    community: None,
                    large_community: None,
                    as_path_prefix: Some(vec![65000]),
                    action: Verdict::Accept,
                    add_communities: vec!["65000:7".into()],
                    add_large_communities: vec![],
                    prepend: 2,
                }],
            }),
            ..Peer::default()
        }],
    }
}

#[test]
fn every_field_survives_a_round_trip() {
    let config = full();
    let text = config.to_toml().unwrap();
    assert_eq!(BgpdConfig::from_toml(&text).unwrap(), config, "{text}");
}

#[test]
fn defaults_are_left_out_of_the_file() {
    let config = BgpdConfig {
        router_id: "10.0.0.1".into(),
        asn: 64512,
        peers: vec![Peer {
            name: "p".into(),
            address: "10.0.0.2".into(),
            remote_as: 64512,
            ..Peer::default()
        }],
        ..BgpdConfig::default()
    };
    let text = config.to_toml().unwrap();
    for absent in [
        "passive",
        "allowed_local_as",
        "originate",
        "route_reflector_client",
    ] {
        assert!(!text.contains(absent), "{absent} in\n{text}");
    }
    assert_eq!(BgpdConfig::from_toml(&text).unwrap(), config);
}

#[test]
fn unknown_fields_are_refused_with_their_line() {
    let err = BgpdConfig::from_toml("router_id = \"10.0.0.1\"\nasn = 1\nrouter_idd = \"x\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("router_idd") && err.contains("line 3"),
        "{err}"
    );
}

#[test]
fn the_documented_example_is_schema_through_and_through() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../bgpd/examples/bgpd.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let config = BgpdConfig::from_toml(&text).unwrap();
    let again = BgpdConfig::from_toml(&config.to_toml().unwrap()).unwrap();
    assert_eq!(again, config);
}
