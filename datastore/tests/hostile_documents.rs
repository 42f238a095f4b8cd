//! `netctl apply` reads what users type. Whatever the text, splitting and loading it
//! must not panic, every error must point into the text, and whatever it accepts must
//! survive the trip through the store and pass the check the agents run on every record
//! they read (`Object::valid_spec`), so that netctl never writes what felix or confd
//! would then refuse.
//!
//! Inputs: the example documents, edited at random (characters of YAML's syntax and of
//! nft's, digits, letters, line breaks inserted, deleted or replaced).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use resources::load::load_document;
use resources::stream::split_documents;
use resources::{
    BGPConfigurationSpec, BGPPeerSpec, FelixConfigurationSpec, HostEndpointSpec, IPPoolSpec, Kind,
    NodeSpec, Object, WorkloadEndpointSpec,
};

const EXAMPLES: [&str; 3] = [
    include_str!("../../docs/examples/shop-endpoints.yaml"),
    include_str!("../../policies/examples/lab-network.yaml"),
    include_str!("../../policies/examples/three-tier-app.yaml"),
];

/// Kinds whose examples are missing above, so that every kind the agents check is hit.
const MORE: &str = "apiVersion: terrace.io/v1
kind: HostEndpoint
metadata: {name: h1, labels: {role: edge}}
spec: {node: host1, interfaceName: eth0, expectedIPs: [10.0.9.1], ports: [{name: ssh, protocol: TCP, port: 22}]}
---
apiVersion: terrace.io/v1
kind: FelixConfiguration
metadata: {name: default}
spec: {interfacePrefix: tr, defaultEndpointToHostAction: Accept, failsafeInboundHostPorts: [{protocol: TCP, port: 22}]}
---
apiVersion: terrace.io/v1
kind: Node
metadata: {name: host1}
spec: {bgp: {ipv4Address: 10.0.9.1/24, asNumber: 65001}}
";

const ALPHABET: &[char] = &[
    '"', '\'', ':', '{', '}', '[', ']', ',', '-', '#', '&', '*', '!', '|', '>', '%', '@', '\n',
    '\t', ' ', ';', '/', '.', '\\', '0', '9', 'a', 'Z', 'é',
];

/// One edit at a position (taken modulo the text's length).
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, char),
    Delete(usize),
    Replace(usize, char),
}

fn edit() -> impl Strategy<Value = Edit> {
    let c = prop::sample::select(ALPHABET);
    prop_oneof![
        (any::<usize>(), c.clone()).prop_map(|(at, c)| Edit::Insert(at, c)),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), c).prop_map(|(at, c)| Edit::Replace(at, c)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let len = chars.len().max(1);
        match *e {
            Edit::Insert(at, c) => chars.insert(at % (chars.len() + 1), c),
            Edit::Delete(at) if !chars.is_empty() => {
                chars.remove(at % len);
            }
            Edit::Replace(at, c) if !chars.is_empty() => chars[at % len] = c,
            _ => {}
        }
    }
    chars.into_iter().collect()
}

/// The agents' check for `o`'s kind: what felix and confd run on every record.
fn agents_accept(o: &Object) -> Result<(), String> {
    match o.kind {
        Kind::WorkloadEndpoint => o.valid_spec(WorkloadEndpointSpec::validate).map(drop),
        Kind::HostEndpoint => o.valid_spec(HostEndpointSpec::validate).map(drop),
        Kind::IPPool => o.valid_spec(IPPoolSpec::validate).map(drop),
        Kind::FelixConfiguration => o.valid_spec(FelixConfigurationSpec::validate).map(drop),
        Kind::BGPPeer => o.valid_spec(BGPPeerSpec::validate).map(drop),
        Kind::BGPConfiguration => o.valid_spec(BGPConfigurationSpec::validate).map(drop),
        Kind::Node => o.valid_spec(NodeSpec::validate).map(drop),
        // Policy kinds are parsed by the policies crate on both sides.
        _ => Ok(()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn edited_documents_load_or_fail_with_located_errors(
        example in 0..=EXAMPLES.len(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let original = EXAMPLES.get(example).copied().unwrap_or(MORE);
        let text = apply(original, &edits);
        let lines = text.lines().count().max(1);
        for doc in split_documents("edited.yaml", &text) {
            match load_document(&doc, Some("default")) {
                Ok(object) => {
                    let key = object.key().map_err(|e| TestCaseError::fail(e.to_string()))?;
                    let stored = Object::from_bytes(&key.to_string(), &object.to_bytes(), 7)
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                    prop_assert_eq!(&stored.spec, &object.spec);
                    if let Err(e) = agents_accept(&stored) {
                        return Err(TestCaseError::fail(format!(
                            "netctl accepted what the agents refuse ({e}):\n{}", doc.text
                        )));
                    }
                }
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    for e in errors {
                        prop_assert!(
                            (1..=lines + 1).contains(&e.line),
                            "line {} of {}: {}", e.line, lines, e
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn the_unedited_examples_all_load_and_pass_the_agents_check() {
    let mut kinds = std::collections::BTreeSet::new();
    for text in EXAMPLES.iter().copied().chain([MORE]) {
        for doc in split_documents("example.yaml", text) {
            let object = load_document(&doc, Some("default")).unwrap();
            agents_accept(&object).unwrap();
            kinds.insert(object.kind.plural());
        }
    }
    for kind in [
        Kind::WorkloadEndpoint,
        Kind::HostEndpoint,
        Kind::IPPool,
        Kind::FelixConfiguration,
        Kind::BGPPeer,
        Kind::BGPConfiguration,
        Kind::Node,
    ] {
        assert!(kinds.contains(kind.plural()), "no example of {kind:?}");
    }
}
