//! Garbage collection of what killed runs left: a harness namespace whose
//! owning pid (encoded in its name) is dead is removed, processes inside it
//! first; so are dead runs' temp dirs, with the podman containers of a
//! private installation inside one, and their podman cgroups. What belongs
//! to live runs is left alone.

use crate::error::LabError;
use crate::lab::teardown;
use crate::naming::owner_pid;
use crate::{netns, pids, podman};

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

/// Removes temp dirs (`$TMPDIR/tlab-<pid>-<n>-*`) of dead runs, first
/// sweeping a podman installation inside one (its containers, cgroups and
/// cached CNI results); returns how many were removed.
pub fn gc_temp_dirs() -> usize {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let dead = owner_pid(&name).is_some_and(|pid| !pids::is_alive(pid));
        if !dead {
            continue;
        }
        let podman_dir = entry.path().join("podman");
        if podman_dir.is_dir() {
            for e in podman::sweep(&podman_dir) {
                tracing::warn!(dir = %name, error = %e, "sweeping a dead run's podman");
            }
        }
        if std::fs::remove_dir_all(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Removes the podman cgroup parents (`tlab-<pid>-<n>-podman`) of dead runs
/// whose temp dir is already gone, killing what still runs in them; returns
/// how many were removed.
pub fn gc_cgroups() -> usize {
    let mut removed = 0;
    for name in podman::cgroups::stale() {
        let errors = podman::cgroups::remove(&name);
        for e in &errors {
            tracing::warn!(cgroup = %name, error = %e, "removing a dead run's cgroup");
        }
        removed += usize::from(errors.is_empty());
    }
    removed
}
