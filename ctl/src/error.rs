//! netctl's failures and the exit codes they map to (documented in `--help`
//! and docs/netctl.md): 0 ok, 1 the operation failed, 2 usage or validation error.

use std::process::ExitCode;

#[derive(Debug, thiserror::Error)]
pub enum CtlError {
    /// Bad arguments or invalid input: nothing was written. Exit 2.
    #[error("{0}")]
    Usage(String),
    /// One or more documents are invalid; every problem is listed. Exit 2.
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
    /// The operation was attempted and failed (datastore, conflict, not found). Exit 1.
    #[error("{0:#}")]
    Failed(#[from] anyhow::Error),
}

impl CtlError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CtlError::Usage(_) | CtlError::Invalid(_) => ExitCode::from(2),
            CtlError::Failed(_) => ExitCode::from(1),
        }
    }
}

pub type CtlResult<T> = Result<T, CtlError>;
