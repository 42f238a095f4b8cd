//! The IPAM audit: blocks, handle records and WorkloadEndpoints checked against
//! each other, so that leaked addresses, half-finished attachments and endpoints
//! using addresses IPAM does not hold are found and named. Pure: the caller reads
//! the records.

use super::{Block, HandleRecord};
use crate::WorkloadEndpointSpec;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// One inconsistency between IPAM records and endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// An address is allocated under a handle that has no handle record (leak).
    AllocationWithoutHandle { ip: IpAddr, handle: String },
    /// A handle record points at a block that holds none of its addresses.
    HandleWithoutAllocation { handle: String, block: String },
    /// A block that no host owns.
    BlockWithoutHost { block: String },
    /// A handle that no WorkloadEndpoint uses (an attachment that never finished, or was
    /// half-deleted).
    HandleWithoutEndpoint { handle: String, node: String },
    /// An endpoint address that IPAM does not hold for the endpoint.
    EndpointAddressNotAllocated { endpoint: String, ip: IpAddr },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::AllocationWithoutHandle { ip, handle } => write!(
                f,
                "leaked address {ip}: handle {handle} has no handle record (netctl ipam release --ip {ip})"
            ),
            Problem::HandleWithoutAllocation { handle, block } => {
                write!(
                    f,
                    "handle {handle} lists block {block} but holds no address there"
                )
            }
            Problem::BlockWithoutHost { block } => write!(f, "block {block} has no host"),
            Problem::HandleWithoutEndpoint { handle, node } => write!(
                f,
                "handle {handle} (node {node}) has no WorkloadEndpoint: an interrupted ADD or DEL; \
                 run the CNI DEL for it or release its addresses"
            ),
            Problem::EndpointAddressNotAllocated { endpoint, ip } => {
                write!(
                    f,
                    "endpoint {endpoint} uses {ip}, which IPAM does not hold for it"
                )
            }
        }
    }
}

/// Every inconsistency between blocks, handle records and endpoints (`ns/name`, spec).
pub fn audit(
    blocks: &[Block],
    handles: &[HandleRecord],
    endpoints: &[(String, WorkloadEndpointSpec)],
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let known: BTreeSet<&str> = handles.iter().map(|h| h.handle.as_str()).collect();
    for b in blocks {
        if b.affinity.is_none() {
            problems.push(Problem::BlockWithoutHost {
                block: b.cidr.to_string(),
            });
        }
        for (&ordinal, a) in &b.allocations {
            if !known.contains(a.handle.as_str()) {
                problems.push(Problem::AllocationWithoutHandle {
                    ip: b.address(ordinal),
                    handle: a.handle.clone(),
                });
            }
        }
    }
    let endpoint_handle =
        |spec: &WorkloadEndpointSpec| format!("{}.{}", spec.container_id, spec.endpoint);
    let used: BTreeSet<String> = endpoints.iter().map(|(_, s)| endpoint_handle(s)).collect();
    for h in handles {
        for cidr in &h.blocks {
            let holds = blocks
                .iter()
                .any(|b| b.cidr == *cidr && !b.addresses_of(&h.handle).is_empty());
            if !holds {
                problems.push(Problem::HandleWithoutAllocation {
                    handle: h.handle.clone(),
                    block: cidr.to_string(),
                });
            }
        }
        if !used.contains(&h.handle) {
            problems.push(Problem::HandleWithoutEndpoint {
                handle: h.handle.clone(),
                node: h.node.clone(),
            });
        }
    }
    for (name, spec) in endpoints {
        let handle = endpoint_handle(spec);
        for ip in spec.addresses() {
            let held = blocks
                .iter()
                .find(|b| b.cidr.contains(&ip))
                .and_then(|b| b.ordinal(ip).and_then(|o| b.allocations.get(&o)))
                .is_some_and(|a| a.handle == handle);
            if !held {
                problems.push(Problem::EndpointAddressNotAllocated {
                    endpoint: name.clone(),
                    ip,
                });
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ipam::Allocation;

    fn block(cidr: &str, host: Option<&str>, handles: &[&str]) -> Block {
        let mut b = Block::new(cidr.parse().unwrap(), host.map(str::to_string));
        for h in handles {
            b.allocate(
                1,
                &Allocation {
                    handle: h.to_string(),
                    attributes: [("pod".to_string(), "web".to_string())].into(),
                },
            );
        }
        b
    }

    fn handle(name: &str, blocks: &[&str]) -> HandleRecord {
        HandleRecord {
            handle: name.into(),
            node: "h1".into(),
            blocks: blocks.iter().map(|b| b.parse().unwrap()).collect(),
        }
    }

    fn wep(cid: &str, ip: &str) -> (String, WorkloadEndpointSpec) {
        let spec = WorkloadEndpointSpec {
            node: "h1".into(),
            container_id: cid.into(),
            endpoint: "eth0".into(),
            interface_name: "tr0".into(),
            ip_networks: vec![format!("{ip}/32").parse().unwrap()],
            ..Default::default()
        };
        (format!("default/{cid}"), spec)
    }

    /// (name, blocks, handles, endpoints, expected problems)
    type Case = (
        &'static str,
        Vec<Block>,
        Vec<HandleRecord>,
        Vec<(String, WorkloadEndpointSpec)>,
        Vec<Problem>,
    );

    #[test]
    fn audit_finds_each_kind_of_problem() {
        let blocks = [block("10.65.0.0/30", Some("h1"), &["a.eth0", "x.eth0"])];
        let cases: Vec<Case> = vec![
            (
                "a consistent attachment has no problem",
                vec![block("10.65.0.0/30", Some("h1"), &["a.eth0"])],
                vec![handle("a.eth0", &["10.65.0.0/30"])],
                vec![wep("a", "10.65.0.0")],
                vec![],
            ),
            (
                "an allocation without a handle record is a leak",
                blocks.to_vec(),
                vec![handle("a.eth0", &["10.65.0.0/30"])],
                vec![wep("a", "10.65.0.0")],
                vec![Problem::AllocationWithoutHandle {
                    ip: "10.65.0.1".parse().unwrap(),
                    handle: "x.eth0".into(),
                }],
            ),
            (
                "a handle whose block lost its address",
                vec![block("10.65.0.0/30", Some("h1"), &[])],
                vec![handle("a.eth0", &["10.65.0.0/30"])],
                vec![],
                vec![
                    Problem::HandleWithoutAllocation {
                        handle: "a.eth0".into(),
                        block: "10.65.0.0/30".into(),
                    },
                    Problem::HandleWithoutEndpoint {
                        handle: "a.eth0".into(),
                        node: "h1".into(),
                    },
                ],
            ),
            (
                "a block without a host",
                vec![block("10.65.0.0/30", None, &[])],
                vec![],
                vec![],
                vec![Problem::BlockWithoutHost {
                    block: "10.65.0.0/30".into(),
                }],
            ),
            (
                "an endpoint whose address IPAM does not hold",
                vec![],
                vec![],
                vec![wep("a", "10.65.0.9")],
                vec![Problem::EndpointAddressNotAllocated {
                    endpoint: "default/a".into(),
                    ip: "10.65.0.9".parse().unwrap(),
                }],
            ),
        ];
        for (name, blocks, handles, weps, want) in cases {
            assert_eq!(audit(&blocks, &handles, &weps), want, "{name}");
        }
    }
}
