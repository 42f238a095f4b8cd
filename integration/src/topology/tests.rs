//! Table tests of topology loading, validation and planning.

use super::plan::{Step, argv, steps};
use super::*;

const EXAMPLE: &str = include_str!("../../topologies/two-hosts-tor.yaml");

#[test]
fn the_example_topology_loads_with_its_drawing() {
    let t = Topology::from_yaml(EXAMPLE).unwrap();
    assert!(t.description.contains("tor"));
    assert_eq!(t.node_names(), ["host1", "host2", "tor", "c1", "c2"]);
}

#[test]
fn yaml_errors_name_the_offending_line() {
    let cases = [
        (
            "nodes:\n  - name: a\n    colour: red\n",
            "unknown field `colour`",
            "line 3",
        ),
        (
            "nodes:\n  - name: a\n    kind: switch\n",
            "unknown variant `switch`",
            "line 3",
        ),
        (
            "nodes:\n  - name: a\n    routes:\n      - { dst: nowhere, dev: lo }\n",
            "invalid route destination",
            "line 4",
        ),
    ];
    for (yaml, want, line) in cases {
        let err = Topology::from_yaml(yaml).unwrap_err();
        let msg = format!(
            "{err}: {}",
            std::error::Error::source(&err)
                .map(ToString::to_string)
                .unwrap_or_default()
        );
        assert!(
            msg.contains(want) && msg.contains(line),
            "{yaml:?} gave {msg}"
        );
    }
}

#[test]
fn invalid_topologies_are_rejected_with_a_reason() {
    let cases = [
        (Topology::builder().host("Host1"), "node name"),
        (Topology::builder().host("a").host("a"), "declared twice"),
        (
            Topology::builder()
                .host("a")
                .link(("a", "eth0", ""), ("b", "eth0", "")),
            "unknown node",
        ),
        (
            Topology::builder()
                .host("a")
                .host("b")
                .link(("a", "averyveryverylong0", ""), ("b", "x", "")),
            "max 15 bytes",
        ),
        (
            Topology::builder()
                .host("a")
                .host("b")
                .link(("a", "x", ""), ("b", "y", ""))
                .link(("a", "x", ""), ("b", "z", "")),
            "used twice",
        ),
        (
            Topology::builder()
                .host("a")
                .route_dev("a", "10.0.0.0/8", "eth9", None),
            "unknown device",
        ),
        (
            Topology::builder()
                .host("a")
                .route_via("a", "10.0.0.0/8", "not-an-ip"),
            "invalid gateway",
        ),
        (
            Topology::builder()
                .host("a")
                .container("c", "nohost", "10.1.1.1", "cali-c"),
            "unknown host",
        ),
    ];
    for (b, want) in cases {
        let err = b.build().unwrap_err().to_string();
        assert!(err.contains(want), "expected `{want}` in `{err}`");
    }
}

#[test]
fn a_container_expands_into_the_calico_wiring() {
    let t = Topology::builder()
        .host("h")
        .container("c", "h", "10.65.0.5", "cali-c")
        .build()
        .unwrap();
    let steps = steps(&t.expanded().unwrap());
    let lines: Vec<String> = steps
        .iter()
        .map(|s| argv(s, |r| format!("ns-{r}")).join(" "))
        .collect();
    let want = [
        "ip link add name eth0 netns ns-c type veth peer name cali-c netns ns-h",
        "ip -n ns-c addr add 10.65.0.5/32 dev eth0",
        "ip -n ns-c link set dev eth0 up",
        "ip -n ns-h link set dev cali-c up",
        "ip netns exec ns-h sysctl -q -w net.ipv4.conf.cali-c.proxy_arp=1",
        "ip netns exec ns-h sysctl -q -w net.ipv4.ip_forward=1",
        "ip netns exec ns-h sysctl -q -w net.ipv4.neigh.cali-c.proxy_delay=0",
        "ip -n ns-h route add 10.65.0.5/32 dev cali-c scope link",
        "ip -n ns-c route add 169.254.1.1/32 dev eth0 scope link",
        "ip -n ns-c route add default via 169.254.1.1 dev eth0",
    ];
    assert_eq!(lines, want);
}

#[test]
fn routers_get_forwarding_unless_told_otherwise() {
    let on = Topology::builder().router("r").build().unwrap();
    let off = Topology::builder()
        .router("r")
        .sysctl("r", "net.ipv4.ip_forward", "0")
        .build()
        .unwrap();
    let fwd = |t: &Topology| {
        steps(t).into_iter().find_map(|s| match s {
            Step::Sysctl { key, value, .. } if key == "net.ipv4.ip_forward" => Some(value),
            _ => None,
        })
    };
    assert_eq!(fwd(&on).as_deref(), Some("1"));
    assert_eq!(fwd(&off).as_deref(), Some("0"));
}

#[test]
fn blackhole_routes_render_without_via_or_dev() {
    let yaml = "nodes:\n  - name: a\n    routes:\n      - { dst: 10.65.0.0/26, blackhole: true }\n";
    let t = Topology::from_yaml(yaml).unwrap();
    let s = steps(&t);
    assert_eq!(
        argv(&s[0], str::to_owned).join(" "),
        "ip -n a route add blackhole 10.65.0.0/26"
    );
}

#[test]
fn sysctl_values_may_be_strings_numbers_or_booleans() {
    let yaml = "nodes:\n  - name: a\n    sysctls: { x.a: \"2\", x.b: 1, x.c: true, x.d: false }\n";
    let t = Topology::from_yaml(yaml).unwrap();
    let got: Vec<(&str, &str)> = t.nodes[0]
        .sysctls
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        got,
        [("x.a", "2"), ("x.b", "1"), ("x.c", "1"), ("x.d", "0")]
    );
}
