//! Prometheus metrics with the `prometheus-client` crate, exposed in the text
//! format 0.0.4 (`prometheus_text`): what Prometheus and `promtool check
//! metrics` read, with counters named `<name>_total` in every line. Register a
//! counter without the `_total` suffix; the encoder adds it.
//!
//! Daemons that keep their own state snapshot (bgpd, confd) build a registry
//! per scrape from [`ConstFamily`] and the crate's `ConstCounter`/`ConstGauge`;
//! felix keeps live `Counter`/`Gauge`/`Histogram` values in one registry.

pub use prometheus_client;

use prometheus_client::encoding::{EncodeCounterValue, EncodeGaugeValue, EncodeMetric};
use prometheus_client::encoding::{MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

/// The text exposition of `registry`.
pub fn encode(registry: &Registry) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail; an encoder error would leave what was written.
    if let Err(e) = prometheus_client::encoding::prometheus_text::encode(&mut out, registry) {
        tracing::warn!(error = %e, "metrics encoding failed");
    }
    out
}

/// Label names and values of one series, in the order they are written.
pub type Labels = Vec<(&'static str, String)>;

/// A counter or gauge family read from a snapshot: its series are written in
/// the order given (the crate's `Family` keeps live values in a hash map, so
/// its order changes from one scrape to the next).
#[derive(Debug)]
pub struct ConstFamily<N = u64> {
    kind: MetricType,
    series: Vec<(Labels, N)>,
}

impl<N> ConstFamily<N> {
    /// A counter family.
    pub fn counters(series: Vec<(Labels, N)>) -> Self {
        ConstFamily {
            kind: MetricType::Counter,
            series,
        }
    }

    /// A gauge family.
    pub fn gauges(series: Vec<(Labels, N)>) -> Self {
        ConstFamily {
            kind: MetricType::Gauge,
            series,
        }
    }
}

impl<N> EncodeMetric for ConstFamily<N>
where
    N: EncodeCounterValue + EncodeGaugeValue,
{
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        for (labels, value) in &self.series {
            let mut series = encoder.encode_family(labels)?;
            if self.kind == MetricType::Counter {
                series.encode_counter::<NoLabelSet, N, u64>(value, None)?;
            } else {
                series.encode_gauge(value)?;
            }
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        self.kind
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::metrics::counter::ConstCounter;
    use prometheus_client::metrics::gauge::ConstGauge;

    #[test]
    fn counters_get_total_in_every_line_and_series_keep_their_order() {
        let mut r = Registry::default();
        r.register("x", "A \\ b\nc", ConstCounter::new(3u64));
        r.register(
            "peers",
            "By state",
            ConstFamily::gauges(vec![
                (vec![("state", "b\"\\\n".to_string())], 2u64),
                (vec![("state", "a".to_string())], 0),
            ]),
        );
        r.register("t_seconds", "When", ConstGauge::new(1_700_000_000.5f64));
        assert_eq!(
            encode(&r),
            "# HELP x_total A \\\\ b\\nc.\n# TYPE x_total counter\nx_total 3\n\
             # HELP peers By state.\n# TYPE peers gauge\npeers{state=\"b\\\"\\\\\\n\"} 2\npeers{state=\"a\"} 0\n\
             # HELP t_seconds When.\n# TYPE t_seconds gauge\nt_seconds 1700000000.5\n"
        );
    }
}
