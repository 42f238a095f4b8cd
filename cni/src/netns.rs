//! Running work inside the container's network namespace.
//!
//! `setns` changes the namespace of the calling thread only, so the work runs on a fresh
//! thread that enters the namespace, opens its own netlink socket there (a socket belongs to
//! the namespace it was created in) and ends with the work: no other thread ever runs in the
//! container's namespace.

use nix::sched::{CloneFlags, setns};
use std::fs::File;
use std::path::Path;

/// Why work in a namespace could not run.
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    /// The namespace path cannot be opened (the container is gone, or the path is wrong).
    #[error("cannot open network namespace {path}: {source}")]
    Open {
        /// `CNI_NETNS`.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// `setns` failed (not a network namespace, or no CAP_SYS_ADMIN).
    #[error("cannot enter network namespace {path}: {source}")]
    Enter {
        /// `CNI_NETNS`.
        path: String,
        /// The OS error.
        source: nix::Error,
    },
    /// The worker thread panicked.
    #[error("the worker in network namespace {path} panicked")]
    Panicked {
        /// `CNI_NETNS`.
        path: String,
    },
}

/// Opens a namespace file (also used to move a link into it by file descriptor).
pub fn open(path: &Path) -> Result<File, NetnsError> {
    File::open(path).map_err(|source| NetnsError::Open {
        path: path.display().to_string(),
        source,
    })
}

/// Runs `work` on a thread inside the namespace at `path` and returns its result.
pub fn run_in<T, F>(path: &Path, work: F) -> Result<T, NetnsError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let file = open(path)?;
    let shown = path.display().to_string();
    let worker_path = shown.clone();
    let worker = std::thread::spawn(move || {
        setns(&file, CloneFlags::CLONE_NEWNET).map_err(|source| NetnsError::Enter {
            path: worker_path,
            source,
        })?;
        Ok(work())
    });
    worker
        .join()
        .map_err(|_| NetnsError::Panicked { path: shown })?
}

/// Runs async `work` inside the namespace on its own single-threaded runtime.
pub fn block_on_in<T, F, Fut>(path: &Path, work: F) -> Result<std::io::Result<T>, NetnsError>
where
    T: Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = std::io::Result<T>>,
{
    run_in(path, move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(work())
    })
}
