//! Removing a lab, and showing what happened when a test failed. Teardown
//! collects errors and carries on, so one stuck process never leaks the rest.

use std::time::Duration;

use super::Lab;
use crate::error::LabError;
use crate::sync::lock;
use crate::{cmd, netns, pids, process};

/// How long killed processes get to disappear.
const KILL_DEADLINE: Duration = Duration::from_secs(10);
/// How much of each log is printed on failure.
const LOG_TAIL_BYTES: usize = 64 * 1024;

/// Stops the lab's daemons, kills anything else left in its namespaces,
/// deletes the namespaces and the temp dir. Returns the errors met.
pub(crate) fn teardown(lab: &Lab) -> Vec<String> {
    let mut errors = Vec::new();
    let children = std::mem::take(&mut *lock(&lab.children));
    for c in &children {
        process::stop_shared(c);
    }
    // Containers go before the namespaces their conmons run in. The sweep
    // never calls CNI plugins: with the daemons stopped, a DEL could only
    // fail slowly; the lab's datastore goes with it anyway.
    if let Some(p) = &lab.podman {
        errors.extend(crate::podman::sweep(p.dir()));
    }
    for ns in lab.namespaces().values() {
        if let Err(e) = remove_namespace(ns) {
            errors.push(format!("{ns}: {e}"));
        }
    }
    if let Err(e) = std::fs::remove_dir_all(lab.dir()) {
        errors.push(format!("failed to remove {}: {e}", lab.dir().display()));
    }
    tracing::info!(prefix = %lab.prefix(), errors = errors.len(), "lab torn down");
    errors
}

/// Kills every process inside `ns`, then deletes it. A namespace already
/// gone is success.
pub fn remove_namespace(ns: &str) -> Result<(), LabError> {
    if !netns::exists(ns) {
        return Ok(());
    }
    let pids = match netns::pids(ns) {
        Ok(p) => p,
        // Removed meanwhile (e.g. by a concurrent lab-gc).
        Err(_) if !netns::exists(ns) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if !pids.is_empty() {
        tracing::debug!(%ns, ?pids, "killing leftover processes");
        pids::kill_all(&pids, KILL_DEADLINE)?;
    }
    netns::delete(ns)?;
    Ok(())
}

/// Prints every captured log and the addresses and routes of every
/// namespace to stderr. Deliberately `eprintln!`, not tracing: libtest
/// captures it per test and shows it exactly when that test failed.
pub(crate) fn dump_for_failure(lab: &Lab) {
    eprintln!(
        "\n===== lab {} failed; state and logs follow =====",
        lab.prefix()
    );
    for (role, ns) in lab.namespaces() {
        for what in [["ip", "-br", "addr"], ["ip", "route", "show"]] {
            let out = cmd::output(&cmd::in_netns(ns, &what))
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_else(|e| e.to_string());
            eprintln!(
                "----- {role} ({ns}): {} -----\n{}",
                what.join(" "),
                out.trim_end()
            );
        }
    }
    for (name, path) in lock(&lab.logs).iter() {
        let text = std::fs::read(path).unwrap_or_default();
        let tail = &text[text.len().saturating_sub(LOG_TAIL_BYTES)..];
        eprintln!(
            "----- log {name} ({}) -----\n{}",
            path.display(),
            String::from_utf8_lossy(tail).trim_end()
        );
    }
    eprintln!("===== end of lab {} =====\n", lab.prefix());
}
