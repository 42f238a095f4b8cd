//! Table tests of the calculation: small worlds in, plan facts out.

use std::collections::BTreeMap;

use policies::document::parse_documents;
use policies::eval::Endpoint;

use super::world::Pool;
use super::*;
use crate::sets::Family;

/// A world on node `n1` from policy YAML and endpoints.
pub(crate) fn world(yaml: &str, endpoints: Vec<LocalEndpoint>) -> World {
    let mut w = World::new("n1");
    for doc in parse_documents(yaml) {
        let doc = doc.expect("test YAML is valid");
        if let Some(r) = doc.resource {
            w.upsert(r);
        }
    }
    for e in endpoints {
        w.upsert_endpoint(e);
    }
    w
}

/// A workload on `node` with interface `iface`, address `ip` and labels.
pub(crate) fn wep(
    node: &str,
    name: &str,
    iface: &str,
    ip: &str,
    labels: &[(&str, &str)],
) -> LocalEndpoint {
    let mut ep = Endpoint::workload("default", name).ip(ip.parse().expect("test ip"));
    for (k, v) in labels {
        ep = ep.label(k, v);
    }
    LocalEndpoint {
        endpoint: ep,
        kind: EndpointKind::Workload,
        node: node.to_string(),
        iface: iface.to_string(),
        allowed_sources: Vec::new(),
    }
}

const TWO_TIERS: &str = r#"
apiVersion: terrace.io/v1
kind: Tier
metadata: {name: security}
spec: {order: 10}
---
apiVersion: terrace.io/v1
kind: GlobalNetworkPolicy
metadata: {name: sec-pass}
spec:
  tier: security
  order: 1
  selector: app == 'web'
  ingress: [{action: Pass}]
---
apiVersion: terrace.io/v1
kind: NetworkPolicy
metadata: {name: allow-db, namespace: default}
spec:
  order: 5
  selector: app == 'web'
  ingress:
    - action: Allow
      protocol: TCP
      source: {selector: app == 'db'}
      destination: {ports: [80, http]}
"#;

#[test]
fn an_endpoint_whose_interface_name_cannot_be_programmed_gets_nothing() {
    let hostile = [
        "tra\" : accept, \"x",
        "../../../kernel",
        "tra1234567890abc",
        "a b",
        // Not one interface: settings for these would change the whole host.
        "all",
        "default",
        "lo",
        "..",
    ];
    let mut endpoints: Vec<LocalEndpoint> = hostile
        .iter()
        .enumerate()
        .map(|(i, iface)| {
            wep(
                "n1",
                &format!("h{i}"),
                iface,
                &format!("10.65.0.{}", i + 10),
                &[],
            )
        })
        .collect();
    endpoints.push(wep("n1", "ok", "tra", "10.65.0.2", &[]));
    let plan = compute(&world("", endpoints));
    let ifaces: Vec<&String> = plan.endpoints.keys().collect();
    assert_eq!(ifaces, ["tra"]);
    let routes: Vec<String> = plan.routes.iter().map(|r| r.dst.to_string()).collect();
    assert_eq!(routes, ["10.65.0.2/32"]);
    assert!(
        plan.sysctls.keys().all(|k| k.contains("/tra/")),
        "{:?}",
        plan.sysctls.keys().collect::<Vec<_>>()
    );
}

#[test]
fn local_workloads_get_host_routes_and_calico_sysctls() {
    let w = world(
        "",
        vec![
            wep("n1", "a", "tra", "10.65.0.2", &[]),
            wep("n2", "b", "trb", "10.65.1.2", &[]),
        ],
    );
    let plan = compute(&w);
    let routes: Vec<String> = plan
        .routes
        .iter()
        .map(|r| format!("{} {:?}", r.dst, r.iface))
        .collect();
    assert_eq!(routes, ["10.65.0.2/32 Some(\"tra\")"]);
    assert_eq!(
        plan.sysctls
            .get("net/ipv4/conf/tra/proxy_arp")
            .map(String::as_str),
        Some("1")
    );
    assert_eq!(
        plan.sysctls
            .get("net/ipv4/neigh/tra/proxy_delay")
            .map(String::as_str),
        Some("0")
    );
    assert!(
        !plan.sysctls.keys().any(|k| k.contains("trb")),
        "remote endpoints are not programmed"
    );
}

#[test]
fn owned_blocks_become_blackholes_and_nat_pools_are_split_by_family() {
    let mut w = world("", vec![]);
    w.blocks.insert("k".into(), "10.65.0.0/26".parse().unwrap());
    w.pools.insert(
        "p".into(),
        Pool {
            cidr: "10.65.0.0/16".parse().unwrap(),
            nat_outgoing: true,
        },
    );
    w.pools.insert(
        "q".into(),
        Pool {
            cidr: "fd00::/48".parse().unwrap(),
            nat_outgoing: false,
        },
    );
    let plan = compute(&w);
    assert!(
        plan.routes
            .iter()
            .any(|r| r.iface.is_none() && r.dst.to_string() == "10.65.0.0/26")
    );
    let elems = |name: &str| -> Vec<String> {
        plan.sets[name]
            .elements
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(elems("nat-pools-4"), ["10.65.0.0/16"]);
    assert!(elems("nat-pools-6").is_empty());
    assert_eq!(elems("all-pools-6"), ["fd00::/48"]);
    assert_eq!(plan.nat, [Family::V4].into());
}

#[test]
fn tiers_are_ordered_and_only_applicable_policies_are_planned() {
    let eps = vec![
        wep("n1", "web", "trweb", "10.65.0.2", &[("app", "web")]),
        wep("n1", "other", "trother", "10.65.0.3", &[("app", "other")]),
        wep("n2", "db", "trdb", "10.65.1.9", &[("app", "db")]),
    ];
    let plan = compute(&world(TWO_TIERS, eps));
    let web = &plan.endpoints["trweb"];
    let tiers: Vec<(&str, usize)> = web
        .ingress
        .tiers
        .iter()
        .map(|t| (t.name.as_str(), t.policies.len()))
        .collect();
    assert_eq!(tiers, [("security", 1), ("default", 1)]);
    assert!(web.egress.tiers.is_empty(), "no egress policies apply");
    let other = &plan.endpoints["trother"];
    assert!(other.ingress.tiers.is_empty());
    assert_eq!(plan.policies.len(), 2);
}

#[test]
fn selector_sets_hold_matching_endpoints_in_scope_and_named_ports_resolve() {
    let mut db = wep("n2", "db", "trdb", "10.65.1.9", &[("app", "db")]);
    db.endpoint = db
        .endpoint
        .named_port("http", policies::model::Protocol::TCP, 8080);
    let eps = vec![
        wep("n1", "web", "trweb", "10.65.0.2", &[("app", "web")]),
        db,
    ];
    let plan = compute(&world(TWO_TIERS, eps));
    let members: BTreeMap<&str, Vec<String>> = plan
        .sets
        .iter()
        .map(|(n, d)| {
            (
                n.as_str(),
                d.elements.iter().map(ToString::to_string).collect(),
            )
        })
        .collect();
    assert!(members.values().any(|m| m == &["10.65.1.9"]), "{members:?}");
    assert_eq!(members["np-http-4"], ["10.65.1.9 . tcp . 8080"]);
    assert!(members["np-http-6"].is_empty());
}
