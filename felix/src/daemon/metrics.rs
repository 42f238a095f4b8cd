//! Prometheus metrics, kept in atomics and rendered in the text format.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Upper bounds (seconds) of the apply-latency histogram buckets.
const BUCKETS: [f64; 10] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

/// felix's counters and gauges.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Local endpoints programmed.
    pub endpoints: AtomicU64,
    /// Policies in use.
    pub policies: AtomicU64,
    /// Named sets.
    pub sets: AtomicU64,
    /// nft rules.
    pub rules: AtomicU64,
    /// Reconcile failures.
    pub failures: AtomicU64,
    /// Periodic resyncs.
    pub resyncs: AtomicU64,
    /// Datastore records refused (not decodable or not valid).
    pub records_refused: AtomicU64,
    /// Datastore reachable and first dataplane programmed.
    pub ready: AtomicBool,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Metrics {
    /// Records one apply's latency.
    pub fn observe_apply(&self, secs: f64) {
        for (b, le) in self.buckets.iter().zip(BUCKETS) {
            if secs <= le {
                b.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        // Saturating float→int conversion: latencies are far below u64::MAX µs.
        self.sum_micros
            .fetch_add((secs * 1e6) as u64, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let gauges = [
            (
                "felix_endpoints",
                "Local endpoints programmed",
                &self.endpoints,
            ),
            ("felix_policies", "Policies in use", &self.policies),
            ("felix_sets", "Named nft sets", &self.sets),
            ("felix_rules", "nft rules in the table", &self.rules),
        ];
        for (name, help, v) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
            let _ = writeln!(out, "{name} {}", v.load(Ordering::Relaxed));
        }
        let counters = [
            (
                "felix_reconcile_failures_total",
                "Failed reconciles",
                &self.failures,
            ),
            ("felix_resyncs_total", "Periodic resyncs", &self.resyncs),
            (
                "felix_records_refused_total",
                "Datastore records refused: bad key, undecodable or invalid",
                &self.records_refused,
            ),
        ];
        for (name, help, v) in counters {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", v.load(Ordering::Relaxed));
        }
        let name = "felix_apply_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Dataplane apply latency\n# TYPE {name} histogram"
        );
        for (b, le) in self.buckets.iter().zip(BUCKETS) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{le}\"}} {}",
                b.load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
        out
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
