//! Nothing leaks: a panicking test removes its lab, and `lab-gc` removes the
//! leftovers of a SIGKILLed run but not those of a live one, podman
//! containers (their processes, cgroups, network namespaces and mounts)
//! included.
//!
//! Both tests re-run this test binary as a child process that executes one
//! of the `child_*` tests below (ignored, and inert without their
//! environment variable).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{CONVERGE, new_lab};
use integration::{Topology, netns, pids, wait_until};

const PANIC_ENV: &str = "TLAB_TEST_PANIC_REPORT";

/// Held by the tests that kill a child and run `lab-gc`: one's `lab-gc`
/// would otherwise collect the other's killed run before it looked.
static KILLED_RUNS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn killed_runs() -> std::sync::MutexGuard<'static, ()> {
    KILLED_RUNS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
const KILL_ENV: &str = "TLAB_TEST_KILL_REPORT";

/// Builds a two-node lab with a probe server, writes the namespace names
/// and the server's pid to `report`, and returns the lab.
fn build_and_report(report: &Path) -> integration::Lab {
    let t = Topology::builder()
        .host("a")
        .host("b")
        .link(("a", "eth0", "10.1.0.1/30"), ("b", "eth0", "10.1.0.2/30"))
        .build()
        .unwrap();
    let mut lab = new_lab();
    lab.build(&t).unwrap();
    let server = lab.serve_probe("b", 8080).unwrap();
    let mut lines: Vec<String> = lab.namespaces().values().cloned().collect();
    lines.push(format!("pid {}", server.pid()));
    // The lab, not the handle, must stop the server: leak the handle.
    std::mem::forget(server);
    std::fs::write(report, lines.join("\n") + "\n").unwrap();
    lab
}

/// Namespaces and daemon pid read back from a child's report.
fn read_report(report: &Path) -> (Vec<String>, u32) {
    let text = std::fs::read_to_string(report).unwrap();
    let (mut names, mut pid) = (Vec::new(), 0);
    for line in text.lines() {
        match line.strip_prefix("pid ") {
            Some(p) => pid = p.parse().unwrap(),
            None => names.push(line.to_owned()),
        }
    }
    (names, pid)
}

fn child(test: &str, env: &str, report: &Path) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        "--exact",
        test,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(env, report);
    c
}

/// Runs child test `test` until its report (in `report`) satisfies
/// `complete`, then SIGKILLs it, so no Drop runs in the child.
fn run_child_and_kill_it(test: &str, env: &str, report: &Path, complete: fn(&str) -> bool) {
    let mut c = child(test, env, report)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_until(CONVERGE, "child to report", || {
        std::fs::read_to_string(report).is_ok_and(|t| complete(&t))
    })
    .unwrap();
    c.kill().unwrap();
    c.wait().unwrap();
}

/// Runs `lab-gc`, which must succeed; returns its stdout.
fn lab_gc() -> String {
    let gc = Command::new(env!("CARGO_BIN_EXE_lab-gc")).output().unwrap();
    let stdout = String::from_utf8_lossy(&gc.stdout).into_owned();
    assert!(
        gc.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&gc.stderr)
    );
    stdout
}

#[test]
#[ignore = "run by a_panicking_test_leaves_no_namespace_or_process_behind"]
fn child_builds_a_lab_and_panics() {
    let Some(report) = std::env::var_os(PANIC_ENV) else {
        return;
    };
    let _lab = build_and_report(Path::new(&report));
    panic!("deliberate panic with a lab in scope");
}

#[test]
#[ignore = "run by lab_gc_removes_a_killed_run_but_not_a_live_one"]
fn child_builds_a_lab_and_waits_to_be_killed() {
    let Some(report) = std::env::var_os(KILL_ENV) else {
        return;
    };
    let _lab = build_and_report(Path::new(&report));
    // Blocks until the parent kills this process (stdin never closes).
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

#[test]
fn a_panicking_test_leaves_no_namespace_or_process_behind() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    let out = child("child_builds_a_lab_and_panics", PANIC_ENV, &report)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the child test must fail");
    assert!(stderr.contains("deliberate panic"), "{stderr}");
    assert!(
        stderr.contains("state and logs follow") && stderr.contains("lab-probe: listening"),
        "{stderr}"
    );

    let (names, pid) = read_report(&report);
    assert_eq!(names.len(), 2, "the child built its lab before panicking");
    for ns in &names {
        assert!(!netns::exists(ns), "{ns} survived the panic");
    }
    assert!(
        !pids::is_alive(pid),
        "probe server {pid} survived the panic"
    );
}

#[test]
fn lab_gc_removes_a_killed_run_but_not_a_live_one() {
    let _serial = killed_runs();
    let live = new_lab_with_one_node();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    run_child_and_kill_it(
        "child_builds_a_lab_and_waits_to_be_killed",
        KILL_ENV,
        &report,
        |t| t.contains("pid "),
    );

    let (names, pid) = read_report(&report);
    assert!(
        names.iter().all(|ns| netns::exists(ns)),
        "a killed run leaves its namespaces"
    );
    assert!(pids::is_alive(pid), "and its daemons");

    let stdout = lab_gc();
    for ns in &names {
        assert!(!netns::exists(ns), "{ns} not collected");
        assert!(stdout.contains(&format!("removed {ns}")), "{stdout}");
    }
    assert!(
        !pids::is_alive(pid),
        "gc kills processes inside collected namespaces"
    );
    for ns in live.namespaces().values() {
        assert!(netns::exists(ns), "gc removed {ns} of a live run");
    }
}

fn new_lab_with_one_node() -> integration::Lab {
    let mut lab = new_lab();
    lab.add_node("live").unwrap();
    lab
}

#[test]
fn a_build_the_kernel_rejects_fails_with_the_reason_and_leaves_nothing() {
    // Valid YAML-level topology, but the gateway is not on any link.
    let t = Topology::builder()
        .host("a")
        .route_via("a", "10.2.0.0/16", "10.9.9.9")
        .build()
        .unwrap();
    let mut lab = new_lab();
    let err = lab.build(&t).unwrap_err().to_string();
    assert!(err.contains("10.9.9.9"), "{err}");
    let names: Vec<String> = lab.namespaces().values().cloned().collect();
    assert!(names.iter().all(|ns| netns::exists(ns)));
    lab.teardown().unwrap();
    assert!(names.iter().all(|ns| !netns::exists(ns)));
}

#[test]
fn dropping_a_daemon_handle_stops_it_and_teardown_kills_detached_processes() {
    let mut lab = new_lab();
    lab.add_node("a").unwrap();
    let d = lab.serve_probe("a", 8080).unwrap();
    let pid = d.pid();
    assert!(d.is_running());
    drop(d);
    assert!(!pids::is_alive(pid), "the handle stopped its process");

    // A process the lab never knew about, detached into its own session.
    let out = lab
        .exec(
            "a",
            &[
                "sh",
                "-c",
                "setsid tail -f /dev/null >/dev/null 2>&1 & echo $!",
            ],
        )
        .unwrap();
    let detached: u32 = out.trim().parse().unwrap();
    assert!(pids::is_alive(detached));
    lab.teardown().unwrap();
    assert!(
        !pids::is_alive(detached),
        "teardown kills whatever runs in the lab's namespaces"
    );
}

#[test]
fn a_node_cannot_be_added_twice() {
    let mut lab = new_lab();
    lab.add_node("a").unwrap();
    assert!(lab.add_node("a").is_err());
    assert!(lab.add_node("Not_Valid").is_err());
}

const PODMAN_ENV: &str = "TLAB_TEST_PODMAN_REPORT";

/// What a lab's podman container left on the machine, to check it is gone.
#[derive(Debug)]
struct PodmanTraces {
    lab_dir: std::path::PathBuf,
    cgroup: String,
    netns: std::path::PathBuf,
    pid: u32,
    id: String,
}

impl PodmanTraces {
    fn of(lab: &integration::Lab, c: &integration::podman::Inspected) -> Self {
        let podman = lab.podman().unwrap();
        Self {
            lab_dir: lab.dir().to_path_buf(),
            cgroup: podman.cgroup_parent().to_owned(),
            netns: c.netns.clone(),
            pid: c.pid,
            id: c.id.clone(),
        }
    }

    /// libcni's cached results of this container.
    fn cni_results(&self) -> Vec<String> {
        std::fs::read_dir("/var/lib/cni/results")
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|f| f.contains(&self.id))
            .collect()
    }

    fn write(&self, report: &Path) {
        let lines = [
            self.lab_dir.display().to_string(),
            self.cgroup.clone(),
            self.netns.display().to_string(),
            self.pid.to_string(),
            self.id.clone(),
        ];
        std::fs::write(report, lines.join("\n") + "\n").unwrap();
    }

    fn read(report: &Path) -> Self {
        let text = std::fs::read_to_string(report).unwrap();
        let l: Vec<&str> = text.lines().collect();
        Self {
            lab_dir: l[0].into(),
            cgroup: l[1].to_owned(),
            netns: l[2].into(),
            pid: l[3].parse().unwrap(),
            id: l[4].to_owned(),
        }
    }

    fn assert_present(&self) {
        assert!(pids::is_alive(self.pid), "container process {}", self.pid);
        assert!(!integration::podman::cgroups::trees(&self.cgroup).is_empty());
        assert!(self.netns.exists(), "{}", self.netns.display());
        assert_eq!(self.cni_results().len(), 1, "libcni cached the ADD");
    }

    fn assert_gone(&self) {
        assert!(!pids::is_alive(self.pid), "container {} survived", self.pid);
        let left = integration::podman::cgroups::trees(&self.cgroup);
        assert!(left.is_empty(), "cgroups left: {left:?}");
        assert!(!self.netns.exists(), "{} left", self.netns.display());
        assert_eq!(
            self.cni_results(),
            Vec::<String>::new(),
            "cached CNI results"
        );
        assert!(!self.lab_dir.exists(), "{} left", self.lab_dir.display());
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        let dir = self.lab_dir.display().to_string();
        assert!(!mounts.contains(&dir), "mounts left under {dir}");
    }
}

/// A lab with one node running one podman container on a CNI network of
/// the reference `loopback` plugin (a network namespace file and a cached
/// result, like any CNI network, and nothing to clean in the node).
fn lab_with_a_podman_container() -> (integration::Lab, PodmanTraces) {
    let mut lab = new_lab();
    lab.add_node("a").unwrap();
    let ns = lab.ns("a").unwrap().to_owned();
    let podman = lab.start_podman(Path::new("/usr/lib/cni")).unwrap();
    let net = serde_json::json!({
        "cniVersion": "1.0.0", "name": "lo-only", "plugins": [{"type": "loopback"}],
    });
    podman.add_network("a", "lo-only", &net).unwrap();
    let spec = integration::podman::RunSpec {
        name: "sleeper",
        network: "lo-only",
        command: &["sleep", "600"],
    };
    let c = podman.run(&ns, "a", spec).unwrap();
    let traces = PodmanTraces::of(&lab, &c);
    traces.assert_present();
    (lab, traces)
}

#[test]
#[ignore = "run by lab_gc_removes_the_podman_containers_of_a_killed_run"]
fn child_runs_a_podman_container_and_waits_to_be_killed() {
    let Some(report) = std::env::var_os(PODMAN_ENV) else {
        return;
    };
    let (_lab, traces) = lab_with_a_podman_container();
    traces.write(Path::new(&report));
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

#[test]
fn teardown_removes_podman_containers_their_cgroups_and_mounts() {
    let (lab, traces) = lab_with_a_podman_container();
    lab.teardown().unwrap();
    traces.assert_gone();
}

#[test]
fn lab_gc_removes_the_podman_containers_of_a_killed_run() {
    let _serial = killed_runs();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    run_child_and_kill_it(
        "child_runs_a_podman_container_and_waits_to_be_killed",
        PODMAN_ENV,
        &report,
        |t| t.lines().count() == 5,
    );
    let traces = PodmanTraces::read(&report);
    traces.assert_present();
    lab_gc();
    traces.assert_gone();
}
