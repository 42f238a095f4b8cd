//! The cgroups of a private podman installation. Every container (and its
//! conmon) runs under one cgroup parent named after the lab
//! (`/tlab-<pid>-<n>-podman`), created by podman in every hierarchy: the v1
//! controllers, the named `systemd` one and the unified v2 tree on hybrid
//! machines, or the single v2 root. Removing them means killing what is
//! left inside, then `rmdir` from the leaves up.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::naming::owner_pid;
use crate::pids;
use crate::wait::wait_until;

/// Where cgroup hierarchies are mounted.
const CGROUP_ROOT: &str = "/sys/fs/cgroup";
/// How long killed processes get to leave their cgroup.
const EMPTY_DEADLINE: Duration = Duration::from_secs(10);
/// podman's name for a container's cgroup: `libpod-<id>`.
const CONTAINER_PREFIX: &str = "libpod-";

/// The roots of every cgroup hierarchy: `/sys/fs/cgroup` itself on a v2
/// machine, else each mounted hierarchy below it (symlinked co-mounts such
/// as `cpu` -> `cpu,cpuacct` counted once).
fn hierarchies() -> Vec<PathBuf> {
    let root = Path::new(CGROUP_ROOT);
    if root.join("cgroup.procs").is_file() {
        return vec![root.to_path_buf()];
    }
    let mut seen = BTreeSet::new();
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("cgroup.procs").is_file())
        .filter(|p| seen.insert(p.canonicalize().unwrap_or_else(|_| p.clone())))
        .collect()
}

/// The existing directories of cgroup `name` (a path below the root, with
/// or without its leading `/`) in every hierarchy.
pub fn trees(name: &str) -> Vec<PathBuf> {
    let rel = name.trim_start_matches('/');
    if rel.is_empty() || rel.split('/').any(|c| c == "..") {
        return Vec::new();
    }
    hierarchies()
        .into_iter()
        .map(|h| h.join(rel))
        .filter(|p| p.is_dir())
        .collect()
}

/// Container IDs named by `libpod-<id>` cgroups under `name`.
pub fn container_ids(name: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for tree in trees(name) {
        for entry in std::fs::read_dir(&tree).into_iter().flatten().flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            if let Some(id) = file.strip_prefix(CONTAINER_PREFIX) {
                ids.insert(id.to_owned());
            }
        }
    }
    ids
}

/// Cgroup parents at the top of any hierarchy made for labs whose owner
/// process is dead (`tlab-<pid>-<n>-podman`).
pub fn stale() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for h in hierarchies() {
        for entry in std::fs::read_dir(&h).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let dead = owner_pid(&name).is_some_and(|pid| !pids::is_alive(pid));
            if dead && name.ends_with("-podman") && entry.path().is_dir() {
                names.insert(name);
            }
        }
    }
    names
}

/// Every cgroup at or below `dir`, leaves first.
fn leaves_first(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        // Only directories are child cgroups; the rest are control files.
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            out.extend(leaves_first(&p));
        }
    }
    out.push(dir.to_path_buf());
    out
}

fn procs(cgroup: &Path) -> Vec<u32> {
    std::fs::read_to_string(cgroup.join("cgroup.procs"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Kills every process in cgroup `name` (all hierarchies) and removes it
/// with its children. A cgroup already gone is success; errors are
/// collected, the rest is still tried.
pub fn remove(name: &str) -> Vec<String> {
    let mut errors = Vec::new();
    for tree in trees(name) {
        for cg in leaves_first(&tree) {
            let left = procs(&cg);
            if !left.is_empty() {
                tracing::debug!(cgroup = %cg.display(), ?left, "killing leftover processes");
                if let Err(e) = pids::kill_all(&left, EMPTY_DEADLINE) {
                    errors.push(format!("{}: {e}", cg.display()));
                }
                // Exited processes leave the cgroup a moment after they die.
                let what = format!("{} to empty", cg.display());
                if let Err(e) = wait_until(EMPTY_DEADLINE, &what, || procs(&cg).is_empty()) {
                    errors.push(e.to_string());
                }
            }
            match std::fs::remove_dir(&cg) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => errors.push(format!("failed to remove {}: {e}", cg.display())),
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_outside_the_cgroup_root_are_never_trees() {
        assert!(trees("").is_empty());
        assert!(trees("/").is_empty());
        assert!(trees("../etc").is_empty());
        assert!(trees("/tlab-1-0-podman/../../x").is_empty());
    }

    #[test]
    fn leaves_come_before_their_parents() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::create_dir_all(dir.path().join("c")).unwrap();
        std::fs::write(dir.path().join("a/cgroup.procs"), "").unwrap();
        let order = leaves_first(dir.path());
        let pos = |rel: &str| order.iter().position(|p| p == &dir.path().join(rel));
        assert_eq!(order.len(), 4, "{order:?}");
        assert!(pos("a/b") < pos("a") && pos("a") < pos(""));
        assert!(pos("c") < pos(""));
    }
}
