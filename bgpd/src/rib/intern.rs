//! Attribute interning: routes share one `Arc` per distinct attribute set.
//!
//! A host learns thousands of blocks from a handful of peers; almost all routes from one
//! peer carry the same attributes, so the RIBs hold a pointer per route instead of a copy.

use std::collections::HashSet;
use std::sync::Arc;

use super::types::RibAttrs;

/// Deduplicating store of attribute sets.
#[derive(Debug, Default)]
pub struct Interner {
    set: HashSet<Arc<RibAttrs>>,
}

impl Interner {
    /// The shared copy of `attrs`, inserting it if new.
    pub fn intern(&mut self, attrs: RibAttrs) -> Arc<RibAttrs> {
        if let Some(existing) = self.set.get(&attrs) {
            return Arc::clone(existing);
        }
        let arc = Arc::new(attrs);
        self.set.insert(Arc::clone(&arc));
        arc
    }

    /// Drop attribute sets no route uses any more (only the interner holds them).
    pub fn collect_garbage(&mut self) {
        self.set.retain(|a| Arc::strong_count(a) > 1);
    }

    /// Number of distinct attribute sets held.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// True when nothing is interned.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}
