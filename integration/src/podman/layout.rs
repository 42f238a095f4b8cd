//! Where a private podman installation keeps everything, and the
//! `containers.conf` that confines it there. Pure: paths and text.
//!
//! ```text
//! <dir>/containers.conf        runc, cgroupfs, ulimits, CNI backend, our plugin dir
//! <dir>/containers-sweep.conf  the same with an empty plugin dir (removal without DEL)
//! <dir>/root  <dir>/run  <dir>/tmp   --root, --runroot, engine tmp_dir
//! <dir>/rootfs                 busybox-static, run with `--rootfs <dir>/rootfs:O`
//! <dir>/net/<host>/            one CNI network config dir per lab host
//! <dir>/no-plugins/            the sweep's (empty) CNI plugin dir
//! <dir>/cgroup-parent          the cgroup parent every container runs under
//! <dir>/sandboxes              network namespace paths of started containers
//! ```

use std::path::{Path, PathBuf};

/// Podman refuses a `--runroot` longer than this (libpod's limit).
pub const RUNROOT_MAX: usize = 50;

/// The file layout of one installation rooted at a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    dir: PathBuf,
}

impl Layout {
    /// The layout under `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The installation directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `CONTAINERS_CONF` of normal use.
    pub fn conf(&self) -> PathBuf {
        self.dir.join("containers.conf")
    }

    /// `CONTAINERS_CONF` of the sweep: no CNI plugins, so removing a
    /// container never runs the plugin outside the namespace it belongs to.
    pub fn sweep_conf(&self) -> PathBuf {
        self.dir.join("containers-sweep.conf")
    }

    /// `--root` (image and container storage).
    pub fn root(&self) -> PathBuf {
        self.dir.join("root")
    }

    /// `--runroot` (runtime state).
    pub fn runroot(&self) -> PathBuf {
        self.dir.join("run")
    }

    /// The engine's `tmp_dir` (podman's default is /run/libpod).
    pub fn tmp(&self) -> PathBuf {
        self.dir.join("tmp")
    }

    /// The containers' root filesystem.
    pub fn rootfs(&self) -> PathBuf {
        self.dir.join("rootfs")
    }

    /// The CNI network config dir of lab host `host`.
    pub fn networks(&self, host: &str) -> PathBuf {
        self.dir.join("net").join(host)
    }

    /// The empty CNI plugin dir of the sweep.
    pub fn no_plugins(&self) -> PathBuf {
        self.dir.join("no-plugins")
    }

    /// File naming the cgroup parent.
    pub fn cgroup_file(&self) -> PathBuf {
        self.dir.join("cgroup-parent")
    }

    /// File listing the network namespaces of started containers.
    pub fn sandboxes_file(&self) -> PathBuf {
        self.dir.join("sandboxes")
    }

    /// `containers.conf` with CNI plugins looked up in `plugin_dirs`.
    ///
    /// Every setting podman would otherwise take from the machine is here:
    /// runc (crun fails on hybrid cgroups), cgroupfs (no systemd), ulimits
    /// the sandbox may set (no CAP_SYS_RESOURCE), the CNI backend (netavark
    /// is the default when installed), the network config dir (default
    /// /etc/cni/net.d), the tmp dir (default /run/libpod) and file events
    /// (no journald). See the lab notes, section 1.
    pub fn render_conf(&self, plugin_dirs: &[PathBuf]) -> String {
        let dirs: Vec<String> = plugin_dirs.iter().map(|d| quoted(d)).collect();
        format!(
            "[containers]\n\
             default_ulimits = [\"nofile=20000:20000\", \"nproc=4096:4096\"]\n\
             [network]\n\
             network_backend = \"cni\"\n\
             cni_plugin_dirs = [{}]\n\
             network_config_dir = {}\n\
             [engine]\n\
             runtime = \"runc\"\n\
             cgroup_manager = \"cgroupfs\"\n\
             events_logger = \"file\"\n\
             tmp_dir = {}\n",
            dirs.join(", "),
            quoted(&self.dir.join("net")),
            quoted(&self.tmp()),
        )
    }
}

/// A TOML basic string: JSON's string escapes are valid TOML escapes.
fn quoted(p: &Path) -> String {
    serde_json::Value::String(p.display().to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_confines_podman_to_the_installation_dir() {
        let l = Layout::new("/tmp/tlab-1-0-x/podman");
        let conf = l.render_conf(&[PathBuf::from("/t/release")]);
        for line in [
            "runtime = \"runc\"",
            "cgroup_manager = \"cgroupfs\"",
            "network_backend = \"cni\"",
            "cni_plugin_dirs = [\"/t/release\"]",
            "network_config_dir = \"/tmp/tlab-1-0-x/podman/net\"",
            "tmp_dir = \"/tmp/tlab-1-0-x/podman/tmp\"",
            "default_ulimits = [\"nofile=20000:20000\", \"nproc=4096:4096\"]",
        ] {
            assert!(conf.lines().any(|l| l == line), "{line} missing:\n{conf}");
        }
        assert!(!conf.contains("/etc/cni") && !conf.contains("/var/lib/containers"));
    }

    #[test]
    fn paths_with_quotes_stay_one_toml_string() {
        let l = Layout::new("/tmp/a\"b");
        let conf = l.render_conf(&[]);
        assert!(conf.contains(r#"tmp_dir = "/tmp/a\"b/tmp""#), "{conf}");
        assert!(conf.contains("cni_plugin_dirs = []"), "{conf}");
    }

    #[test]
    fn every_path_lies_inside_the_dir() {
        let l = Layout::new("/x");
        for p in [
            l.conf(),
            l.sweep_conf(),
            l.root(),
            l.runroot(),
            l.tmp(),
            l.rootfs(),
            l.networks("host1"),
            l.no_plugins(),
            l.cgroup_file(),
            l.sandboxes_file(),
        ] {
            assert!(p.starts_with("/x/"), "{}", p.display());
        }
    }
}
