//! Which datastore and which node name a Terrace binary uses. Shared by every binary so the
//! precedence is the same everywhere:
//!
//! - datastore: `--datastore URL` > `TERRACE_DATASTORE` > the config file's value >
//!   [`DEFAULT_DATASTORE`];
//! - node name: `--node NAME` > `TERRACE_NODE` > the config file's value > the host name.
//!
//! An empty value (e.g. `TERRACE_NODE=`) counts as unset. The `choose_*` functions are pure:
//! callers pass every input, so tests need no environment; the `*_from_env` helpers read the
//! real environment and host name.

use std::path::Path;

use crate::url::{DatastoreUrl, UrlError};
use resources::key::{KeyError, check_segment};

/// The embedded store used when nothing else is configured.
pub const DEFAULT_DATASTORE: &str = "sqlite:///var/lib/terrace/store.db";
/// Environment variable naming the datastore URL.
pub const DATASTORE_ENV: &str = "TERRACE_DATASTORE";
/// Environment variable naming this node.
pub const NODE_ENV: &str = "TERRACE_NODE";

/// Where a selected value came from (for logs and `netctl` diagnostics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag.
    Flag,
    /// An environment variable.
    Env,
    /// The configuration file.
    ConfigFile,
    /// The built-in default (datastore) or the host name (node).
    Default,
}

/// Why a selection failed.
#[derive(Debug, thiserror::Error)]
pub enum SelectionError {
    /// The chosen datastore URL is malformed.
    #[error("datastore from {from:?}: {error}")]
    Url {
        /// Where the bad URL came from.
        from: Source,
        /// The parse error.
        error: UrlError,
    },
    /// The chosen node name is not a valid key segment.
    #[error("node name from {from:?}: {error}")]
    Node {
        /// Where the bad name came from.
        from: Source,
        /// Why it is invalid.
        error: KeyError,
    },
    /// The host name could not be read.
    #[error("cannot read the host name")]
    Hostname(#[source] std::io::Error),
}

/// The first non-empty of flag, env, config, with its source.
fn first_set<'a>(
    flag: Option<&'a str>,
    env: Option<&'a str>,
    config: Option<&'a str>,
) -> Option<(&'a str, Source)> {
    [
        (flag, Source::Flag),
        (env, Source::Env),
        (config, Source::ConfigFile),
    ]
    .into_iter()
    .find_map(|(value, source)| {
        value
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| (v, source))
    })
}

/// Picks and parses the datastore URL from the given inputs.
pub fn choose_datastore(
    flag: Option<&str>,
    env: Option<&str>,
    config: Option<&str>,
) -> Result<(DatastoreUrl, Source), SelectionError> {
    let (url, source) =
        first_set(flag, env, config).unwrap_or((DEFAULT_DATASTORE, Source::Default));
    DatastoreUrl::parse(url)
        .map(|parsed| (parsed, source))
        .map_err(|error| SelectionError::Url {
            from: source,
            error,
        })
}

/// Picks and validates the node name; `hostname` is only called when nothing else is set.
pub fn choose_node(
    flag: Option<&str>,
    env: Option<&str>,
    config: Option<&str>,
    hostname: impl FnOnce() -> std::io::Result<String>,
) -> Result<(String, Source), SelectionError> {
    let (name, source) = match first_set(flag, env, config) {
        Some((name, source)) => (name.to_owned(), source),
        None => {
            let host = hostname().map_err(SelectionError::Hostname)?;
            (host.trim().to_owned(), Source::Default)
        }
    };
    check_segment("node name", &name).map_err(|error| SelectionError::Node {
        from: source,
        error,
    })?;
    Ok((name, source))
}

/// [`choose_datastore`] with `TERRACE_DATASTORE` read from the process environment.
pub fn datastore_from_env(
    flag: Option<&str>,
    config: Option<&str>,
) -> Result<(DatastoreUrl, Source), SelectionError> {
    let env = std::env::var(DATASTORE_ENV).ok();
    choose_datastore(flag, env.as_deref(), config)
}

/// [`choose_node`] with `TERRACE_NODE` and the host name read from the system.
pub fn node_from_env(
    flag: Option<&str>,
    config: Option<&str>,
) -> Result<(String, Source), SelectionError> {
    let env = std::env::var(NODE_ENV).ok();
    choose_node(flag, env.as_deref(), config, hostname)
}

/// The kernel's host name (the UTS namespace's, so a lab host in its own namespace gets its own).
pub fn hostname() -> std::io::Result<String> {
    let name = std::fs::read_to_string(Path::new("/proc/sys/kernel/hostname"))?;
    Ok(name.trim().to_owned())
}
