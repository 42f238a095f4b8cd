//! The plugin's ADD, CHECK and DEL driven as a runtime drives them, checked against the
//! kernel (`ip -j`), the datastore and real packets.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Call, Netns, Store0, conf, sh};
use serde_json::json;

fn sysctl(host: &Netns, path: &str) -> String {
    sh("ip", &["netns", "exec", &host.name, "cat", path])
        .trim()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_check_del_round_trip_leaves_nothing() {
    let store = Store0::new();
    store.pool("p", json!({"cidr": "10.71.0.0/24"})).await;
    let (host, ctr) = (Netns::new("h"), Netns::new("c"));
    let conf = conf(
        &store.url,
        "h1",
        json!({"labels": {"app": "web"}, "profiles": ["default"],
               "runtimeConfig": {"portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}]}}),
    );
    let add = Call::new("ADD", "ctr1", &ctr.path(), &conf)
        .with(
            "CNI_ARGS",
            "IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1",
        )
        .in_host(&host)
        .run();
    assert!(add.ok(), "{}", add.stdout);
    assert_eq!(add.ips(), ["10.71.0.0"]);
    let veth = add.json["interfaces"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(veth.starts_with("tr") && veth.len() == 13, "{veth}");

    let inside = ctr.ip(&["-j", "addr", "show", "eth0"]);
    assert!(
        inside.contains("\"10.71.0.0\"") && inside.contains("\"prefixlen\":32"),
        "{inside}"
    );
    let routes = ctr.ip(&["route"]);
    assert!(
        routes.contains("default via 169.254.1.1 dev eth0"),
        "{routes}"
    );
    assert!(routes.contains("169.254.1.1 dev eth0"), "{routes}");
    let host_route = host.ip(&["route", "show", "10.71.0.0/32"]);
    assert!(
        host_route.contains(&format!("dev {veth}")) && host_route.contains("proto 87"),
        "{host_route}"
    );
    assert!(
        host.ip(&["link", "show", &veth])
            .contains("ee:ee:ee:ee:ee:ee")
    );
    assert_eq!(
        sysctl(&host, &format!("/proc/sys/net/ipv4/conf/{veth}/proxy_arp")),
        "1"
    );
    assert_eq!(
        sysctl(
            &host,
            &format!("/proc/sys/net/ipv4/neigh/{veth}/proxy_delay")
        ),
        "0"
    );

    let endpoints = store.endpoints().await;
    assert_eq!(endpoints.len(), 1);
    let (object, spec) = &endpoints[0];
    assert_eq!(object.metadata.name, "h1-k8s-web-1-eth0");
    assert_eq!(object.metadata.namespace.as_deref(), Some("shop"));
    assert_eq!(object.metadata.labels["app"], "web");
    assert_eq!(
        object.metadata.labels["projectcalico.org/namespace"],
        "shop"
    );
    assert_eq!(spec.interface_name, veth);
    assert_eq!(spec.ip_networks[0].to_string(), "10.71.0.0/32");
    assert_eq!(spec.ports[0].name, "tcp-80");
    assert_eq!(
        spec.mac.as_deref(),
        add.json["interfaces"][1]["mac"].as_str()
    );
    assert_eq!(
        (
            spec.node.as_str(),
            spec.pod.as_str(),
            spec.orchestrator.as_str()
        ),
        ("h1", "web-1", "k8s")
    );

    let mut check_conf = conf.clone();
    check_conf["prevResult"] = add.json.clone();
    let check = |c: &serde_json::Value| {
        Call::new("CHECK", "ctr1", &ctr.path(), c)
            .with("CNI_ARGS", "K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1")
            .in_host(&host)
            .run()
    };
    let ok = check(&check_conf);
    assert!(ok.ok(), "{}", ok.stdout);
    ctr.ip(&["addr", "del", "10.71.0.0/32", "dev", "eth0"]);
    let broken = check(&check_conf);
    assert_eq!(broken.json["code"], 102, "{}", broken.stdout);
    assert!(broken.stdout.contains("10.71.0.0"), "{}", broken.stdout);

    for attempt in 0..2 {
        let del = Call::new("DEL", "ctr1", &ctr.path(), &check_conf)
            .with("CNI_ARGS", "K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1")
            .in_host(&host)
            .run();
        assert!(
            del.ok() && del.stdout.is_empty(),
            "DEL #{attempt}: {}",
            del.stdout
        );
    }
    assert!(!host.ip(&["link"]).contains(&veth));
    assert_eq!(store.leftovers().await, (0, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_containers_on_one_host_ping_each_other() {
    let store = Store0::new();
    store.pool("p", json!({"cidr": "10.72.0.0/24"})).await;
    let host = Netns::new("h");
    sh(
        "ip",
        &[
            "netns",
            "exec",
            &host.name,
            "sysctl",
            "-qw",
            "net.ipv4.ip_forward=1",
        ],
    );
    // A real host has an uplink with an address and a default route: proxy ARP answers for
    // 169.254.1.1 only when the host has a route to it out of another interface.
    host.ip(&["link", "add", "up0", "type", "veth", "peer", "name", "up1"]);
    host.ip(&["addr", "add", "192.0.2.1/30", "dev", "up0"]);
    host.ip(&["link", "set", "up0", "up"]);
    host.ip(&["link", "set", "up1", "up"]);
    host.ip(&["route", "add", "default", "via", "192.0.2.2", "dev", "up0"]);
    let (a, b) = (Netns::new("c"), Netns::new("c"));
    let conf = conf(&store.url, "h1", json!({}));
    let add_a = Call::new("ADD", "a", &a.path(), &conf).in_host(&host).run();
    let add_b = Call::new("ADD", "b", &b.path(), &conf).in_host(&host).run();
    assert!(
        add_a.ok() && add_b.ok(),
        "{} {}",
        add_a.stdout,
        add_b.stdout
    );
    let target = &add_b.ips()[0];
    sh(
        "ip",
        &[
            "netns", "exec", &a.name, "ping", "-c", "2", "-W", "5", target,
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dual_stack_add_configures_both_families() {
    let store = Store0::new();
    store.pool("v4", json!({"cidr": "10.73.0.0/24"})).await;
    store
        .pool("v6", json!({"cidr": "fd00:73::/120", "blockSize": 122}))
        .await;
    let (host, ctr) = (Netns::new("h"), Netns::new("c"));
    let conf = conf(&store.url, "h1", json!({"ipv6": true}));
    let add = Call::new("ADD", "d1", &ctr.path(), &conf)
        .in_host(&host)
        .run();
    assert!(add.ok(), "{}", add.stdout);
    assert_eq!(add.ips(), ["10.73.0.0", "fd00:73::"]);
    let routes = ctr.ip(&["-6", "route"]);
    assert!(
        routes.contains("default via fe80::ecee:eeff:feee:eeee dev eth0"),
        "{routes}"
    );
    assert!(
        ctr.ip(&["-6", "addr", "show", "eth0"])
            .contains("fd00:73::/128")
    );
    let del = Call::new("DEL", "d1", &ctr.path(), &conf)
        .in_host(&host)
        .run();
    assert!(del.ok(), "{}", del.stdout);
    assert_eq!(store.leftovers().await, (0, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_0_4_0_config_gets_a_0_4_0_result() {
    let store = Store0::new();
    store.pool("p", json!({"cidr": "10.74.0.0/24"})).await;
    let (host, ctr) = (Netns::new("h"), Netns::new("c"));
    let mut conf = conf(&store.url, "h1", json!({}));
    conf["cniVersion"] = json!("0.4.0");
    let add = Call::new("ADD", "o1", &ctr.path(), &conf)
        .in_host(&host)
        .run();
    assert!(add.ok(), "{}", add.stdout);
    assert_eq!(add.json["cniVersion"], "0.4.0");
    assert_eq!(add.json["ips"][0]["version"], "4");
    assert!(
        Call::new("DEL", "o1", &ctr.path(), &conf)
            .in_host(&host)
            .run()
            .ok()
    );
}
