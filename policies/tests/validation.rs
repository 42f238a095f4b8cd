//! Calico's validation rules, one table row per rule, checked through the
//! same document parser netctl uses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use policies::document::{Problem, parse_documents};
use policies::model::{Action, PortSpec, Protocol, Resource};

fn gnp(spec: &str) -> String {
    let indented: String = spec.lines().map(|l| format!("  {l}\n")).collect();
    format!(
        "apiVersion: terrace.io/v1\nkind: GlobalNetworkPolicy\nmetadata:\n  name: p\nspec:\n{indented}"
    )
}

/// Field paths of every validation error of a one-document text.
fn error_paths(text: &str) -> Vec<String> {
    let docs = parse_documents(text);
    assert_eq!(docs.len(), 1, "{text}");
    match &docs[0] {
        Ok(_) => Vec::new(),
        Err(e) => match &e.problem {
            Problem::Invalid(errs) => errs.errors().iter().map(|e| e.path.to_string()).collect(),
            other => panic!("expected a validation error, got {other:?} for\n{text}"),
        },
    }
}

/// (name, spec, expected error paths; empty = valid)
const TABLE: &[(&str, &str, &[&str])] = &[
    ("minimal_policy_is_valid", "selector: all()", &[]),
    ("empty_selector_is_valid", "selector: ''", &[]),
    (
        "numeric_port_without_protocol_is_rejected",
        "ingress:\n- action: Allow\n  destination:\n    ports: [80]",
        &["spec.ingress[0].destination.ports"],
    ),
    (
        "named_port_without_protocol_is_accepted",
        "ingress:\n- action: Allow\n  destination:\n    ports: [http]",
        &[],
    ),
    (
        "ports_with_icmp_protocol_are_rejected",
        "ingress:\n- action: Allow\n  protocol: ICMP\n  destination:\n    ports: [http]",
        &["spec.ingress[0].destination.ports"],
    ),
    (
        "bad_port_range_names_the_list_entry",
        "ingress:\n- action: Allow\n- action: Allow\n  protocol: TCP\n  destination:\n    ports: [80, '90:85']",
        &["spec.ingress[1].destination.ports[1]"],
    ),
    (
        "port_out_of_range_is_rejected",
        "egress:\n- action: Allow\n  protocol: UDP\n  source:\n    notPorts: [70000]",
        &["spec.egress[0].source.notPorts[0]"],
    ),
    (
        "mixed_ipv4_and_ipv6_cidrs_are_rejected",
        "ingress:\n- action: Allow\n  source:\n    nets: [10.0.0.0/8]\n  destination:\n    notNets: ['fd00::/8']",
        &["spec.ingress[0].destination.notNets[0]"],
    ),
    (
        "cidr_contradicting_ip_version_is_rejected",
        "ingress:\n- action: Allow\n  ipVersion: 6\n  source:\n    nets: [10.0.0.0/8]",
        &["spec.ingress[0].source.nets[0]"],
    ),
    (
        "invalid_cidr_is_rejected",
        "ingress:\n- action: Allow\n  source:\n    nets: [10.0.0.300/8]",
        &["spec.ingress[0].source.nets[0]"],
    ),
    (
        "catch_all_in_not_nets_is_rejected",
        "ingress:\n- action: Allow\n  source:\n    notNets: [0.0.0.0/0]",
        &["spec.ingress[0].source.notNets[0]"],
    ),
    (
        "global_as_whole_namespace_selector_is_valid",
        "ingress:\n- action: Allow\n  source:\n    namespaceSelector: global()",
        &[],
    ),
    (
        "global_inside_namespace_selector_is_rejected",
        "ingress:\n- action: Allow\n  source:\n    namespaceSelector: global() && has(a)",
        &["spec.ingress[0].source.namespaceSelector"],
    ),
    (
        "global_in_rule_selector_is_rejected",
        "ingress:\n- action: Allow\n  source:\n    selector: global()",
        &["spec.ingress[0].source.selector"],
    ),
    (
        "global_in_policy_selector_is_rejected",
        "selector: global()",
        &["spec.selector"],
    ),
    (
        "invalid_selector_is_rejected_with_path",
        "egress:\n- action: Allow\n  destination:\n    notSelector: a = 'b'",
        &["spec.egress[0].destination.notSelector"],
    ),
    (
        "icmp_without_icmp_protocol_is_rejected",
        "ingress:\n- action: Allow\n  protocol: TCP\n  icmp:\n    type: 8",
        &["spec.ingress[0].icmp"],
    ),
    (
        "not_icmp_without_protocol_is_rejected",
        "ingress:\n- action: Allow\n  notICMP:\n    type: 8",
        &["spec.ingress[0].notICMP"],
    ),
    (
        "icmp_code_without_type_is_rejected",
        "ingress:\n- action: Allow\n  protocol: ICMP\n  icmp:\n    code: 0",
        &["spec.ingress[0].icmp.code"],
    ),
    (
        "icmp_type_255_is_rejected",
        "ingress:\n- action: Allow\n  protocol: ICMP\n  icmp:\n    type: 255",
        &["spec.ingress[0].icmp.type"],
    ),
    (
        "icmpv6_with_ip_version_4_is_rejected",
        "ingress:\n- action: Allow\n  protocol: ICMPv6\n  ipVersion: 4",
        &["spec.ingress[0].protocol"],
    ),
    (
        "unknown_action_is_rejected",
        "ingress:\n- action: Accept",
        &["spec.ingress[0].action"],
    ),
    (
        "missing_action_is_rejected",
        "ingress:\n- protocol: TCP",
        &["spec.ingress[0].action"],
    ),
    (
        "unknown_protocol_is_rejected",
        "ingress:\n- action: Allow\n  protocol: GRE",
        &["spec.ingress[0].protocol"],
    ),
    (
        "protocol_zero_is_rejected",
        "ingress:\n- action: Allow\n  notProtocol: 0",
        &["spec.ingress[0].notProtocol"],
    ),
    (
        "ip_version_5_is_rejected",
        "ingress:\n- action: Allow\n  ipVersion: 5",
        &["spec.ingress[0].ipVersion"],
    ),
    (
        "http_match_is_rejected_not_ignored",
        "ingress:\n- action: Allow\n  http:\n    methods: [GET]",
        &["spec.ingress[0].http"],
    ),
    (
        "service_accounts_are_rejected_not_ignored",
        "ingress:\n- action: Allow\n  source:\n    serviceAccounts:\n      names: [x]",
        &["spec.ingress[0].source.serviceAccounts"],
    ),
    (
        "unknown_type_is_rejected",
        "types: [Ingress, Sideways]",
        &["spec.types[1]"],
    ),
    (
        "duplicate_type_is_rejected",
        "types: [Egress, Egress]",
        &["spec.types[1]"],
    ),
    (
        "egress_rules_without_egress_type_are_rejected",
        "types: [Ingress]\negress:\n- action: Allow",
        &["spec.types"],
    ),
    (
        "do_not_track_is_rejected",
        "doNotTrack: true",
        &["spec.doNotTrack"],
    ),
    ("pre_dnat_is_rejected", "preDNAT: true", &["spec.preDNAT"]),
    (
        "bad_tier_name_is_rejected",
        "tier: Security.Tier",
        &["spec.tier"],
    ),
    (
        "every_error_of_a_document_is_reported",
        "selector: a ==\ningress:\n- action: Nope\n- action: Allow\n  protocol: TCP\n  destination:\n    ports: ['x:1']",
        &[
            "spec.selector",
            "spec.ingress[0].action",
            "spec.ingress[1].destination.ports[0]",
        ],
    ),
];

#[test]
fn validation_table() {
    for (name, spec, want) in TABLE {
        let got = error_paths(&gnp(spec));
        assert_eq!(&got, want, "{name}");
    }
}

#[test]
fn too_many_rules_are_rejected() {
    let rules: String = (0..1001).map(|_| "- action: Allow\n").collect();
    let got = error_paths(&gnp(&format!("ingress:\n{rules}")));
    assert_eq!(got, ["spec.ingress"]);
}

#[test]
fn network_policy_rejects_global_only_fields_and_defaults_namespace() {
    let text = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata:\n  name: n\nspec:\n  namespaceSelector: all()\n";
    assert_eq!(error_paths(text), ["spec.namespaceSelector"]);
    let ok = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata:\n  name: n\n";
    let doc = parse_documents(ok).remove(0).unwrap();
    assert_eq!(doc.namespace.as_deref(), Some("default"));
}

#[test]
fn global_kinds_reject_a_namespace() {
    let text =
        "apiVersion: terrace.io/v1\nkind: GlobalNetworkSet\nmetadata:\n  name: s\n  namespace: x\n";
    assert_eq!(error_paths(text), ["metadata.namespace"]);
}

#[test]
fn types_default_from_the_rules_present() {
    // (spec, ingress, egress)
    let table = [
        ("selector: all()", true, false),
        ("ingress:\n- action: Allow", true, false),
        ("egress:\n- action: Allow", false, true),
        (
            "ingress:\n- action: Allow\negress:\n- action: Allow",
            true,
            true,
        ),
        ("types: [Egress]", false, true),
    ];
    for (spec, ingress, egress) in table {
        let doc = parse_documents(&gnp(spec)).remove(0).unwrap();
        let Some(Resource::Policy(p)) = doc.resource else {
            panic!("not a policy")
        };
        assert_eq!(
            (p.types.ingress, p.types.egress),
            (ingress, egress),
            "{spec}"
        );
    }
}

#[test]
fn valid_rule_fields_convert_to_domain_values() {
    let spec = "ingress:\n- action: Log\n  protocol: 132\n  ipVersion: 6\n  source:\n    nets: ['fd00::1']\n  destination:\n    ports: [81, '1000:2000', metrics]\n- action: Pass\n  protocol: icmp\n  notICMP:\n    type: 3\n    code: 1";
    let doc = parse_documents(&gnp(spec)).remove(0).unwrap();
    let Some(Resource::Policy(p)) = doc.resource else {
        panic!("not a policy")
    };
    let r0 = &p.ingress[0];
    assert_eq!(r0.action, Action::Log);
    assert_eq!(r0.protocol, Some(Protocol::SCTP));
    assert_eq!(r0.source.nets[0].to_string(), "fd00::1/128");
    assert_eq!(
        r0.destination.ports,
        [
            PortSpec::Range { min: 81, max: 81 },
            PortSpec::Range {
                min: 1000,
                max: 2000
            },
            PortSpec::Named("metrics".into())
        ]
    );
    let r1 = &p.ingress[1];
    assert_eq!(r1.action, Action::Pass);
    assert_eq!(r1.protocol, Some(Protocol::ICMP));
    assert_eq!(
        r1.not_icmp.map(|i| (i.icmp_type, i.code)),
        Some((3, Some(1)))
    );
}

#[test]
fn default_tier_keeps_its_order_and_deny() {
    let tier = |spec: &str| {
        format!("apiVersion: terrace.io/v1\nkind: Tier\nmetadata:\n  name: default\nspec: {spec}\n")
    };
    assert_eq!(
        error_paths(&tier("{order: 1000000, defaultAction: Deny}")),
        Vec::<String>::new()
    );
    assert_eq!(
        error_paths(&tier("{order: 999, defaultAction: Pass}")),
        ["spec.order", "spec.defaultAction"]
    );
    let other = "apiVersion: terrace.io/v1\nkind: Tier\nmetadata:\n  name: mine\nspec: {order: 5, defaultAction: Pass}\n";
    assert_eq!(error_paths(other), Vec::<String>::new());
}
