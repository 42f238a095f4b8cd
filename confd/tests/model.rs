#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The speaker model per scenario: resources as YAML in, sessions and prefixes out.

use confd::model::{Inputs, PeerKind, SpeakerConfig, build};
use resources::ipam::{Allocation, Block};
use resources::{Object, load::load_document, stream::split_documents};
use std::collections::BTreeMap;

fn objects(yaml: &str) -> Vec<Object> {
    split_documents("t", yaml)
        .iter()
        .map(|d| load_document(d, None).unwrap())
        .collect()
}

fn node(name: &str, ip: &str, extra: &str) -> String {
    format!(
        "apiVersion: terrace.io/v1\nkind: Node\nmetadata: {{name: {name}, labels: {{rack: r1}}}}\nspec: {{bgp: {{ipv4Address: {ip}/24{extra}}}}}\n---\n"
    )
}

fn three_nodes() -> String {
    [
        node("a", "10.0.0.1", ""),
        node("b", "10.0.0.2", ""),
        node("c", "10.0.0.3", ""),
    ]
    .concat()
}

fn config(for_node: &str, yaml: &str, blocks: Vec<Block>) -> SpeakerConfig {
    build(&Inputs::from_objects(for_node, &objects(yaml), blocks).unwrap()).unwrap()
}

fn summary(c: &SpeakerConfig) -> Vec<String> {
    c.peers
        .iter()
        .map(|p| {
            format!(
                "{} {} as{} {}",
                p.name,
                p.address,
                p.remote_as,
                if p.passive { "passive" } else { "active" }
            )
        })
        .collect()
}

#[test]
fn three_node_mesh_has_exactly_one_initiator_per_pair() {
    let yaml = three_nodes();
    let a = config("a", &yaml, vec![]);
    assert_eq!(
        summary(&a),
        [
            "mesh.b 10.0.0.2 as64512 active",
            "mesh.c 10.0.0.3 as64512 active"
        ]
    );
    let c = config("c", &yaml, vec![]);
    assert_eq!(
        summary(&c),
        [
            "mesh.a 10.0.0.1 as64512 passive",
            "mesh.b 10.0.0.2 as64512 passive"
        ]
    );
    let b = config("b", &yaml, vec![]);
    assert_eq!(
        summary(&b),
        [
            "mesh.a 10.0.0.1 as64512 passive",
            "mesh.c 10.0.0.3 as64512 active"
        ]
    );
    assert_eq!(
        (a.router_id.to_string(), a.listen_port),
        ("10.0.0.1".into(), 179)
    );
}

#[test]
fn disabled_mesh_with_two_tor_peers() {
    let yaml = format!(
        "{}apiVersion: terrace.io/v1\nkind: BGPConfiguration\nmetadata: {{name: default}}\nspec: {{nodeToNodeMeshEnabled: false, asNumber: 65010, listenPort: 1790}}\n---\n\
        apiVersion: terrace.io/v1\nkind: BGPPeer\nmetadata: {{name: tor1}}\nspec: {{peerIP: 10.0.0.254, asNumber: 65000}}\n---\n\
        apiVersion: terrace.io/v1\nkind: BGPPeer\nmetadata: {{name: tor2}}\nspec: {{peerIP: '10.0.1.254:1179', asNumber: 65001, node: a}}\n",
        three_nodes()
    );
    let a = config("a", &yaml, vec![]);
    assert_eq!(
        summary(&a),
        [
            "global.tor1 10.0.0.254 as65000 active",
            "node.tor2 10.0.1.254 as65001 active"
        ]
    );
    assert_eq!(a.peers[1].port, Some(1179));
    assert_eq!((a.local_as.0, a.listen_port), (65010, 1790));
    assert_eq!(a.peers[0].kind, PeerKind::Global);
    let b = config("b", &yaml, vec![]);
    assert_eq!(
        summary(&b),
        ["global.tor1 10.0.0.254 as65000 active"],
        "tor2 is for node a only"
    );
}

#[test]
fn route_reflector_cluster() {
    let yaml = format!(
        "{}{}{}apiVersion: terrace.io/v1\nkind: BGPPeer\nmetadata: {{name: to-rr}}\nspec: {{nodeSelector: all(), peerSelector: has(rr)}}\n---\n\
        apiVersion: terrace.io/v1\nkind: BGPPeer\nmetadata: {{name: rr-to-clients}}\nspec: {{nodeSelector: has(rr), peerSelector: '!has(rr)'}}\n",
        node("a", "10.0.0.1", ""),
        node("b", "10.0.0.2", ""),
        "apiVersion: terrace.io/v1\nkind: Node\nmetadata: {name: rr, labels: {rr: 'yes'}}\nspec: {bgp: {ipv4Address: 10.0.0.9/24, routeReflectorClusterID: 224.0.0.1}}\n---\n"
    );
    let a = config("a", &yaml, vec![]);
    assert_eq!(
        summary(&a),
        [
            "mesh.b 10.0.0.2 as64512 active",
            "node.to-rr.rr 10.0.0.9 as64512 active"
        ],
        "RR skipped in the mesh"
    );
    let rr = config("rr", &yaml, vec![]);
    assert_eq!(
        rr.cluster_id.map(|c| c.to_string()).as_deref(),
        Some("224.0.0.1")
    );
    assert!(
        rr.peers
            .iter()
            .all(|p| p.route_reflector_client && p.kind == PeerKind::NodeSpecific),
        "{:?}",
        summary(&rr)
    );
    assert_eq!(rr.peers.len(), 2, "{:?}", summary(&rr));
    assert!(
        rr.peers.iter().all(|p| p.passive),
        "the RR has the highest address, so it waits"
    );
}

#[test]
fn node_selector_and_peer_options() {
    let yaml = format!(
        "{}apiVersion: terrace.io/v1\nkind: BGPPeer\nmetadata: {{name: rack1-tor}}\nspec:\n  nodeSelector: rack == 'r1'\n  peerIP: 10.0.0.254\n  asNumber: 65000\n  password: {{file: /etc/terrace/tor.pass}}\n  ttlSecurity: 1\n  keepOriginalNextHop: true\n  maxPrefixes: 1000\n  localASNumber: 65099\n---\n\
        apiVersion: terrace.io/v1\nkind: BGPPeer\nmetadata: {{name: rack2-tor}}\nspec: {{nodeSelector: rack == 'r2', peerIP: 10.0.9.254, asNumber: 65002, nextHopMode: Self}}\n",
        three_nodes()
    );
    let a = config("a", &yaml, vec![]);
    let tor = a.peers.iter().find(|p| p.name == "node.rack1-tor").unwrap();
    assert_eq!(
        tor.password.as_ref().and_then(|p| p.file.as_deref()),
        Some("/etc/terrace/tor.pass")
    );
    assert_eq!(
        (
            tor.ttl_security,
            tor.max_prefixes,
            tor.local_as.map(|a| a.0)
        ),
        (Some(1), Some(1000), Some(65099))
    );
    assert_eq!(tor.next_hop, confd::model::speaker::NextHop::Keep);
    assert!(
        !a.peers.iter().any(|p| p.name.contains("rack2")),
        "rack2 peer does not select node a"
    );
}

#[test]
fn mesh_password_and_restart_time_come_from_bgp_configuration() {
    let yaml = format!(
        "{}apiVersion: terrace.io/v1\nkind: BGPConfiguration\nmetadata: {{name: default}}\nspec: {{nodeMeshPassword: {{env: MESH_PASSWORD}}, nodeMeshMaxRestartTime: 120s}}\n",
        three_nodes()
    );
    let a = config("a", &yaml, vec![]);
    assert!(
        a.peers
            .iter()
            .all(|p| p.password.as_ref().and_then(|p| p.env.as_deref()) == Some("MESH_PASSWORD"))
    );
    assert!(
        a.peers
            .iter()
            .all(|p| p.restart_time.map(|d| d.0.as_secs()) == Some(120))
    );
}

fn block(cidr: &str, owner: &str, borrowed_by: &[(&str, u32)]) -> Block {
    let mut b = Block::new(cidr.parse().unwrap(), Some(owner.into()));
    for (node, count) in borrowed_by {
        let attributes = BTreeMap::from([("node".to_string(), node.to_string())]);
        b.allocate(
            *count,
            &Allocation {
                handle: format!("h-{node}"),
                attributes,
            },
        );
    }
    b
}

#[test]
fn originates_own_blocks_and_borrowed_addresses_but_not_unexported_pools() {
    let yaml = format!(
        "{}apiVersion: terrace.io/v1\nkind: IPPool\nmetadata: {{name: hidden}}\nspec: {{cidr: 10.99.0.0/16, disableBGPExport: true}}\n---\n\
        apiVersion: terrace.io/v1\nkind: BGPConfiguration\nmetadata: {{name: default}}\nspec:\n  communities: [{{name: rack1, value: '65000:100'}}]\n  prefixAdvertisements: [{{cidr: 10.65.0.0/16, communities: [rack1, '65000:7:7']}}]\n",
        three_nodes()
    );
    let blocks = vec![
        block("10.65.0.0/26", "a", &[("a", 2)]),
        block("10.65.0.64/26", "b", &[("b", 1), ("a", 1)]),
        block("10.99.0.0/26", "a", &[]),
    ];
    let a = config("a", &yaml, blocks);
    let got: Vec<String> = a
        .originate
        .iter()
        .map(|o| format!("{} {}", o.prefix, o.communities.join(",")))
        .collect();
    assert_eq!(
        got,
        [
            "10.65.0.0/26 65000:100,65000:7:7",
            "10.65.0.65/32 65000:100,65000:7:7"
        ]
    );
}

#[test]
fn an_unregistered_node_is_an_error() {
    let inputs = Inputs::from_objects("ghost", &objects(&three_nodes()), vec![]).unwrap();
    assert!(build(&inputs).unwrap_err().to_string().contains("ghost"));
}
