//! Records written straight into the datastore (not through `netctl apply`) can hold
//! anything. Whatever they hold, felix must not panic, and the table it compiles must
//! still be one nft accepts: a single unescaped quote in a name would otherwise turn
//! into rules of the writer's choosing, or make every later transaction fail.
//!
//! Valid records of every kind felix programs are mutated (one leaf at a time replaced
//! by hostile text, numbers or shapes), ingested, compiled, and the whole table is
//! checked by the kernel with `nft -c` in a fresh namespace; then it is loaded there
//! and the next change's delta is checked against it. Needs root and nft.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use felix::daemon::ingest::Ingest;
use felix::nft::compile::Compiler;
use felix::nft::delta::full_delta;
use integration::{Lab, Topology};
use proptest::prelude::*;
use serde_json::{Value, json};

/// (plural, namespace, name, object) of a valid record of each kind felix programs.
fn templates() -> Vec<(&'static str, Option<&'static str>, &'static str, Value)> {
    let meta = |name: &str, ns: Option<&str>| json!({"name": name, "namespace": ns, "labels": {"app": "web", "tier": "a"}});
    let object = |kind: &str, name: &str, ns: Option<&str>, spec: Value| json!({"apiVersion": "terrace.io/v1", "kind": kind, "metadata": meta(name, ns), "spec": spec});
    let rule = json!({
        "action": "Allow", "protocol": "TCP",
        "source": {"nets": ["10.65.0.0/16"], "selector": "app == 'web'"},
        "destination": {"ports": [80, "8000:8080", "http"], "notNets": ["10.65.9.0/24"]}
    });
    let icmp = json!({"action": "Deny", "protocol": "ICMP", "notICMP": {"type": 8, "code": 0}});
    let log = json!({"action": "Log"});
    vec![
        (
            "workloadendpoints",
            Some("default"),
            "w1",
            object(
                "WorkloadEndpoint",
                "w1",
                Some("default"),
                json!({"node": "host", "interfaceName": "tra1", "ipNetworks": ["10.65.0.2/32"],
                       "profiles": ["open"],
                       "ports": [{"name": "http", "protocol": "TCP", "port": 8080}]}),
            ),
        ),
        (
            "workloadendpoints",
            Some("default"),
            "w2",
            object(
                "WorkloadEndpoint",
                "w2",
                Some("default"),
                json!({"node": "host", "interfaceName": "tra2",
                       "ipNetworks": ["10.65.0.3/32", "fd00:65::3/128"],
                       "allowSpoofedSourcePrefixes": ["10.99.0.0/24"]}),
            ),
        ),
        (
            "hostendpoints",
            None,
            "h1",
            object(
                "HostEndpoint",
                "h1",
                None,
                json!({"node": "host", "interfaceName": "eth0", "expectedIPs": ["10.0.9.1"]}),
            ),
        ),
        (
            "profiles",
            None,
            "open",
            object(
                "Profile",
                "open",
                None,
                json!({"ingress": [log.clone(), {"action": "Allow"}], "egress": [{"action": "Allow"}]}),
            ),
        ),
        (
            "globalnetworkpolicies",
            None,
            "g1",
            object(
                "GlobalNetworkPolicy",
                "g1",
                None,
                json!({"order": 10, "selector": "app == 'web'", "types": ["Ingress", "Egress"],
                       "ingress": [rule.clone(), icmp], "egress": [log]}),
            ),
        ),
        (
            "networkpolicies",
            Some("default"),
            "n1",
            object(
                "NetworkPolicy",
                "n1",
                Some("default"),
                json!({"selector": "tier in {'a', 'b'}", "ingress": [rule]}),
            ),
        ),
        (
            "globalnetworksets",
            None,
            "s1",
            object(
                "GlobalNetworkSet",
                "s1",
                None,
                json!({"nets": ["192.0.2.0/24", "2001:db8::/64"]}),
            ),
        ),
        (
            "ippools",
            None,
            "p1",
            object(
                "IPPool",
                "p1",
                None,
                json!({"cidr": "10.65.0.0/16", "natOutgoing": true}),
            ),
        ),
        (
            "felixconfigurations",
            None,
            "default",
            object(
                "FelixConfiguration",
                "default",
                None,
                json!({"interfacePrefix": "tra",
                       "failsafeInboundHostPorts": [{"protocol": "TCP", "port": 22}]}),
            ),
        ),
    ]
}

/// What replaces a leaf: text aimed at nft's syntax, odd numbers, odd shapes.
fn hostile() -> Vec<Value> {
    let long = "x".repeat(300);
    vec![
        json!("tra1\" : accept, \"x"),
        json!("a\"; flush ruleset; \""),
        json!("}\nadd rule inet terrace x accept\n{"),
        json!("tra 1"),
        json!("../../../kernel"),
        json!(""),
        json!("é∂\u{0}"),
        json!(long),
        json!("*"),
        json!("0.0.0.0/0"),
        json!("10.65.0.2/33"),
        json!("65536"),
        json!(-1),
        json!(0),
        json!(65536),
        json!(u64::MAX),
        json!(1e300),
        json!(true),
        Value::Null,
        json!([]),
        json!({}),
        json!(["\""]),
    ]
}

/// Every leaf (and every array or object) of `v`, as JSON pointers.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{at}/{k}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        _ => {}
    }
}

/// One record: a template, and (leaf, replacement) choices applied to it in turn.
#[derive(Debug, Clone)]
struct Record {
    template: usize,
    mutations: Vec<(usize, usize)>,
    delete: bool,
}

fn record() -> impl Strategy<Value = Record> {
    (
        0..templates().len(),
        prop::collection::vec((any::<usize>(), any::<usize>()), 0..3),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(template, mutations, delete)| Record {
            template,
            mutations,
            delete,
        })
}

fn key(plural: &str, ns: Option<&str>, name: &str) -> String {
    match ns {
        Some(ns) => format!("/terrace/v1/{plural}/{ns}/{name}"),
        None => format!("/terrace/v1/{plural}/{name}"),
    }
}

fn apply(ingest: &mut Ingest, r: &Record) {
    let (templates, hostile) = (templates(), hostile());
    let (plural, ns, name, mut value) = templates[r.template].clone();
    let k = key(plural, ns, name);
    if r.delete {
        let _ = ingest.apply(&k, None);
        return;
    }
    for (leaf, with) in &r.mutations {
        let mut all = Vec::new();
        pointers(&value, String::new(), &mut all);
        if let Some(slot) = all
            .get(leaf % all.len().max(1))
            .and_then(|p| value.pointer_mut(p))
        {
            *slot = hostile[with % hostile.len()].clone();
        }
    }
    // Refusing the record is fine; panicking or mis-compiling it is not.
    let _ = ingest.apply(&k, Some(value.to_string().as_bytes()));
}

/// `nft -c` of `script` in the lab's host, or load it for real.
fn nft(lab: &Lab, script: &str, check: bool) -> Result<(), String> {
    let path = lab.dir().join("script.nft");
    std::fs::write(&path, script).unwrap();
    let path = path.display().to_string();
    let args = if check {
        vec!["nft", "-c", "-f", &path]
    } else {
        vec!["nft", "-f", &path]
    };
    let out = lab.exec_output("h", &args).unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn hostile_records_never_break_the_compiled_table(
        first in prop::collection::vec(record(), 1..14),
        then in prop::collection::vec(record(), 1..4),
    ) {
        let lab = Lab::from_topology(&Topology::builder().host("h").build().unwrap()).unwrap();
        let mut ingest = Ingest::new("host");
        // Every kind valid first, so that mutations hit a populated world.
        for template in 0..templates().len() {
            apply(&mut ingest, &Record { template, mutations: Vec::new(), delete: false });
        }
        for r in &first {
            apply(&mut ingest, r);
        }
        ingest.engine.commit();
        let mut compiler = Compiler::build(ingest.engine.plan());
        let whole = full_delta(compiler.table(), &Default::default()).render();
        if let Err(e) = nft(&lab, &whole, true) {
            return Err(TestCaseError::fail(format!("nft -c refused the table: {e}\n{whole}")));
        }
        nft(&lab, &whole, false).map_err(TestCaseError::fail)?;
        for r in &then {
            apply(&mut ingest, r);
        }
        let changes = ingest.engine.commit();
        let delta = compiler.update(ingest.engine.plan(), &changes).render();
        if let Err(e) = nft(&lab, &delta, true) {
            return Err(TestCaseError::fail(format!("nft -c refused the delta: {e}\n{delta}")));
        }
    }
}
