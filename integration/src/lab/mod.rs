//! The [`Lab`]: owns the namespaces, processes and temp dir of one test and
//! removes them all on drop, also when the test panics.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use crate::cmd;
use crate::error::LabError;
use crate::naming::RunPrefix;
use crate::netns;
use crate::podman::{self, Podman};
use crate::process::{Daemon, SharedChild};
use crate::sync::lock;
use crate::topology::{Topology, plan};

pub mod teardown;

/// One lab: a set of namespaces named with a unique prefix, the processes
/// started in them and a temp dir for their logs and configs.
#[derive(Debug)]
pub struct Lab {
    prefix: RunPrefix,
    dir: PathBuf,
    nodes: BTreeMap<String, String>,
    pub(crate) children: Mutex<Vec<SharedChild>>,
    pub(crate) logs: Mutex<Vec<(String, PathBuf)>>,
    commands: Mutex<File>,
    probe_bin: PathBuf,
    pub(crate) podman: Option<Podman>,
    done: bool,
}

impl Lab {
    /// An empty lab with a fresh prefix and temp dir.
    pub fn new() -> Result<Self, LabError> {
        let prefix = RunPrefix::next();
        let tmp = tempfile::Builder::new()
            .prefix(&format!("{prefix}-"))
            .tempdir()
            .map_err(LabError::io("failed to create lab temp dir"))?;
        // Daemons that drop privileges (FRR runs as `frr`) must reach their
        // own subdirectory.
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755))
            .map_err(LabError::io("failed to open up lab temp dir"))?;
        let log = tmp.path().join("commands.log");
        let commands = File::create(&log).map_err(LabError::io("failed to create commands.log"))?;
        // From here on teardown removes the dir (or `keep` leaves it).
        let dir = tmp.keep();
        tracing::info!(%prefix, dir = %dir.display(), "lab created");
        Ok(Self {
            prefix,
            dir,
            nodes: BTreeMap::new(),
            children: Mutex::new(Vec::new()),
            logs: Mutex::new(vec![("commands".to_owned(), log)]),
            commands: Mutex::new(commands),
            probe_bin: crate::bins::locate_probe_bin(),
            podman: None,
            done: false,
        })
    }

    /// A lab with `topology` built.
    pub fn from_topology(topology: &Topology) -> Result<Self, LabError> {
        let mut lab = Self::new()?;
        lab.build(topology)?;
        Ok(lab)
    }

    /// Creates the namespaces, links, addresses, sysctls and routes of
    /// `topology`. On error, whatever was created is still owned by the lab.
    pub fn build(&mut self, topology: &Topology) -> Result<(), LabError> {
        let t = topology.expanded()?;
        for node in &t.nodes {
            self.add_node(&node.name)?;
        }
        for step in plan::steps(&t) {
            let argv = plan::argv(&step, |role| self.prefix.namespace(role));
            self.run_logged(&argv)?;
        }
        Ok(())
    }

    /// Creates one more (empty) namespace for node `role`.
    pub fn add_node(&mut self, role: &str) -> Result<String, LabError> {
        if self.nodes.contains_key(role) || !crate::naming::is_valid_role(role) {
            let msg = format!("node `{role}` exists already or is not a valid name");
            return Err(crate::topology::TopologyError::Invalid(msg).into());
        }
        let ns = self.prefix.namespace(role);
        if netns::exists(&ns) {
            // This process never made `ns` before (the counter only grows),
            // so it is a leftover of a dead run whose pid we now reuse.
            tracing::warn!(%ns, "removing stale namespace of a reused pid");
            teardown::remove_namespace(&ns)?;
        }
        // Registered before creation so a half-made namespace is removed too.
        self.nodes.insert(role.to_owned(), ns.clone());
        netns::add(&ns)?;
        tracing::debug!(%ns, "namespace created");
        Ok(ns)
    }

    /// The namespace name of node `role`.
    pub fn ns(&self, role: &str) -> Result<&str, LabError> {
        self.nodes
            .get(role)
            .map(String::as_str)
            .ok_or_else(|| LabError::UnknownNode(role.to_owned()))
    }

    /// Every namespace of the lab, by node name.
    pub fn namespaces(&self) -> &BTreeMap<String, String> {
        &self.nodes
    }

    /// The run prefix (`tlab-<pid>-<n>`).
    pub fn prefix(&self) -> &RunPrefix {
        &self.prefix
    }

    /// The lab's temp dir (logs, router configs).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The `lab-probe` binary used by probes.
    pub fn probe_bin(&self) -> &Path {
        &self.probe_bin
    }

    /// Uses `path` as the `lab-probe` binary (tests pass
    /// `env!("CARGO_BIN_EXE_lab-probe")`).
    pub fn set_probe_bin(&mut self, path: impl Into<PathBuf>) {
        self.probe_bin = path.into();
    }

    /// Sets up a private podman installation in `<dir>/podman` (see
    /// [`crate::podman`]), once: its containers run under the cgroup parent
    /// `/<prefix>-podman` and podman finds CNI plugins in `plugin_dir`.
    /// Teardown removes its containers, cgroups and cached CNI results, and
    /// so does `lab-gc` for a killed run. An error means podman does not
    /// work here; whatever the attempt made is removed.
    pub fn start_podman(&mut self, plugin_dir: &Path) -> Result<&Podman, LabError> {
        let podman = match self.podman.take() {
            Some(p) => p,
            None => {
                let dir = self.dir.join("podman");
                let cgroup_parent = format!("/{}-podman", self.prefix);
                Podman::setup(&dir, &cgroup_parent, plugin_dir).inspect_err(|_| {
                    for left in podman::sweep(&dir) {
                        tracing::warn!(error = %left, "removing a failed podman setup");
                    }
                    // Best effort: the lab dir goes at teardown anyway.
                    let _ = std::fs::remove_dir_all(&dir);
                })?
            }
        };
        Ok(self.podman.insert(podman))
    }

    /// The podman installation, once [`Lab::start_podman`] succeeded.
    pub fn podman(&self) -> Option<&Podman> {
        self.podman.as_ref()
    }

    /// Opens a TCP connection to `addr` from inside node `role` (a raw protocol peer in
    /// the test itself, e.g. a BGP sender).
    pub fn tcp_connect(
        &self,
        role: &str,
        addr: std::net::SocketAddr,
        timeout: std::time::Duration,
    ) -> Result<std::net::TcpStream, LabError> {
        let ns = self.ns(role)?;
        crate::netns::tcp_connect(ns, addr, timeout).map_err(LabError::io(format!(
            "failed to connect to {addr} from {role}"
        )))
    }

    /// Runs `args` inside node `role` and returns stdout; a failure is an
    /// error carrying stderr. Logged to `commands.log`.
    pub fn exec<S: AsRef<str>>(&self, role: &str, args: &[S]) -> Result<String, LabError> {
        let argv = cmd::in_netns(self.ns(role)?, args);
        self.run_logged(&argv)
    }

    /// Like [`Lab::exec`] but returns the raw output whatever the status.
    pub fn exec_output<S: AsRef<str>>(
        &self,
        role: &str,
        args: &[S],
    ) -> Result<std::process::Output, LabError> {
        let argv = cmd::in_netns(self.ns(role)?, args);
        Ok(cmd::output(&argv)?)
    }

    /// Starts `args` inside node `role` in the background, stdout and stderr
    /// going to `<dir>/<name>.log`. The lab stops it at teardown at the
    /// latest.
    pub fn spawn<S: AsRef<str>>(
        &self,
        role: &str,
        name: &str,
        args: &[S],
    ) -> Result<Daemon, LabError> {
        let log = self.dir().join(format!("{name}.log"));
        self.spawn_logging_to(role, name, args, &log)
    }

    /// Like [`Lab::spawn`] but with stdout and stderr going to `log`
    /// (created or truncated), e.g. a log directory users are told about.
    pub fn spawn_logging_to<S: AsRef<str>>(
        &self,
        role: &str,
        name: &str,
        args: &[S],
        log: &Path,
    ) -> Result<Daemon, LabError> {
        let argv = cmd::in_netns(self.ns(role)?, args);
        let log = log.to_path_buf();
        let out = File::create(&log)
            .map_err(LabError::io(format!("failed to create {}", log.display())))?;
        let err = out
            .try_clone()
            .map_err(LabError::io("failed to clone log file handle"))?;
        self.note(&format!("spawn {name}: {}", cmd::cmdline(&argv)));
        let child = Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(LabError::io(format!("failed to spawn {name}")))?;
        let (daemon, shared) = Daemon::new(name, child, log.clone());
        lock(&self.children).push(shared);
        lock(&self.logs).push((name.to_owned(), log));
        Ok(daemon)
    }

    /// Removes everything now and reports every error met on the way.
    pub fn teardown(mut self) -> Result<(), LabError> {
        self.done = true;
        let errors = teardown::teardown(&self);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(LabError::Teardown(errors))
        }
    }

    /// Stops the lab owning anything: its namespaces stay until `lab-gc`
    /// (or `lab-demo --down`) removes them. Returns the temp dir path.
    pub fn keep(mut self) -> PathBuf {
        self.done = true;
        for shared in std::mem::take(&mut *lock(&self.children)) {
            // Taking the `Child` out disarms every `Daemon` handle; dropping
            // a `Child` neither kills nor waits, so the daemon lives on.
            drop(lock(&shared).take());
        }
        self.dir.clone()
    }

    fn run_logged(&self, argv: &[String]) -> Result<String, LabError> {
        let res = cmd::run(argv);
        match &res {
            Ok(out) if out.trim().is_empty() => self.note(&format!("$ {}", cmd::cmdline(argv))),
            Ok(out) => self.note(&format!("$ {}\n{}", cmd::cmdline(argv), out.trim_end())),
            Err(e) => self.note(&format!("$ {}\n! {e}", cmd::cmdline(argv))),
        }
        Ok(res?)
    }

    fn note(&self, line: &str) {
        // Logging is best effort: a full disk must not fail the test here.
        let _ = writeln!(lock(&self.commands), "{line}");
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if std::thread::panicking() {
            teardown::dump_for_failure(self);
        }
        let errors = teardown::teardown(self);
        for e in &errors {
            // Drop cannot return errors: log them, and show them in the
            // test output too (libtest captures stderr per test).
            tracing::error!(error = %e, "lab teardown");
            eprintln!("lab {} teardown: {e}", self.prefix);
        }
    }
}
