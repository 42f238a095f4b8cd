//! The `terrace` CNI plugin driven exactly as a container runtime drives it:
//! `CNI_*` environment variables, the network configuration on stdin, the
//! result (or a CNI error) on stdout. It runs inside the host's namespace,
//! where the runtime would run it. The demo's fallback when podman does not
//! work on the machine (see [`super::mode`]).

use std::io::Write;
use std::net::IpAddr;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::Context;
use serde_json::json;

use super::app::{APP_NAMESPACE, WORKLOADS, Workload};
use super::paths::Paths;
use super::probes::Container;
use crate::{Lab, NetnsRef};

/// What ADD gave a container.
#[derive(Debug, Clone)]
pub struct Attached {
    /// Its address.
    pub ip: IpAddr,
    /// The host side of its veth.
    pub host_iface: String,
}

/// The network configuration a runtime would pass for `w`: the app label
/// travels in `args.cni.labels`, as orchestrators hand labels to plugins.
pub fn config(url: &str, w: &Workload, log_file: &Path) -> serde_json::Value {
    json!({
        "cniVersion": "1.0.0",
        "name": "terrace",
        "type": "terrace",
        "datastore": url,
        "node": w.host,
        "log_file": log_file.display().to_string(),
        "args": {"cni": {"labels": {"app": w.app}}},
    })
}

/// `CNI_COMMAND=ADD` for `w`, whose network namespace is `container_ns`,
/// run inside `host_ns`. `plugin_dir` is the `CNI_PATH`.
pub fn add(
    plugin_dir: &Path,
    host_ns: &str,
    container_ns: &str,
    config: &serde_json::Value,
    w: &Workload,
) -> anyhow::Result<Attached> {
    let plugin = plugin_dir.join("terrace");
    let mut child = Command::new("ip")
        .args(["netns", "exec", host_ns])
        .arg(&plugin)
        .env("CNI_COMMAND", "ADD")
        .env("CNI_CONTAINERID", format!("demo-{}", w.name))
        .env("CNI_NETNS", format!("/var/run/netns/{container_ns}"))
        .env("CNI_IFNAME", "eth0")
        .env("CNI_PATH", plugin_dir)
        .env(
            "CNI_ARGS",
            format!(
                "IgnoreUnknown=1;K8S_POD_NAMESPACE={APP_NAMESPACE};K8S_POD_NAME={}",
                w.name
            ),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("failed to start {}", plugin.display()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(config.to_string().as_bytes())
            .context("failed to write the CNI config to the plugin")?;
    }
    let out = child
        .wait_with_output()
        .context("failed to wait for the CNI plugin")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    anyhow::ensure!(
        out.status.success(),
        "CNI ADD of {} failed ({}): {stdout}{}",
        w.name,
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    parse_result(&stdout).with_context(|| format!("CNI ADD of {} returned {stdout}", w.name))
}

/// One network namespace per container (a lab node, so it is cleaned up
/// with the lab), attached by the CNI plugin run in its host's namespace.
pub fn attach(lab: &mut Lab, paths: &Paths, url: &str) -> anyhow::Result<Vec<Container>> {
    let mut out = Vec::new();
    for w in WORKLOADS {
        let ns = lab.add_node(w.name)?;
        let config = config(url, &w, &paths.log(w.host, "cni"));
        let a = add(&paths.bin_dir, lab.ns(w.host)?, &ns, &config, &w)?;
        out.push(Container {
            w,
            ip: a.ip,
            host_iface: a.host_iface,
            netns: NetnsRef::Node(w.name.to_owned()),
            podman_id: None,
        });
    }
    Ok(out)
}

/// The address and host veth of an ADD result.
pub fn parse_result(stdout: &str) -> anyhow::Result<Attached> {
    let v: serde_json::Value = serde_json::from_str(stdout).context("result is not JSON")?;
    let addr = v["ips"][0]["address"]
        .as_str()
        .context("result has no ips[0].address")?;
    let ip = addr
        .split('/')
        .next()
        .unwrap_or(addr)
        .parse()
        .with_context(|| format!("bad address {addr}"))?;
    let host_iface = v["interfaces"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i.get("sandbox").is_none())
        .and_then(|i| i["name"].as_str())
        .context("result names no host interface")?
        .to_owned();
    Ok(Attached { ip, host_iface })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_gives_the_address_and_the_host_veth() {
        let out = r#"{"cniVersion":"1.0.0","interfaces":[{"name":"tr0123456789a","mac":"ee:ee:ee:ee:ee:ee"},
            {"name":"eth0","mac":"aa:bb:cc:dd:ee:ff","sandbox":"/var/run/netns/x"}],
            "ips":[{"address":"10.65.0.3/32","interface":1}]}"#;
        let a = parse_result(out).unwrap();
        assert_eq!(a.ip.to_string(), "10.65.0.3");
        assert_eq!(a.host_iface, "tr0123456789a");
    }

    #[test]
    fn a_result_without_addresses_is_an_error() {
        assert!(parse_result(r#"{"interfaces":[]}"#).is_err());
        assert!(parse_result("not json").is_err());
    }

    #[test]
    fn config_carries_the_app_label_and_the_node() {
        let w = super::super::app::WORKLOADS[0];
        let c = config("sqlite:///x.db", &w, Path::new("/l/cni.log"));
        assert_eq!(c["args"]["cni"]["labels"]["app"], "frontend");
        assert_eq!(c["node"], "host1");
        assert_eq!(c["type"], "terrace");
    }
}
