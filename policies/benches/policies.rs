//! Throughput figures for the selector and the reference evaluator.
//! Plain `Instant` timing (harness = false); run with
//! `cargo bench -p policies`. Prints one line per measurement.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use policies::document::parse_documents;
use policies::eval::{Endpoint, EndpointKey, Evaluator, Flow, FlowEnd};
use policies::model::Protocol;
use policies::selector::Selector;

const SELECTOR: &str =
    "app in {'web', 'api', 'worker'} && tier != 'legacy' && (has(team) || env starts with 'prod')";

fn time<R>(name: &str, iters: u32, mut f: impl FnMut() -> R) {
    for _ in 0..iters / 10 {
        black_box(f());
    }
    let start = Instant::now();
    for _ in 0..iters {
        black_box(f());
    }
    let per = start.elapsed() / iters;
    let rate = 1.0 / per.as_secs_f64();
    println!("{name:<48} {per:>12?}/op {rate:>14.0} ops/s");
}

/// `n_ns` namespaces with `per_ns` endpoints each and one policy per
/// namespace plus a global default-deny.
fn world(n_ns: usize, per_ns: usize) -> Evaluator {
    let mut yaml = String::from(
        "apiVersion: terrace.io/v1\nkind: GlobalNetworkPolicy\nmetadata: {name: deny}\nspec:\n  order: 5000\n  selector: all()\n  types: [Ingress, Egress]\n",
    );
    for n in 0..n_ns {
        yaml.push_str(&format!(
            "---\napiVersion: terrace.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: ns{n}}}\nspec:\n  order: 100\n  selector: has(app)\n  types: [Ingress, Egress]\n  ingress:\n  - action: Allow\n    protocol: TCP\n    source: {{selector: app == 'client', namespaceSelector: all()}}\n    destination: {{selector: app == 'web', ports: [80, '8000:8100']}}\n  egress:\n  - action: Allow\n"
        ));
    }
    let resources = parse_documents(&yaml)
        .into_iter()
        .map(|d| d.unwrap().resource.unwrap());
    let mut eps = Vec::new();
    for n in 0..n_ns {
        for i in 0..per_ns {
            let app = if i % 2 == 0 { "web" } else { "client" };
            let ip = IpAddr::V4(Ipv4Addr::new(
                10,
                (n / 256) as u8,
                (n % 256) as u8,
                i as u8 + 1,
            ));
            eps.push(
                Endpoint::workload(&format!("ns{n}"), &format!("ep{i}"))
                    .label("app", app)
                    .ip(ip),
            );
        }
    }
    Evaluator::from_parts(resources, eps)
}

fn main() {
    time("selector parse (4 terms, 3-member set)", 200_000, || {
        Selector::parse(SELECTOR).unwrap()
    });
    let sel = Selector::parse(SELECTOR).unwrap();
    let labels: BTreeMap<String, String> = [("app", "api"), ("tier", "gold"), ("team", "a")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    time("selector match", 2_000_000, || sel.matches(&labels));
    time("selector canonical + id", 500_000, || sel.id());

    for (n_ns, per_ns) in [(10, 10), (100, 10), (100, 100)] {
        let ev = world(n_ns, per_ns);
        let flow = Flow::new(
            FlowEnd::Endpoint(EndpointKey::workload("ns3", "ep1")),
            FlowEnd::Endpoint(EndpointKey::workload("ns7", "ep0")),
            Protocol::TCP,
            8050,
        );
        assert!(ev.evaluate(&flow).unwrap().allowed());
        let name = format!("trace, {n_ns} policies, {} endpoints", n_ns * per_ns);
        time(&name, 2_000, || ev.evaluate(&flow).unwrap());
    }
}
