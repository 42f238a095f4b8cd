//! Locking the lab's shared lists: a test that panicked while holding a lock
//! must not stop the teardown that runs in `Drop`, so a poisoned lock is
//! taken as it is.

use std::sync::{Mutex, MutexGuard, PoisonError};

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
