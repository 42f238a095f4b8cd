//! Carving pools into blocks without enumerating them: an IPv6 pool holds far
//! too many blocks to list, so we walk only as far as the claimed ones reach.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::collections::BTreeSet;

/// The `index`-th block of `pool` with prefix length `block_len`, if it exists.
pub fn nth_block(pool: IpNet, block_len: u8, index: u128) -> Option<IpNet> {
    let bits = block_len.checked_sub(pool.prefix_len())?;
    if bits < 128 && index >= (1u128 << bits) {
        return None;
    }
    match pool {
        IpNet::V4(p) => {
            let step = 1u64 << (32 - u32::from(block_len));
            let start =
                u64::from(u32::from(p.network())) + step.checked_mul(u64::try_from(index).ok()?)?;
            let addr = u32::try_from(start).ok()?;
            Ipv4Net::new(addr.into(), block_len).ok().map(IpNet::V4)
        }
        IpNet::V6(p) => {
            let shift = 128 - u32::from(block_len);
            let offset = if shift >= 128 {
                0
            } else {
                index.checked_shl(shift)?
            };
            let addr = u128::from(p.network()).checked_add(offset)?;
            Ipv6Net::new(addr.into(), block_len).ok().map(IpNet::V6)
        }
    }
}

/// The lowest block of `pool` not in `taken`.
pub fn first_free_block(pool: IpNet, block_len: u8, taken: &BTreeSet<IpNet>) -> Option<IpNet> {
    // Among the first taken.len() + 1 blocks at least one is free, if the pool has that many.
    (0..=taken.len() as u128)
        .map_while(|i| nth_block(pool, block_len, i))
        .find(|b| !taken.contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn nth_block_walks_the_pool() {
        let pool = net("10.65.0.0/24");
        let blocks: Vec<String> = (0..5)
            .map_while(|i| nth_block(pool, 26, i))
            .map(|b| b.to_string())
            .collect();
        assert_eq!(
            blocks,
            [
                "10.65.0.0/26",
                "10.65.0.64/26",
                "10.65.0.128/26",
                "10.65.0.192/26"
            ]
        );
        assert_eq!(
            nth_block(net("fd00::/48"), 122, 1),
            Some(net("fd00::40/122"))
        );
        assert_eq!(
            nth_block(net("10.0.0.0/24"), 20, 0),
            None,
            "block larger than pool"
        );
    }

    #[test]
    fn first_free_block_skips_taken_ones() {
        let pool = net("10.65.0.0/24");
        let taken: BTreeSet<IpNet> = [net("10.65.0.0/26"), net("10.65.0.128/26")].into();
        assert_eq!(
            first_free_block(pool, 26, &taken),
            Some(net("10.65.0.64/26"))
        );
        let all: BTreeSet<IpNet> = (0..4).filter_map(|i| nth_block(pool, 26, i)).collect();
        assert_eq!(first_free_block(pool, 26, &all), None);
    }

    #[test]
    fn huge_ipv6_pools_are_not_enumerated() {
        let pool = net("fd00::/32");
        assert_eq!(
            first_free_block(pool, 122, &BTreeSet::new()),
            Some(net("fd00::/122"))
        );
    }
}
