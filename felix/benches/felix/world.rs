//! The benchmark world: cluster endpoints (some on this node), policies
//! whose selectors spread over them, as datastore objects so the daemon and
//! the in-process runs decode exactly the same records.

use resources::{Kind, Object, ObjectMeta};
use serde_json::{Value, json};

/// The node the benchmarked felix runs as.
pub const NODE: &str = "host";

/// Sizes and label spread.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Endpoints in the cluster.
    pub endpoints: usize,
    /// Of which on this node (the first ones).
    pub local: usize,
    /// Global policies.
    pub policies: usize,
    /// Give every endpoint a label of its own (no two endpoints share
    /// their label set, so nothing can be evaluated once per label set).
    pub unique_labels: bool,
}

/// An object at its datastore key.
pub fn record(
    kind: Kind,
    ns: Option<&str>,
    name: &str,
    labels: &[(&str, String)],
    spec: Value,
) -> (String, Vec<u8>) {
    let meta = ObjectMeta {
        name: name.to_string(),
        namespace: ns.map(str::to_string),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        ..ObjectMeta::default()
    };
    let obj = Object::new(kind, meta, spec);
    let key = obj
        .key()
        .expect("bench objects have valid keys")
        .to_string();
    (key, obj.to_bytes())
}

/// Address of endpoint `j`.
pub fn ip(j: usize) -> String {
    format!("10.{}.{}.{}", 64 + j / 65536, (j / 256) % 256, j % 256)
}

/// Host-side interface of endpoint `j`.
pub fn iface(j: usize) -> String {
    format!("tr{j:08x}")
}

/// A workload endpoint record.
pub fn endpoint(
    name: &str,
    node: &str,
    iface: &str,
    ip: &str,
    labels: &[(&str, String)],
) -> (String, Vec<u8>) {
    let spec = json!({"node": node, "interfaceName": iface, "ipNetworks": [format!("{ip}/32")]});
    record(Kind::WorkloadEndpoint, Some("default"), name, labels, spec)
}

/// The labels of cluster endpoint `j`.
pub fn labels(shape: &Shape, j: usize) -> Vec<(&'static str, String)> {
    let mut l = vec![
        ("app", format!("app{}", j % 100)),
        ("role", format!("r{}", j % 50)),
        ("big", "yes".to_string()),
    ];
    if shape.unique_labels {
        l.push(("pod", format!("ep{j}")));
    }
    l
}

/// Global policy `i`: applies to 1 % of the endpoints; an ingress rule with
/// a source selector and a port, an egress rule with a destination selector.
pub fn policy(i: usize) -> (String, Vec<u8>) {
    let spec = json!({
        "order": i,
        "selector": format!("app == 'app{}'", i % 100),
        "types": ["Ingress", "Egress"],
        "ingress": [{"action": "Allow", "protocol": "TCP",
                      "source": {"selector": format!("role == 'r{}'", i % 50)},
                      "destination": {"ports": [8000 + i % 1000]}}],
        "egress": [{"action": "Allow",
                     "destination": {"selector": format!("app == 'app{}'", (i + 1) % 100)}}],
    });
    record(Kind::GlobalNetworkPolicy, None, &format!("p{i}"), &[], spec)
}

/// Every record of the world.
pub fn records(shape: &Shape) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = (0..shape.policies).map(policy).collect();
    for j in 0..shape.endpoints {
        let node = if j < shape.local { NODE } else { "other" };
        out.push(endpoint(
            &format!("ep{j}"),
            node,
            &iface(j),
            &ip(j),
            &labels(shape, j),
        ));
    }
    out
}
