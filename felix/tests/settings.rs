//! Where felix's dataplane settings come from, with the real binary: the
//! environment over the host config file's `[felix]` table over
//! FelixConfiguration. The interface prefix shows in the hook rules. Needs
//! root.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use integration::{Lab, wait_until};
use resources::Kind;
use serde_json::json;
use support::*;

fn hook_prefix(lab: &Lab) -> Option<String> {
    let chain = lab
        .exec(
            "host",
            &["nft", "list", "chain", "inet", "terrace", "hook-forward"],
        )
        .ok()?;
    let at = chain.find("iifname \"")? + "iifname \"".len();
    Some(chain[at..].split('*').next()?.to_string())
}

#[test]
fn environment_beats_the_config_file_which_beats_felix_configuration() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut lab = Lab::new().unwrap();
    lab.add_node("host").unwrap();
    let db = lab.dir().join("store.db");
    let store = open_store(&rt, &db);
    put(
        &rt,
        &store,
        Kind::FelixConfiguration,
        None,
        "default",
        &[],
        json!({"interfacePrefix": "ef"}),
    );
    let config = lab.dir().join("config.toml");
    std::fs::write(&config, "[felix]\ninterfacePrefix = \"cd\"\n").unwrap();
    let url = format!("sqlite://{}", db.display());
    let run = |name: &str, env: &[&str]| {
        let mut args: Vec<&str> = vec!["env"];
        args.extend(env);
        args.extend([
            env!("CARGO_BIN_EXE_felix"),
            "--datastore",
            &url,
            "--node",
            "host",
            "--config",
            config.to_str().unwrap(),
            "--metrics-addr",
            "127.0.0.1:19093",
        ]);
        let d = lab.spawn("host", name, &args).unwrap();
        wait_reconciled(&d);
        d
    };
    let file_wins = run("felix-file", &[]);
    assert_eq!(hook_prefix(&lab).as_deref(), Some("cd"));
    drop(file_wins);
    let env_wins = run("felix-env", &["TERRACE_FELIX_INTERFACE_PREFIX=ab"]);
    wait_until(
        Duration::from_secs(10),
        "prefix from the environment",
        || hook_prefix(&lab).as_deref() == Some("ab"),
    )
    .unwrap();
    drop(env_wins);
    std::fs::write(&config, "").unwrap();
    let datastore_wins = run("felix-datastore", &[]);
    assert_eq!(hook_prefix(&lab).as_deref(), Some("ef"));
    drop(datastore_wins);
    let bad = lab
        .exec_output(
            "host",
            &[
                "env",
                "TERRACE_FELIX_INTERFACE_PREFIX=NOPE",
                env!("CARGO_BIN_EXE_felix"),
                "--datastore",
                &url,
            ],
        )
        .unwrap();
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("TERRACE_FELIX_") && err.contains("interfacePrefix"),
        "{err}"
    );
}
