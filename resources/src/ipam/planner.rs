//! Decides where the next address for a node comes from, in Calico's order:
//! the node's own blocks, then a newly claimed block, then (unless strict
//! affinity is set) a single address borrowed from another host's block.

use super::{block::Block, carve::first_free_block};
use ipnet::IpNet;
use std::collections::BTreeSet;

/// A pool as the planner sees it, already filtered for this node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolView {
    pub cidr: IpNet,
    pub block_prefix_len: u8,
    /// Enabled and its nodeSelector matches the node.
    pub usable: bool,
}

#[derive(Debug)]
pub struct PlanInput<'a> {
    pub node: &'a str,
    pub pools: &'a [PoolView],
    /// Every block record in the store.
    pub blocks: &'a [Block],
    pub ipv6: bool,
    /// Never borrow from other hosts' blocks.
    pub strict_affinity: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Allocate in a block this node already owns.
    UseAffine(IpNet),
    /// Claim this new block for the node, then allocate in it.
    Claim(IpNet),
    /// Allocate one address in another host's block.
    Borrow(IpNet),
    /// No usable pool has room.
    Exhausted,
}

fn in_usable_pool(cidr: &IpNet, pools: &[&PoolView]) -> bool {
    pools.iter().any(|p| p.cidr.contains(cidr))
}

/// Chooses the block for the next allocation of one address family.
pub fn plan_allocation(input: &PlanInput<'_>) -> Plan {
    let family = |net: &IpNet| matches!(net, IpNet::V6(_)) == input.ipv6;
    let pools: Vec<&PoolView> = input
        .pools
        .iter()
        .filter(|p| p.usable && family(&p.cidr))
        .collect();
    let has_room = |b: &Block| b.free_count() > 0 && in_usable_pool(&b.cidr, &pools);
    let mut blocks: Vec<&Block> = input.blocks.iter().filter(|b| family(&b.cidr)).collect();
    blocks.sort_by_key(|b| b.cidr);

    let own = |b: &Block| b.affinity.as_deref() == Some(input.node);
    if let Some(b) = blocks.iter().find(|b| has_room(b) && own(b)) {
        return Plan::UseAffine(b.cidr);
    }
    let taken: BTreeSet<IpNet> = blocks.iter().map(|b| b.cidr).collect();
    if let Some(cidr) = pools
        .iter()
        .find_map(|p| first_free_block(p.cidr, p.block_prefix_len, &taken))
    {
        return Plan::Claim(cidr);
    }
    if !input.strict_affinity
        && let Some(b) = blocks.iter().find(|b| has_room(b))
    {
        return Plan::Borrow(b.cidr);
    }
    Plan::Exhausted
}

/// Blocks this node owns that hold no address and may be given back.
pub fn releasable_blocks<'a>(node: &str, blocks: &'a [Block]) -> Vec<&'a Block> {
    blocks
        .iter()
        .filter(|b| b.affinity.as_deref() == Some(node) && b.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipam::Allocation;

    fn pool(cidr: &str, len: u8, usable: bool) -> PoolView {
        PoolView {
            cidr: cidr.parse().unwrap(),
            block_prefix_len: len,
            usable,
        }
    }

    fn block(cidr: &str, node: &str, used: u32) -> Block {
        let mut b = Block::new(cidr.parse().unwrap(), Some(node.to_string()));
        b.allocate(
            used,
            &Allocation {
                handle: "x".into(),
                attributes: Default::default(),
            },
        );
        b
    }

    fn plan(node: &str, pools: &[PoolView], blocks: &[Block], strict: bool) -> Plan {
        plan_allocation(&PlanInput {
            node,
            pools,
            blocks,
            ipv6: false,
            strict_affinity: strict,
        })
    }

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn allocation_plan_table() {
        let p = [pool("10.65.0.0/25", 26, true)];
        let cases: Vec<(&str, Vec<Block>, bool, Plan)> = vec![
            (
                "first allocation claims the first block",
                vec![],
                false,
                Plan::Claim(net("10.65.0.0/26")),
            ),
            (
                "own block with room is used",
                vec![block("10.65.0.64/26", "h1", 3)],
                false,
                Plan::UseAffine(net("10.65.0.64/26")),
            ),
            (
                "own full block leads to a new claim",
                vec![block("10.65.0.0/26", "h1", 64)],
                false,
                Plan::Claim(net("10.65.0.64/26")),
            ),
            (
                "pool out of blocks borrows from another host",
                vec![
                    block("10.65.0.0/26", "h1", 64),
                    block("10.65.0.64/26", "h2", 10),
                ],
                false,
                Plan::Borrow(net("10.65.0.64/26")),
            ),
            (
                "strict affinity never borrows",
                vec![
                    block("10.65.0.0/26", "h1", 64),
                    block("10.65.0.64/26", "h2", 10),
                ],
                true,
                Plan::Exhausted,
            ),
            (
                "everything full is exhausted",
                vec![
                    block("10.65.0.0/26", "h1", 64),
                    block("10.65.0.64/26", "h2", 64),
                ],
                false,
                Plan::Exhausted,
            ),
        ];
        for (name, blocks, strict, want) in cases {
            assert_eq!(plan("h1", &p, &blocks, strict), want, "{name}");
        }
    }

    #[test]
    fn unusable_pools_are_skipped() {
        let pools = [
            pool("10.65.0.0/24", 26, false),
            pool("10.66.0.0/24", 26, true),
        ];
        assert_eq!(
            plan("h1", &pools, &[], false),
            Plan::Claim(net("10.66.0.0/26"))
        );
        let own_block_in_disabled_pool = [block("10.65.0.0/26", "h1", 1)];
        assert_eq!(
            plan("h1", &pools, &own_block_in_disabled_pool, false),
            Plan::Claim(net("10.66.0.0/26"))
        );
    }

    #[test]
    fn families_do_not_mix() {
        let pools = [
            pool("10.65.0.0/24", 26, true),
            pool("fd00::/120", 122, true),
        ];
        let v6 = plan_allocation(&PlanInput {
            node: "h1",
            pools: &pools,
            blocks: &[],
            ipv6: true,
            strict_affinity: false,
        });
        assert_eq!(v6, Plan::Claim(net("fd00::/122")));
    }

    #[test]
    fn only_own_empty_blocks_are_releasable() {
        let blocks = [
            block("10.65.0.0/26", "h1", 0),
            block("10.65.0.64/26", "h1", 1),
            block("10.65.0.128/26", "h2", 0),
        ];
        let cidrs: Vec<IpNet> = releasable_blocks("h1", &blocks)
            .iter()
            .map(|b| b.cidr)
            .collect();
        assert_eq!(cidrs, vec![net("10.65.0.0/26")]);
    }
}
