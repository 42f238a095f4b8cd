//! The four RFC 4271 session timers of one connection as deadlines; the FSM's
//! `Start*`/`Stop*` outputs set them and expiries turn back into FSM inputs.

use std::time::Duration;

use tokio::time::Instant;

use crate::fsm::{Input, Output};

/// Deadlines of ConnectRetry, Hold, Keepalive and IdleHold.
#[derive(Debug, Default, Clone, Copy)]
pub struct Timers {
    connect_retry: Option<Instant>,
    hold: Option<Instant>,
    keepalive: Option<Instant>,
    idle_hold: Option<Instant>,
    /// Keepalive interval to use instead of the FSM's (configured `keepalive_time`).
    pub keepalive_override: Option<u16>,
}

impl Timers {
    /// No timer running; keepalives every `keepalive` seconds at most if given.
    pub fn with_keepalive(keepalive: Option<u16>) -> Timers {
        Timers {
            keepalive_override: keepalive,
            ..Timers::default()
        }
    }

    /// Apply a timer output; returns false if `o` is not a timer output.
    pub fn apply(&mut self, o: &Output, now: Instant) -> bool {
        let at = |secs: u64| Some(now + Duration::from_secs(secs));
        match o {
            Output::StartConnectRetryTimer(s) => self.connect_retry = at(u64::from(*s)),
            Output::StopConnectRetryTimer => self.connect_retry = None,
            // Hold and keepalive of 0 mean "no timer" (RFC 4271 §4.4).
            Output::StartHoldTimer(s) => self.hold = (*s > 0).then(|| now + secs(*s)),
            Output::StopHoldTimer => self.hold = None,
            Output::StartKeepaliveTimer(s) => {
                let s = self.keepalive_override.map_or(*s, |k| k.min(*s));
                self.keepalive = (s > 0).then(|| now + secs(s));
            }
            Output::StopKeepaliveTimer => self.keepalive = None,
            Output::StartIdleHoldTimer(s) => self.idle_hold = at(u64::from(*s)),
            Output::StopIdleHoldTimer => self.idle_hold = None,
            _ => return false,
        }
        true
    }

    /// The earliest deadline, if any timer runs.
    pub fn next(&self) -> Option<Instant> {
        [
            self.connect_retry,
            self.hold,
            self.keepalive,
            self.idle_hold,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Take every expired timer as its FSM input (hold first: it ends the session).
    pub fn expired(&mut self, now: Instant) -> Vec<Input> {
        let mut out = Vec::new();
        let mut take = |slot: &mut Option<Instant>, input: Input| {
            if slot.is_some_and(|t| t <= now) {
                *slot = None;
                out.push(input);
            }
        };
        take(&mut self.hold, Input::HoldTimerExpired);
        take(&mut self.keepalive, Input::KeepaliveTimerExpired);
        take(&mut self.connect_retry, Input::ConnectRetryTimerExpired);
        take(&mut self.idle_hold, Input::IdleHoldTimerExpired);
        out
    }
}

fn secs(s: u16) -> Duration {
    Duration::from_secs(u64::from(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn started_timers_expire_into_their_inputs_and_stopped_ones_never_do() {
        let now = Instant::now();
        let mut t = Timers::default();
        for o in [
            Output::StartHoldTimer(9),
            Output::StartKeepaliveTimer(3),
            Output::StartConnectRetryTimer(5),
            Output::StopConnectRetryTimer,
            Output::StartIdleHoldTimer(0),
        ] {
            assert!(t.apply(&o, now));
        }
        assert_eq!(t.next(), Some(now));
        assert_eq!(t.expired(now), vec![Input::IdleHoldTimerExpired]);
        assert_eq!(t.next(), Some(now + Duration::from_secs(3)));
        let later = now + Duration::from_secs(10);
        assert_eq!(
            t.expired(later),
            vec![Input::HoldTimerExpired, Input::KeepaliveTimerExpired]
        );
        assert_eq!(t.next(), None);
    }

    #[test]
    fn zero_hold_time_runs_no_timer_and_the_keepalive_override_shortens_it() {
        let now = Instant::now();
        let mut t = Timers::with_keepalive(Some(1));
        t.apply(&Output::StartHoldTimer(0), now);
        assert_eq!(t.next(), None);
        t.apply(&Output::StartKeepaliveTimer(30), now);
        assert_eq!(t.next(), Some(now + Duration::from_secs(1)));
        assert!(!t.apply(&Output::Disconnect, now));
    }
}
