//! The Terrace routing stack on lab hosts: workspace binaries, resources
//! applied with `netctl`, IPAM addresses, and confd + bgpd per host.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use datastore::ipam::{AssignRequest, IpamClient};
use datastore::resource::client::ResourceClient;
use datastore::url::DatastoreUrl;
use integration::{Daemon, Lab, Topology, wait_until};
use resources::ipam::PoolView;

use super::CONVERGE;

/// A workspace binary (`cargo test --workspace` builds them all).
pub fn workspace_bin(name: &str) -> PathBuf {
    integration::bins::find(name).unwrap_or_else(|| {
        panic!("{name} is not built: run `cargo build --workspace --bins --examples` (cargo test --workspace does)")
    })
}

/// The lab's embedded datastore URL and a client on it.
pub async fn lab_store(lab: &Lab) -> (String, ResourceClient) {
    let url = format!("sqlite://{}", lab.dir().join("store.db").display());
    let store = datastore::open(&DatastoreUrl::parse(&url).unwrap())
        .await
        .unwrap();
    (url, ResourceClient::new(store))
}

/// `netctl --datastore URL apply -f FILE` with `yaml` written to FILE in the lab dir.
pub fn netctl_apply(lab: &Lab, url: &str, file_name: &str, yaml: &str) {
    let file = lab.dir().join(file_name);
    std::fs::write(&file, yaml).unwrap();
    let out = Command::new(workspace_bin("netctl"))
        .args(["--datastore", url, "apply", "-f"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "netctl apply -f {file_name} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One IPv4 address for `handle` on `node` from the pool `cidr` (/26 blocks).
pub async fn assign(store: &ResourceClient, cidr: &str, node: &str, handle: &str) -> IpAddr {
    let pools = vec![PoolView {
        cidr: cidr.parse().unwrap(),
        block_prefix_len: 26,
        usable: true,
    }];
    let request = AssignRequest {
        node: node.into(),
        handle: handle.into(),
        attributes: [("node".to_string(), node.to_string())].into(),
        ipv4: true,
        ipv6: false,
        pools,
        strict_affinity: false,
    };
    IpamClient::new(store.store().clone())
        .assign(&request)
        .await
        .unwrap()[0]
}

/// Two hosts, each on its own /30 to one ToR (host1 10.0.1.2 - tor 10.0.1.1,
/// host2 10.0.2.2 - tor 10.0.2.1), a default route via the ToR, and one
/// container per host (`c1`, `c2`) at the given addresses. No static routes
/// to containers: whatever carries them is under test.
pub fn two_hosts_behind_tor(c1: &str, c2: &str) -> Topology {
    Topology::builder()
        .description("two hosts behind one ToR; no static routes to containers")
        .host("host1")
        .host("host2")
        .router("tor")
        .link(
            ("host1", "eth0", "10.0.1.2/30"),
            ("tor", "h1", "10.0.1.1/30"),
        )
        .link(
            ("host2", "eth0", "10.0.2.2/30"),
            ("tor", "h2", "10.0.2.1/30"),
        )
        .route_via("host1", "default", "10.0.1.1")
        .route_via("host2", "default", "10.0.2.1")
        .container("c1", "host1", c1, "trc1")
        .container("c2", "host2", c2, "trc2")
        .build()
        .unwrap()
}

/// A host's confd and bgpd (stopped when dropped) and the file confd renders.
pub struct HostStack {
    _confd: Daemon,
    _bgpd: Daemon,
    pub bgpd_config: PathBuf,
}

/// Starts confd on `host` (address picked from `subnet`, AS `asn`), waits
/// for its first bgpd file, then starts bgpd on it.
pub fn start_host_stack(lab: &Lab, host: &str, subnet: &str, url: &str, asn: u32) -> HostStack {
    let dir = lab.dir();
    let bgpd_config = dir.join(format!("{host}-bgpd.toml"));
    let pid_file = dir.join(format!("{host}-bgpd.pid"));
    let (confd, bgpd) = (workspace_bin("confd"), workspace_bin("bgpd"));
    let path = |p: &Path| p.display().to_string();
    let args = [
        path(&confd),
        "--datastore".into(),
        url.into(),
        "--node".into(),
        host.into(),
        "--config".into(),
        "/nonexistent/terrace.toml".into(),
        "--ip".into(),
        format!("cidr={subnet}"),
        "--host-id".into(),
        format!("lab-{host}"),
        "--bgpd-config".into(),
        path(&bgpd_config),
        "--bgpd".into(),
        path(&bgpd),
        "--bgpd-pid-file".into(),
        path(&pid_file),
        "--as".into(),
        asn.to_string(),
    ];
    let confd = lab.spawn(host, &format!("confd-{host}"), &args).unwrap();
    wait_until(CONVERGE, "confd's first bgpd.toml", || {
        bgpd_config.is_file()
    })
    .unwrap();
    let bgpd_args = [
        path(&bgpd),
        "--config".into(),
        path(&bgpd_config),
        "--pid-file".into(),
        path(&pid_file),
    ];
    let bgpd = lab
        .spawn(host, &format!("bgpd-{host}"), &bgpd_args)
        .unwrap();
    // confd reloads bgpd through this file; it appears once bgpd handles SIGHUP.
    wait_until(CONVERGE, "bgpd's pid file", || pid_file.is_file()).unwrap();
    HostStack {
        _confd: confd,
        _bgpd: bgpd,
        bgpd_config,
    }
}
