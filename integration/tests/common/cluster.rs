//! A Calico-style cluster as a lab: hosts running felix, confd and bgpd
//! against one datastore, an FRR ToR, and containers attached with the real
//! `terrace` CNI plugin, all on one L2 segment so iBGP mesh next hops are
//! on-link:
//!
//! ```text
//!   host1 (.11)   host2 (.12)   host3 (.13)   host4 (.14)   tor (.1, FRR)   etcd (.2)
//!      │             │             │             │             │              │
//!   ───┴─────────────┴─────── br0 in `lan`, 10.0.0.0/24 ───────┴──────────────┴───
//! ```
//!
//! Used by `tests/cluster.rs` and `benches/route_latency.rs` through
//! `#[path]`, so it only needs the `integration` crate and its dependencies.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use integration::reads::KernelRoute;
use integration::routers::{self, NeighborConfig, Router, RouterConfig, RouterKind};
use integration::{Daemon, Lab, Topology, wait_until};
use ipnet::IpNet;

/// The cluster's AS (BGPConfiguration `default`): hosts mesh over iBGP.
pub const CLUSTER_AS: u32 = 64512;
/// The ToR's AS.
pub const TOR_AS: u32 = 65000;
/// The ToR's address on the segment (also every host's default gateway).
pub const TOR_IP: &str = "10.0.0.1";
/// Where etcd listens when it is the datastore.
pub const ETCD_IP: &str = "10.0.0.2";
/// The segment every node sits on.
pub const SEGMENT: &str = "10.0.0.0/24";
/// The IP pool containers get addresses from.
pub const POD_CIDR: &str = "10.65.0.0/16";
/// Route protocol numbers: felix 86, the CNI plugin 87, bgpd 89 (as `ip -j` prints them).
pub const TERRACE_PROTOCOLS: [&str; 3] = ["86", "87", "89"];
/// bgpd's route protocol.
pub const BGPD_PROTOCOL: &str = "89";
/// Deadline for daemons, sessions and routes: the machine is loaded.
pub const SETTLE: Duration = Duration::from_secs(60);

/// Which datastore the cluster shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One SQLite file in the lab dir, opened by every process.
    Sqlite,
    /// etcd in its own namespace on the segment.
    Etcd,
}

/// Cluster-wide BGP settings (mesh on), the pool and a policy letting all
/// traffic through (without one, felix drops workload traffic, as Calico does).
pub fn base_resources(block_size: u8) -> String {
    format!(
        "apiVersion: terrace.io/v1
kind: BGPConfiguration
metadata: {{name: default}}
spec: {{asNumber: {CLUSTER_AS}, nodeToNodeMeshEnabled: true}}
---
apiVersion: terrace.io/v1
kind: IPPool
metadata: {{name: pods}}
spec: {{cidr: {POD_CIDR}, blockSize: {block_size}}}
---
apiVersion: terrace.io/v1
kind: GlobalNetworkPolicy
metadata: {{name: allow-all}}
spec:
  selector: all()
  types: [Ingress, Egress]
  ingress: [{{action: Allow}}]
  egress: [{{action: Allow}}]
"
    )
}

/// A BGPPeer towards the ToR: for every node, or for one (`node`).
pub fn tor_peer(name: &str, node: Option<&str>) -> String {
    let node = node.map(|n| format!("node: {n}, ")).unwrap_or_default();
    format!(
        "apiVersion: terrace.io/v1\nkind: BGPPeer\nmetadata: {{name: {name}}}\n\
         spec: {{{node}peerIP: {TOR_IP}, asNumber: {TOR_AS}}}\n"
    )
}

/// What to build.
#[derive(Debug, Clone)]
pub struct ClusterSpec {
    /// The datastore.
    pub backend: Backend,
    /// Hosts on the segment (`host1`...); their daemons start with [`Cluster::start_host`].
    pub hosts: usize,
    /// Start an FRR ToR with a neighbor for every host.
    pub tor: bool,
    /// Resources applied (with `netctl apply`) before any daemon starts.
    pub resources: String,
}

/// The address of `hostN` on the segment.
pub fn host_ip(host: &str) -> IpAddr {
    let n: u8 = host
        .strip_prefix("host")
        .and_then(|n| n.parse().ok())
        .expect("hosts are named hostN");
    format!("10.0.0.{}", 10 + n).parse().unwrap()
}

/// A workspace binary: next to the running executable (`cargo test --workspace`
/// builds them all), or in `TERRACE_BIN_DIR` (the bench uses it to pick a build).
pub fn workspace_bin(name: &str) -> PathBuf {
    integration::bins::find(name).unwrap_or_else(|| {
        panic!("{name} is not built: run `cargo build --workspace --bins --examples`")
    })
}

/// One host's daemons (stopped when dropped) and bgpd's API socket.
#[derive(Debug)]
pub struct Host {
    _felix: Daemon,
    _confd: Daemon,
    bgpd: Daemon,
    /// bgpd's gRPC management socket.
    pub api: PathBuf,
}

/// bgpd's view of one peer (ListPeers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerStatus {
    pub address: IpAddr,
    pub name: String,
    pub kind: String,
    pub state: String,
    /// Seconds in `state`: for an Established session, its uptime.
    pub since_seconds: u64,
}

impl PeerStatus {
    pub fn established(&self) -> bool {
        self.state == "Established"
    }
}

/// A running cluster. Fields drop in order: daemons first, the lab last.
#[derive(Debug)]
pub struct Cluster {
    hosts: BTreeMap<String, Host>,
    pub tor: Option<Box<dyn Router>>,
    _etcd: Option<Daemon>,
    /// The datastore URL as the hosts see it.
    pub url: String,
    pub lab: Lab,
}

fn topology(spec: &ClusterSpec) -> Topology {
    let mut b = Topology::builder()
        .description("hosts, an FRR ToR and etcd on one bridged segment 10.0.0.0/24")
        .host("lan");
    for i in 1..=spec.hosts {
        let (host, port) = (format!("host{i}"), format!("p{i}"));
        let addr = format!("{}/24", host_ip(&host));
        b = b
            .host(&host)
            .link((&host, "eth0", &addr), ("lan", &port, ""))
            // Proxy ARP for 169.254.1.1 needs a route out of another interface.
            .route_via(&host, "default", TOR_IP);
    }
    if spec.tor {
        b = b.router("tor").link(
            ("tor", "eth0", &format!("{TOR_IP}/24")),
            ("lan", "ptor", ""),
        );
    }
    if spec.backend == Backend::Etcd {
        b = b.host("etcd").link(
            ("etcd", "eth0", &format!("{ETCD_IP}/24")),
            ("lan", "petcd", ""),
        );
    }
    b.build().unwrap()
}

/// Joins every port of `lan` into one bridge.
fn bridge_ports(lab: &Lab, spec: &ClusterSpec) {
    lab.exec("lan", &["ip", "link", "add", "br0", "type", "bridge"])
        .unwrap();
    let mut ports: Vec<String> = (1..=spec.hosts).map(|i| format!("p{i}")).collect();
    if spec.tor {
        ports.push("ptor".into());
    }
    if spec.backend == Backend::Etcd {
        ports.push("petcd".into());
    }
    for p in &ports {
        lab.exec("lan", &["ip", "link", "set", p, "master", "br0"])
            .unwrap();
    }
    lab.exec("lan", &["ip", "link", "set", "br0", "up"])
        .unwrap();
}

fn start_etcd(lab: &Lab) -> Daemon {
    let client = format!("http://{ETCD_IP}:2379");
    let data = lab.dir().join("etcd-data").display().to_string();
    // The peer URL is namespace-local loopback: nothing else can collide with it.
    let args = [
        "etcd",
        "--name",
        "lab",
        "--data-dir",
        &data,
        "--listen-client-urls",
        &client,
        "--advertise-client-urls",
        &client,
        "--listen-peer-urls",
        "http://127.0.0.1:2380",
        "--initial-advertise-peer-urls",
        "http://127.0.0.1:2380",
        "--initial-cluster",
        "lab=http://127.0.0.1:2380",
    ];
    let d = lab.spawn("etcd", "etcd", &args).unwrap();
    wait_until(SETTLE, "etcd healthy", || {
        lab.exec(
            "etcd",
            &["etcdctl", "--endpoints", &client, "endpoint", "health"],
        )
        .is_ok()
            || !d.is_running()
    })
    .unwrap();
    assert!(d.is_running(), "etcd exited:\n{}", d.log());
    d
}

fn start_tor(lab: &Lab, hosts: usize) -> Box<dyn Router> {
    let mut cfg = RouterConfig::new(TOR_IP.parse().unwrap(), TOR_AS);
    for i in 1..=hosts {
        cfg = cfg.neighbor(NeighborConfig::new(
            host_ip(&format!("host{i}")),
            CLUSTER_AS,
        ));
    }
    routers::start(RouterKind::Frr, lab, "tor", &cfg).unwrap()
}

impl Cluster {
    /// Builds the segment, starts the datastore (and ToR) and applies
    /// `spec.resources`. No host daemon runs yet.
    pub fn new(spec: &ClusterSpec) -> Self {
        let mut lab = Lab::new().unwrap();
        lab.set_probe_bin(env!("CARGO_BIN_EXE_lab-probe"));
        lab.build(&topology(spec)).unwrap();
        bridge_ports(&lab, spec);
        let (etcd, url) = match spec.backend {
            Backend::Sqlite => {
                let db = lab.dir().join("store.db");
                (None, format!("sqlite://{}", db.display()))
            }
            Backend::Etcd => (Some(start_etcd(&lab)), format!("etcd://{ETCD_IP}:2379")),
        };
        let tor = spec.tor.then(|| start_tor(&lab, spec.hosts));
        let cluster = Self {
            hosts: BTreeMap::new(),
            tor,
            _etcd: etcd,
            url,
            lab,
        };
        cluster.apply("base", &spec.resources);
        cluster
    }

    /// Runs netctl against the cluster's datastore from `host1`'s namespace
    /// (etcd is only reachable on the segment).
    pub fn netctl(&self, args: &[&str]) -> Result<String, String> {
        let bin = workspace_bin("netctl").display().to_string();
        let mut argv = vec![bin.as_str(), "--datastore", &self.url];
        argv.extend_from_slice(args);
        self.lab.exec("host1", &argv).map_err(|e| e.to_string())
    }

    /// `netctl apply -f` of `yaml` (saved as `<name>.yaml` in the lab dir).
    pub fn apply(&self, name: &str, yaml: &str) {
        let file = self.lab.dir().join(format!("{name}.yaml"));
        std::fs::write(&file, yaml).unwrap();
        let file = file.display().to_string();
        if let Err(e) = self.netctl(&["apply", "-f", &file]) {
            panic!("netctl apply of {name} failed: {e}");
        }
    }

    /// Starts felix, confd and bgpd on `host` and waits until bgpd serves its API.
    pub fn start_host(&mut self, host: &str) {
        let dir = self.lab.dir().to_path_buf();
        let config = dir.join(format!("{host}-bgpd.toml"));
        let pid_file = dir.join(format!("{host}-bgpd.pid"));
        let api = dir.join(format!("{host}-bgpd.sock"));
        let (felix, confd, bgpd) = (
            workspace_bin("felix"),
            workspace_bin("confd"),
            workspace_bin("bgpd"),
        );
        let felix_args = [
            felix.display().to_string(),
            "--datastore".into(),
            self.url.clone(),
            "--node".into(),
            host.into(),
            "--config".into(),
            "/nonexistent/terrace.toml".into(),
        ];
        let felix = self
            .lab
            .spawn(host, &format!("felix-{host}"), &felix_args)
            .unwrap();
        let confd_args = [
            confd.display().to_string(),
            "--datastore".into(),
            self.url.clone(),
            "--node".into(),
            host.into(),
            "--config".into(),
            "/nonexistent/terrace.toml".into(),
            "--ip".into(),
            format!("cidr={SEGMENT}"),
            "--host-id".into(),
            format!("lab-{host}"),
            "--bgpd-config".into(),
            config.display().to_string(),
            "--bgpd".into(),
            bgpd.display().to_string(),
            "--bgpd-pid-file".into(),
            pid_file.display().to_string(),
        ];
        let confd = self
            .lab
            .spawn(host, &format!("confd-{host}"), &confd_args)
            .unwrap();
        wait_until(SETTLE, "confd's first bgpd.toml", || {
            config.is_file() || !confd.is_running()
        })
        .unwrap();
        assert!(confd.is_running(), "confd exited:\n{}", confd.log());
        let bgpd_args = [
            bgpd.display().to_string(),
            "--config".into(),
            config.display().to_string(),
            "--pid-file".into(),
            pid_file.display().to_string(),
            "--api-socket".into(),
            api.display().to_string(),
        ];
        let bgpd = self
            .lab
            .spawn(host, &format!("bgpd-{host}"), &bgpd_args)
            .unwrap();
        // confd reloads bgpd through the pid file; it appears once SIGHUP is handled.
        wait_until(SETTLE, "bgpd's pid file and API socket", || {
            (pid_file.is_file() && api.exists()) || !bgpd.is_running()
        })
        .unwrap();
        assert!(bgpd.is_running(), "bgpd exited:\n{}", bgpd.log());
        let host_daemons = Host {
            _felix: felix,
            _confd: confd,
            bgpd,
            api,
        };
        self.hosts.insert(host.to_owned(), host_daemons);
    }

    /// Hosts whose daemons run.
    pub fn running(&self) -> Vec<String> {
        self.hosts.keys().cloned().collect()
    }

    /// bgpd's peers on `host`, read over its gRPC API.
    pub fn peers(&self, host: &str) -> Result<Vec<PeerStatus>, String> {
        let api = &self.hosts.get(host).ok_or("host not started")?.api;
        list_peers(api)
    }

    /// bgpd's log on `host`.
    pub fn bgpd_log(&self, host: &str) -> String {
        self.hosts
            .get(host)
            .map(|h| h.bgpd.log())
            .unwrap_or_default()
    }

    /// True when `host`'s bgpd has an Established session with every other
    /// running host.
    pub fn meshed(&self, host: &str) -> bool {
        let Ok(peers) = self.peers(host) else {
            return false;
        };
        self.running().iter().filter(|h| *h != host).all(|other| {
            peers
                .iter()
                .any(|p| p.address == host_ip(other) && p.established())
        })
    }

    /// Waits until every running host is meshed with every other.
    pub fn wait_full_mesh(&self) {
        for host in self.running() {
            wait_until(SETTLE, &format!("{host}'s mesh sessions"), || {
                self.meshed(&host)
            })
            .unwrap_or_else(|e| panic!("{e}: {:?}", self.peers(&host)));
        }
    }

    /// Attaches a new container `name` to `host` with the CNI plugin, driven
    /// as a runtime drives it, and returns its address.
    pub fn add_container(&mut self, name: &str, host: &str) -> IpAddr {
        let ns = self.lab.add_node(name).unwrap();
        self.lab
            .exec(name, &["ip", "link", "set", "lo", "up"])
            .unwrap();
        let result = self.cni_add(name, host, &ns);
        let ip = result["ips"][0]["address"]
            .as_str()
            .and_then(|a| a.parse::<IpNet>().ok())
            .unwrap_or_else(|| panic!("no address in the CNI result: {result}"));
        ip.addr()
    }

    fn cni_add(&self, container: &str, host: &str, ns: &str) -> serde_json::Value {
        let conf = serde_json::json!({
            "cniVersion": "1.0.0",
            "name": "terrace",
            "type": "terrace",
            "datastore": self.url,
            "node": host,
            "log_file": self.lab.dir().join(format!("cni-{host}.log")),
        });
        let plugin = workspace_bin("terrace");
        let mut child = Command::new("ip")
            .args(["netns", "exec", self.lab.ns(host).unwrap()])
            .arg(&plugin)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("CNI_COMMAND", "ADD")
            .env("CNI_CONTAINERID", container)
            .env("CNI_NETNS", format!("/run/netns/{ns}"))
            .env("CNI_IFNAME", "eth0")
            .env("CNI_PATH", plugin.parent().unwrap())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(conf.to_string().as_bytes()).unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "CNI ADD of {container} on {host} failed: {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(&stdout).unwrap()
    }

    /// `host`'s kernel routes inside the pod CIDR.
    pub fn pod_routes(&self, host: &str) -> Vec<KernelRoute> {
        let pods: IpNet = POD_CIDR.parse().unwrap();
        self.lab
            .routes(host)
            .unwrap()
            .into_iter()
            .filter(|r| r.dst_net().is_some_and(|d| pods.contains(&d)))
            .collect()
    }

    /// The route `host`'s kernel uses for `addr` (longest prefix match).
    pub fn route_to(&self, host: &str, addr: IpAddr) -> Option<KernelRoute> {
        longest_match(self.lab.routes(host).ok()?, addr)
    }
}

/// The route of `routes` with the longest prefix containing `addr`.
pub fn longest_match(routes: Vec<KernelRoute>, addr: IpAddr) -> Option<KernelRoute> {
    routes
        .into_iter()
        .filter(|r| r.dst_net().is_some_and(|d| d.contains(&addr)))
        .max_by_key(|r| r.dst_net().map(|d| d.prefix_len()))
}

/// Reads bgpd's peers through its API with the `list_peers` example of the
/// bgpd-api crate (built by `cargo test --workspace`).
pub fn list_peers(api: &Path) -> Result<Vec<PeerStatus>, String> {
    let bin = workspace_bin("examples/list_peers");
    let out = Command::new(&bin)
        .arg(api)
        .output()
        .map_err(|e| format!("failed to run {}: {e}", bin.display()))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("list_peers output: {e}"))?;
    let peers = v["peers"].as_array().ok_or("no peers array")?;
    peers
        .iter()
        .map(|p| {
            Ok(PeerStatus {
                address: p["address"]
                    .as_str()
                    .and_then(|a| a.parse().ok())
                    .ok_or("peer without address")?,
                name: p["name"].as_str().unwrap_or_default().to_owned(),
                kind: p["kind"].as_str().unwrap_or_default().to_owned(),
                state: p["state"].as_str().unwrap_or_default().to_owned(),
                since_seconds: p["since_seconds"].as_u64().unwrap_or_default(),
            })
        })
        .collect()
}
