//! Every file under policies/examples parses and validates, and the
//! three-tier example allows exactly the flows it documents. Files also hold
//! network kinds (IPPool, BGPPeer...), which this crate only parses; netctl's
//! `every_shipped_example_applies` validates them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::path::Path;

use policies::document::parse_documents;
use policies::eval::{DecidedBy, Decision, Endpoint, EndpointKey, Evaluator, Flow, FlowEnd};
use policies::model::{Kind, Protocol, Resource};

fn load(file: &str) -> Vec<Resource> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    parse_documents(&text)
        .into_iter()
        .map(|d| d.unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .filter_map(|d| d.resource)
        .collect()
}

#[test]
fn every_example_file_parses_and_validates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut files = 0;
    let mut docs = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            files += 1;
            docs += load(path.file_name().unwrap().to_str().unwrap()).len();
        }
    }
    assert!(files >= 5, "found {files} example files");
    assert!(docs >= 12, "found {docs} documents");
}

#[test]
fn example_kinds_are_the_documented_ones() {
    let kinds = |f| load(f).iter().map(Resource::kind).collect::<Vec<_>>();
    assert_eq!(kinds("default-deny.yaml"), [Kind::GlobalNetworkPolicy]);
    assert_eq!(
        kinds("tiers.yaml"),
        [
            Kind::Tier,
            Kind::GlobalNetworkSet,
            Kind::GlobalNetworkPolicy,
            Kind::GlobalNetworkPolicy
        ]
    );
    assert_eq!(kinds("k8s-networkpolicy.yaml"), [Kind::NetworkPolicy]);
    assert_eq!(
        kinds("networkset.yaml"),
        [Kind::NetworkSet, Kind::NetworkPolicy, Kind::Profile]
    );
    let k8s = load("k8s-networkpolicy.yaml");
    assert_eq!(k8s[0].name(), "knp.default.allow-web");
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn shop() -> Evaluator {
    let eps = [
        Endpoint::workload("shop", "fe")
            .label("app", "frontend")
            .ip(ip("10.65.0.1")),
        Endpoint::workload("shop", "be")
            .label("app", "backend")
            .ip(ip("10.65.0.2")),
        Endpoint::workload("shop", "db")
            .label("app", "database")
            .ip(ip("10.65.0.3")),
    ];
    Evaluator::from_parts(load("three-tier-app.yaml"), eps)
}

fn ep(name: &str) -> FlowEnd {
    FlowEnd::Endpoint(EndpointKey::workload("shop", name))
}

#[test]
fn three_tier_app_allows_exactly_its_documented_flows() {
    let ev = shop();
    let outside = FlowEnd::Ip(ip("192.0.2.7"));
    // (name, source, destination, port, allowed)
    let table = [
        ("frontend_to_backend_8080", ep("fe"), ep("be"), 8080, true),
        ("backend_to_database_5432", ep("be"), ep("db"), 5432, true),
        (
            "outside_to_frontend_80",
            outside.clone(),
            ep("fe"),
            80,
            true,
        ),
        (
            "backend_to_frontend_80_egress_denied",
            ep("be"),
            ep("fe"),
            80,
            false,
        ),
        (
            "frontend_to_database_denied",
            ep("fe"),
            ep("db"),
            5432,
            false,
        ),
        (
            "frontend_to_backend_wrong_port",
            ep("fe"),
            ep("be"),
            8081,
            false,
        ),
        (
            "outside_to_backend_denied",
            outside.clone(),
            ep("be"),
            8080,
            false,
        ),
        ("database_egress_denied", ep("db"), outside, 443, false),
    ];
    for (name, src, dst, port, want) in table {
        let trace = ev
            .evaluate(&Flow::new(src, dst, Protocol::TCP, port))
            .unwrap();
        assert_eq!(trace.allowed(), want, "{name}: {trace:#?}");
    }
}

#[test]
fn three_tier_app_denial_names_the_tier_end_and_the_considered_policy() {
    let ev = shop();
    let trace = ev
        .evaluate(&Flow::new(ep("fe"), ep("db"), Protocol::TCP, 5432))
        .unwrap();
    let egress = trace.egress.unwrap();
    assert_eq!(egress.decision, Decision::Deny);
    assert_eq!(
        egress.decided_by,
        DecidedBy::TierDefault {
            tier: "default".into()
        }
    );
    assert_eq!(egress.considered.len(), 1);
    assert_eq!(egress.considered[0].policy, "shop/frontend");
    // The database's ingress is evaluated too, and also denies.
    let ingress = trace.ingress.unwrap();
    assert_eq!(ingress.decision, Decision::Deny);
    assert_eq!(ingress.considered[0].policy, "shop/database");
}

#[test]
fn security_tier_blocks_threat_networks_and_passes_the_rest_to_the_app_policies() {
    let mut resources = load("tiers.yaml");
    resources.extend(load("three-tier-app.yaml"));
    let eps = [Endpoint::workload("shop", "fe")
        .label("app", "frontend")
        .ip(ip("10.65.0.1"))];
    let ev = Evaluator::from_parts(resources, eps);
    let from = |addr: &str| FlowEnd::Ip(ip(addr));
    let blocked = ev
        .evaluate(&Flow::new(
            from("198.51.100.5"),
            ep("fe"),
            Protocol::TCP,
            80,
        ))
        .unwrap();
    let v = blocked.ingress.unwrap();
    assert_eq!(
        v.decided_by.to_string(),
        "tier security policy block-threats rule 0 (Deny)"
    );
    let ok = ev
        .evaluate(&Flow::new(from("192.0.2.5"), ep("fe"), Protocol::TCP, 80))
        .unwrap();
    let v = ok.ingress.unwrap();
    assert_eq!(
        v.decided_by.to_string(),
        "tier default policy shop/frontend rule 0 (Allow)"
    );
    let tiers: Vec<&str> = v.considered.iter().map(|p| p.tier.as_str()).collect();
    assert_eq!(
        tiers,
        ["security", "security", "default"],
        "ops-icmp passed TCP on"
    );
    let ping = policies::eval::IcmpInfo {
        icmp_type: 8,
        code: Some(0),
    };
    let icmp = ev
        .evaluate(&Flow::icmp(
            from("192.0.2.5"),
            ep("fe"),
            Protocol::ICMP,
            ping,
        ))
        .unwrap();
    let v = icmp.ingress.unwrap();
    assert_eq!(
        v.decided_by.to_string(),
        "tier security policy ops-icmp rule 1 (Allow)"
    );
    assert_eq!(v.logged, ["security/ops-icmp rule 0"]);
}

#[test]
fn partners_network_set_reaches_the_frontend_on_443_only() {
    let mut resources = load("networkset.yaml");
    resources.extend(load("three-tier-app.yaml"));
    let eps = [Endpoint::workload("shop", "fe")
        .label("app", "frontend")
        .ip(ip("10.65.0.1"))];
    let ev = Evaluator::from_parts(resources, eps);
    let partner = FlowEnd::Ip(ip("192.0.2.10"));
    let stranger = FlowEnd::Ip(ip("192.0.2.11"));
    assert!(
        ev.evaluate(&Flow::new(partner.clone(), ep("fe"), Protocol::TCP, 443))
            .unwrap()
            .allowed()
    );
    assert!(
        ev.evaluate(&Flow::new(partner, ep("fe"), Protocol::TCP, 8444))
            .unwrap()
            .allowed()
    );
    assert!(
        !ev.evaluate(&Flow::new(stranger, ep("fe"), Protocol::TCP, 443))
            .unwrap()
            .allowed()
    );
}
