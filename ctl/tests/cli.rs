#![allow(clippy::unwrap_used, clippy::expect_used)]
//! netctl driven as a user drives it: the real binary, a fresh SQLite store per test.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn store_url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("store.db").display())
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_stdin(args, "")
    }

    fn run_stdin(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_netctl"))
            .args([
                "--datastore",
                &self.store_url(),
                "--config",
                "/nonexistent/terrace.toml",
            ])
            .args(args)
            .env_remove("TERRACE_DATASTORE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

const POOL: &str = "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: pool-a\nspec:\n  cidr: 10.65.0.0/16\n  natOutgoing: true\n";
const PEER: &str = "apiVersion: terrace.io/v1\nkind: BGPPeer\nmetadata:\n  name: tor\nspec:\n  peerIP: 192.0.2.1\n  asNumber: 65000\n";

#[test]
fn apply_then_get_shows_the_resource_in_every_format() {
    let env = Env::new();
    let file = env.write("pool.yaml", POOL);
    let out = env.run(&["apply", "-f", file.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "ippool pool-a configured\n");

    let table = env.run(&["get", "ippools"]);
    assert!(
        stdout(&table).contains("pool-a") && stdout(&table).contains("10.65.0.0/16"),
        "{}",
        stdout(&table)
    );
    let name = env.run(&["get", "pool", "-o", "name"]);
    assert_eq!(stdout(&name), "ippool/pool-a\n");
    let json: serde_json::Value =
        serde_json::from_slice(&env.run(&["get", "ippool", "pool-a", "-o", "json"]).stdout)
            .unwrap();
    assert_eq!(json["spec"]["natOutgoing"], true);
    assert_eq!(json["apiVersion"], "terrace.io/v1");
    let wide = env.run(&["get", "ipp", "-o", "wide"]);
    assert!(stdout(&wide).contains("DISABLED"));
}

#[test]
fn yaml_output_applies_again_unchanged() {
    let env = Env::new();
    env.run_stdin(&["apply", "-f", "-"], PEER);
    let yaml = stdout(&env.run(&["get", "bgppeer", "-o", "yaml"]));
    let again = env.run_stdin(&["apply", "-f", "-"], &yaml);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(
        stdout(&env.run(&["get", "bgpp", "-o", "yaml"])).replace(|c: char| c.is_ascii_digit(), ""),
        yaml.replace(|c: char| c.is_ascii_digit(), "")
    );
}

#[test]
fn one_bad_document_means_nothing_is_written() {
    let env = Env::new();
    let bad = format!(
        "{POOL}---\n{}",
        PEER.replace("asNumber: 65000", "asNumber: 65000\n  bogusField: 1")
    );
    let file = env.write("mixed.yaml", &bad);
    let out = env.run(&["apply", "-f", file.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("mixed.yaml:") && err.contains("bogusField"),
        "{err}"
    );
    assert_eq!(
        stdout(&env.run(&["get", "ippools", "-o", "name"])),
        "",
        "the valid pool must not be written"
    );
}

#[test]
fn every_error_is_listed_with_file_line_and_column() {
    let env = Env::new();
    let text = "apiVersion: terrace.io/v1\nkind: IPPool\nmetadata: {name: a}\nspec:\n  cidr: 10.65.0.1/16\n---\napiVersion: terrace.io/v1\nkind: IPPool\nmetadata: {name: b}\nspec:\n  cidr: 10.66.0.0/16\n  blockSize: 40\n";
    let file = env.write("pools.yaml", text);
    let out = env.run(&["validate", "-f", file.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("pools.yaml:5:3: spec.cidr"), "{err}");
    assert!(err.contains("pools.yaml:12:3: spec.blockSize"), "{err}");
}

#[test]
fn bad_yaml_is_a_usage_error_with_a_position() {
    let env = Env::new();
    let out = env.run_stdin(
        &["apply", "-f", "-"],
        "apiVersion: terrace.io/v1\nkind: IPPool\nmetadata: [unclosed\n",
    );
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("-:"), "{}", stderr(&out));
}

#[test]
fn create_fails_on_existing_and_replace_on_missing() {
    let env = Env::new();
    let file = env.write("pool.yaml", POOL);
    let f = file.to_str().unwrap();
    assert_eq!(code(&env.run(&["replace", "-f", f])), 1);
    assert_eq!(code(&env.run(&["create", "-f", f])), 0);
    let again = env.run(&["create", "-f", f]);
    assert_eq!(code(&again), 1);
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert_eq!(code(&env.run(&["replace", "-f", f])), 0);
}

#[test]
fn delete_by_name_and_by_file() {
    let env = Env::new();
    let pool = env.write("pool.yaml", POOL);
    env.run(&["apply", "-f", pool.to_str().unwrap()]);
    env.run_stdin(&["apply", "-f", "-"], PEER);
    let out = env.run(&["delete", "bgppeer", "tor"]);
    assert_eq!(
        (code(&out), stdout(&out).as_str()),
        (0, "bgppeer tor deleted\n")
    );
    assert_eq!(
        code(&env.run(&["delete", "bgppeer", "tor"])),
        1,
        "deleting a missing resource fails"
    );
    assert_eq!(
        code(&env.run(&["delete", "bgppeer", "tor", "--ignore-not-found"])),
        0
    );
    assert_eq!(code(&env.run(&["delete", "-f", pool.to_str().unwrap()])), 0);
    assert_eq!(stdout(&env.run(&["get", "pools", "-o", "name"])), "");
}

#[test]
fn directories_are_read_recursively_only_with_r() {
    let env = Env::new();
    env.write("conf/pool.yaml", POOL);
    env.write("conf/nested/peer.yaml", PEER);
    env.write("conf/README.txt", "not yaml");
    let dir = env.dir.path().join("conf");
    let flat = env.run(&["validate", "-f", dir.to_str().unwrap()]);
    assert_eq!(stdout(&flat), "1 documents valid\n");
    let deep = env.run(&["validate", "-R", "-f", dir.to_str().unwrap()]);
    assert_eq!(stdout(&deep), "2 documents valid\n");
}

#[test]
fn namespaced_resources_take_the_namespace_flag() {
    let env = Env::new();
    let wep = "apiVersion: terrace.io/v1\nkind: WorkloadEndpoint\nmetadata:\n  name: web-1\n  labels: {app: web}\nspec:\n  node: h1\n  interfaceName: tr0123456789a\n  ipNetworks: [10.65.0.4/32]\n";
    assert_eq!(
        code(&env.run_stdin(&["apply", "-n", "shop", "-f", "-"], wep)),
        0
    );
    assert_eq!(
        stdout(&env.run(&["get", "wep", "-n", "shop", "-o", "name"])),
        "workloadendpoint/web-1\n"
    );
    assert_eq!(
        stdout(&env.run(&["get", "wep", "-o", "name"])),
        "",
        "default namespace is empty"
    );
    assert!(stdout(&env.run(&["get", "wep", "-A"])).contains("shop"));
}

#[test]
fn label_adds_changes_and_removes_labels() {
    let env = Env::new();
    env.run_stdin(&["apply", "-f", "-"], PEER);
    assert_eq!(
        code(&env.run(&["label", "bgppeer", "tor", "rack=r1", "tier=tor"])),
        0
    );
    let refused = env.run(&["label", "bgppeer", "tor", "rack=r2"]);
    assert_eq!(code(&refused), 2, "changing a value needs --overwrite");
    assert_eq!(
        code(&env.run(&["label", "bgppeer", "tor", "rack=r2", "--overwrite", "tier-"])),
        0
    );
    let json: serde_json::Value =
        serde_json::from_slice(&env.run(&["get", "bgpp", "tor", "-o", "json"]).stdout).unwrap();
    assert_eq!(
        json["metadata"]["labels"],
        serde_json::json!({"rack": "r2"})
    );
}

#[test]
fn selector_match_against_labels_and_the_store() {
    let env = Env::new();
    let yes = env.run(&[
        "selector",
        "match",
        "app == 'web' && !has(legacy)",
        "--labels",
        "{\"app\":\"web\"}",
    ]);
    assert_eq!((code(&yes), stdout(&yes).as_str()), (0, "true\n"));
    let no = env.run(&[
        "selector",
        "match",
        "app in {'db'}",
        "--labels",
        "{\"app\":\"web\"}",
    ]);
    assert_eq!((code(&no), stdout(&no).as_str()), (0, "false\n"));
    let bad = env.run(&["selector", "match", "app == ", "--labels", "{}"]);
    assert_eq!(code(&bad), 2);
    assert!(
        stderr(&bad).contains('^'),
        "caret error expected: {}",
        stderr(&bad)
    );

    let wep = "apiVersion: terrace.io/v1\nkind: WorkloadEndpoint\nmetadata: {name: web-1, namespace: shop, labels: {app: web}}\nspec: {node: h1, interfaceName: tr1}\n";
    env.run_stdin(&["apply", "-f", "-"], wep);
    let listed = env.run(&["selector", "match", "app == 'web'"]);
    assert_eq!(stdout(&listed), "workloadendpoint shop/web-1\n");
}

#[test]
fn unknown_kind_and_missing_arguments_are_usage_errors() {
    let env = Env::new();
    let out = env.run(&["get", "pods"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("unknown resource kind"));
    assert_eq!(code(&env.run(&["delete"])), 2);
    assert_eq!(code(&env.run(&["apply"])), 2, "clap rejects a missing -f");
}

#[test]
fn an_unreachable_datastore_fails_with_exit_1() {
    let out = Command::new(env!("CARGO_BIN_EXE_netctl"))
        .args([
            "--datastore",
            "sqlite:///proc/terrace-cannot-exist/store.db",
            "get",
            "pools",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn completions_are_generated() {
    let env = Env::new();
    let out = env.run(&["completions", "bash"]);
    assert!(stdout(&out).contains("netctl"));
}

#[test]
fn every_shipped_example_applies() {
    let env = Env::new();
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../policies/examples");
    let out = env.run(&["apply", "-R", "-f", examples]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).lines().count() >= 5, "{}", stdout(&out));
    let again = env.run(&["apply", "-R", "-f", examples]);
    assert_eq!(
        code(&again),
        0,
        "applying twice is idempotent: {}",
        stderr(&again)
    );
}

#[test]
fn policy_errors_carry_file_line_and_field_path() {
    let env = Env::new();
    let text = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: bad\nspec:\n  ingress:\n    - action: Allow\n      destination:\n        ports: [80]\n";
    let file = env.write("bad.yaml", text);
    let out = env.run(&["apply", "-f", file.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("bad.yaml:") && err.contains("spec.ingress[0]"),
        "{err}"
    );
}

/// `netctl policy trace` of a TCP flow, with extra arguments.
fn trace_tcp(env: &Env, from: &str, to: &str, port: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "policy",
        "trace",
        "--from",
        from,
        "--to",
        to,
        "--protocol",
        "tcp",
        "--port",
        port,
    ];
    args.extend_from_slice(extra);
    env.run(&args)
}

/// The shop app of policies/examples with the endpoints of docs/examples, as README.md tours it.
fn shop() -> Env {
    let env = Env::new();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let app = format!("{root}/policies/examples/three-tier-app.yaml");
    let endpoints = format!("{root}/docs/examples/shop-endpoints.yaml");
    assert_eq!(code(&env.run(&["apply", "-f", &app, "-f", &endpoints])), 0);
    env
}

#[test]
fn policy_trace_reports_the_deciding_policy_for_allowed_and_denied_flows() {
    let env = shop();
    let allowed = trace_tcp(&env, "shop/frontend-1", "shop/backend-1", "8080", &[]);
    assert_eq!(code(&allowed), 0, "{}", stderr(&allowed));
    let text = stdout(&allowed);
    assert!(text.starts_with("verdict: allow\n"), "{text}");
    assert!(
        text.contains("shop/frontend") && text.contains("shop/backend"),
        "{text}"
    );

    let denied = trace_tcp(
        &env,
        "shop/frontend-1",
        "shop/database-1",
        "5432",
        &["-o", "json"],
    );
    let json: serde_json::Value = serde_json::from_slice(&denied.stdout).unwrap();
    assert_eq!(
        json["verdict"], "deny",
        "frontend may not reach the database: {json}"
    );
}

#[test]
fn policy_trace_accepts_bare_ips_and_icmp() {
    let env = shop();
    let out = trace_tcp(&env, "192.0.2.9", "shop/frontend-1", "80", &["-o", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["verdict"], "allow", "{json}");
    let icmp = env.run(&[
        "policy",
        "trace",
        "--from",
        "shop/backend-1",
        "--to",
        "shop/frontend-1",
        "--protocol",
        "icmp",
        "--icmp-type",
        "8",
        "-o",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&icmp.stdout).unwrap();
    assert_eq!(json["verdict"], "deny", "{json}");
}

#[test]
fn policy_trace_usage_errors() {
    let env = Env::new();
    let cases: [&[&str]; 3] = [
        &["--protocol", "tcp"],
        &["--protocol", "icmp"],
        &["--protocol", "bogus", "--port", "1"],
    ];
    for extra in cases {
        let mut args = vec!["policy", "trace", "--from", "10.0.0.1", "--to", "10.0.0.2"];
        args.extend_from_slice(extra);
        assert_eq!(code(&env.run(&args)), 2, "{extra:?}");
    }
}

#[test]
fn a_policy_in_a_missing_tier_is_refused_unless_the_tier_comes_along() {
    let env = Env::new();
    let policy = "apiVersion: terrace.io/v1\nkind: GlobalNetworkPolicy\nmetadata: {name: security.block}\nspec:\n  tier: security\n  selector: all()\n  ingress: [{action: Deny}]\n";
    let out = env.run_stdin(&["apply", "-f", "-"], policy);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    assert!(
        stderr(&out).contains("tier \"security\" does not exist"),
        "{}",
        stderr(&out)
    );
    let with_tier = format!(
        "apiVersion: terrace.io/v1\nkind: Tier\nmetadata: {{name: security}}\nspec: {{order: 100}}\n---\n{policy}"
    );
    let out = env.run_stdin(&["apply", "-f", "-"], &with_tier);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// The tour README.md shows, step by step.
#[test]
fn the_readme_tour_works() {
    let env = shop();
    assert!(
        stdout(&env.run(&["get", "networkpolicies", "-n", "shop", "-o", "wide"]))
            .contains("backend")
    );
    let allowed = trace_tcp(&env, "shop/frontend-1", "shop/backend-1", "8080", &[]);
    assert!(
        stdout(&allowed).starts_with("verdict: allow"),
        "{}{}",
        stdout(&allowed),
        stderr(&allowed)
    );
    let denied = trace_tcp(&env, "shop/frontend-1", "shop/database-1", "5432", &[]);
    assert!(
        stdout(&denied).starts_with("verdict: deny"),
        "{}",
        stdout(&denied)
    );
}

#[test]
fn ipam_show_check_and_release_on_a_fresh_pool() {
    let env = Env::new();
    env.write("pool.yaml", POOL);
    assert_eq!(
        code(&env.run(&[
            "apply",
            "-f",
            env.dir.path().join("pool.yaml").to_str().unwrap()
        ])),
        0
    );
    let show = env.run(&["ipam", "show"]);
    assert_eq!(code(&show), 0, "{}", stderr(&show));
    assert!(stdout(&show).contains("10.65.0.0/16"), "{}", stdout(&show));
    let check = env.run(&["ipam", "check"]);
    assert_eq!(
        code(&check),
        0,
        "a fresh store has no leaks: {}{}",
        stdout(&check),
        stderr(&check)
    );
    let release = env.run(&["ipam", "release", "--ip", "10.65.0.9"]);
    assert_eq!(
        code(&release),
        1,
        "nothing holds that address: {}",
        stderr(&release)
    );
}
