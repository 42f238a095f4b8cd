//! Garbage collection of namespaces left by killed runs: a harness
//! namespace whose owning pid (encoded in its name) is dead is removed,
//! processes inside it first. Namespaces of live runs are left alone.

use crate::error::LabError;
use crate::naming::owner_pid;
use crate::{netns, pids, teardown};

/// What a garbage collection did.
#[derive(Debug, Default)]
pub struct GcReport {
    /// Namespaces removed.
    pub removed: Vec<String>,
    /// Harness namespaces kept because their owner is alive.
    pub kept: Vec<String>,
    /// Namespaces that could not be removed, with the reason.
    pub failed: Vec<(String, String)>,
}

/// Removes every harness namespace whose owning process is dead.
pub fn gc() -> Result<GcReport, LabError> {
    let all = netns::list()?;
    let mut report = GcReport::default();
    for ns in all {
        let Some(pid) = owner_pid(&ns) else { continue };
        if pids::is_alive(pid) {
            report.kept.push(ns);
            continue;
        }
        match teardown::remove_namespace(&ns) {
            Ok(()) => {
                tracing::info!(%ns, owner = pid, "removed leftover namespace");
                report.removed.push(ns);
            }
            Err(e) => report.failed.push((ns, e.to_string())),
        }
    }
    Ok(report)
}

/// Removes temp dirs (`$TMPDIR/tlab-<pid>-<n>-*`) of dead runs; returns how
/// many were removed.
pub fn gc_temp_dirs() -> usize {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let dead = owner_pid(&name).is_some_and(|pid| !pids::is_alive(pid));
        if dead && std::fs::remove_dir_all(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}
