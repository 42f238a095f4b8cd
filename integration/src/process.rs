//! Daemons started inside a namespace, with output captured to a log file;
//! the handle stops the process when dropped.

use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::pids;
use crate::wait::wait_until;

/// How long a daemon gets to exit after SIGTERM before SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(5);

/// A child process shared between its [`Daemon`] handle and the lab, so
/// whichever goes first stops it.
pub(crate) type SharedChild = Arc<Mutex<Option<Child>>>;

/// A process running inside a lab namespace. Dropping it stops the process.
#[derive(Debug)]
pub struct Daemon {
    name: String,
    pid: u32,
    log: PathBuf,
    child: SharedChild,
}

impl Daemon {
    pub(crate) fn new(name: &str, child: Child, log: PathBuf) -> (Self, SharedChild) {
        let pid = child.id();
        let shared = Arc::new(Mutex::new(Some(child)));
        (
            Self {
                name: name.to_owned(),
                pid,
                log,
                child: Arc::clone(&shared),
            },
            shared,
        )
    }

    /// Label given at spawn time.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// File holding its stdout and stderr.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The captured output so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether the process is still running.
    pub fn is_running(&self) -> bool {
        let mut guard = self.child.lock().unwrap_or_else(PoisonError::into_inner);
        guard
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Stops the process: SIGTERM, then SIGKILL after a grace period.
    pub fn stop(&self) {
        stop_shared(&self.child);
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Stops a shared child if it is still there; safe to call twice.
pub(crate) fn stop_shared(child: &SharedChild) {
    let Some(mut c) = child.lock().unwrap_or_else(PoisonError::into_inner).take() else {
        return;
    };
    if matches!(c.try_wait(), Ok(None)) {
        let _ = pids::signal(c.id(), "TERM");
        let exited = wait_until(TERM_GRACE, "daemon to exit", || {
            !matches!(c.try_wait(), Ok(None))
        });
        if exited.is_err() {
            let _ = c.kill();
        }
    }
    // Reap it so no zombie is left behind.
    let _ = c.wait();
}
