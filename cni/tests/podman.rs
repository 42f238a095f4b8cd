//! Real containers: podman (CNI backend, runc) attaches busybox containers through the
//! terrace plugin in two network namespaces acting as hosts, each running felix, confd and
//! bgpd. The hosts mesh over iBGP and learn each other's blocks; felix enforces the profile
//! the plugin puts on every endpoint; the containers ping each other across the hosts over
//! routes that exist only because BGP carried them (the hosts have no default route).
//!
//! ```text
//!   [ctr a] ─veth─ host A (10.80.0.1) ──veth── (10.80.0.2) host B ─veth─ [ctr b]
//!            felix, confd, bgpd  ◀── iBGP mesh ──▶  felix, confd, bgpd
//! ```
//!
//! Recipe from ../shared/lab-notes.md §1: explicit containers.conf (runc, cgroupfs,
//! ulimits, CNI backend, plugin and config dirs), --root/--runroot in a temp dir, and an
//! image imported from a busybox-static rootfs (no registry access).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Netns, Store0, sh, token};
use resources::Kind;
use serde_json::json;

/// A podman installation confined to a temp dir; containers are removed on drop.
struct Podman {
    dir: tempfile::TempDir,
    names: Vec<String>,
}

impl Podman {
    fn new(store: &Store0) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let w = dir.path();
        let rootfs = w.join("rootfs");
        std::fs::create_dir_all(rootfs.join("bin")).unwrap();
        for d in ["etc", "proc", "sys", "dev", "tmp"] {
            std::fs::create_dir_all(rootfs.join(d)).unwrap();
        }
        std::fs::copy("/bin/busybox", rootfs.join("bin/busybox")).unwrap();
        for applet in ["sh", "ip", "ping", "sleep"] {
            std::os::unix::fs::symlink("busybox", rootfs.join("bin").join(applet)).unwrap();
        }
        std::fs::write(rootfs.join("etc/passwd"), "root:x:0:0:root:/:/bin/sh\n").unwrap();
        std::fs::write(rootfs.join("etc/group"), "root:x:0:\n").unwrap();
        let tar = w.join("rootfs.tar");
        sh(
            "tar",
            &[
                "-C",
                rootfs.to_str().unwrap(),
                "-cf",
                tar.to_str().unwrap(),
                ".",
            ],
        );
        let bin = w.join("cni-bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::copy(common::plugin(), bin.join("terrace")).unwrap();
        for node in ["ha", "hb"] {
            let net_dir = w.join(format!("net-{node}"));
            std::fs::create_dir_all(&net_dir).unwrap();
            let conflist = json!({
                "cniVersion": "1.0.0", "name": "terrace",
                "plugins": [{"type": "terrace", "datastore": store.url, "node": node,
                             "profiles": [PROFILE],
                             "log_file": w.join("cni.log"), "log_level": "debug",
                             "capabilities": {"portMappings": true}}],
            });
            std::fs::write(net_dir.join("10-terrace.conflist"), conflist.to_string()).unwrap();
            let conf = format!(
                "[containers]\ndefault_ulimits = [\"nofile=20000:20000\", \"nproc=4096:4096\"]\n\
                 [network]\nnetwork_backend = \"cni\"\ncni_plugin_dirs = [\"{}\", \"/usr/lib/cni\"]\n\
                 network_config_dir = \"{}\"\n[engine]\nruntime = \"runc\"\n\
                 cgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n",
                bin.display(),
                net_dir.display()
            );
            std::fs::write(w.join(format!("containers-{node}.conf")), conf).unwrap();
        }
        let podman = Podman {
            dir,
            names: Vec::new(),
        };
        podman.run(
            None,
            "ha",
            &["import", tar.to_str().unwrap(), "localhost/terrace-bb"],
        );
        podman
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `podman <args>` with this host's containers.conf, in `host`'s network namespace.
    fn run(&self, host: Option<&Netns>, node: &str, args: &[&str]) -> String {
        let mut command = Command::new("nsenter");
        if let Some(host) = host {
            command.arg(format!("--net={}", host.path()));
        }
        let out = command
            .arg("podman")
            .arg("--root")
            .arg(self.path("storage"))
            .arg("--runroot")
            .arg(self.path("runroot"))
            .args(args)
            .env(
                "CONTAINERS_CONF",
                self.path(&format!("containers-{node}.conf")),
            )
            .output()
            .unwrap();
        let log = std::fs::read_to_string(self.path("cni.log")).unwrap_or_default();
        assert!(
            out.status.success(),
            "podman {args:?}: {}\nplugin log:\n{log}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Starts a detached container attached to the terrace network; returns its address.
    fn start(&mut self, host: &Netns, node: &str) -> String {
        let name = format!("tc-{}", token());
        self.names.push(format!("{node}/{name}"));
        self.run(
            Some(host),
            node,
            &[
                "run",
                "-d",
                "--name",
                &name,
                "--network",
                "terrace",
                "localhost/terrace-bb",
                "sleep",
                "600",
            ],
        );
        self.run(
            Some(host),
            node,
            &[
                "inspect",
                &name,
                "--format",
                "{{.NetworkSettings.Networks.terrace.IPAddress}}",
            ],
        )
    }

    fn exec(&self, host: &Netns, node: &str, name: &str, args: &[&str]) -> String {
        let mut all = vec!["exec", name];
        all.extend_from_slice(args);
        self.run(Some(host), node, &all)
    }
}

impl Drop for Podman {
    fn drop(&mut self) {
        for entry in &self.names {
            let (node, name) = entry.split_once('/').unwrap_or(("ha", entry));
            let _ = Command::new("podman")
                .arg("--root")
                .arg(self.path("storage"))
                .arg("--runroot")
                .arg(self.path("runroot"))
                .args(["rm", "-f", "-t", "0", name])
                .env(
                    "CONTAINERS_CONF",
                    self.path(&format!("containers-{node}.conf")),
                )
                .output();
        }
        let _ = Command::new("podman")
            .arg("--root")
            .arg(self.path("storage"))
            .arg("--runroot")
            .arg(self.path("runroot"))
            .args(["system", "reset", "-f"])
            .env("CONTAINERS_CONF", self.path("containers-ha.conf"))
            .output();
    }
}

/// The profile the plugin puts on every endpoint; it allows everything, so felix
/// (which denies endpoints without an applicable rule) lets the pings through.
const PROFILE: &str = "podman-allow";

/// A workspace binary next to this test's executable (`cargo test --workspace` builds them).
fn workspace_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors()
        .skip(1)
        .take(2)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("{name} is not built: run `cargo build --workspace --bins` (cargo test --workspace does)")
        })
}

/// felix, confd and bgpd of one host, killed on drop; their logs are printed when the
/// test fails.
struct HostDaemons {
    children: Vec<(String, Child)>,
    logs: Vec<PathBuf>,
}

impl HostDaemons {
    fn start(host: &Netns, node: &str, url: &str, dir: &Path) -> Self {
        let file = |name: &str| dir.join(format!("{node}-{name}")).display().to_string();
        let (bgpd_conf, pid_file) = (file("bgpd.toml"), file("bgpd.pid"));
        let bgpd = workspace_bin("bgpd").display().to_string();
        let no_config = file("absent.toml");
        let common = ["--datastore", url, "--node", node, "--config", &no_config];
        let confd: Vec<&str> = [
            "--ip",
            "cidr=10.80.0.0/30",
            "--host-id",
            node,
            "--bgpd-config",
            &bgpd_conf,
            "--bgpd",
            &bgpd,
            "--bgpd-pid-file",
            &pid_file,
        ]
        .into_iter()
        .chain(common)
        .collect();
        let mut daemons = HostDaemons {
            children: Vec::new(),
            logs: Vec::new(),
        };
        daemons.spawn(host, node, dir, "confd", &confd);
        let deadline = Instant::now() + Duration::from_secs(60);
        while !Path::new(&bgpd_conf).is_file() {
            assert!(
                Instant::now() < deadline,
                "confd on {node} wrote no bgpd config"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        daemons.spawn(
            host,
            node,
            dir,
            "bgpd",
            &["--config", &bgpd_conf, "--pid-file", &pid_file],
        );
        daemons.spawn(host, node, dir, "felix", &common);
        daemons
    }

    fn spawn(&mut self, host: &Netns, node: &str, dir: &Path, bin: &str, args: &[&str]) {
        let log = dir.join(format!("{node}-{bin}.log"));
        let child = Command::new("ip")
            .args(["netns", "exec", &host.name])
            .arg(workspace_bin(bin))
            .args(args)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        self.children.push((format!("{node}/{bin}"), child));
        self.logs.push(log);
    }
}

impl Drop for HostDaemons {
    fn drop(&mut self) {
        for (_, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            for log in &self.logs {
                let text = std::fs::read_to_string(log).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(30).collect();
                eprintln!("--- {} (last lines)", log.display());
                for line in tail.into_iter().rev() {
                    eprintln!("{line}");
                }
            }
        }
    }
}

/// Waits until `host` has a route to `prefix` that bgpd (protocol 89) installed.
fn wait_bgp_route(host: &Netns, prefix: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let routes = host.ip(&["route", "show", "proto", "89", "exact", prefix]);
        if !routes.trim().is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} never learned {prefix} over BGP: {}",
            host.name,
            host.ip(&["route"])
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until felix's nftables table in `host` dispatches `iface` to its chains.
fn wait_felix_guards(host: &Netns, iface: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let table = Command::new("ip")
            .args([
                "netns", "exec", &host.name, "nft", "list", "table", "inet", "terrace",
            ])
            .output()
            .unwrap();
        if String::from_utf8_lossy(&table.stdout).contains(&format!("\"{iface}\"")) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "felix in {} never programmed {iface}: {}",
            host.name,
            String::from_utf8_lossy(&table.stderr)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn block_of(blocks: &[datastore::ipam::client::StoredBlock], node: &str) -> String {
    blocks
        .iter()
        .find(|b| b.block.affinity.as_deref() == Some(node))
        .map(|b| b.block.cidr.to_string())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn podman_containers_on_two_hosts_reach_each_other() {
    assert!(
        Path::new("/usr/bin/podman").exists(),
        "apt-get install podman runc busybox-static"
    );
    let store = Store0::new();
    store.pool("p", json!({"cidr": "10.81.0.0/24"})).await;
    let (a, b) = (Netns::new("h"), Netns::new("h"));
    let (va, vb) = (format!("tpa{}", token()), format!("tpb{}", token()));
    sh(
        "ip",
        &[
            "link", "add", &va, "netns", &a.name, "type", "veth", "peer", "name", &vb, "netns",
            &b.name,
        ],
    );
    a.ip(&["addr", "add", "10.80.0.1/30", "dev", &va]);
    b.ip(&["addr", "add", "10.80.0.2/30", "dev", &vb]);
    for (host, link) in [(&a, &va), (&b, &vb)] {
        host.ip(&["link", "set", link, "up"]);
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
    }
    // Proxy ARP answers for 169.254.1.1 only with a route to it out of another interface.
    // A host route to it (not a default route) keeps container traffic on BGP's routes.
    a.ip(&["route", "add", "169.254.1.1/32", "via", "10.80.0.2"]);
    b.ip(&["route", "add", "169.254.1.1/32", "via", "10.80.0.1"]);
    store
        .object(
            Kind::Profile,
            PROFILE,
            json!({"ingress": [{"action": "Allow"}], "egress": [{"action": "Allow"}]}),
        )
        .await;
    let mut podman = Podman::new(&store);
    let ip_a = podman.start(&a, "ha");
    let ip_b = podman.start(&b, "hb");
    assert!(
        ip_a.starts_with("10.81.0.") && ip_b.starts_with("10.81.0."),
        "{ip_a} {ip_b}"
    );
    let blocks = datastore::ipam::IpamClient::new(store.open().await)
        .blocks()
        .await
        .unwrap();
    // The daemons start once the containers exist, so the endpoints and blocks are there
    // from felix's first sync; the routes between hosts come from the mesh alone.
    let _host_a = HostDaemons::start(&a, "ha", &store.url, podman.dir.path());
    let _host_b = HostDaemons::start(&b, "hb", &store.url, podman.dir.path());
    wait_bgp_route(&a, &block_of(&blocks, "hb"));
    wait_bgp_route(&b, &block_of(&blocks, "ha"));
    // felix guards each endpoint's veth before the pings go through it.
    for (_, spec) in store.endpoints().await {
        let host = if spec.node == "ha" { &a } else { &b };
        wait_felix_guards(host, &spec.interface_name);
    }
    let names: Vec<String> = podman
        .names
        .iter()
        .map(|n| n.split('/').nth(1).unwrap().to_string())
        .collect();
    let out = podman.exec(&a, "ha", &names[0], &["ping", "-c", "2", "-W", "5", &ip_b]);
    assert!(out.contains("2 packets received"), "{out}");
    let out = podman.exec(&b, "hb", &names[1], &["ping", "-c", "2", "-W", "5", &ip_a]);
    assert!(out.contains("2 packets received"), "{out}");
    let endpoints = store.endpoints().await;
    assert_eq!(endpoints.len(), 2, "one WorkloadEndpoint per container");
    for (node, name) in [("ha", &names[0]), ("hb", &names[1])] {
        let host = if node == "ha" { &a } else { &b };
        podman.run(Some(host), node, &["rm", "-f", "-t", "0", name]);
    }
    podman.names.clear();
    assert_eq!(
        store.leftovers().await,
        (0, 0, 0),
        "podman's DEL released everything"
    );
}
