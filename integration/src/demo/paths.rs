//! Where the demo finds its binaries and example files and where it writes
//! logs and state.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Default directory of the daemons' logs, one subdirectory per host.
pub const LOG_DIR: &str = "/var/log/terrace-lab";
/// Default directory of the datastore file, bgpd configs, sockets, etcd data.
pub const STATE_DIR: &str = "/run/terrace-lab";

/// The demo's file layout.
#[derive(Debug, Clone)]
pub struct Paths {
    /// Where felix, confd, bgpd, netctl and terrace are (beside lab-demo).
    pub bin_dir: PathBuf,
    /// `policies/examples/` of this checkout.
    pub examples: PathBuf,
    /// Logs: `<log_dir>/<host>/{felix,confd,bgpd,cni}.log`.
    pub log_dir: PathBuf,
    /// State: `<state_dir>/store.db`, `<state_dir>/<host>/bgpd.toml`...
    pub state_dir: PathBuf,
}

impl Paths {
    /// Binaries next to the running executable (`target/<profile>/`; a test
    /// binary in `deps/` looks one level up).
    pub fn new(log_dir: PathBuf, state_dir: PathBuf) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("cannot find the lab-demo executable")?;
        let mut bin_dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
        if bin_dir.ends_with("deps") {
            bin_dir.pop();
        }
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies/examples");
        Ok(Self {
            bin_dir,
            examples,
            log_dir,
            state_dir,
        })
    }

    /// A workspace binary, which must have been built.
    pub fn bin(&self, name: &str) -> anyhow::Result<PathBuf> {
        let p = self.bin_dir.join(name);
        anyhow::ensure!(
            p.is_file(),
            "{} is missing: build every binary first (`cargo build --workspace --bins`, \
             with --release for target/release)",
            p.display()
        );
        Ok(p)
    }

    /// An example file under `policies/examples/`.
    pub fn example(&self, file: &str) -> anyhow::Result<PathBuf> {
        let p = self.examples.join(file);
        let p = p.canonicalize().with_context(|| {
            format!(
                "{} is missing (lab-demo runs from its checkout)",
                p.display()
            )
        })?;
        Ok(p)
    }

    /// The log file of `daemon` on `host`.
    pub fn log(&self, host: &str, daemon: &str) -> PathBuf {
        self.log_dir.join(host).join(format!("{daemon}.log"))
    }

    /// The state directory of `host`.
    pub fn host_state(&self, host: &str) -> PathBuf {
        self.state_dir.join(host)
    }

    /// Creates the per-host log and state directories.
    pub fn create(&self, hosts: &[&str]) -> anyhow::Result<()> {
        for h in hosts {
            for d in [self.log_dir.join(h), self.host_state(h)] {
                std::fs::create_dir_all(&d)
                    .with_context(|| format!("failed to create {}", d.display()))?;
            }
        }
        Ok(())
    }

    /// Removes the log and state directories; already gone is fine. Returns
    /// the ones that existed.
    pub fn remove(&self) -> anyhow::Result<Vec<PathBuf>> {
        let mut removed = Vec::new();
        for d in [&self.log_dir, &self.state_dir] {
            if d.exists() {
                std::fs::remove_dir_all(d)
                    .with_context(|| format!("failed to remove {}", d.display()))?;
                removed.push(d.clone());
            }
        }
        Ok(removed)
    }
}
