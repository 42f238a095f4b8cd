//! Removing what a private podman installation leaves outside its own
//! directory, also after its owner was killed: containers (and their
//! network namespaces) through podman itself with no CNI plugins, processes
//! and cgroups under its cgroup parent, libcni's cached results in
//! /var/lib/cni, network namespace files podman could not remove, and mounts
//! inside the directory. The caller removes the directory afterwards.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::cgroups;
use super::layout::Layout;

/// libcni's cache of ADD results (podman does not let it move).
const CNI_RESULTS: &str = "/var/lib/cni/results";

/// Removes everything the installation at `dir` left; returns the errors
/// met (carrying on past each).
pub fn sweep(dir: &Path) -> Vec<String> {
    let layout = Layout::new(dir);
    let mut errors = Vec::new();
    let mut ids = BTreeSet::new();
    if layout.sweep_conf().is_file() {
        match podman(&layout, &["ps", "-aq", "--no-trunc"]) {
            Ok(out) => ids.extend(out.split_whitespace().map(str::to_owned)),
            Err(e) => errors.push(e),
        }
        if !ids.is_empty() {
            // Without plugins the DEL fails and podman carries on removing;
            // the datastore's records go with the lab.
            if let Err(e) = podman(&layout, &["rm", "-af", "-t", "0"]) {
                errors.push(e);
            }
        }
    }
    if let Ok(cgroup) = std::fs::read_to_string(layout.cgroup_file()) {
        let cgroup = cgroup.trim();
        ids.extend(cgroups::container_ids(cgroup));
        errors.extend(cgroups::remove(cgroup));
    }
    errors.extend(remove_cni_results(&ids));
    let sandboxes = std::fs::read_to_string(layout.sandboxes_file()).unwrap_or_default();
    for netns in sandboxes.lines().map(Path::new).filter(|p| p.exists()) {
        errors.extend(remove_netns_file(netns));
    }
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    for m in mounts_under(&mountinfo, dir) {
        if let Err(e) = run(Command::new("umount").arg("-l").arg(&m)) {
            errors.push(e);
        }
    }
    errors
}

/// `podman` with the sweep's configuration (no CNI plugins).
fn podman(layout: &Layout, args: &[&str]) -> Result<String, String> {
    run(Command::new("podman")
        .arg("--root")
        .arg(layout.root())
        .arg("--runroot")
        .arg(layout.runroot())
        .arg("--network-config-dir")
        .arg(layout.no_plugins())
        .args(args)
        .env("CONTAINERS_CONF", layout.sweep_conf()))
}

fn run(cmd: &mut Command) -> Result<String, String> {
    let shown = format!("{cmd:?}");
    let out = cmd
        .output()
        .map_err(|e| format!("failed to start {shown}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{shown} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Whether a file in libcni's results cache belongs to one of `ids`: libcni
/// names them `<network>-<containerID>-<ifname>`.
fn is_result_of(file: &str, ids: &BTreeSet<String>) -> bool {
    ids.iter()
        .any(|id| !id.is_empty() && file.contains(&format!("-{id}-")))
}

/// Deletes the cached results of `ids`. The directory itself stays even
/// when empty: another runtime's ADD may have just created it to write into.
fn remove_cni_results(ids: &BTreeSet<String>) -> Vec<String> {
    let mut errors = Vec::new();
    let dir = Path::new(CNI_RESULTS);
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_result_of(&name, ids)
            && let Err(e) = std::fs::remove_file(entry.path())
        {
            errors.push(format!("failed to remove {}: {e}", entry.path().display()));
        }
    }
    errors
}

/// A network namespace file (a bind mount of the namespace): unmount, delete.
fn remove_netns_file(path: &Path) -> Vec<String> {
    // Not mounted any more is fine: the file is all that is left then.
    let _ = run(Command::new("umount").arg(path));
    match std::fs::remove_file(path) {
        Ok(()) => Vec::new(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => vec![format!("failed to remove {}: {e}", path.display())],
    }
}

/// Mount points at or below `dir` in `/proc/self/mountinfo` text, deepest
/// first (so nested mounts go before the ones they sit on).
fn mounts_under(mountinfo: &str, dir: &Path) -> Vec<PathBuf> {
    let mut points: Vec<PathBuf> = mountinfo
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(|p| PathBuf::from(unescape(p)))
        .filter(|p| p.starts_with(dir))
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    points.dedup();
    points
}

/// Undoes mountinfo's octal escapes (`\040` is a space).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).and_then(|d| {
            let s = std::str::from_utf8(d).ok()?;
            u8::from_str_radix(s, 8).ok()
        });
        match (bytes[i], octal) {
            (b'\\', Some(b)) => {
                out.push(b);
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_results_are_matched_by_container_id_only() {
        let ids: BTreeSet<String> = ["abc123".to_owned()].into();
        assert!(is_result_of("shop-frontend-abc123-eth0", &ids));
        assert!(!is_result_of("shop-frontend-abc1234-eth0", &ids));
        assert!(!is_result_of("podman-def456-eth0", &ids));
        assert!(!is_result_of("x--eth0", &[String::new()].into()));
    }

    #[test]
    fn mounts_below_the_dir_come_deepest_first_and_escapes_are_undone() {
        let info = "\
48 27 254:0 /tmp/l/podman/root/overlay /tmp/l/podman/root/overlay rw - ext4 /dev/vda rw
50 27 0:40 / /tmp/l/podman/root/overlay-containers/ab/userdata/shm rw - tmpfs shm rw
53 48 0:41 / /tmp/l/podman/root/overlay/6f/merged rw - overlay overlay rw
54 27 0:42 / /tmp/l/podman\\040x/run rw - tmpfs t rw
55 27 0:43 / /tmp/other rw - tmpfs t rw";
        let got = mounts_under(info, Path::new("/tmp/l/podman"));
        assert_eq!(
            got,
            vec![
                PathBuf::from("/tmp/l/podman/root/overlay-containers/ab/userdata/shm"),
                PathBuf::from("/tmp/l/podman/root/overlay/6f/merged"),
                PathBuf::from("/tmp/l/podman/root/overlay"),
            ]
        );
        let spaced = mounts_under(info, Path::new("/tmp/l/podman x"));
        assert_eq!(spaced, vec![PathBuf::from("/tmp/l/podman x/run")]);
    }
}
