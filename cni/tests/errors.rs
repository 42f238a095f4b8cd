//! Every error path of the plugin, driven as a runtime drives it: the CNI error result on
//! stdout with the spec's code, exit status 1, and a message naming what to fix.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Call, Netns, Store0, conf};
use serde_json::json;

fn assert_error(run: &common::Run, code: u64, mentions: &str) {
    assert_eq!(run.code, Some(1), "exit status: {}", run.stdout);
    assert_eq!(run.json["code"], code, "{}", run.stdout);
    assert!(
        run.json["msg"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        run.stdout
    );
    let details = run.json["details"].as_str().unwrap_or_default();
    assert!(
        details.contains(mentions),
        "details should mention {mentions:?}: {}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_the_spec_error_codes() {
    let store = Store0::new();
    let ctr = Netns::new("c");
    let good = conf(&store.url, "h1", json!({}));
    let call = |stdin: &str| {
        let mut c = Call::new("ADD", "e1", &ctr.path(), &good);
        c.stdin = stdin.to_string();
        c.run()
    };
    assert_error(&call("{not json"), 6, "JSON");
    assert_error(&call("[1,2]"), 6, "object");
    let mut unknown = good.clone();
    unknown["strict_afinity"] = json!(true);
    assert_error(&call(&unknown.to_string()), 2, "strict_afinity");
    let mut wrong_type = good.clone();
    wrong_type["mtu"] = json!("big");
    assert_error(&call(&wrong_type.to_string()), 7, "mtu");
    let mut old = good.clone();
    old["cniVersion"] = json!("0.2.0");
    assert_error(&call(&old.to_string()), 1, "0.2.0");
    assert_eq!(store.leftovers().await, (0, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_missing_environment_variable_is_named() {
    let store = Store0::new();
    let ctr = Netns::new("c");
    let conf = conf(&store.url, "h1", json!({}));
    for var in ["CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"] {
        let run = Call::new("ADD", "e2", &ctr.path(), &conf)
            .without(var)
            .run();
        assert_error(&run, 4, var);
    }
    let run = Call::new("ADD", "e2", &ctr.path(), &conf)
        .with("CNI_COMMAND", "ATTACH")
        .run();
    assert_error(&run, 4, "CNI_COMMAND");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_datastore_asks_the_runtime_to_retry() {
    let ctr = Netns::new("c");
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    let conf = conf("etcd://127.0.0.1:1", "h1", json!({}));
    for command in ["ADD", "DEL"] {
        let run = Call::new(command, "e3", &ctr.path(), &conf).run();
        assert_error(&run, 11, "datastore");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn del_of_an_unknown_container_succeeds() {
    let store = Store0::new();
    let conf = conf(&store.url, "h1", json!({}));
    let run = Call::new("DEL", "never-added", "/run/netns/none", &conf)
        .without("CNI_NETNS")
        .run();
    assert!(run.ok() && run.stdout.is_empty(), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_without_a_pool_or_with_a_dead_netns_leaves_nothing() {
    let store = Store0::new();
    let (host, ctr) = (Netns::new("h"), Netns::new("c"));
    let conf = conf(&store.url, "h1", json!({}));
    let run = Call::new("ADD", "e4", &ctr.path(), &conf)
        .in_host(&host)
        .run();
    assert_error(&run, 100, "IPPool");
    store.pool("p", json!({"cidr": "10.75.0.0/24"})).await;
    let run = Call::new("ADD", "e4", "/run/netns/does-not-exist", &conf)
        .in_host(&host)
        .run();
    assert_error(&run, 101, "does-not-exist");
    assert_eq!(
        store.leftovers().await,
        (0, 0, 0),
        "the failed ADD cleaned up"
    );
}

#[test]
fn version_reports_the_supported_versions() {
    let mut call = Call::new("VERSION", "", "", &json!({}));
    call.stdin = r#"{"cniVersion":"0.4.0"}"#.into();
    let call = call
        .without("CNI_CONTAINERID")
        .without("CNI_NETNS")
        .without("CNI_IFNAME");
    let run = call.run();
    assert!(run.ok(), "{}", run.stdout);
    assert_eq!(run.json["cniVersion"], "0.4.0");
    assert_eq!(run.json["supportedVersions"], json!(["0.4.0", "1.0.0"]));
}
