#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Node registration against a real SQLite store.

use confd::node::{RegisterError, Registration, register};
use datastore::resource::client::{ResourceClient, Target};
use datastore::url::DatastoreUrl;
use resources::{Kind, NodeSpec};
use std::collections::BTreeMap;

async fn client(dir: &tempfile::TempDir) -> ResourceClient {
    let url =
        DatastoreUrl::parse(&format!("sqlite://{}", dir.path().join("s.db").display())).unwrap();
    ResourceClient::new(datastore::open(&url).await.unwrap())
}

fn reg(name: &str, host: &str, ip: &str) -> Registration {
    Registration {
        name: name.into(),
        host_id: host.into(),
        ipv4: Some(ip.parse().unwrap()),
        ipv6: None,
        as_number: None,
        labels: BTreeMap::from([("rack".to_string(), "r1".to_string())]),
    }
}

async fn node_spec(c: &ResourceClient, name: &str) -> NodeSpec {
    let target = Target {
        kind: Kind::Node,
        namespace: None,
        name: name.into(),
    };
    c.get(&target).await.unwrap().unwrap().spec_as().unwrap()
}

#[tokio::test]
async fn first_registration_creates_the_node_and_a_restart_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let c = client(&dir).await;
    register(&c, &reg("h1", "machine-1", "192.0.2.11/24"))
        .await
        .unwrap();
    // The host comes back with a new address: same identity, address refreshed.
    register(&c, &reg("h1", "machine-1", "192.0.2.12/24"))
        .await
        .unwrap();
    let spec = node_spec(&c, "h1").await;
    assert_eq!(
        spec.bgp.unwrap().ipv4_address.unwrap().to_string(),
        "192.0.2.12/24"
    );
    assert_eq!(c.list(Kind::Node, None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn another_host_cannot_take_a_registered_name() {
    let dir = tempfile::tempdir().unwrap();
    let c = client(&dir).await;
    register(&c, &reg("h1", "machine-1", "192.0.2.11/24"))
        .await
        .unwrap();
    let err = register(&c, &reg("h1", "machine-2", "192.0.2.99/24"))
        .await
        .unwrap_err();
    assert!(matches!(err, RegisterError::NameTaken { .. }), "{err}");
    assert!(err.to_string().contains("netctl delete node h1"), "{err}");
}

#[tokio::test]
async fn two_hosts_cannot_share_an_address() {
    let dir = tempfile::tempdir().unwrap();
    let c = client(&dir).await;
    register(&c, &reg("h1", "machine-1", "192.0.2.11/24"))
        .await
        .unwrap();
    let err = register(&c, &reg("h2", "machine-2", "192.0.2.11/24"))
        .await
        .unwrap_err();
    assert!(matches!(err, RegisterError::AddressInUse { .. }), "{err}");
}

#[tokio::test]
async fn settings_made_by_operators_survive_re_registration() {
    let dir = tempfile::tempdir().unwrap();
    let c = client(&dir).await;
    let mut node = confd::node::register(&c, &reg("rr", "machine-9", "192.0.2.9/24"))
        .await
        .unwrap();
    // An operator makes the node a route reflector and labels it.
    let mut spec: NodeSpec = node.spec_as().unwrap();
    spec.bgp.as_mut().unwrap().route_reflector_cluster_id = Some("224.0.0.1".parse().unwrap());
    node.spec = serde_json::to_value(&spec).unwrap();
    node.metadata.labels.insert("role".into(), "rr".into());
    c.write_all(&[node], datastore::resource::client::WriteMode::Apply)
        .await
        .unwrap();
    register(&c, &reg("rr", "machine-9", "192.0.2.9/24"))
        .await
        .unwrap();
    let target = Target {
        kind: Kind::Node,
        namespace: None,
        name: "rr".into(),
    };
    let after = c.get(&target).await.unwrap().unwrap();
    assert_eq!(
        after.metadata.labels.get("role").map(String::as_str),
        Some("rr")
    );
    let spec: NodeSpec = after.spec_as().unwrap();
    assert!(spec.bgp.unwrap().route_reflector_cluster_id.is_some());
}

#[tokio::test]
async fn no_address_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let c = client(&dir).await;
    let mut r = reg("h1", "m", "192.0.2.1/24");
    r.ipv4 = None;
    assert!(matches!(
        register(&c, &r).await.unwrap_err(),
        RegisterError::NoAddress
    ));
}
