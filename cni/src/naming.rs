//! Names derived from an attachment's identity, stable across ADD, CHECK and DEL (and across
//! a crashed ADD and its retry): the IPAM handle, the host-side veth, the endpoint name.

use policies::hash;

/// The IPAM handle of an attachment: `<containerID>.<ifname>`.
pub fn handle(container_id: &str, ifname: &str) -> String {
    format!("{container_id}.{ifname}")
}

/// Host-side veth: the prefix and the first 11 hex digits of the handle's hash
/// (e.g. `tr3f9a0c2b7d1`), at most 15 characters for a prefix of at most 4.
pub fn host_veth(prefix: &str, handle: &str) -> String {
    // FNV-1a, the same function felix uses for its names.
    let digits = hash::short(handle);
    format!("{prefix}{}", &digits[..11])
}

/// Who the endpoint belongs to, from CNI_ARGS or the config's `args`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// `k8s` when a pod name is known, else `cni`.
    pub orchestrator: String,
    /// Namespace of the WorkloadEndpoint.
    pub namespace: String,
    /// Pod name, when known.
    pub pod: Option<String>,
}

/// Characters a key segment allows; anything else becomes `-`.
fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The WorkloadEndpoint name, Calico style: `<node>-k8s-<pod>-<ifname>` for pods,
/// `<node>-cni-<containerID>-<ifname>` otherwise.
pub fn endpoint_name(node: &str, workload: &Workload, container_id: &str, ifname: &str) -> String {
    let middle = match &workload.pod {
        Some(pod) => format!("k8s-{pod}"),
        None => format!("cni-{container_id}"),
    };
    sanitize(&format!("{node}-{middle}-{ifname}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_veth_names_are_stable_and_fit_ifnamsiz() {
        let a = host_veth("tr", "c1.eth0");
        assert_eq!(a, host_veth("tr", "c1.eth0"));
        assert_ne!(a, host_veth("tr", "c2.eth0"));
        assert_eq!(a.len(), 13);
        // Pinned: a renamed veth would be orphaned by the next release's DEL.
        assert_eq!(a, "tr1b778169481");
        assert!(host_veth("cali", "x").len() <= 15);
    }

    #[test]
    fn endpoint_names_follow_calico() {
        let pod = Workload {
            orchestrator: "k8s".into(),
            namespace: "shop".into(),
            pod: Some("web-1".into()),
        };
        assert_eq!(
            endpoint_name("h1", &pod, "abc", "eth0"),
            "h1-k8s-web-1-eth0"
        );
        let plain = Workload { pod: None, ..pod };
        assert_eq!(
            endpoint_name("h1", &plain, "abc", "eth0"),
            "h1-cni-abc-eth0"
        );
        let odd = Workload {
            pod: Some("a/b c".into()),
            ..plain
        };
        assert_eq!(endpoint_name("h1", &odd, "x", "eth0"), "h1-k8s-a-b-c-eth0");
    }
}
