//! The app's containers as real podman containers. Each lab host has its own
//! CNI network config dir (as each real host has its /etc/cni/net.d) with
//! one network per tier, `shop-frontend`, `shop-backend` and
//! `shop-database`: a terrace network whose `labels` give its endpoints
//! their `app` label, since podman hands a CNI plugin no container labels
//! (only `K8S_POD_NAME=<container name>` in `CNI_ARGS`; its `--network
//! name:...` options are alias, ip, mac and interface_name). The network's
//! `namespace` puts the endpoints in `shop`.
//!
//! Each container's own process is busybox `httpd` on its tier's port: the
//! matrix connects to a real server inside a podman container.

use std::net::IpAddr;
use std::path::Path;

use anyhow::Context;
use serde_json::json;

use super::app::{APP_NAMESPACE, HOSTS, WORKLOADS, Workload};
use super::netctl::Netctl;
use super::paths::Paths;
use super::probes::Container;
use crate::podman::{Podman, RunSpec};
use crate::{Lab, NetnsRef};

/// The tiers, each a podman network.
pub const TIERS: [&str; 3] = ["frontend", "backend", "database"];

/// The podman network of tier `app`.
pub fn network_name(app: &str) -> String {
    format!("{APP_NAMESPACE}-{app}")
}

/// The CNI network config of tier `app` on `host`.
pub fn network(url: &str, host: &str, app: &str, log_file: &Path) -> serde_json::Value {
    json!({
        "cniVersion": "1.0.0",
        "name": network_name(app),
        "plugins": [{
            "type": "terrace",
            "datastore": url,
            "node": host,
            "namespace": APP_NAMESPACE,
            "labels": {"app": app},
            "log_file": log_file.display().to_string(),
        }],
    })
}

/// The address and host veth of a WorkloadEndpoint, from `netctl get
/// workloadendpoints NAME -o json`.
pub fn endpoint_of(json: &str) -> anyhow::Result<(IpAddr, String)> {
    let v: serde_json::Value = serde_json::from_str(json).context("netctl printed no JSON")?;
    let net = v["spec"]["ipNetworks"][0]
        .as_str()
        .context("the endpoint has no ipNetworks")?;
    let ip = net
        .parse::<ipnet::IpNet>()
        .with_context(|| format!("bad ipNetworks entry {net}"))?
        .addr();
    let iface = v["spec"]["interfaceName"]
        .as_str()
        .context("the endpoint has no interfaceName")?;
    Ok((ip, iface.to_owned()))
}

/// The command each container runs: a TCP server on its tier's port.
fn server(w: &Workload) -> Vec<String> {
    ["httpd", "-f", "-p", &w.port().to_string(), "-h", "/var/www"]
        .map(str::to_owned)
        .to_vec()
}

/// Writes every host's networks, then `podman run`s each workload on its
/// host; checks that podman's address is the one the plugin recorded.
pub fn attach(
    lab: &Lab,
    podman: &Podman,
    paths: &Paths,
    url: &str,
    netctl: &Netctl,
) -> anyhow::Result<Vec<Container>> {
    for h in &HOSTS {
        for app in TIERS {
            let config = network(url, h.name, app, &paths.log(h.name, "cni"));
            podman.add_network(h.name, &network_name(app), &config)?;
        }
    }
    let mut out = Vec::new();
    for w in WORKLOADS {
        let net = network_name(w.app);
        let command = server(&w);
        let command: Vec<&str> = command.iter().map(String::as_str).collect();
        let spec = RunSpec {
            name: w.name,
            network: &net,
            command: &command,
        };
        let c = podman.run(lab.ns(w.host)?, w.host, spec)?;
        let ip = c
            .addresses
            .iter()
            .find(|(n, _)| *n == net)
            .map(|(_, ip)| *ip)
            .with_context(|| format!("podman gave {} no address on {net}", w.name))?;
        let json = netctl.run(&[
            "get",
            "workloadendpoints",
            &w.endpoint(),
            "-n",
            APP_NAMESPACE,
            "-o",
            "json",
        ])?;
        let (recorded, host_iface) = endpoint_of(&json)?;
        anyhow::ensure!(
            recorded == ip,
            "podman says {} has {ip}, its WorkloadEndpoint says {recorded}",
            w.name
        );
        out.push(Container {
            w,
            ip,
            host_iface,
            netns: NetnsRef::Path(c.netns),
            podman_id: Some(c.id),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tier_network_labels_its_endpoints_and_names_the_host() {
        let n = network(
            "sqlite:///s.db",
            "host2",
            "backend",
            Path::new("/l/cni.log"),
        );
        assert_eq!(n["name"], "shop-backend");
        let plugin = &n["plugins"][0];
        assert_eq!(plugin["type"], "terrace");
        assert_eq!(plugin["node"], "host2");
        assert_eq!(plugin["namespace"], "shop");
        assert_eq!(plugin["labels"]["app"], "backend");
        assert_eq!(plugin["log_file"], "/l/cni.log");
    }

    #[test]
    fn every_workload_has_a_tier_network() {
        for w in WORKLOADS {
            assert!(TIERS.contains(&w.app), "{w:?}");
        }
    }

    #[test]
    fn an_endpoint_gives_its_address_and_host_veth() {
        let json = r#"{"apiVersion":"terrace.io/v1","kind":"WorkloadEndpoint",
            "metadata":{"name":"host1-k8s-frontend-1-eth0","namespace":"shop"},
            "spec":{"node":"host1","interfaceName":"tre24a987a69e","ipNetworks":["10.65.0.0/32"]}}"#;
        let (ip, iface) = endpoint_of(json).unwrap();
        assert_eq!(ip.to_string(), "10.65.0.0");
        assert_eq!(iface, "tre24a987a69e");
        assert!(endpoint_of(r#"{"spec":{"interfaceName":"x"}}"#).is_err());
        assert!(endpoint_of(r#"{"spec":{"ipNetworks":["10.0.0.1/32"]}}"#).is_err());
        assert!(endpoint_of("[]").is_err());
    }

    #[test]
    fn the_server_listens_on_the_tier_port() {
        assert_eq!(
            server(&WORKLOADS[1]),
            ["httpd", "-f", "-p", "8080", "-h", "/var/www"]
        );
    }
}
