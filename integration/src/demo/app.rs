//! What the demo lab is made of: its hosts and the shop app's workloads.
//! Pure data; the topology file and `policies/examples/lab-network.yaml`
//! describe the same lab and must agree with it.

/// The ToR's AS (FRR).
pub const TOR_AS: u32 = 65000;

/// The hosts' AS: BGPConfiguration `default` (the hosts mesh over iBGP).
pub const CLUSTER_AS: u32 = 64512;

/// Kubernetes-style namespace of the app's workloads.
pub const APP_NAMESPACE: &str = "shop";

/// One host of the lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Host {
    /// Node name (lab role, Node resource name).
    pub name: &'static str,
    /// Rack label (`rack=<rack>` on the Node).
    pub rack: &'static str,
    /// Its address on the link to the ToR.
    pub addr: &'static str,
    /// That link's subnet (confd's `--ip cidr=`).
    pub subnet: &'static str,
    /// The ToR's address on that link (the BGPPeer's `peerIP`).
    pub tor: &'static str,
}

/// The three hosts, rack A (host1, host2) and rack B (host3).
pub const HOSTS: [Host; 3] = [
    Host {
        name: "host1",
        rack: "a",
        addr: "10.0.1.2",
        subnet: "10.0.1.0/30",
        tor: "10.0.1.1",
    },
    Host {
        name: "host2",
        rack: "a",
        addr: "10.0.1.6",
        subnet: "10.0.1.4/30",
        tor: "10.0.1.5",
    },
    Host {
        name: "host3",
        rack: "b",
        addr: "10.0.2.2",
        subnet: "10.0.2.0/30",
        tor: "10.0.2.1",
    },
];

/// One container of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workload {
    /// Pod name, also the lab role of its network namespace.
    pub name: &'static str,
    /// The host it runs on.
    pub host: &'static str,
    /// Its `app` label: frontend, backend or database.
    pub app: &'static str,
}

impl Workload {
    /// The TCP port the tier serves (and the demo listens on).
    pub fn port(&self) -> u16 {
        match self.app {
            "frontend" => 80,
            "backend" => 8080,
            _ => 5432,
        }
    }

    /// The WorkloadEndpoint the CNI plugin records for it
    /// (`<node>-k8s-<pod>-<ifname>`, see cni/README.md).
    pub fn endpoint(&self) -> String {
        format!("{}-k8s-{}-eth0", self.host, self.name)
    }
}

/// Two per host, every tier on two hosts, so each allowed flow is seen
/// both within a host and across hosts (and racks).
pub const WORKLOADS: [Workload; 6] = [
    Workload {
        name: "frontend-1",
        host: "host1",
        app: "frontend",
    },
    Workload {
        name: "backend-1",
        host: "host1",
        app: "backend",
    },
    Workload {
        name: "frontend-2",
        host: "host2",
        app: "frontend",
    },
    Workload {
        name: "database-1",
        host: "host2",
        app: "database",
    },
    Workload {
        name: "backend-2",
        host: "host3",
        app: "backend",
    },
    Workload {
        name: "database-2",
        host: "host3",
        app: "database",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_workload_runs_on_a_lab_host_and_names_fit_a_role() {
        for w in WORKLOADS {
            assert!(HOSTS.iter().any(|h| h.name == w.host), "{w:?}");
            assert!(crate::naming::is_valid_role(w.name), "{w:?}");
        }
    }

    /// The topology file, lab-network.yaml and [`HOSTS`] describe one lab.
    #[test]
    fn hosts_agree_with_the_topology_and_the_bgp_peers() {
        let topo = crate::Topology::from_yaml(crate::demo::run::TOPOLOGY).unwrap();
        let peers: Vec<serde_yaml_ng::Value> =
            include_str!("../../../policies/examples/lab-network.yaml")
                .split("\n---\n")
                .map(|d| serde_yaml_ng::from_str(d).unwrap())
                .filter(|d: &serde_yaml_ng::Value| d["kind"] == "BGPPeer")
                .collect();
        assert_eq!(peers.len(), HOSTS.len());
        for h in HOSTS {
            let link = topo
                .links
                .iter()
                .find(|l| l.a.node == h.name && l.b.node == "tor")
                .unwrap();
            let addr = |e: &crate::topology::spec::Endpoint| e.addr.unwrap().addr().to_string();
            assert_eq!(addr(&link.a), h.addr, "{h:?}");
            assert_eq!(addr(&link.b), h.tor, "{h:?}");
            assert_eq!(link.a.addr.unwrap().trunc().to_string(), h.subnet, "{h:?}");
            let peer = peers
                .iter()
                .find(|p| p["spec"]["node"] == h.name)
                .unwrap_or_else(|| panic!("no BGPPeer for {}", h.name));
            assert_eq!(peer["spec"]["peerIP"], h.tor, "{h:?}");
            assert_eq!(peer["spec"]["asNumber"], TOR_AS, "{h:?}");
        }
    }

    #[test]
    fn ports_follow_the_tier() {
        let ports: Vec<_> = WORKLOADS.iter().map(|w| (w.app, w.port())).collect();
        assert!(ports.contains(&("frontend", 80)));
        assert!(ports.contains(&("backend", 8080)));
        assert!(ports.contains(&("database", 5432)));
    }
}
