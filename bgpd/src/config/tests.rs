//! Table tests of the configuration schema: the documented example, defaults and
//! resolution, and one row per kind of invalid value naming its field.

use std::collections::HashMap;
use std::net::IpAddr;

use super::convert::Secrets;
use super::{ConfigError, PeerKind, parse_with};
use crate::rib::NextHopMode;
use crate::rib::policy::Verdict;
use crate::wire::{Afi, LargeCommunity};

/// Password files and environment variables from a table.
#[derive(Default)]
struct FakeSecrets {
    files: HashMap<&'static str, &'static str>,
    env: HashMap<&'static str, &'static str>,
}

impl Secrets for FakeSecrets {
    fn file(&self, path: &str) -> std::io::Result<Vec<u8>> {
        self.files
            .get(path)
            .map(|s| s.as_bytes().to_vec())
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    }
    fn env(&self, name: &str) -> Option<Vec<u8>> {
        self.env.get(name).map(|s| s.as_bytes().to_vec())
    }
}

fn secrets() -> FakeSecrets {
    FakeSecrets {
        files: HashMap::from([("tor.password", "s3cret\n")]),
        env: HashMap::from([("TOR_PW", "from-env")]),
    }
}

const BASE: &str = "router_id = \"10.0.0.1\"\nasn = 64512\n";

fn peer(extra: &str) -> String {
    format!("{BASE}[[peers]]\nname = \"p\"\naddress = \"10.0.0.2\"\nremote_as = 65000\n{extra}")
}

#[test]
fn documented_example_file_parses_with_every_field_resolved() {
    let text = include_str!("../../examples/bgpd.toml");
    let c = parse_with(text, &secrets()).unwrap();
    assert_eq!(c.listen.port(), 179);
    assert_eq!(c.cluster_id, Some("10.0.1.2".parse().unwrap()));
    assert_eq!(c.originate.len(), 2);
    assert_eq!(c.originate[0].communities, vec![(64512 << 16) | 100]);
    assert_eq!(
        c.originate[0].large_communities,
        vec![LargeCommunity(64512, 1, 1)]
    );
    let mesh = &c.peers[0];
    assert_eq!(
        (mesh.kind, mesh.next_hop, mesh.rr_client),
        (PeerKind::Mesh, NextHopMode::Keep, true)
    );
    let tor = c.peer("10.0.1.1".parse().unwrap()).unwrap();
    assert_eq!(tor.password.as_ref().unwrap().expose(), b"s3cret");
    assert_eq!(
        (tor.ttl_security, tor.keepalive_time, tor.max_prefixes),
        (Some(1), Some(30), Some(10000))
    );
    assert_eq!(tor.import.default, Verdict::Reject);
    assert_eq!(tor.import.rules[1].when.prefix.unwrap().le, 24);
    assert_eq!(tor.export.rules[0].then.prepend, 1);
}

#[test]
fn defaults_and_resolutions_follow_the_documented_rules() {
    type Check = fn(&super::PeerConfig) -> bool;
    let table: Vec<(&str, String, Check)> = vec![
        ("ebgp auto next hop is self", peer(""), |p| {
            p.next_hop == NextHopMode::SelfAddress
        }),
        (
            "ibgp auto next hop is keep",
            peer("local_as = 65000\n"),
            |p| p.next_hop == NextHopMode::Keep && !p.is_ebgp(),
        ),
        (
            "explicit self on ibgp stays self",
            peer("local_as = 65000\nnext_hop = \"self\"\n"),
            |p| p.next_hop == NextHopMode::SelfAddress,
        ),
        ("default port hold and retry", peer(""), |p| {
            (p.port, p.hold_time, p.connect_retry_time) == (179, 90, 5)
        }),
        ("default families are both unicast", peer(""), |p| {
            p.families == vec![Afi::Ipv4, Afi::Ipv6]
        }),
        (
            "ipv6 only family",
            peer("families = [\"ipv6-unicast\"]\n"),
            |p| p.families == vec![Afi::Ipv6],
        ),
        ("global graceful restart time applies", peer(""), |p| {
            p.graceful_restart_time == Some(120)
        }),
        (
            "zero graceful restart disables it",
            peer("graceful_restart_time = 0\n"),
            |p| p.graceful_restart_time.is_none(),
        ),
        (
            "password from the environment",
            peer("password_env = \"TOR_PW\"\n"),
            |p| p.password.as_ref().map(|s| s.expose()) == Some(b"from-env".as_slice()),
        ),
        (
            "password file newline is stripped",
            peer("password_file = \"tor.password\"\n"),
            |p| p.password.as_ref().map(|s| s.expose()) == Some(b"s3cret".as_slice()),
        ),
        ("default kind is global", peer(""), |p| {
            p.kind == PeerKind::Global
        }),
        (
            "ipv6 peer address",
            peer("").replace("10.0.0.2", "fd00::2"),
            |p| p.address == "fd00::2".parse::<IpAddr>().unwrap(),
        ),
    ];
    for (name, text, check) in table {
        let c = parse_with(&text, &secrets()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(check(&c.peers[0]), "{name}: {:?}", c.peers[0]);
    }
}

#[test]
fn invalid_values_are_reported_with_their_field() {
    let rule = |body: &str| peer(&format!("[[peers.import.rules]]\n{body}\n"));
    let table: Vec<(&str, String, &str)> = vec![
        (
            "bad router id",
            "router_id = \"x\"\nasn = 1\n".into(),
            "router_id",
        ),
        (
            "reserved asn",
            "router_id = \"1.1.1.1\"\nasn = 0\n".into(),
            "asn",
        ),
        (
            "bad listen address",
            format!("{BASE}listen_address = \"nope\"\n"),
            "listen_address",
        ),
        (
            "gr time above 12 bits",
            format!("{BASE}graceful_restart_time = 5000\n"),
            "graceful_restart_time",
        ),
        (
            "zero max paths",
            format!("{BASE}max_paths = 0\n"),
            "max_paths",
        ),
        (
            "originated host bits",
            format!("{BASE}[[originate]]\nprefix = \"10.65.1.1/26\"\n"),
            "originate[0].prefix",
        ),
        (
            "bad community",
            format!(
                "{BASE}[[originate]]\nprefix = \"10.65.1.0/26\"\ncommunities = [\"1:70000\"]\n"
            ),
            "originate[0].communities[0]",
        ),
        (
            "bad peer address",
            peer("").replace("10.0.0.2", "10.0.0"),
            "peers[0].address",
        ),
        (
            "hold time of two",
            peer("hold_time = 2\n"),
            "peers[0].hold_time",
        ),
        (
            "keepalive not below hold",
            peer("hold_time = 9\nkeepalive_time = 9\n"),
            "peers[0].keepalive_time",
        ),
        (
            "ttl security of zero",
            peer("ttl_security = 0\n"),
            "peers[0].ttl_security",
        ),
        (
            "both password sources",
            peer("password_env = \"TOR_PW\"\npassword_file = \"/x\"\n"),
            "peers[0].password_env",
        ),
        (
            "missing password file",
            peer("password_file = \"/missing\"\n"),
            "peers[0].password_file",
        ),
        (
            "unset password variable",
            peer("password_env = \"NOPE\"\n"),
            "peers[0].password_env",
        ),
        (
            "rr client without cluster id",
            peer("local_as = 65000\nroute_reflector_client = true\n"),
            "peers[0].route_reflector_client",
        ),
        (
            "empty families",
            peer("families = []\n"),
            "peers[0].families",
        ),
        (
            "le beyond ipv4",
            rule("prefix = \"10.0.0.0/8\"\nle = 33\naction = \"accept\""),
            "peers[0].import.rules[0].le",
        ),
        (
            "ge above le",
            rule("prefix = \"10.0.0.0/8\"\nge = 24\nle = 16\naction = \"accept\""),
            "peers[0].import.rules[0].ge",
        ),
        (
            "le without prefix",
            rule("le = 24\naction = \"accept\""),
            "peers[0].import.rules[0].le",
        ),
        (
            "reject that prepends",
            rule("action = \"reject\"\nprepend = 2"),
            "peers[0].import.rules[0].action",
        ),
        (
            "bad large community",
            rule("large_community = \"1:2\"\naction = \"accept\""),
            "peers[0].import.rules[0].large_community",
        ),
        (
            "duplicate peer address",
            format!(
                "{}[[peers]]\nname = \"q\"\naddress = \"10.0.0.2\"\nremote_as = 1\n",
                peer("")
            ),
            "peers[1].address",
        ),
    ];
    for (name, text, field) in table {
        match parse_with(&text, &secrets()) {
            Err(ConfigError::Invalid(errs)) => assert!(
                errs.iter().any(|e| e.field == field),
                "{name}: wanted an error on {field}, got {errs:?}"
            ),
            other => panic!("{name}: wanted an error on {field}, got {other:?}"),
        }
    }
}

#[test]
fn unknown_and_mistyped_fields_are_syntax_errors_naming_the_key() {
    let table = [
        (
            "unknown top-level key",
            format!("{BASE}colour = \"blue\"\n"),
            "colour",
        ),
        ("unknown peer key", peer("remote_asn = 1\n"), "remote_asn"),
        (
            "unknown next hop mode",
            peer("next_hop = \"other\"\n"),
            "next_hop",
        ),
        (
            "inline password is not a field",
            peer("password = \"x\"\n"),
            "password",
        ),
        ("wrong type", peer("passive = \"yes\"\n"), "passive"),
    ];
    for (name, text, key) in table {
        match parse_with(&text, &secrets()) {
            Err(ConfigError::Syntax(e)) => {
                assert!(e.to_string().contains(key), "{name}: {e}");
            }
            other => panic!("{name}: wanted a syntax error, got {other:?}"),
        }
    }
}

#[test]
fn debug_output_never_contains_the_password() {
    let c = parse_with(&peer("password_env = \"TOR_PW\"\n"), &secrets()).unwrap();
    let shown = format!("{c:?}");
    assert!(!shown.contains("from-env"), "{shown}");
    assert!(shown.contains("redacted"));
}
