//! Interning: values held by many routes are stored once and shared by `Arc`.
//!
//! A host learns thousands of blocks from a handful of peers; almost all routes from one
//! peer carry the same attributes and go to the same next hops, so the RIB and the FIB
//! hold a pointer per route instead of a copy.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::hash::Hash;
use std::sync::Arc;

use super::types::RibAttrs;

/// Deduplicating store of values (attribute sets by default, or next-hop lists).
#[derive(Debug)]
pub struct Interner<T: ?Sized = RibAttrs> {
    set: HashSet<Arc<T>>,
}

impl<T: ?Sized> Default for Interner<T> {
    fn default() -> Self {
        Self {
            set: HashSet::new(),
        }
    }
}

impl<T: ?Sized + Eq + Hash> Interner<T> {
    /// The shared copy of `value`, inserting it if new.
    pub fn intern<V: Borrow<T> + Into<Arc<T>>>(&mut self, value: V) -> Arc<T> {
        if let Some(existing) = self.set.get(value.borrow()) {
            return Arc::clone(existing);
        }
        let arc = value.into();
        self.set.insert(Arc::clone(&arc));
        arc
    }

    /// Drop values nothing uses any more (only the interner holds them).
    pub fn collect_garbage(&mut self) {
        self.set.retain(|a| Arc::strong_count(a) > 1);
    }

    /// Number of distinct values held.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// True when nothing is interned.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    #[test]
    fn equal_values_share_one_copy_until_nobody_holds_it() {
        let mut i: Interner<[IpAddr]> = Interner::default();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let first = i.intern(&[a][..]);
        let second = i.intern(vec![a]);
        assert!(Arc::ptr_eq(&first, &second));
        let other = i.intern(&[][..]);
        assert_eq!(i.len(), 2);
        drop(other);
        i.collect_garbage();
        assert_eq!(i.len(), 1, "the empty list had no holder left");
        drop((first, second));
        i.collect_garbage();
        assert!(i.is_empty());
    }
}
