//! The netlink fast path against the kernel: a table is created with nft,
//! then endpoints come and go, change labels and network sets change; each
//! change is written as one nf_tables netlink batch, and afterwards the
//! kernel's table, as `nft -j` reads it back, must be exactly what felix
//! wants. Finally the same table written by nft alone in a second namespace
//! must list identically — the netlink encodings are nft's own. Needs root.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use felix::calc::{EndpointKind, Engine, LocalEndpoint, World};
use felix::nft::{Compiler, full_delta};
use felix::reconcile::nft::{NftRunner, Path};
use integration::Lab;
use policies::document::parse_documents;
use policies::eval::{Endpoint, EndpointKey};
use policies::model::Protocol;

const POLICIES: &str = r#"
apiVersion: terrace.io/v1
kind: GlobalNetworkPolicy
metadata: {name: web}
spec:
  selector: app == 'web'
  ingress:
    - action: Allow
      protocol: TCP
      source: {selector: role == 'client'}
      destination: {ports: [http, 443]}
    - action: Deny
      source: {nets: [10.99.0.0/16, 10.98.0.0/16]}
---
apiVersion: terrace.io/v1
kind: GlobalNetworkPolicy
metadata: {name: x}
spec:
  selector: tier == 'x'
  egress:
    - action: Allow
      destination: {selector: role == 'client'}
"#;

fn ep(name: &str, node: &str, ip: &str, labels: &[(&str, &str)]) -> LocalEndpoint {
    let mut e = Endpoint::workload("default", name).ip(ip.parse().unwrap());
    for (k, v) in labels {
        e = e.label(k, v);
    }
    let e = e.named_port("http", Protocol::TCP, 8080);
    LocalEndpoint {
        endpoint: e,
        kind: EndpointKind::Workload,
        node: node.to_string(),
        iface: format!("tr{name}"),
        allowed_sources: Vec::new(),
    }
}

fn world() -> World {
    let mut w = World::new("n1");
    for doc in parse_documents(POLICIES) {
        w.upsert(doc.unwrap().resource.unwrap());
    }
    w.upsert_endpoint(ep("web1", "n1", "10.65.0.2", &[("app", "web")]));
    w.upsert_endpoint(ep("x1", "n1", "10.65.0.3", &[("tier", "x")]));
    w.upsert_endpoint(ep("c1", "n2", "10.65.1.2", &[("role", "client")]));
    w
}

fn network_set(cidr: &str) -> policies::model::Resource {
    let yaml = format!(
        "apiVersion: terrace.io/v1\nkind: GlobalNetworkSet\nmetadata: {{name: office, labels: {{role: client}}}}\nspec: {{nets: [{cidr}]}}\n"
    );
    parse_documents(&yaml).remove(0).unwrap().resource.unwrap()
}

/// One change to the engine.
type Step = fn(&mut Engine);

#[test]
fn element_and_group_changes_go_over_netlink_and_read_back_exactly() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut lab = Lab::new().unwrap();
    let ns = lab.add_node("host").unwrap();
    let ns_nft = lab.add_node("nftonly").unwrap();
    let nft = NftRunner::in_netns(&ns);
    let mut engine = Engine::from_world(world());
    let mut compiler = Compiler::build(engine.plan());
    rt.block_on(nft.reconcile(compiler.table())).unwrap();

    let steps: Vec<(&str, Step)> = vec![
        ("a replica of web", |e| {
            e.upsert_endpoint(ep("web2", "n1", "10.65.0.4", &[("app", "web")]))
        }),
        ("a new label combination", |e| {
            let labels = [("app", "web"), ("tier", "x")];
            e.upsert_endpoint(ep("wx", "n1", "10.65.0.5", &labels))
        }),
        ("a remote client appears", |e| {
            e.upsert_endpoint(ep("c2", "n2", "fd00:1::9", &[("role", "client")]))
        }),
        ("a network set of clients", |e| {
            e.upsert(network_set("10.70.0.0/30"))
        }),
        ("the network set grows", |e| {
            e.upsert(network_set("10.70.0.0/24"))
        }),
        ("a workload allowed to spoof a prefix", |e| {
            let mut w = ep("web3", "n1", "10.65.0.6", &[("app", "web")]);
            w.allowed_sources = vec!["10.80.0.0/16".parse().unwrap()];
            e.upsert_endpoint(w)
        }),
        ("a client stops being one", |e| {
            e.upsert_endpoint(ep("c1", "n2", "10.65.1.2", &[("role", "other")]))
        }),
        ("endpoints go", |e| {
            for name in ["wx", "web2", "web3"] {
                e.remove_endpoint(&EndpointKey::workload("default", name));
            }
        }),
    ];
    for (what, step) in steps {
        step(&mut engine);
        let changes = engine.commit();
        let delta = compiler.update(engine.plan(), &changes);
        let path = rt
            .block_on(nft.apply_delta(&delta, compiler.table()))
            .unwrap();
        assert_eq!(path, Path::Netlink, "{what}: {delta:?}");
        let actual = rt.block_on(nft.dump()).unwrap();
        let left = full_delta(compiler.table(), &actual);
        assert!(left.is_empty(), "{what}: kernel differs: {}", left.render());
    }

    // The same table written by nft alone lists the same (objects in
    // whatever order each was created).
    let nft_only = NftRunner::in_netns(&ns_nft).nft_only();
    rt.block_on(nft_only.reconcile(compiler.table())).unwrap();
    let list = |role: &str| {
        let text = lab
            .exec(role, &["nft", "list", "table", "inet", "terrace"])
            .unwrap();
        let lines: Vec<String> = text.lines().map(|l| l.trim().to_string()).collect();
        let mut blocks: Vec<Vec<String>> = lines
            .split(|l| l.is_empty())
            .map(|b| {
                let body = b.iter().filter(|l| *l != "}" && !l.starts_with("table "));
                body.cloned().collect()
            })
            .collect();
        blocks.sort();
        blocks.concat()
    };
    let host = list("host");
    for expected in ["10.70.0.0/24", "chain gi-", "comment \"th:"] {
        assert!(
            host.iter().any(|l| l.contains(expected)),
            "{expected} in {host:#?}"
        );
    }
    assert_eq!(host, list("nftonly"));
}
