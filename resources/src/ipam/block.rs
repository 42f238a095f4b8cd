//! An IPAM block: a pool slice (a /26 by default) claimed by one host, and the
//! addresses allocated in it, each under a handle (container ID + interface).

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Who holds one allocated address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Allocation {
    /// `<container id>.<interface>`: ADD is idempotent per handle, DEL frees exactly it.
    pub handle: String,
    /// Free-form attributes (namespace, pod, node) shown by `netctl ipam show --ip`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

/// A block record, stored under the IPAM prefix keyed by its CIDR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Block {
    pub cidr: IpNet,
    /// The host that claimed the block; `None` once released.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<String>,
    /// Allocated addresses by ordinal (offset from the block's first address).
    #[serde(default)]
    pub allocations: BTreeMap<u32, Allocation>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    #[error("{ip} is not inside block {block}")]
    OutsideBlock { ip: IpAddr, block: IpNet },
    #[error("{ip} is already allocated to handle {handle}")]
    InUse { ip: IpAddr, handle: String },
}

impl Block {
    pub fn new(cidr: IpNet, affinity: Option<String>) -> Self {
        Block {
            cidr: cidr.trunc(),
            affinity,
            allocations: BTreeMap::new(),
        }
    }

    /// Number of addresses the block holds (64 for a /26).
    pub fn size(&self) -> u32 {
        let host_bits = u32::from(self.cidr.max_prefix_len() - self.cidr.prefix_len());
        // Block sizes are validated to at most 12 host bits (/20 or /116), so this cannot overflow.
        1u32 << host_bits.min(31)
    }

    pub fn free_count(&self) -> u32 {
        // allocations only ever holds ordinals < size(), so the count fits.
        self.size() - self.allocations.len() as u32
    }

    pub fn is_empty(&self) -> bool {
        self.allocations.is_empty()
    }

    /// The address at `ordinal`.
    pub fn address(&self, ordinal: u32) -> IpAddr {
        match self.cidr {
            IpNet::V4(n) => IpAddr::V4((u32::from(n.network()) + ordinal).into()),
            IpNet::V6(n) => IpAddr::V6((u128::from(n.network()) + u128::from(ordinal)).into()),
        }
    }

    /// The ordinal of `ip`, if it is inside the block.
    pub fn ordinal(&self, ip: IpAddr) -> Option<u32> {
        if !self.cidr.contains(&ip) {
            return None;
        }
        let offset = match (self.cidr, ip) {
            (IpNet::V4(n), IpAddr::V4(a)) => u128::from(u32::from(a) - u32::from(n.network())),
            (IpNet::V6(n), IpAddr::V6(a)) => u128::from(a) - u128::from(n.network()),
            _ => return None,
        };
        u32::try_from(offset).ok()
    }

    /// Addresses already held by `handle`, lowest first.
    pub fn addresses_of(&self, handle: &str) -> Vec<IpAddr> {
        self.allocations
            .iter()
            .filter(|(_, a)| a.handle == handle)
            .map(|(&o, _)| self.address(o))
            .collect()
    }

    /// Allocates up to `count` free addresses (lowest first) to `handle`.
    pub fn allocate(&mut self, count: u32, allocation: &Allocation) -> Vec<IpAddr> {
        let free: Vec<u32> = (0..self.size())
            .filter(|o| !self.allocations.contains_key(o))
            .take(count as usize)
            .collect();
        for &o in &free {
            self.allocations.insert(o, allocation.clone());
        }
        free.into_iter().map(|o| self.address(o)).collect()
    }

    /// Allocates exactly `ip` to `handle` (a requested static address).
    pub fn allocate_ip(&mut self, ip: IpAddr, allocation: &Allocation) -> Result<(), BlockError> {
        let ordinal = self.ordinal(ip).ok_or(BlockError::OutsideBlock {
            ip,
            block: self.cidr,
        })?;
        match self.allocations.get(&ordinal) {
            Some(existing) if existing.handle != allocation.handle => Err(BlockError::InUse {
                ip,
                handle: existing.handle.clone(),
            }),
            _ => {
                self.allocations.insert(ordinal, allocation.clone());
                Ok(())
            }
        }
    }

    /// Frees every address of `handle`; returns what was freed.
    pub fn release_handle(&mut self, handle: &str) -> Vec<IpAddr> {
        let freed = self.addresses_of(handle);
        self.allocations.retain(|_, a| a.handle != handle);
        freed
    }

    /// Frees one address; returns the handle that held it.
    pub fn release_ip(&mut self, ip: IpAddr) -> Option<String> {
        let ordinal = self.ordinal(ip)?;
        self.allocations.remove(&ordinal).map(|a| a.handle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alloc(handle: &str) -> Allocation {
        Allocation {
            handle: handle.into(),
            attributes: BTreeMap::new(),
        }
    }

    fn block(cidr: &str) -> Block {
        Block::new(cidr.parse().unwrap(), Some("h1".into()))
    }

    #[test]
    fn a_slash_26_holds_64_addresses_lowest_first() {
        let mut b = block("10.65.0.64/26");
        assert_eq!(b.size(), 64);
        let ips = b.allocate(2, &alloc("c1.eth0"));
        assert_eq!(
            ips,
            vec![
                "10.65.0.64".parse::<IpAddr>().unwrap(),
                "10.65.0.65".parse().unwrap()
            ]
        );
        assert_eq!(b.free_count(), 62);
    }

    #[test]
    fn a_full_block_allocates_nothing_more() {
        let mut b = block("10.65.0.0/30");
        assert_eq!(b.allocate(10, &alloc("a")).len(), 4);
        assert!(b.allocate(1, &alloc("b")).is_empty());
        assert_eq!(b.free_count(), 0);
    }

    #[test]
    fn release_by_handle_frees_exactly_that_handle() {
        let mut b = block("10.65.0.0/26");
        b.allocate(1, &alloc("a"));
        b.allocate(2, &alloc("b"));
        let freed = b.release_handle("b");
        assert_eq!(freed.len(), 2);
        assert_eq!(
            b.addresses_of("a"),
            vec!["10.65.0.0".parse::<IpAddr>().unwrap()]
        );
        assert!(
            b.release_handle("b").is_empty(),
            "releasing twice frees nothing"
        );
    }

    #[test]
    fn freed_addresses_are_reused() {
        let mut b = block("10.65.0.0/26");
        b.allocate(3, &alloc("a"));
        assert_eq!(b.release_ip("10.65.0.1".parse().unwrap()), Some("a".into()));
        assert_eq!(
            b.allocate(1, &alloc("c")),
            vec!["10.65.0.1".parse::<IpAddr>().unwrap()]
        );
    }

    #[test]
    fn static_addresses_conflict_only_across_handles() {
        let mut b = block("10.65.0.0/26");
        let ip = "10.65.0.9".parse().unwrap();
        b.allocate_ip(ip, &alloc("a")).unwrap();
        b.allocate_ip(ip, &alloc("a")).unwrap();
        assert!(matches!(
            b.allocate_ip(ip, &alloc("b")),
            Err(BlockError::InUse { .. })
        ));
        assert!(matches!(
            b.allocate_ip("10.66.0.1".parse().unwrap(), &alloc("a")),
            Err(BlockError::OutsideBlock { .. })
        ));
    }

    #[test]
    fn ipv6_blocks_work_the_same() {
        let mut b = block("fd00:65::40/122");
        assert_eq!(b.size(), 64);
        assert_eq!(
            b.allocate(1, &alloc("a")),
            vec!["fd00:65::40".parse::<IpAddr>().unwrap()]
        );
        assert_eq!(b.ordinal("fd00:65::7f".parse().unwrap()), Some(63));
        assert_eq!(b.ordinal("fd00:65::80".parse().unwrap()), None);
    }

    #[test]
    fn round_trips_through_json() {
        let mut b = block("10.65.0.0/26");
        b.allocate(2, &alloc("a"));
        let back: Block = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
        assert_eq!(back, b);
    }
}
