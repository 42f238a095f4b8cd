//! Test fixtures: network namespaces (removed on drop), a SQLite datastore seeded with
//! pools, and the real `terrace` binary driven exactly as a runtime drives it (environment
//! variables + stdin). The plugin runs inside a "host" namespace so its host-side veths never
//! touch the machine's own namespace.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use datastore::Store;
use datastore::ipam::IpamClient;
use datastore::resource::client::{ResourceClient, WriteMode};
use resources::{Kind, Object, ObjectMeta, WorkloadEndpointSpec};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A unique short token for names (pid and a counter).
pub fn token() -> String {
    format!(
        "{}x{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs a command, panicking with its output on failure.
pub fn sh(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A named network namespace, deleted on drop.
#[derive(Debug)]
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn new(kind: &str) -> Self {
        let name = format!("tc{kind}-{}", token());
        sh("ip", &["netns", "add", &name]);
        sh("ip", &["-n", &name, "link", "set", "lo", "up"]);
        Netns { name }
    }

    pub fn path(&self) -> String {
        format!("/run/netns/{}", self.name)
    }

    /// Runs `ip -n <ns> <args>` and returns stdout.
    pub fn ip(&self, args: &[&str]) -> String {
        let mut all = vec!["-n", &self.name];
        all.extend_from_slice(args);
        sh("ip", &all)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// A datastore in a temp dir.
#[derive(Debug)]
pub struct Store0 {
    pub url: String,
    _dir: tempfile::TempDir,
}

impl Store0 {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/store.db", dir.path().display());
        Store0 { url, _dir: dir }
    }

    pub async fn open(&self) -> Arc<dyn Store> {
        datastore::open(&self.url.parse().unwrap()).await.unwrap()
    }

    /// Writes an IPPool.
    pub async fn pool(&self, name: &str, spec: serde_json::Value) {
        self.object(Kind::IPPool, name, spec).await;
    }

    /// Writes a cluster-scoped resource.
    pub async fn object(&self, kind: Kind, name: &str, spec: serde_json::Value) {
        let object = Object::new(
            kind,
            ObjectMeta {
                name: name.into(),
                ..Default::default()
            },
            spec,
        );
        ResourceClient::new(self.open().await)
            .write_all(&[object], WriteMode::Apply)
            .await
            .unwrap();
    }

    /// Everything still held: (allocated addresses, handle records, workload endpoints).
    pub async fn leftovers(&self) -> (usize, usize, usize) {
        let store = self.open().await;
        let ipam = IpamClient::new(store.clone());
        let allocated: usize = ipam
            .blocks()
            .await
            .unwrap()
            .iter()
            .map(|b| b.block.allocations.len())
            .sum();
        let handles = ipam.handles().await.unwrap().len();
        let weps = ResourceClient::new(store)
            .list(Kind::WorkloadEndpoint, None)
            .await
            .unwrap()
            .len();
        (allocated, handles, weps)
    }

    /// What `netctl ipam check` says: Ok(summary) when consistent, Err(problems) otherwise.
    pub async fn ipam_check(&self) -> Result<String, String> {
        let global = netctl::args::GlobalArgs {
            datastore: Some(self.url.clone()),
            config: self._dir.path().join("no-config.toml"),
        };
        netctl::commands::ipam::run(&global, &netctl::commands::ipam::IpamCommand::Check)
            .await
            .map_err(|e| e.to_string())
    }

    /// Every WorkloadEndpoint spec.
    pub async fn endpoints(&self) -> Vec<(Object, WorkloadEndpointSpec)> {
        ResourceClient::new(self.open().await)
            .list(Kind::WorkloadEndpoint, None)
            .await
            .unwrap()
            .into_iter()
            .map(|o| {
                let spec = o.spec_as().unwrap();
                (o, spec)
            })
            .collect()
    }
}

/// The plugin binary under test.
pub fn plugin() -> &'static str {
    env!("CARGO_BIN_EXE_terrace")
}

/// One plugin run's output.
#[derive(Debug)]
pub struct Run {
    pub stdout: String,
    pub code: Option<i32>,
    pub json: serde_json::Value,
}

impl Run {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// The `ips[*].address` of an ADD result, without prefix lengths.
    pub fn ips(&self) -> Vec<String> {
        self.json["ips"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|ip| {
                        ip["address"]
                            .as_str()
                            .unwrap()
                            .split('/')
                            .next()
                            .unwrap()
                            .to_string()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// How to invoke the plugin.
#[derive(Debug, Clone)]
pub struct Call {
    /// Host namespace to run the plugin in (None: the test's own).
    pub host: Option<String>,
    pub env: BTreeMap<String, String>,
    pub stdin: String,
}

impl Call {
    /// An ADD/DEL/CHECK call with the usual variables.
    pub fn new(command: &str, container: &str, netns: &str, conf: &serde_json::Value) -> Self {
        let env = [
            ("CNI_COMMAND", command),
            ("CNI_CONTAINERID", container),
            ("CNI_NETNS", netns),
            ("CNI_IFNAME", "eth0"),
            ("CNI_PATH", "/usr/lib/cni"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        Call {
            host: None,
            env,
            stdin: conf.to_string(),
        }
    }

    pub fn in_host(mut self, host: &Netns) -> Self {
        self.host = Some(host.name.clone());
        self
    }

    pub fn with(mut self, key: &str, value: &str) -> Self {
        self.env.insert(key.into(), value.into());
        self
    }

    pub fn without(mut self, key: &str) -> Self {
        self.env.remove(key);
        self
    }

    /// Spawns the plugin (not waiting).
    pub fn spawn(&self) -> std::process::Child {
        let mut command = match &self.host {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, plugin()]);
                c
            }
            None => Command::new(plugin()),
        };
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(&self.env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(self.stdin.as_bytes()).unwrap();
        drop(stdin);
        child
    }

    /// Runs the plugin to completion.
    pub fn run(&self) -> Run {
        finish(self.spawn())
    }
}

/// Waits for a spawned plugin.
pub fn finish(child: std::process::Child) -> Run {
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    Run {
        stdout,
        code: out.status.code(),
        json,
    }
}

/// A network config for the store at `url` and `node`.
pub fn conf(url: &str, node: &str, extra: serde_json::Value) -> serde_json::Value {
    let mut conf = serde_json::json!({
        "cniVersion": "1.0.0",
        "name": "terrace",
        "type": "terrace",
        "datastore": url,
        "node": node,
        "log_level": "debug",
    });
    if let (Some(base), Some(more)) = (conf.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            base.insert(k.clone(), v.clone());
        }
    }
    conf
}
