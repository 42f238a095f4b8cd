//! Graceful Restart, restarting side (RFC 4724 §4.1): after our own restart the kernel
//! still forwards with the routes installed before; the RIB learns from its peers but
//! holds back FIB changes and advertisements until every Graceful-Restart peer has sent
//! End-of-RIB, or the selection deferral timer fires. Then it emits the whole result
//! once, so the FIB moves from the old table to the new one without a gap.
//!
//! This module keeps the bookkeeping ([`Deferral`]); the RIB's side, what is held back
//! and released, is in `speaker::deferral`.

use std::collections::HashSet;

use super::types::PeerId;
use crate::wire::Afi;

/// Deferral bookkeeping: whether results are held back, and whose End-of-RIB is still
/// awaited. Nothing is pending while not deferring.
#[derive(Debug, Default)]
pub(super) struct Deferral {
    /// Deferring now.
    active: bool,
    /// (peer, family) pairs whose End-of-RIB we still wait for.
    pending: HashSet<(PeerId, Afi)>,
}

impl Deferral {
    /// Start deferring, waiting for nobody yet.
    pub fn start(&mut self) {
        self.active = true;
        self.pending.clear();
    }

    /// True while results are held back.
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// Wait for End-of-RIB from `id` for each of `families`.
    pub fn wait_for(&mut self, id: PeerId, families: &[Afi]) {
        self.pending.extend(families.iter().map(|f| (id, *f)));
    }

    /// End-of-RIB from `id` for `afi`; true when nothing is pending any more.
    pub fn end_of_rib(&mut self, id: PeerId, afi: Afi) -> bool {
        self.pending.remove(&(id, afi));
        self.pending.is_empty()
    }

    /// Stop deferring; false if it was not deferring.
    pub fn finish(&mut self) -> bool {
        if !self.active {
            return false;
        }
        self.active = false;
        self.pending.clear();
        true
    }
}
