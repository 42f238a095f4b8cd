//! `lab-demo` (the README's first command) brings up the whole system with
//! real podman containers, measures a matrix that agrees with the policy,
//! and leaves nothing behind; `--keep` leaves podman containers that are
//! the datastore's WorkloadEndpoints, and `--down` removes them; without
//! podman (`--containers cni`) the plugin is driven directly, and the same
//! matrix comes out.
//!
//! It runs the workspace's felix, confd, bgpd, netctl and terrace binaries
//! from beside its own executable: `cargo test --workspace` builds them (for
//! `cargo test -p integration`, run `cargo build --workspace --bins` first).
//! podman, runc and busybox-static come from scripts/install-deps.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, PoisonError};

use integration::demo::app::WORKLOADS;
use integration::podman::{Layout, cgroups, inspect};

/// Allowed flows of policies/examples/three-tier-app.yaml in the demo's app
/// (two of each tier; the ToR probes as an outside client): ToR -> both
/// frontends, both frontends -> both backends, both backends -> both
/// databases. Every other one of the 36 cells is denied.
const ALLOWED: usize = 2 + 4 + 4;
const CELLS: usize = 7 * 6 - 6;

/// One demo at a time: each run first removes the labs of dead owners,
/// which a lab another test left up with `--keep` is.
static DEMO: Mutex<()> = Mutex::new(());

fn one_demo_at_a_time() -> MutexGuard<'static, ()> {
    DEMO.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `lab-demo ARGS` with its log and state dirs in `dir`.
fn lab_demo(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lab-demo"))
        .args(args)
        .arg("--log-dir")
        .arg(dir.join("log"))
        .arg("--state-dir")
        .arg(dir.join("state"))
        .output()
        .unwrap()
}

fn run_demo(extra: &[&str], dir: &Path) -> String {
    let (logs, state) = (dir.join("log"), dir.join("state"));
    let out = lab_demo(extra, dir);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !logs.exists() && !state.exists(),
        "log/state dirs left:\n{stdout}"
    );
    stdout
}

/// The matrix rows, from the header to the blank line after the table.
fn matrix_rows(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .skip_while(|l| !l.contains("from \\ to"))
        .skip(2)
        .take_while(|l| !l.trim().is_empty())
        .collect()
}

fn check(stdout: &str) {
    let rows = matrix_rows(stdout);
    assert_eq!(rows.len(), 7, "6 containers and the ToR:\n{stdout}");
    let count = |c: char| rows.iter().map(|r| r.matches(c).count()).sum::<usize>();
    assert_eq!(count('✔'), ALLOWED, "{stdout}");
    assert_eq!(count('✘'), CELLS - ALLOWED, "{stdout}");
    assert_eq!(count('!'), 0, "{stdout}");
    let tor = rows.iter().find(|r| r.contains("tor (outside)")).unwrap();
    assert_eq!(
        tor.matches('✔').count(),
        2,
        "the ToR reaches both frontends:\n{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "{ALLOWED} connections allowed ✔, {} denied ✘, 0 disagreeing",
            CELLS - ALLOWED
        )),
        "{stdout}"
    );
    // Sessions are up (the ToR's three, or every host's mesh and ToR peers
    // when netctl has `node status`), and the ToR installed every block via
    // the host that owns it.
    assert!(stdout.matches("Established").count() >= 3, "{stdout}");
    let tor_routes: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("B>* 10.65."))
        .collect();
    assert_eq!(tor_routes.len(), 3, "one block per host:\n{stdout}");
    for host in ["10.0.1.2", "10.0.1.6", "10.0.2.2"] {
        let via = format!("/26 [20/0] via {host},");
        assert!(
            tor_routes.iter().any(|r| r.contains(&via)),
            "{via}\n{stdout}"
        );
    }
}

/// The text after the first `start` in `stdout`, up to the next `end`.
fn between<'a>(stdout: &'a str, start: &str, end: &str) -> &'a str {
    stdout
        .split(start)
        .nth(1)
        .and_then(|s| s.split(end).next())
        .unwrap_or_else(|| panic!("no {start:?}...{end:?} in:\n{stdout}"))
}

/// The run's `<pid>-<n>` (from `tlab-<pid>-<n>-*` in step 2).
fn run_prefix(stdout: &str) -> &str {
    between(stdout, "(tlab-", "-*)")
}

/// The lab's temp dir (where the ToR's vty socket and podman live).
fn lab_dir(stdout: &str) -> &str {
    between(stdout, "--vty_socket ", "/frr-tor")
}

/// Nothing of the lab is left: namespaces, temp dir.
fn check_nothing_left(stdout: &str) {
    let prefix = run_prefix(stdout);
    let left = integration::netns::list().unwrap();
    assert!(
        left.iter()
            .all(|ns| !ns.starts_with(&format!("tlab-{prefix}-"))),
        "{left:?}"
    );
    assert!(!Path::new(lab_dir(stdout)).exists(), "lab dir left");
}

/// libcni's cached results naming one of `ids` (full or 12-digit IDs).
fn cni_results_of(ids: &[String]) -> Vec<String> {
    std::fs::read_dir("/var/lib/cni/results")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| ids.iter().any(|id| f.contains(&format!("-{id}"))))
        .collect()
}

/// The run used podman: six podman containers, listed by `podman ps` on
/// their tier's network; after it, no podman cgroup, network namespace or
/// cached CNI result of them is left.
fn check_podman(stdout: &str) {
    assert!(
        stdout.contains("podman containers; podman's CNI backend calls the terrace plugin"),
        "{stdout}"
    );
    let mut ids = Vec::new();
    for w in WORKLOADS {
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(w.name) && l.contains("host veth"))
            .unwrap_or_else(|| panic!("no line for {}:\n{stdout}", w.name));
        let id = line.split("podman ").nth(1).unwrap().trim().to_owned();
        assert_eq!(id.len(), 12, "{line}");
        ids.push(id);
        let network = format!("shop-{}", w.app);
        assert!(
            stdout.lines().any(|l| l.contains(&format!(" {} ", w.name))
                && l.contains(&network)
                && l.contains("Up ")),
            "podman ps lists {} on {network}:\n{stdout}",
            w.name
        );
    }
    let cgroup = format!("tlab-{}-podman", run_prefix(stdout));
    assert!(cgroups::trees(&cgroup).is_empty(), "{cgroup} left");
    let netns = between(stdout, "nsenter --net=", " ");
    assert!(netns.contains("/netns-"), "a podman namespace: {netns}");
    assert!(!Path::new(netns).exists(), "{netns} left");
    assert_eq!(cni_results_of(&ids), Vec::<String>::new());
}

/// Commands shown in docs/quickstart.md's code blocks (`ip ...` and the
/// workspace binaries), with the doc's example names.
fn quickstart_commands() -> Vec<String> {
    const SHOWN: [&str; 4] = ["ip ", "/root/terrace/", "CONTAINERS_CONF=", "nsenter "];
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/quickstart.md"
    ))
    .unwrap();
    let mut in_block = false;
    let mut out = Vec::new();
    for line in doc.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        let cmd = line.trim().trim_start_matches("$ ");
        if in_block && SHOWN.iter().any(|p| cmd.starts_with(p)) {
            out.push(cmd.to_owned());
        }
    }
    out
}

/// Every command the quickstart shows is one this run printed (after
/// putting this run's names and paths in place of the doc's).
fn check_quickstart(stdout: &str, dir: &Path) {
    let (prefix, lab_dir) = (run_prefix(stdout), lab_dir(stdout));
    let netns = between(stdout, "nsenter --net=/run/netns/", " ");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_lab-demo")).parent().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .canonicalize()
        .unwrap();
    let commands = quickstart_commands();
    assert!(commands.len() >= 8, "{commands:?}");
    for cmd in commands {
        let cmd = cmd
            .replace(
                "/root/terrace/target/release",
                &bin_dir.display().to_string(),
            )
            .replace("/root/terrace", &repo.display().to_string())
            .replace("/run/terrace-lab", &dir.join("state").display().to_string())
            .replace(
                "/var/log/terrace-lab",
                &dir.join("log").display().to_string(),
            )
            .replace("/tmp/tlab-4711-0-AbCdEf", lab_dir)
            .replace("netns-0c4f9a4e-5b7d-2e41-9f3a-6d2b8c1e7a50", netns)
            .replace("tlab-4711-0", &format!("tlab-{prefix}"));
        assert!(
            stdout.contains(&cmd),
            "quickstart shows a command the demo does not print:\n{cmd}\n{stdout}"
        );
    }
}

#[test]
fn lab_demo_matrix_matches_the_policy_and_leaves_nothing() {
    let _serial = one_demo_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let stdout = run_demo(&["--containers", "podman"], dir.path());
    check(&stdout);
    check_podman(&stdout);
    check_quickstart(&stdout, dir.path());
    check_nothing_left(&stdout);
}

/// The fallback: no podman, the plugin driven as a runtime drives it; on
/// etcd, so that backend is covered too.
#[test]
fn lab_demo_runs_the_same_on_etcd_with_the_plugin_driven_directly() {
    let _serial = one_demo_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let stdout = run_demo(&["--datastore", "etcd", "--containers", "cni"], dir.path());
    assert!(stdout.contains("etcd://10.0.0.2:2379"), "{stdout}");
    assert!(
        stdout.contains("the terrace plugin driven directly, as a runtime drives it"),
        "{stdout}"
    );
    assert!(!stdout.contains("CONTAINERS_CONF="), "no podman: {stdout}");
    check(&stdout);
    check_nothing_left(&stdout);
}

/// Runs `lab-demo --down` on drop, so a failed check leaves nothing up.
struct Down<'a>(&'a Path);

impl Drop for Down<'_> {
    fn drop(&mut self) {
        let _ = lab_demo(&["--down"], self.0);
    }
}

/// The stdout of `cmd`, which must succeed.
fn stdout_of(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `podman ARGS` on the installation of a kept lab.
fn podman(layout: &Layout, args: &[&str]) -> String {
    let out = stdout_of(
        Command::new("podman")
            .arg("--root")
            .arg(layout.root())
            .arg("--runroot")
            .arg(layout.runroot())
            .args(args)
            .env("CONTAINERS_CONF", layout.conf()),
    );
    String::from_utf8_lossy(&out).into_owned()
}

/// The kept lab's WorkloadEndpoints by name: (containerID, address, app label).
fn endpoints(dir: &Path) -> BTreeMap<String, (String, String, String)> {
    let netctl = Path::new(env!("CARGO_BIN_EXE_lab-demo")).with_file_name("netctl");
    let url = format!("sqlite://{}", dir.join("state/store.db").display());
    let out = stdout_of(Command::new(netctl).args([
        "--datastore",
        &url,
        "get",
        "workloadendpoints",
        "-n",
        "shop",
        "-o",
        "json",
    ]));
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    list.iter()
        .map(|e| {
            let value = (
                s(&e["spec"]["containerID"]),
                s(&e["spec"]["ipNetworks"][0]),
                s(&e["metadata"]["labels"]["app"]),
            );
            (s(&e["metadata"]["name"]), value)
        })
        .collect()
}

#[test]
fn lab_demo_keep_leaves_the_endpoints_podman_containers_and_down_removes_them() {
    let _serial = one_demo_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let _down = Down(dir.path());
    let out = lab_demo(&["--keep", "--containers", "podman"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("The lab stays up. Explore it:"), "{stdout}");
    let layout = Layout::new(Path::new(lab_dir(&stdout)).join("podman"));

    // podman runs the six containers, each on its tier's network, and each
    // is the WorkloadEndpoint the plugin recorded: same container ID, the
    // address podman got from the plugin, the tier's label.
    let listed = inspect::parse_ps(&podman(&layout, &["ps", "-a", "--format", "json"])).unwrap();
    let endpoints = endpoints(dir.path());
    assert_eq!(listed.len(), WORKLOADS.len(), "{listed:?}");
    assert_eq!(endpoints.len(), WORKLOADS.len(), "{endpoints:?}");
    let mut traces: Vec<(u32, PathBuf, String)> = Vec::new();
    for w in WORKLOADS {
        let network = format!("shop-{}", w.app);
        let l = listed.iter().find(|l| l.name == w.name).unwrap();
        assert_eq!(
            (l.state.as_str(), &l.networks),
            ("running", &vec![network.clone()])
        );
        let c = inspect::parse_inspect(&podman(&layout, &["inspect", "--format", "json", w.name]))
            .unwrap();
        let ip = c.addresses.iter().find(|(n, _)| *n == network).unwrap().1;
        let (id, net, app) = &endpoints[&w.endpoint()];
        assert_eq!(id, &c.id, "{}", w.name);
        assert_eq!(net, &format!("{ip}/32"), "{}", w.name);
        assert_eq!(app, w.app, "{}", w.name);
        traces.push((c.pid, c.netns, c.id));
    }

    let down = lab_demo(&["--down"], dir.path());
    assert!(
        down.status.success(),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    for (pid, netns, _) in &traces {
        assert!(
            !integration::pids::is_alive(*pid),
            "container {pid} survived --down"
        );
        assert!(!netns.exists(), "{} left", netns.display());
    }
    let ids: Vec<String> = traces.into_iter().map(|(_, _, id)| id).collect();
    assert_eq!(cni_results_of(&ids), Vec::<String>::new());
    let cgroup = format!("tlab-{}-podman", run_prefix(&stdout));
    assert!(cgroups::trees(&cgroup).is_empty(), "{cgroup} left");
    check_nothing_left(&stdout);
    assert!(!dir.path().join("log").exists() && !dir.path().join("state").exists());
}
