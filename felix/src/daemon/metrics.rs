//! Prometheus metrics: live `prometheus-client` values in one registry,
//! rendered in the text format by `terrace-svc`.

use std::sync::atomic::AtomicBool;

use terrace_svc::metrics::encode;
use terrace_svc::metrics::prometheus_client::metrics::counter::Counter;
use terrace_svc::metrics::prometheus_client::metrics::gauge::Gauge;
use terrace_svc::metrics::prometheus_client::metrics::histogram::Histogram;
use terrace_svc::metrics::prometheus_client::registry::Registry;

/// Upper bounds (seconds) of the apply-latency histogram buckets.
const BUCKETS: [f64; 10] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

/// felix's counters and gauges; each is also registered (the values are shared handles).
#[derive(Debug)]
pub struct Metrics {
    /// Local endpoints programmed.
    pub endpoints: Gauge,
    /// Policies in use.
    pub policies: Gauge,
    /// Named sets.
    pub sets: Gauge,
    /// nft rules.
    pub rules: Gauge,
    /// Reconcile failures.
    pub failures: Counter,
    /// Periodic resyncs.
    pub resyncs: Counter,
    /// Datastore records refused (not decodable or not valid); the ingest state
    /// keeps the running total, so this one is stored, not incremented.
    pub records_refused: Counter,
    /// Dataplane apply latency, seconds.
    pub apply_seconds: Histogram,
    /// Datastore reachable and first dataplane programmed.
    pub ready: AtomicBool,
    registry: Registry,
}

impl Default for Metrics {
    fn default() -> Self {
        let m = Metrics {
            endpoints: Gauge::default(),
            policies: Gauge::default(),
            sets: Gauge::default(),
            rules: Gauge::default(),
            failures: Counter::default(),
            resyncs: Counter::default(),
            records_refused: Counter::default(),
            apply_seconds: Histogram::new(BUCKETS),
            ready: AtomicBool::new(false),
            registry: Registry::default(),
        };
        let mut r = Registry::default();
        let gauges = [
            (
                "felix_endpoints",
                "Local endpoints programmed",
                &m.endpoints,
            ),
            ("felix_policies", "Policies in use", &m.policies),
            ("felix_sets", "Named nft sets", &m.sets),
            ("felix_rules", "nft rules in the table", &m.rules),
        ];
        for (name, help, g) in gauges {
            r.register(name, help, g.clone());
        }
        // Registered without `_total`: the encoder appends it.
        let counters = [
            ("felix_reconcile_failures", "Failed reconciles", &m.failures),
            ("felix_resyncs", "Periodic resyncs", &m.resyncs),
            (
                "felix_records_refused",
                "Datastore records refused: bad key, undecodable or invalid",
                &m.records_refused,
            ),
        ];
        for (name, help, c) in counters {
            r.register(name, help, c.clone());
        }
        r.register(
            "felix_apply_seconds",
            "Dataplane apply latency",
            m.apply_seconds.clone(),
        );
        Metrics { registry: r, ..m }
    }
}

impl Metrics {
    /// Records one apply's latency.
    pub fn observe_apply(&self, secs: f64) {
        self.apply_seconds.observe(secs);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        encode(&self.registry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.observe_apply(0.003);
        m.observe_apply(0.2);
        let text = m.render();
        assert!(
            text.contains("felix_apply_seconds_bucket{le=\"0.001\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("felix_apply_seconds_bucket{le=\"0.005\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("felix_apply_seconds_bucket{le=\"0.25\"} 2"),
            "{text}"
        );
        assert!(text.contains("felix_apply_seconds_count 2"), "{text}");
    }
}
