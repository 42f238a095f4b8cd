//! What this node advertises: its blocks as aggregates, and single addresses
//! it borrowed from other hosts' blocks, each with the communities that
//! BGPConfiguration attaches to it.

use super::inputs::Inputs;
use ipnet::IpNet;
use resources::bgpconfig::check_community_value;

/// One prefix to originate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origination {
    pub prefix: IpNet,
    /// Literal `aa:nn` / `aa:nn:mm` values, sorted and de-duplicated.
    pub communities: Vec<String>,
}

/// The IPAM attribute naming the node an address was assigned for.
pub const NODE_ATTRIBUTE: &str = "node";

fn exported(inputs: &Inputs, prefix: &IpNet) -> bool {
    !inputs
        .pools
        .iter()
        .any(|p| p.disable_bgp_export && p.cidr.contains(prefix))
}

fn communities_for(inputs: &Inputs, prefix: &IpNet) -> Vec<String> {
    let named = inputs
        .setting(|c| Some(c.communities.clone()))
        .unwrap_or_default();
    let adverts = inputs
        .setting(|c| Some(c.prefix_advertisements.clone()))
        .unwrap_or_default();
    let mut values: Vec<String> = adverts
        .iter()
        .filter(|a| a.cidr.contains(prefix))
        .flat_map(|a| a.communities.iter())
        .filter_map(|c| match named.iter().find(|n| &n.name == c) {
            Some(n) => Some(n.value.clone()),
            None => check_community_value(c).ok().map(|()| c.clone()),
        })
        .collect();
    values.sort();
    values.dedup();
    values
}

/// Every prefix this node originates, sorted.
pub fn originations(inputs: &Inputs) -> Vec<Origination> {
    let mut prefixes: Vec<IpNet> = Vec::new();
    for block in &inputs.blocks {
        if block.affinity.as_deref() == Some(&inputs.node) {
            prefixes.push(block.cidr);
            continue;
        }
        // Addresses borrowed from another host's block are advertised one by one;
        // the owner's aggregate still covers the rest of the block.
        for (&ordinal, allocation) in &block.allocations {
            if allocation.attributes.get(NODE_ATTRIBUTE) == Some(&inputs.node) {
                let ip = block.address(ordinal);
                if let Ok(host) = IpNet::new(ip, if ip.is_ipv4() { 32 } else { 128 }) {
                    prefixes.push(host);
                }
            }
        }
    }
    let mut out: Vec<Origination> = prefixes
        .into_iter()
        .filter(|p| exported(inputs, p))
        .map(|prefix| Origination {
            communities: communities_for(inputs, &prefix),
            prefix,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}
