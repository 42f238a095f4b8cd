//! The production sink: writes bgpd's file atomically after bgpd itself has
//! accepted it, then tells the running bgpd to reload: over its API socket
//! when it serves one, else with SIGHUP through its pid file. A rejected file
//! never replaces the one bgpd runs with.

use crate::daemon::Sink;
use crate::model::SpeakerConfig;
use crate::render::{RenderError, render};
use std::path::{Path, PathBuf};

/// Why a configuration did not reach bgpd. Each message carries its cause, because
/// confd reports it as one line (log, status); none is repeated as a `source`.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// The model does not fit bgpd's file.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// A file could not be written or moved into place.
    #[error("cannot {action} {path}: {error}")]
    File {
        /// `write` or `install`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
    /// `bgpd --check-config` could not be started.
    #[error("cannot run {bgpd} --check-config: {error}")]
    Check {
        /// The bgpd executable.
        bgpd: PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
    /// bgpd refused the rendered file; the one it runs with stays.
    #[error("bgpd rejected the rendered configuration: {0}")]
    Rejected(String),
    /// bgpd's API answered the reload request with an error.
    #[error("bgpd refused to reload: {0}")]
    Reload(String),
    /// The pid file could not be read or does not hold a pid.
    #[error("cannot read bgpd's pid from {path}: {reason}")]
    PidFile {
        /// The pid file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// SIGHUP could not be delivered.
    #[error("cannot signal bgpd (pid {pid}): {error}")]
    Signal {
        /// The process signalled.
        pid: i32,
        /// What the system said.
        error: nix::Error,
    },
}

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
    async fn check(&self, candidate: &Path) -> Result<(), InstallError> {
        let out = tokio::process::Command::new(&self.bgpd)
            .arg("--check-config")
            .arg(candidate)
            .output()
            .await
            .map_err(|error| InstallError::Check {
                bgpd: self.bgpd.clone(),
                error,
            })?;
        if out.status.success() {
            Ok(())
        } else {
            Err(InstallError::Rejected(
                String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            ))
        }
    }

    /// Asks bgpd to reload: over the API when bgpd serves one, else SIGHUP.
    async fn reload(&self) -> Result<(), InstallError> {
        if let Some(socket) = &self.api_socket {
            match bgpd_api::client::connect(socket, API_TIMEOUT).await {
                Ok(mut client) => {
                    return client
                        .reload(bgpd_api::pb::ReloadRequest {})
                        .await
                        .map(|_| ())
                        .map_err(|e| InstallError::Reload(e.message().to_owned()));
                }
                // Not serving (yet, or without --api-socket): the pid file may still reach it.
                Err(e) => {
                    tracing::debug!(error = %e, "bgpd API unavailable; falling back to SIGHUP")
                }
            }
        }
        self.signal().await
    }

    async fn signal(&self) -> Result<(), InstallError> {
        let Some(pid_file) = &self.pid_file else {
            return Ok(());
        };
        let pid_error = |reason: String| InstallError::PidFile {
            path: pid_file.clone(),
            reason,
        };
        let text = match tokio::fs::read_to_string(pid_file).await {
            Ok(t) => t,
            // bgpd is not running yet: it reads the file when it starts.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(pid_error(e.to_string())),
        };
        let pid: i32 = text
            .trim()
            .parse()
            .map_err(|_| pid_error("it does not hold a pid".to_owned()))?;
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGHUP,
        )
        .map_err(|error| InstallError::Signal { pid, error })
    }

    /// Renders, checks, installs and reloads.
    pub async fn install(&self, config: &SpeakerConfig) -> Result<(), InstallError> {
        let text = render(config)?;
        if tokio::fs::read_to_string(&self.path)
            .await
            .is_ok_and(|current| current == text)
        {
            return Ok(());
        }
        let candidate = temp_path(&self.path);
        tokio::fs::write(&candidate, &text)
            .await
            .map_err(|error| InstallError::File {
                action: "write",
                path: candidate.clone(),
                error,
            })?;
        if let Err(e) = self.check(&candidate).await {
            let _ = tokio::fs::remove_file(&candidate).await;
            return Err(e);
        }
        // rename within one directory is atomic: bgpd sees the old file or the new one.
        tokio::fs::rename(&candidate, &self.path)
            .await
            .map_err(|error| InstallError::File {
                action: "install",
                path: self.path.clone(),
                error,
            })?;
        self.reload().await
    }
}

impl Sink for BgpdFile {
    type Error = InstallError;

    async fn apply(&mut self, config: &SpeakerConfig) -> Result<(), InstallError> {
        self.install(config).await
    }
}
