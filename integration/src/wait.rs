//! Polling with a deadline: the only way the harness waits for anything.

use std::time::{Duration, Instant};

/// A condition did not become true before its deadline.
#[derive(Debug, thiserror::Error)]
#[error("timed out after {waited:?} waiting for {what}")]
pub struct WaitError {
    /// What was being waited for.
    pub what: String,
    /// How long the wait lasted.
    pub waited: Duration,
}

/// Polls `cond` until it returns true or `timeout` has passed.
///
/// The poll interval starts at 10 ms and doubles up to 200 ms, so fast
/// conditions return quickly and slow ones do not burn the CPU.
pub fn wait_until(
    timeout: Duration,
    what: &str,
    mut cond: impl FnMut() -> bool,
) -> Result<(), WaitError> {
    wait_for(timeout, what, || cond().then_some(()))
}

/// Polls `probe` until it yields `Some(value)` or `timeout` has passed.
pub fn wait_for<T>(
    timeout: Duration,
    what: &str,
    mut probe: impl FnMut() -> Option<T>,
) -> Result<T, WaitError> {
    let start = Instant::now();
    let mut interval = Duration::from_millis(10);
    loop {
        if let Some(v) = probe() {
            return Ok(v);
        }
        let waited = start.elapsed();
        if waited >= timeout {
            return Err(WaitError {
                what: what.to_owned(),
                waited,
            });
        }
        // Sleeping here is the poll interval of a condition with a deadline.
        std::thread::sleep(interval.min(timeout - waited));
        interval = (interval * 2).min(Duration::from_millis(200));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_until_returns_once_the_condition_holds() {
        let mut calls = 0;
        let r = wait_until(Duration::from_secs(5), "third call", || {
            calls += 1;
            calls >= 3
        });
        assert!(r.is_ok());
        assert_eq!(calls, 3);
    }

    #[test]
    fn wait_until_fails_with_the_description_after_the_deadline() {
        let err = wait_until(Duration::from_millis(50), "never", || false).unwrap_err();
        assert!(err.waited >= Duration::from_millis(50));
        assert!(err.to_string().contains("never"));
    }

    #[test]
    fn wait_for_hands_back_the_value() {
        let v = wait_for(Duration::from_secs(1), "value", || Some(42));
        assert_eq!(v.unwrap(), 42);
    }
}
