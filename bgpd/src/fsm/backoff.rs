//! Bounded exponential backoff for the ConnectRetryTimer and IdleHoldTimer
//! (RFC 4271 §8.1.1 DampPeerOscillations: "the time ... SHOULD increase exponentially").

/// `base * 2^attempts`, capped at `max` (and never below 1 second).
pub fn delay(base: u32, max: u32, attempts: u32) -> u32 {
    let factor = 1u32.checked_shl(attempts.min(31)).unwrap_or(u32::MAX);
    base.max(1).saturating_mul(factor).min(max.max(1))
}

#[cfg(test)]
mod tests {
    use super::delay;

    #[test]
    fn backoff_doubles_then_stops_at_the_cap() {
        let table = [
            (0, 5),
            (1, 10),
            (2, 20),
            (3, 40),
            (4, 80),
            (5, 120),
            (40, 120),
        ];
        for (attempts, want) in table {
            assert_eq!(delay(5, 120, attempts), want, "attempt {attempts}");
        }
    }
}
