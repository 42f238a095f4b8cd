//! Real podman containers for labs, in a private installation that touches
//! nothing of the machine's own podman: storage, run and tmp directories,
//! `containers.conf` and the CNI network configs all live in one directory
//! (normally `<lab dir>/podman`), and every container runs under a cgroup
//! parent named after the lab. Recipe and pitfalls: the lab notes,
//! section 1 (runc, cgroupfs, explicit ulimits, the CNI backend).
//!
//! Containers run from a busybox-static root filesystem with
//! `--rootfs <dir>:O` (an overlay per container) rather than an imported
//! image: `podman import` writes a blob cache into /var/lib/containers even
//! with a private `--root`.
//!
//! podman runs under `nsenter --net=<host namespace>` (not `ip netns exec`,
//! whose private mount namespace would hide podman's mounts), so the CNI
//! plugin it calls runs in the lab host's namespace, as on a real host.
//!
//! Layout: [`layout`] (paths, containers.conf), [`inspect`] (parsing podman's
//! JSON), [`cgroups`], [`sweep`] (removal, also of killed runs).

pub mod cgroups;
pub mod inspect;
pub mod layout;
pub mod sweep;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

pub use inspect::{Inspected, Listed};
pub use layout::Layout;
pub use sweep::sweep;

use crate::cmd::{CmdError, cmdline};
use crate::sync::lock;

/// Busybox applets linked in the root filesystem.
const APPLETS: [&str; 10] = [
    "sh", "ip", "ping", "httpd", "nc", "cat", "ls", "sleep", "true", "hostname",
];
/// Where Debian's busybox-static installs its static binary.
const BUSYBOX: &str = "/bin/busybox";

/// podman is not usable, or a podman command failed.
#[derive(Debug, thiserror::Error)]
pub enum PodmanError {
    /// A program the installation needs is missing.
    #[error("{0} not found (apt-get install podman runc busybox-static)")]
    Missing(String),
    /// A command failed.
    #[error(transparent)]
    Cmd(#[from] CmdError),
    /// A file operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// podman printed something unexpected.
    #[error("unexpected podman output: {0}")]
    Output(String),
    /// The run directory is longer than podman accepts.
    #[error("podman's runroot {0} is longer than 50 characters (a shorter TMPDIR helps)")]
    RunrootTooLong(PathBuf),
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> PodmanError {
    let context = context.into();
    move |source| PodmanError::Io { context, source }
}

/// A container this installation started, and where it was started.
#[derive(Debug, Clone)]
struct Started {
    name: String,
    host_ns: String,
    host: String,
}

/// What a detached container runs.
#[derive(Debug, Clone, Copy)]
pub struct RunSpec<'a> {
    /// `--name`.
    pub name: &'a str,
    /// `--network`: a network of the host's CNI config dir.
    pub network: &'a str,
    /// The command (a busybox applet and its arguments).
    pub command: &'a [&'a str],
}

/// A private podman installation.
#[derive(Debug)]
pub struct Podman {
    layout: Layout,
    cgroup_parent: String,
    version: String,
    started: Mutex<Vec<Started>>,
}

/// `name` in `$PATH` or the sbin directories (runc lives in /usr/sbin).
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

impl Podman {
    /// Creates the installation in `dir` (which must not hold one yet):
    /// checks that podman and runc exist, writes the configuration and the
    /// root filesystem, and runs a throwaway container to prove podman works
    /// here. CNI plugins are looked up in `plugin_dir`, containers run under
    /// `cgroup_parent` (an absolute cgroup path). On error the caller sweeps
    /// `dir`.
    pub fn setup(dir: &Path, cgroup_parent: &str, plugin_dir: &Path) -> Result<Self, PodmanError> {
        for program in ["podman", "runc"] {
            find_program(program).ok_or_else(|| PodmanError::Missing(program.to_owned()))?;
        }
        let layout = Layout::new(dir);
        if layout.runroot().as_os_str().len() > layout::RUNROOT_MAX {
            return Err(PodmanError::RunrootTooLong(layout.runroot()));
        }
        for d in [
            layout.dir().to_path_buf(),
            layout.no_plugins(),
            layout.dir().join("net"),
        ] {
            std::fs::create_dir_all(&d).map_err(io(format!("failed to create {}", d.display())))?;
        }
        // Written first: a sweep of a half-made installation finds its cgroups.
        write(&layout.cgroup_file(), cgroup_parent)?;
        write(
            &layout.conf(),
            &layout.render_conf(&[plugin_dir.to_path_buf()]),
        )?;
        write(
            &layout.sweep_conf(),
            &layout.render_conf(&[layout.no_plugins()]),
        )?;
        make_rootfs(&layout.rootfs())?;
        let podman = Self {
            layout,
            cgroup_parent: cgroup_parent.to_owned(),
            version: String::new(),
            started: Mutex::new(Vec::new()),
        };
        let version =
            podman.run_cmd(None, None, &["version", "--format", "{{.Client.Version}}"])?;
        let rootfs = podman.rootfs_arg();
        podman.run_cmd(
            None,
            None,
            &[
                "run",
                "--rm",
                "--network",
                "none",
                "--cgroup-parent",
                cgroup_parent,
                "--rootfs",
                &rootfs,
                "true",
            ],
        )?;
        Ok(Self {
            version: version.trim().to_owned(),
            ..podman
        })
    }

    /// podman's version (`podman version`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The installation directory.
    pub fn dir(&self) -> &Path {
        self.layout.dir()
    }

    /// The file layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The cgroup parent of every container.
    pub fn cgroup_parent(&self) -> &str {
        &self.cgroup_parent
    }

    fn rootfs_arg(&self) -> String {
        format!("{}:O", self.layout.rootfs().display())
    }

    /// Writes CNI network `name` of lab host `host` (`<name>.conflist` in the
    /// host's network config dir).
    pub fn add_network(
        &self,
        host: &str,
        name: &str,
        conflist: &serde_json::Value,
    ) -> Result<PathBuf, PodmanError> {
        let dir = self.layout.networks(host);
        std::fs::create_dir_all(&dir).map_err(io(format!("failed to create {}", dir.display())))?;
        let file = dir.join(format!("{name}.conflist"));
        write(&file, &format!("{conflist:#}\n"))?;
        Ok(file)
    }

    /// The command line of `podman args` with this installation's settings,
    /// as a user would type it.
    pub fn shown(&self, args: &[&str]) -> String {
        cmdline(&self.argv(args))
    }

    /// `podman args` with this installation's settings, as an argument
    /// vector for `env` (its first element sets `CONTAINERS_CONF`).
    pub fn argv(&self, args: &[&str]) -> Vec<String> {
        let mut argv = vec![
            format!("CONTAINERS_CONF={}", self.layout.conf().display()),
            "podman".to_owned(),
        ];
        argv.extend(self.global_args());
        argv.extend(args.iter().map(|a| (*a).to_owned()));
        argv
    }

    fn global_args(&self) -> Vec<String> {
        vec![
            "--root".to_owned(),
            self.layout.root().display().to_string(),
            "--runroot".to_owned(),
            self.layout.runroot().display().to_string(),
        ]
    }

    /// Runs `podman args`, inside namespace `host_ns` when given, with the
    /// network config dir of `host` when given; returns stdout.
    fn run_cmd(
        &self,
        host_ns: Option<&str>,
        host: Option<&str>,
        args: &[&str],
    ) -> Result<String, PodmanError> {
        let mut argv: Vec<String> = Vec::new();
        if let Some(ns) = host_ns {
            argv.extend(["nsenter".to_owned(), format!("--net=/run/netns/{ns}")]);
        }
        argv.push("podman".to_owned());
        argv.extend(self.global_args());
        if let Some(host) = host {
            argv.push("--network-config-dir".to_owned());
            argv.push(self.layout.networks(host).display().to_string());
        }
        argv.extend(args.iter().map(|a| (*a).to_owned()));
        let line = cmdline(&argv);
        tracing::debug!(cmd = %line, "podman");
        let out = Command::new(&argv[0])
            .args(&argv[1..])
            .env("CONTAINERS_CONF", self.layout.conf())
            .output()
            .map_err(|source| CmdError::Spawn {
                cmdline: line.clone(),
                source,
            })?;
        if !out.status.success() {
            return Err(CmdError::Failed {
                cmdline: line,
                status: out.status.to_string(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            }
            .into());
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `podman run -d` of `spec` on lab host `host` (namespace `host_ns`):
    /// podman creates the container's network namespace and calls the CNI
    /// plugin of `spec.network` from the host's namespace. Returns the
    /// container as podman describes it once it runs.
    pub fn run(&self, host_ns: &str, host: &str, spec: RunSpec) -> Result<Inspected, PodmanError> {
        let rootfs = self.rootfs_arg();
        let mut args = vec![
            "run",
            "-d",
            "--name",
            spec.name,
            "--hostname",
            spec.name,
            "--cgroup-parent",
            &self.cgroup_parent,
            "--network",
            spec.network,
            "--rootfs",
            &rootfs,
        ];
        args.extend_from_slice(spec.command);
        let networks = self.layout.networks(host);
        std::fs::create_dir_all(&networks)
            .map_err(io(format!("failed to create {}", networks.display())))?;
        // Recorded before the attempt: a half-made container is removed too.
        lock(&self.started).push(Started {
            name: spec.name.to_owned(),
            host_ns: host_ns.to_owned(),
            host: host.to_owned(),
        });
        self.run_cmd(Some(host_ns), Some(host), &args)?;
        let c = self.inspect(spec.name)?;
        if !c.netns.as_os_str().is_empty() {
            append_line(
                &self.layout.sandboxes_file(),
                &c.netns.display().to_string(),
            )?;
        }
        Ok(c)
    }

    /// `podman inspect` of one container.
    pub fn inspect(&self, name: &str) -> Result<Inspected, PodmanError> {
        inspect::parse_inspect(&self.run_cmd(None, None, &["inspect", "--format", "json", name])?)
    }

    /// `podman ps -a`.
    pub fn ps(&self) -> Result<Vec<Listed>, PodmanError> {
        inspect::parse_ps(&self.run_cmd(None, None, &["ps", "-a", "--format", "json"])?)
    }

    /// Removes every container this installation started the way a runtime
    /// does (`podman rm`, which calls CNI DEL), each from the namespace of
    /// its host. Errors are collected; the rest are still removed.
    pub fn remove_all(&self) -> Vec<String> {
        let started = std::mem::take(&mut *lock(&self.started));
        let mut errors = Vec::new();
        let mut hosts: Vec<(&str, &str)> = started
            .iter()
            .map(|s| (s.host_ns.as_str(), s.host.as_str()))
            .collect();
        hosts.sort_unstable();
        hosts.dedup();
        for (ns, host) in hosts {
            let mut args = vec!["rm", "-f", "-t", "0", "--ignore"];
            args.extend(
                started
                    .iter()
                    .filter(|s| s.host_ns == ns)
                    .map(|s| s.name.as_str()),
            );
            if let Err(e) = self.run_cmd(Some(ns), Some(host), &args) {
                errors.push(e.to_string());
            }
        }
        errors
    }
}

fn write(path: &Path, text: &str) -> Result<(), PodmanError> {
    std::fs::write(path, text).map_err(io(format!("failed to write {}", path.display())))
}

fn append_line(path: &Path, line: &str) -> Result<(), PodmanError> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io(format!("failed to open {}", path.display())))?;
    writeln!(f, "{line}").map_err(io(format!("failed to write {}", path.display())))
}

/// A minimal root filesystem: static busybox, its applets, root's passwd.
fn make_rootfs(rootfs: &Path) -> Result<(), PodmanError> {
    if !Path::new(BUSYBOX).is_file() {
        return Err(PodmanError::Missing(format!("busybox-static ({BUSYBOX})")));
    }
    let bin = rootfs.join("bin");
    for d in ["bin", "etc", "proc", "sys", "dev", "tmp", "var/www"] {
        let d = rootfs.join(d);
        std::fs::create_dir_all(&d).map_err(io(format!("failed to create {}", d.display())))?;
    }
    std::fs::copy(BUSYBOX, bin.join("busybox")).map_err(io(format!("failed to copy {BUSYBOX}")))?;
    for applet in APPLETS {
        std::os::unix::fs::symlink("busybox", bin.join(applet))
            .map_err(io(format!("failed to link {applet}")))?;
    }
    write(&rootfs.join("etc/passwd"), "root:x:0:0:root:/:/bin/sh\n")?;
    write(&rootfs.join("etc/group"), "root:x:0:\n")
}
