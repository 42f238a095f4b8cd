//! The WorkloadEndpoint an ADD writes, built from the invocation and the configuration
//! (pure: no I/O here).
//!
//! Sources, first found wins: pod and namespace from CNI_ARGS `K8S_POD_NAME` /
//! `K8S_POD_NAMESPACE`, then the config's `args.cni` object, then the config's `namespace`
//! (else `default`). Labels are the union of the config's `labels`, `args.cni.labels` and
//! `runtimeConfig.labels`, plus `projectcalico.org/namespace` and
//! `projectcalico.org/orchestrator` as Calico sets them.

use crate::config::{NetConf, PortMapping};
use crate::env::Invocation;
use crate::naming::Workload;
use ipnet::IpNet;
use resources::{EndpointPort, Kind, Object, ObjectMeta, WorkloadEndpointSpec};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Label Calico puts on every endpoint: its namespace.
pub const NAMESPACE_LABEL: &str = "projectcalico.org/namespace";
/// Label Calico puts on every endpoint: its orchestrator.
pub const ORCHESTRATOR_LABEL: &str = "projectcalico.org/orchestrator";

/// A string field of the config's `args.cni` object.
fn cni_arg<'a>(conf: &'a NetConf, key: &str) -> Option<&'a serde_json::Value> {
    conf.args.as_ref()?.get("cni")?.get(key)
}

/// Who the endpoint belongs to.
pub fn workload(inv: &Invocation, conf: &NetConf) -> Workload {
    let from_args = |key: &str| {
        inv.args
            .get(key)
            .cloned()
            .filter(|v| !v.is_empty())
            .or_else(|| cni_arg(conf, key)?.as_str().map(str::to_owned))
    };
    let pod = from_args("K8S_POD_NAME");
    let namespace = from_args("K8S_POD_NAMESPACE")
        .or_else(|| conf.namespace.clone())
        .unwrap_or_else(|| "default".to_owned());
    let orchestrator = if pod.is_some() { "k8s" } else { "cni" }.to_owned();
    Workload {
        orchestrator,
        namespace,
        pod,
    }
}

/// The endpoint's labels.
pub fn labels(conf: &NetConf, workload: &Workload) -> BTreeMap<String, String> {
    let mut labels = conf.labels.clone();
    if let Some(serde_json::Value::Object(extra)) = cni_arg(conf, "labels") {
        for (k, v) in extra {
            if let Some(v) = v.as_str() {
                labels.insert(k.clone(), v.to_owned());
            }
        }
    }
    labels.extend(conf.runtime_config.labels.clone());
    labels.insert(NAMESPACE_LABEL.to_owned(), workload.namespace.clone());
    labels.insert(ORCHESTRATOR_LABEL.to_owned(), workload.orchestrator.clone());
    labels
}

/// Named ports from `portMappings`: `<protocol>-<containerPort>`, e.g. `tcp-80`.
fn ports(mappings: &[PortMapping]) -> Vec<EndpointPort> {
    let mut ports: Vec<EndpointPort> = Vec::new();
    for m in mappings {
        let protocol = m.protocol.to_ascii_uppercase();
        let name = format!("{}-{}", m.protocol.to_ascii_lowercase(), m.container_port);
        if ports
            .iter()
            .any(|p| p.name == name && p.protocol == protocol)
        {
            continue;
        }
        ports.push(EndpointPort {
            name,
            protocol,
            port: m.container_port,
            host_port: Some(m.host_port),
            host_ip: m.host_ip.as_deref().and_then(|ip| ip.parse().ok()),
        });
    }
    ports
}

/// Everything an endpoint needs besides the invocation and config.
#[derive(Debug, Clone)]
pub struct Attachment<'a> {
    /// This node.
    pub node: &'a str,
    /// The endpoint's name.
    pub name: &'a str,
    /// Host-side veth.
    pub host_veth: &'a str,
    /// Container-side MAC.
    pub mac: &'a str,
    /// Assigned addresses.
    pub ips: &'a [IpAddr],
}

/// The WorkloadEndpoint object for an attachment.
pub fn build(inv: &Invocation, conf: &NetConf, workload: &Workload, at: &Attachment<'_>) -> Object {
    let spec = WorkloadEndpointSpec {
        orchestrator: workload.orchestrator.clone(),
        workload: inv.container_id.clone(),
        node: at.node.to_owned(),
        container_id: inv.container_id.clone(),
        pod: workload.pod.clone().unwrap_or_default(),
        endpoint: inv.ifname.clone(),
        ip_networks: at.ips.iter().map(|ip| IpNet::from(*ip)).collect(),
        profiles: conf.profiles.clone(),
        interface_name: at.host_veth.to_owned(),
        mac: Some(at.mac.to_owned()),
        ports: ports(&conf.runtime_config.port_mappings),
        ..Default::default()
    };
    let meta = ObjectMeta {
        name: at.name.to_owned(),
        namespace: Some(workload.namespace.clone()),
        labels: labels(conf, workload),
        ..Default::default()
    };
    // A struct of strings, addresses and lists always serializes.
    let spec = serde_json::to_value(&spec).unwrap_or_default();
    Object::new(Kind::WorkloadEndpoint, meta, spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Command;

    fn inv(args: &[(&str, &str)]) -> Invocation {
        Invocation {
            command: Command::Add,
            container_id: "c1".into(),
            netns: None,
            ifname: "eth0".into(),
            args: args
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn conf(extra: &str) -> NetConf {
        crate::config::parse(
            format!(r#"{{"cniVersion":"1.0.0","name":"n","type":"terrace"{extra}}}"#).as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn workload_identity_sources_in_order() {
        let cases = [
            ("nothing", inv(&[]), conf(""), ("default", None, "cni")),
            (
                "config namespace",
                inv(&[]),
                conf(r#","namespace":"lab""#),
                ("lab", None, "cni"),
            ),
            (
                "config args",
                inv(&[]),
                conf(r#","args":{"cni":{"K8S_POD_NAME":"p","K8S_POD_NAMESPACE":"a"}}"#),
                ("a", Some("p"), "k8s"),
            ),
            (
                "CNI_ARGS win",
                inv(&[("K8S_POD_NAME", "q"), ("K8S_POD_NAMESPACE", "shop")]),
                conf(r#","namespace":"lab","args":{"cni":{"K8S_POD_NAME":"p"}}"#),
                ("shop", Some("q"), "k8s"),
            ),
        ];
        for (name, inv, conf, (ns, pod, orch)) in cases {
            let w = workload(&inv, &conf);
            assert_eq!(
                (
                    w.namespace.as_str(),
                    w.pod.as_deref(),
                    w.orchestrator.as_str()
                ),
                (ns, pod, orch),
                "{name}"
            );
        }
    }

    #[test]
    fn endpoint_carries_labels_ports_and_addresses() {
        let conf = conf(
            r#","labels":{"app":"web"},"profiles":["p1"],"args":{"cni":{"labels":{"tier":"fe"}}},
               "runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}"#,
        );
        let inv = inv(&[]);
        let w = workload(&inv, &conf);
        let ips = ["10.65.0.4".parse().unwrap()];
        let at = Attachment {
            node: "h1",
            name: "h1-cni-c1-eth0",
            host_veth: "tr0123456789a",
            mac: "aa:bb:cc:dd:ee:ff",
            ips: &ips,
        };
        let object = build(&inv, &conf, &w, &at);
        let spec: WorkloadEndpointSpec = object.spec_as().unwrap();
        assert!(spec.validate().is_ok(), "{:?}", spec.validate());
        assert_eq!(spec.ip_networks[0].to_string(), "10.65.0.4/32");
        assert_eq!(spec.ports[0].name, "tcp-80");
        assert_eq!(spec.profiles, ["p1"]);
        let labels = &object.metadata.labels;
        assert_eq!(labels["app"], "web");
        assert_eq!(labels["tier"], "fe");
        assert_eq!(labels[NAMESPACE_LABEL], "default");
    }
}
