//! A real etcd (the Debian `etcd` binary) on loopback, in a temporary data directory, killed on
//! drop. Restartable on the same ports and data directory to test reconnects.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running (or stopped) single-member etcd cluster.
#[derive(Debug)]
pub struct EtcdServer {
    dir: tempfile::TempDir,
    client_port: u16,
    peer_port: u16,
    child: Option<Child>,
    tls: Option<ServerTls>,
}

/// PEM files for serving TLS and checking client certificates.
#[derive(Debug, Clone)]
pub struct ServerTls {
    /// CA that signed the server and client certificates.
    pub ca: PathBuf,
    /// Server certificate (SAN 127.0.0.1) and key.
    pub cert: PathBuf,
    /// Server key.
    pub key: PathBuf,
    /// A client certificate etcdctl uses for health checks.
    pub client_cert: PathBuf,
    /// Its key.
    pub client_key: PathBuf,
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral loopback port");
    listener.local_addr().expect("local address").port()
}

impl EtcdServer {
    /// Starts etcd and waits until it answers (up to 60 s).
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// Starts etcd serving TLS that requires client certificates signed by `tls.ca`.
    pub fn start_tls(tls: ServerTls) -> Self {
        Self::start_with(Some(tls))
    }

    fn start_with(tls: Option<ServerTls>) -> Self {
        let mut last_log = String::new();
        // A port picked by bind(0) may be taken by another test before etcd binds it: retry.
        for _ in 0..5 {
            let mut server = Self {
                dir: tempfile::tempdir().expect("temp dir"),
                client_port: free_port(),
                peer_port: free_port(),
                child: None,
                tls: tls.clone(),
            };
            if server.spawn_and_wait() {
                return server;
            }
            last_log = server.log();
        }
        panic!("etcd did not start; last log:\n{last_log}");
    }

    /// The datastore URL of this server (without TLS parameters).
    pub fn url(&self) -> String {
        format!("etcd://127.0.0.1:{}", self.client_port)
    }

    /// The client endpoint, for etcdctl.
    pub fn endpoint(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.client_port)
    }

    /// Runs etcdctl against this server (with the health-check client certificate under TLS).
    pub fn etcdctl(&self, args: &[&str]) -> std::process::Output {
        let mut command = Command::new("etcdctl");
        command.env("ETCDCTL_API", "3").args([
            "--endpoints",
            &self.endpoint(),
            "--dial-timeout",
            "2s",
        ]);
        if let Some(tls) = &self.tls {
            command
                .arg("--cacert")
                .arg(&tls.ca)
                .arg("--cert")
                .arg(&tls.client_cert)
                .arg("--key")
                .arg(&tls.client_key);
        }
        command.args(args).output().expect("run etcdctl")
    }

    /// Kills etcd with SIGKILL (no clean shutdown) and waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts etcd again on the same ports and data directory.
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.spawn_and_wait() {
            assert!(
                Instant::now() < deadline,
                "etcd did not restart:\n{}",
                self.log()
            );
        }
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("etcd.log")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn spawn_and_wait(&mut self) -> bool {
        let client = self.endpoint();
        let peer = format!("http://127.0.0.1:{}", self.peer_port);
        let log = std::fs::File::create(self.log_path()).expect("create etcd log");
        let mut command = Command::new("etcd");
        if let Some(tls) = &self.tls {
            command
                .arg("--cert-file")
                .arg(&tls.cert)
                .arg("--key-file")
                .arg(&tls.key);
            command
                .arg("--trusted-ca-file")
                .arg(&tls.ca)
                .arg("--client-cert-auth");
        }
        let child = command
            .args(["--name", "test", "--data-dir"])
            .arg(self.dir.path().join("data"))
            .args(["--listen-client-urls", &client, "--advertise-client-urls", &client])
            .args(["--listen-peer-urls", &peer, "--initial-advertise-peer-urls", &peer])
            .args(["--initial-cluster", &format!("test={peer}")])
            // Room for the 10,000-key transaction and 1 MiB values of the suite and bench.
            .args(["--max-txn-ops", "20000", "--max-request-bytes", "33554432"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn etcd (apt-get install etcd-server)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(child) = &mut self.child
                && let Ok(Some(_)) = child.try_wait()
            {
                self.child = None;
                return false;
            }
            if self.healthy() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
        false
    }

    fn healthy(&self) -> bool {
        self.etcdctl(&["endpoint", "health"]).status.success()
    }
}

impl Drop for EtcdServer {
    fn drop(&mut self) {
        self.kill();
    }
}
