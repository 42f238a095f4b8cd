//! The per-host services (confd, bgpd, felix) and the optional etcd, run in
//! the background inside their lab namespaces with logs in the demo's log
//! directory.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

use super::app::Host;
use super::paths::Paths;
use crate::{Daemon, Lab, wait_until};

/// Deadline for a daemon's first sign of life.
const START: Duration = Duration::from_secs(60);

/// One host's services; dropping it stops them (felix first, bgpd last).
#[derive(Debug)]
pub struct HostServices {
    /// The node name.
    pub host: &'static str,
    /// felix.
    pub felix: Daemon,
    /// confd.
    pub confd: Daemon,
    /// bgpd.
    pub bgpd: Daemon,
    /// bgpd's management API socket.
    pub api_socket: PathBuf,
    /// The file confd renders and bgpd reads.
    pub bgpd_config: PathBuf,
}

/// Waits until `ready` holds, failing early with the log if `d` exits.
fn wait_ready(d: &Daemon, what: &str, ready: impl Fn() -> bool) -> anyhow::Result<()> {
    wait_until(START, what, || ready() || !d.is_running())?;
    anyhow::ensure!(
        d.is_running() || ready(),
        "{} exited; its log ({}):\n{}",
        d.name(),
        d.log_path().display(),
        d.log()
    );
    Ok(())
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// Starts confd (which registers the Node and renders bgpd's file), then
/// bgpd on that file, then felix, all inside `host`'s namespace.
pub fn start_host(
    lab: &Lab,
    paths: &Paths,
    host: &Host,
    url: &str,
) -> anyhow::Result<HostServices> {
    let state = paths.host_state(host.name);
    let bgpd_config = state.join("bgpd.toml");
    let pid_file = state.join("bgpd.pid");
    let api_socket = state.join("bgpd.sock");
    let (confd_bin, bgpd_bin, felix_bin) =
        (paths.bin("confd")?, paths.bin("bgpd")?, paths.bin("felix")?);
    // A missing --config file means "no host config": everything is a flag.
    let no_config = s(&state.join("no-config.toml"));
    let confd_args = [
        s(&confd_bin),
        "--datastore".into(),
        url.into(),
        "--node".into(),
        host.name.into(),
        "--config".into(),
        no_config.clone(),
        "--ip".into(),
        format!("cidr={}", host.subnet),
        "--label".into(),
        format!("rack={}", host.rack),
        "--host-id".into(),
        format!("terrace-lab-{}", host.name),
        "--bgpd-config".into(),
        s(&bgpd_config),
        "--bgpd".into(),
        s(&bgpd_bin),
        "--bgpd-pid-file".into(),
        s(&pid_file),
    ];
    let confd = lab.spawn_logging_to(
        host.name,
        &format!("confd-{}", host.name),
        &confd_args,
        &paths.log(host.name, "confd"),
    )?;
    wait_ready(&confd, "confd's first bgpd.toml", || bgpd_config.is_file())?;
    let bgpd_args = [
        s(&bgpd_bin),
        "--config".into(),
        s(&bgpd_config),
        "--pid-file".into(),
        s(&pid_file),
        "--api-socket".into(),
        s(&api_socket),
    ];
    let bgpd = lab.spawn_logging_to(
        host.name,
        &format!("bgpd-{}", host.name),
        &bgpd_args,
        &paths.log(host.name, "bgpd"),
    )?;
    // confd reloads bgpd through the pid file, written once SIGHUP is handled.
    wait_ready(&bgpd, "bgpd's pid file", || pid_file.is_file())?;
    let felix_args = [
        s(&felix_bin),
        "--datastore".into(),
        url.into(),
        "--node".into(),
        host.name.into(),
        "--config".into(),
        no_config,
        "--metrics-addr".into(),
        "127.0.0.1:9091".into(),
    ];
    let felix = lab.spawn_logging_to(
        host.name,
        &format!("felix-{}", host.name),
        &felix_args,
        &paths.log(host.name, "felix"),
    )?;
    wait_ready(&felix, "felix's first reconcile", || {
        felix_log_has(&felix, "dataplane reconciled")
    })?;
    Ok(HostServices {
        host: host.name,
        felix,
        confd,
        bgpd,
        api_socket,
        bgpd_config,
    })
}

fn felix_log_has(d: &Daemon, text: &str) -> bool {
    d.log().contains(text)
}

impl HostServices {
    /// Stops felix, confd and bgpd in that order, each gracefully.
    pub fn stop(self) {
        self.felix.stop();
        self.confd.stop();
        self.bgpd.stop();
    }
}

/// etcd's client URL for the lab: inside the `etcd` node, reached by the
/// hosts through the ToR.
pub const ETCD_URL: &str = "etcd://10.0.0.2:2379";

/// Starts a single-member etcd in the `etcd` node and waits until healthy.
pub fn start_etcd(lab: &Lab, paths: &Paths) -> anyhow::Result<Daemon> {
    let data = paths.state_dir.join("etcd");
    let client = "http://10.0.0.2:2379";
    let peer = "http://127.0.0.1:2380";
    let args = [
        "etcd".to_owned(),
        "--name".into(),
        "terrace-lab".into(),
        "--data-dir".into(),
        s(&data),
        "--listen-client-urls".into(),
        format!("{client},http://127.0.0.1:2379"),
        "--advertise-client-urls".into(),
        client.into(),
        "--listen-peer-urls".into(),
        peer.into(),
        "--initial-advertise-peer-urls".into(),
        peer.into(),
        "--initial-cluster".into(),
        format!("terrace-lab={peer}"),
    ];
    std::fs::create_dir_all(paths.log_dir.join("etcd"))
        .with_context(|| format!("failed to create {}", paths.log_dir.display()))?;
    let etcd = lab
        .spawn_logging_to("etcd", "etcd", &args, &paths.log("etcd", "etcd"))
        .context("failed to start etcd (apt-get install etcd-server)")?;
    let healthy = || {
        lab.exec_output(
            "etcd",
            &[
                "etcdctl",
                "--endpoints",
                "http://127.0.0.1:2379",
                "endpoint",
                "health",
            ],
        )
        .is_ok_and(|o| o.status.success())
    };
    wait_ready(&etcd, "etcd to be healthy", healthy)?;
    Ok(etcd)
}
