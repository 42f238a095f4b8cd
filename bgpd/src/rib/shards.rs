//! Prefix-keyed hash maps split into shards, one family per key type.
//!
//! A hash table grows by allocating one twice its size and moving everything over, so
//! for a moment it needs three times its final size (the old table and the new one).
//! One table of a million routes would do that at once; sixteen shards do it a
//! sixteenth at a time. Keys are the family's own prefix type, so an IPv4 prefix costs
//! 5 octets instead of the 18 of an [`ipnet::IpNet`].
//!
//! The shard is chosen from the prefix bits by a fixed multiplicative hash; the maps
//! inside keep foldhash's per-process seed, so crafted prefixes can at worst put every
//! route into one shard — the unsharded table — never collide inside it.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::Hash;

// Faster than SipHash on the per-route tables, still seeded per process against
// crafted collisions from peers.
use foldhash::quality::RandomState;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// Number of shards per family.
pub(super) const SHARDS: usize = 16;

/// A prefix type that can key a sharded table.
pub(super) trait ShardKey: Copy + Eq + Hash + Into<IpNet> {
    /// The shard, below [`SHARDS`].
    fn shard(&self) -> usize;
}

/// Fibonacci hashing: the top bits of the product depend on every bit of `x`.
fn top_bits(x: u64) -> usize {
    const SHIFT: u32 = 64 - SHARDS.trailing_zeros();
    // At most SHARDS - 1 after the shift, so the conversion cannot fail.
    usize::try_from(x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> SHIFT).unwrap_or(0)
}

impl ShardKey for Ipv4Net {
    fn shard(&self) -> usize {
        top_bits(u64::from(u32::from(self.addr())) << 8 | u64::from(self.prefix_len()))
    }
}

impl ShardKey for Ipv6Net {
    fn shard(&self) -> usize {
        let a = u128::from(self.addr());
        // Both halves folded: host routes differ in the low half, blocks in the high.
        let folded = (a >> 64) as u64 ^ (a as u64).rotate_left(17);
        top_bits(folded ^ u64::from(self.prefix_len()))
    }
}

/// A map from prefixes of one family to `V`, in [`SHARDS`] shards.
#[derive(Debug)]
pub(super) struct Shards<K, V> {
    maps: Vec<HashMap<K, V, RandomState>>,
}

impl<K: ShardKey, V> Default for Shards<K, V> {
    fn default() -> Self {
        // Empty maps allocate nothing.
        Shards {
            maps: (0..SHARDS).map(|_| HashMap::default()).collect(),
        }
    }
}

impl<K: ShardKey, V> Shards<K, V> {
    fn map(&self, key: &K) -> Option<&HashMap<K, V, RandomState>> {
        self.maps.get(key.shard())
    }

    fn map_mut(&mut self, key: &K) -> Option<&mut HashMap<K, V, RandomState>> {
        self.maps.get_mut(key.shard())
    }

    pub fn get(&self, key: &K) -> Option<&V> {
        self.map(key)?.get(key)
    }

    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.map_mut(key)?.get_mut(key)
    }

    /// The entry for `key`; `None` cannot happen (every shard exists).
    pub fn entry(&mut self, key: K) -> Option<Entry<'_, K, V>> {
        Some(self.map_mut(&key)?.entry(key))
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        self.map_mut(key)?.remove(key)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.maps.iter().flat_map(|m| m.iter())
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.maps.iter_mut().flat_map(|m| m.iter_mut())
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.maps.iter().map(HashMap::len).sum()
    }

    /// Buckets allocated over all shards (memory diagnostics and tests).
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.maps.iter().map(HashMap::capacity).sum()
    }

    #[cfg(test)]
    fn shard_lens(&self) -> Vec<usize> {
        self.maps.iter().map(HashMap::len).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn v4(n: u32, len: u8) -> Ipv4Net {
        Ipv4Net::new(Ipv4Addr::from(n), len).unwrap()
    }

    #[test]
    fn consecutive_blocks_spread_over_every_shard() {
        // The shape of a real table: /24s or /26s one after the other.
        let mut t: Shards<Ipv4Net, ()> = Shards::default();
        for i in 0..16_000u32 {
            t.entry(v4(0x1000_0000 + (i << 8), 24))
                .unwrap()
                .or_insert(());
        }
        let lens = t.shard_lens();
        assert_eq!(t.len(), 16_000);
        let (min, max) = (lens.iter().min().unwrap(), lens.iter().max().unwrap());
        assert!(*min > 800 && *max < 1_200, "uneven shards: {lens:?}");
    }

    #[test]
    fn the_same_address_with_another_length_is_another_key() {
        let mut t: Shards<Ipv4Net, u8> = Shards::default();
        t.entry(v4(0x0A00_0000, 8)).unwrap().or_insert(8);
        t.entry(v4(0x0A00_0000, 16)).unwrap().or_insert(16);
        assert_eq!(t.get(&v4(0x0A00_0000, 8)), Some(&8));
        assert_eq!(t.get(&v4(0x0A00_0000, 16)), Some(&16));
        assert_eq!(t.remove(&v4(0x0A00_0000, 8)), Some(8));
        assert_eq!((t.len(), t.get(&v4(0x0A00_0000, 8))), (1, None));
    }

    #[test]
    fn iteration_visits_every_key_once() {
        let mut t: Shards<Ipv6Net, u32> = Shards::default();
        for i in 0..500u32 {
            let net = Ipv6Net::new((0xfd00_u128 << 112 | u128::from(i) << 64).into(), 64).unwrap();
            t.entry(net).unwrap().or_insert(i);
        }
        let mut seen: Vec<u32> = t.iter().map(|(_, v)| *v).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..500).collect::<Vec<_>>());
        for (_, v) in t.iter_mut() {
            *v += 1;
        }
        assert_eq!(t.iter().map(|(_, v)| u64::from(*v)).sum::<u64>(), 125_250);
    }

    #[test]
    fn growing_reallocates_one_shard_at_a_time() {
        // What sharding is for: the largest single reallocation stays near a sixteenth
        // of the table.
        let mut t: Shards<Ipv4Net, [u8; 32]> = Shards::default();
        let mut largest_step = 0;
        let mut last = 0;
        for i in 0..100_000u32 {
            t.entry(v4(0x1000_0000 + (i << 8), 24))
                .unwrap()
                .or_insert([0; 32]);
            let cap = t.capacity();
            largest_step = largest_step.max(cap.saturating_sub(last));
            last = cap;
        }
        assert!(
            largest_step * 8 < last,
            "a single growth step of {largest_step} buckets in a table of {last}"
        );
    }
}
