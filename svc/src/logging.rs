//! One logging setup for every daemon: to stderr (the journal, under systemd),
//! filtered by `TERRACE_LOG` (else `RUST_LOG`, else `info`), as text or, with
//! `TERRACE_LOG_FORMAT=json`, one JSON object per line for log shippers.

use tracing_subscriber::EnvFilter;

/// The filter directives in effect: `TERRACE_LOG`, else `RUST_LOG`, else `info`.
fn directives(terrace_log: Option<String>, rust_log: Option<String>) -> String {
    terrace_log
        .or(rust_log)
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| "info".to_owned())
}

/// Installs the global subscriber. A filter that does not parse falls back to
/// `info` and says so, rather than leaving the daemon silent.
pub fn init() {
    let wanted = directives(
        std::env::var("TERRACE_LOG").ok(),
        std::env::var("RUST_LOG").ok(),
    );
    let (filter, rejected) = match EnvFilter::try_new(&wanted) {
        Ok(f) => (f, None),
        Err(e) => (EnvFilter::new("info"), Some(e)),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let json = std::env::var("TERRACE_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
    if let Some(e) = rejected {
        tracing::warn!(filter = %wanted, error = %e, "log filter not understood; logging at info");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terrace_log_wins_over_rust_log_and_info_is_the_default() {
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(directives(s("debug"), s("warn")), "debug");
        assert_eq!(directives(None, s("warn")), "warn");
        assert_eq!(directives(None, None), "info");
        assert_eq!(directives(s(" "), None), "info");
    }
}
