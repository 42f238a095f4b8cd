//! `lab-demo` (the README's first command) brings up the whole system,
//! measures a matrix that agrees with the policy, and leaves nothing behind.
//!
//! It runs the workspace's felix, confd, bgpd, netctl and terrace binaries
//! from beside its own executable: `cargo test --workspace` builds them (for
//! `cargo test -p integration`, run `cargo build --workspace --bins` first).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

/// Allowed flows of policies/examples/three-tier-app.yaml in the demo's app
/// (two of each tier; the ToR probes as an outside client): ToR -> both
/// frontends, both frontends -> both backends, both backends -> both
/// databases. Every other one of the 36 cells is denied.
const ALLOWED: usize = 2 + 4 + 4;
const CELLS: usize = 7 * 6 - 6;

fn run_demo(extra: &[&str], dir: &Path) -> String {
    let (logs, state) = (dir.join("log"), dir.join("state"));
    let out = Command::new(env!("CARGO_BIN_EXE_lab-demo"))
        .args(extra)
        .arg("--log-dir")
        .arg(&logs)
        .arg("--state-dir")
        .arg(&state)
        .output()
        .unwrap();
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
    // Nothing of the lab is left.
    let prefix = stdout
        .split("(tlab-")
        .nth(1)
        .and_then(|s| s.split("-*)").next())
        .unwrap();
    let left = integration::netns::list().unwrap();
    assert!(
        left.iter()
            .all(|ns| !ns.starts_with(&format!("tlab-{prefix}-"))),
        "{left:?}"
    );
}

/// Commands shown in docs/quickstart.md's code blocks (`ip ...` and the
/// workspace binaries), with the doc's example names.
fn quickstart_commands() -> Vec<String> {
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
        if in_block && (cmd.starts_with("ip ") || cmd.starts_with("/root/terrace/")) {
            out.push(cmd.to_owned());
        }
    }
    out
}

/// Every command the quickstart shows is one this run printed (after
/// putting this run's names and paths in place of the doc's).
fn check_quickstart(stdout: &str, dir: &Path) {
    let prefix = stdout
        .split("(tlab-")
        .nth(1)
        .and_then(|s| s.split("-*)").next())
        .unwrap();
    let lab_dir = stdout
        .split("--vty_socket ")
        .nth(1)
        .and_then(|s| s.split("/frr-tor").next())
        .unwrap();
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
            .replace("tlab-4711-0", &format!("tlab-{prefix}"));
        assert!(
            stdout.contains(&cmd),
            "quickstart shows a command the demo does not print:\n{cmd}\n{stdout}"
        );
    }
}

#[test]
fn lab_demo_matrix_matches_the_policy_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = run_demo(&[], dir.path());
    check(&stdout);
    check_quickstart(&stdout, dir.path());
}

#[test]
fn lab_demo_runs_the_same_on_etcd() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = run_demo(&["--datastore", "etcd"], dir.path());
    assert!(stdout.contains("etcd://10.0.0.2:2379"), "{stdout}");
    check(&stdout);
}
