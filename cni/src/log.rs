//! Logging: to the config's `log_file` (appended) or stderr, never stdout (stdout carries the
//! CNI result).

use crate::config::NetConf;
use std::fs::OpenOptions;
use std::sync::Mutex;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber for one invocation; a log file that cannot be opened falls
/// back to stderr (logging must never fail an ADD).
pub fn init(conf: &NetConf) {
    let filter = EnvFilter::new(&conf.log_level);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false);
    let file = conf
        .log_file
        .as_ref()
        .and_then(|path| OpenOptions::new().create(true).append(true).open(path).ok());
    let installed = match file {
        Some(file) => builder.with_writer(Mutex::new(file)).try_init(),
        None => builder.with_writer(std::io::stderr).try_init(),
    };
    // Already installed (a second init in one process) is fine.
    drop(installed);
}
