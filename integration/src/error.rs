//! The error type of lab operations.

use crate::cmd::CmdError;
use crate::pids::KillError;
use crate::podman::PodmanError;
use crate::topology::TopologyError;
use crate::wait::WaitError;

/// A lab operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// A command failed.
    #[error(transparent)]
    Cmd(#[from] CmdError),
    /// The topology is not usable.
    #[error(transparent)]
    Topology(#[from] TopologyError),
    /// A condition did not hold in time.
    #[error(transparent)]
    Wait(#[from] WaitError),
    /// Processes could not be killed.
    #[error(transparent)]
    Kill(#[from] KillError),
    /// podman does not work here, or a podman command failed.
    #[error(transparent)]
    Podman(#[from] PodmanError),
    /// Command output could not be parsed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A file operation failed.
    #[error("{context}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A daemon exited while it was expected to run.
    #[error("{name} exited early; its log:\n{log}")]
    DaemonExited {
        /// The daemon's label.
        name: String,
        /// Its captured output.
        log: String,
    },
    /// The lab has no node of that name.
    #[error("lab has no node `{0}`")]
    UnknownNode(String),
    /// Teardown met errors (it carried on past each one).
    #[error("teardown failed: {}", .0.join("; "))]
    Teardown(Vec<String>),
}

impl LabError {
    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Self::Io { context, source }
    }
}

/// Command output could not be parsed.
#[derive(Debug, thiserror::Error)]
#[error("failed to parse {what}")]
pub struct ParseError {
    /// Which output.
    pub what: String,
    /// The underlying error.
    #[source]
    pub source: serde_json::Error,
}
