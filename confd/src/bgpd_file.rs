//! The production sink: writes bgpd's file atomically after bgpd itself has
//! accepted it, then tells the running bgpd to reload: over its API socket
//! when it serves one, else with SIGHUP through its pid file. A rejected file
//! never replaces the one bgpd runs with.

use crate::daemon::Sink;
use crate::model::SpeakerConfig;
use crate::render::render;
use std::path::{Path, PathBuf};

/// Where and how bgpd is configured on this host.
#[derive(Debug, Clone)]
pub struct BgpdFile {
    /// The file bgpd reads, e.g. /etc/terrace/bgpd.toml.
    pub path: PathBuf,
    /// bgpd executable used for `--check-config`.
    pub bgpd: PathBuf,
    /// bgpd's API socket; a Reload request goes there when it exists.
    pub api_socket: Option<PathBuf>,
    /// bgpd's pid file; SIGHUP goes to that process when there is no API
    /// socket to use. None: do not signal.
    pub pid_file: Option<PathBuf>,
}

/// How long a reload request may take before confd reports it failed.
const API_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".new");
    path.with_file_name(name)
}

impl BgpdFile {
    async fn check(&self, candidate: &Path) -> Result<(), String> {
        let out = tokio::process::Command::new(&self.bgpd)
            .arg("--check-config")
            .arg(candidate)
            .output()
            .await
            .map_err(|e| format!("cannot run {} --check-config: {e}", self.bgpd.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "bgpd rejected the rendered configuration: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// Asks bgpd to reload: over the API when bgpd serves one, else SIGHUP.
    async fn reload(&self) -> Result<(), String> {
        if let Some(socket) = &self.api_socket {
            match bgpd::api::client::connect(socket, API_TIMEOUT).await {
                Ok(mut client) => {
                    return client
                        .reload(bgpd::api::pb::ReloadRequest {})
                        .await
                        .map(|_| ())
                        .map_err(|e| format!("bgpd refused to reload: {}", e.message()));
                }
                // Not serving (yet, or without --api-socket): the pid file may still reach it.
                Err(e) => {
                    tracing::debug!(error = %e, "bgpd API unavailable; falling back to SIGHUP")
                }
            }
        }
        self.signal()
    }

    fn signal(&self) -> Result<(), String> {
        let Some(pid_file) = &self.pid_file else {
            return Ok(());
        };
        let text = match std::fs::read_to_string(pid_file) {
            Ok(t) => t,
            // bgpd is not running yet: it reads the file when it starts.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(format!("cannot read {}: {e}", pid_file.display())),
        };
        let pid: i32 = text
            .trim()
            .parse()
            .map_err(|_| format!("{} does not hold a pid", pid_file.display()))?;
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGHUP,
        )
        .map_err(|e| format!("cannot signal bgpd (pid {pid}): {e}"))
    }

    /// Renders, checks, installs and reloads.
    pub async fn install(&self, config: &SpeakerConfig) -> Result<(), String> {
        let text = render(config).map_err(|e| e.to_string())?;
        if std::fs::read_to_string(&self.path).is_ok_and(|current| current == text) {
            return Ok(());
        }
        let candidate = temp_path(&self.path);
        std::fs::write(&candidate, &text)
            .map_err(|e| format!("cannot write {}: {e}", candidate.display()))?;
        if let Err(e) = self.check(&candidate).await {
            let _ = std::fs::remove_file(&candidate);
            return Err(e);
        }
        // rename within one directory is atomic: bgpd sees the old file or the new one.
        std::fs::rename(&candidate, &self.path)
            .map_err(|e| format!("cannot install {}: {e}", self.path.display()))?;
        self.reload().await
    }
}

impl Sink for BgpdFile {
    async fn apply(&mut self, config: &SpeakerConfig) -> Result<(), String> {
        self.install(config).await
    }
}
