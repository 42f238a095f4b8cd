//! The incremental engine against a from-scratch computation: random
//! sequences of endpoint, policy and network-set changes, and after every
//! commit the plan (and the table compiled piece by piece) must equal the
//! one computed from the whole world.

use proptest::prelude::*;

use policies::document::parse_documents;
use policies::eval::EndpointKey;
use policies::model::Resource;

use super::Engine;
use crate::calc::tests::wep;
use crate::calc::{LocalEndpoint, compute};
use crate::nft::{Compiler, compile};

#[derive(Debug, Clone)]
enum Op {
    Endpoint {
        id: u8,
        node: u8,
        app: u8,
        role: u8,
    },
    RemoveEndpoint(u8),
    Policy {
        id: u8,
        app: u8,
        src_role: u8,
        tier: bool,
        ns: bool,
    },
    RemovePolicy(u8),
    NetworkSet {
        id: u8,
        role: u8,
        net: u8,
    },
    RemoveNetworkSet(u8),
    Tier(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..12u8, 0..2u8, 0..3u8, 0..3u8)
            .prop_map(|(id, node, app, role)| Op::Endpoint { id, node, app, role }),
        1 => (0..12u8).prop_map(Op::RemoveEndpoint),
        3 => (0..6u8, 0..3u8, 0..3u8, any::<bool>(), any::<bool>())
            .prop_map(|(id, app, src_role, tier, ns)| Op::Policy { id, app, src_role, tier, ns }),
        1 => (0..6u8).prop_map(Op::RemovePolicy),
        1 => (0..3u8, 0..3u8, 0..4u8).prop_map(|(id, role, net)| Op::NetworkSet { id, role, net }),
        1 => (0..3u8).prop_map(Op::RemoveNetworkSet),
        1 => (0..20u8).prop_map(Op::Tier),
    ]
}

fn endpoint(id: u8, node: u8, app: u8, role: u8) -> LocalEndpoint {
    let mut e = wep(
        &format!("n{}", node + 1),
        &format!("ep{id}"),
        &format!("tr{id}"),
        &format!("10.65.0.{}", 10 + id),
        &[("app", &format!("a{app}")), ("role", &format!("r{role}"))],
    );
    if id.is_multiple_of(3) {
        e.endpoint =
            e.endpoint
                .named_port("http", policies::model::Protocol::TCP, 8000 + u16::from(id));
    }
    e
}

fn resource(yaml: &str) -> Resource {
    let doc = parse_documents(yaml)
        .remove(0)
        .expect("generated YAML is valid");
    doc.resource.expect("a policy-kind resource")
}

fn policy(id: u8, app: u8, src_role: u8, tier: bool, ns: bool) -> Resource {
    let (kind, meta) = if ns {
        (
            "NetworkPolicy",
            format!("{{name: p{id}, namespace: default}}"),
        )
    } else {
        ("GlobalNetworkPolicy", format!("{{name: p{id}}}"))
    };
    let tier_line = if tier { "  tier: sec\n" } else { "" };
    resource(&format!(
        "apiVersion: terrace.io/v1\nkind: {kind}\nmetadata: {meta}\nspec:\n{tier_line}  order: {id}\n  selector: app == 'a{app}'\n  ingress:\n    - action: Allow\n      protocol: TCP\n      source: {{selector: role == 'r{src_role}'}}\n      destination: {{ports: [http, 80]}}\n    - action: Deny\n      source: {{nets: [10.66.{id}.0/24]}}\n  egress:\n    - action: Pass\n      destination: {{notSelector: role == 'r{src_role}'}}\n"
    ))
}

fn network_set(id: u8, role: u8, net: u8) -> Resource {
    resource(&format!(
        "apiVersion: terrace.io/v1\nkind: GlobalNetworkSet\nmetadata: {{name: s{id}, labels: {{role: r{role}}}}}\nspec:\n  nets: [10.65.0.{}/30]\n",
        net * 4
    ))
}

fn tier(order: u8) -> Resource {
    resource(&format!(
        "apiVersion: terrace.io/v1\nkind: Tier\nmetadata: {{name: sec}}\nspec: {{order: {order}}}\n"
    ))
}

fn apply(e: &mut Engine, op: &Op) {
    match *op {
        Op::Endpoint {
            id,
            node,
            app,
            role,
        } => e.upsert_endpoint(endpoint(id, node, app, role)),
        Op::RemoveEndpoint(id) => {
            e.remove_endpoint(&EndpointKey::workload("default", &format!("ep{id}")));
        }
        Op::Policy {
            id,
            app,
            src_role,
            tier,
            ns,
        } => e.upsert(policy(id, app, src_role, tier, ns)),
        Op::RemovePolicy(id) => {
            e.remove_policy(&(None, format!("p{id}")));
            e.remove_policy(&(Some("default".into()), format!("p{id}")));
        }
        Op::NetworkSet { id, role, net } => e.upsert(network_set(id, role, net)),
        Op::RemoveNetworkSet(id) => e.remove_network_set(&(None, format!("s{id}"))),
        Op::Tier(order) => e.upsert(tier(order)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn incremental_plans_equal_plans_computed_from_scratch(
        batches in prop::collection::vec(prop::collection::vec(op(), 1..4), 1..12)
    ) {
        let mut engine = Engine::new("n1");
        let mut compiler = Compiler::build(engine.plan());
        for batch in &batches {
            for op in batch {
                apply(&mut engine, op);
            }
            let changes = engine.commit();
            let whole = compute(engine.world());
            prop_assert_eq!(engine.plan(), &whole);
            compiler.update(engine.plan(), &changes);
            prop_assert_eq!(compiler.table(), &compile(&whole));
        }
    }
}

#[test]
fn commits_name_only_what_changed() {
    let mut e = Engine::new("n1");
    e.upsert(policy(1, 0, 1, false, false));
    e.upsert_endpoint(endpoint(1, 0, 0, 0));
    e.upsert_endpoint(endpoint(2, 1, 1, 1));
    let first = e.commit();
    assert!(first.endpoints.contains("tr1") && !first.endpoints.contains("tr2"));
    // A remote endpoint changing role moves in or out of selector sets only.
    e.upsert_endpoint(endpoint(2, 1, 1, 2));
    let ch = e.commit();
    assert!(ch.endpoints.is_empty() && ch.policies.is_empty(), "{ch:?}");
    assert!(!ch.sets.is_empty(), "{ch:?}");
    assert!(!ch.routes);
    // Nothing happened: nothing changed.
    assert!(e.commit().is_empty());
}
