//! Prometheus metrics and readiness for the confd binary, read from the
//! loop's [`Status`] snapshots.

use terrace_svc::metrics::encode;
use terrace_svc::metrics::prometheus_client::metrics::counter::ConstCounter;
use terrace_svc::metrics::prometheus_client::metrics::gauge::ConstGauge;
use terrace_svc::metrics::prometheus_client::registry::Registry;
use tokio::sync::watch;

use crate::daemon::Status;

/// The text exposition of a status snapshot (pure). Counters are registered
/// without `_total`: the encoder appends it.
pub fn render(s: &Status) -> String {
    let mut r = Registry::default();
    let counters = [
        (
            "confd_renders",
            "Rebuilds of the bgpd configuration attempted",
            s.renders,
        ),
        (
            "confd_render_errors",
            "Rebuilds that could not be built or applied",
            s.render_errors,
        ),
        (
            "confd_configs_applied",
            "Changed configurations written and reloaded into bgpd",
            s.applied,
        ),
        (
            "confd_watch_events",
            "Datastore updates received",
            s.watch_events,
        ),
        (
            "confd_watch_errors",
            "Times following the datastore failed",
            s.watch_errors,
        ),
    ];
    for (name, help, v) in counters {
        r.register(name, help, ConstCounter::new(v));
    }
    r.register(
        "confd_last_render_timestamp_seconds",
        "Unix time of the last successful rebuild (0: none yet)",
        ConstGauge::new(s.last_render_unix_ms as f64 / 1000.0),
    );
    r.register(
        "confd_records_refused",
        "Records that do not decode or validate now (each used as last accepted, or left out)",
        ConstGauge::new(s.records_refused),
    );
    r.register(
        "confd_ready",
        "1 once a configuration is applied and the datastore is followed",
        ConstGauge::new(u64::from(s.ready)),
    );
    r.register(
        "confd_last_render_failed",
        "1 when the latest rebuild failed (the last good configuration stays)",
        ConstGauge::new(u64::from(s.last_error.is_some())),
    );
    encode(&r)
}

/// What the health endpoint serves.
#[derive(Debug)]
pub struct ConfdProbe(pub watch::Receiver<Status>);

impl terrace_svc::Probe for ConfdProbe {
    fn ready(&self) -> bool {
        self.0.borrow().ready
    }

    fn metrics(&self) -> String {
        render(&self.0.borrow())
    }
}

/// Sends `READY=1` to systemd the first time the loop reports ready.
pub async fn notify_when_ready(mut rx: watch::Receiver<Status>) {
    if rx.wait_for(|s| s.ready).await.is_ok() {
        terrace_svc::notify::ready("bgpd configuration rendered");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_counter_and_the_timestamp_in_seconds() {
        let s = Status {
            ready: true,
            renders: 4,
            render_errors: 1,
            applied: 2,
            watch_events: 9,
            last_render_unix_ms: 1_700_000_000_500,
            ..Status::default()
        };
        let m = terrace_svc::testkit::parse_metrics(&render(&s)).unwrap();
        let cases = [
            ("confd_renders_total", 4.0),
            ("confd_render_errors_total", 1.0),
            ("confd_configs_applied_total", 2.0),
            ("confd_watch_events_total", 9.0),
            ("confd_watch_errors_total", 0.0),
            ("confd_last_render_timestamp_seconds", 1_700_000_000.5),
            ("confd_ready", 1.0),
            ("confd_last_render_failed", 0.0),
        ];
        for (series, want) in cases {
            assert_eq!(m.get(series), Some(&want), "{series}");
        }
    }
}
