//! Prometheus text exposition format 0.0.4: one `# HELP` and `# TYPE` per
//! family, then its samples. Pure string building, no I/O.

use std::fmt::Write as _;

/// Metric family types used by Terrace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// Monotonic count; the name ends in `_total`.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Cumulative buckets, `_sum` and `_count`.
    Histogram,
}

impl Type {
    fn as_str(self) -> &'static str {
        match self {
            Type::Counter => "counter",
            Type::Gauge => "gauge",
            Type::Histogram => "histogram",
        }
    }
}

/// A text exposition under construction.
#[derive(Debug, Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    /// Starts a family: its help line and type.
    pub fn family(&mut self, name: &str, help: &str, kind: Type) -> &mut Self {
        // Writing to a String cannot fail.
        let _ = writeln!(
            self.out,
            "# HELP {name} {}\n# TYPE {name} {}",
            escape_help(help),
            kind.as_str()
        );
        self
    }

    /// One sample of the current family.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) -> &mut Self {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape_label(v));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", format_value(value));
        self
    }

    /// A family with a single unlabelled sample.
    pub fn single(&mut self, name: &str, help: &str, kind: Type, value: f64) -> &mut Self {
        self.family(name, help, kind).sample(name, &[], value)
    }

    /// The finished text.
    pub fn finish(self) -> String {
        self.out
    }
}

/// Sample values: integers without a fraction, the rest as Rust prints them,
/// and the spellings Prometheus expects for the special values.
pub fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Label values escape backslash, double quote and newline.
pub fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Help text escapes backslash and newline.
pub fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_as_prometheus_reads_them() {
        let cases = [
            (0.0, "0"),
            (42.0, "42"),
            (0.25, "0.25"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
            (1_700_000_000.5, "1700000000.5"),
        ];
        for (v, want) in cases {
            assert_eq!(format_value(v), want, "{v}");
        }
    }

    #[test]
    fn label_values_are_escaped() {
        let mut e = Exposition::default();
        e.family("x_total", "A \\ b\nc", Type::Counter).sample(
            "x_total",
            &[("peer", "a\"b\\c\nd"), ("k", "v")],
            3.0,
        );
        assert_eq!(
            e.finish(),
            "# HELP x_total A \\\\ b\\nc\n# TYPE x_total counter\nx_total{peer=\"a\\\"b\\\\c\\nd\",k=\"v\"} 3\n"
        );
    }
}
