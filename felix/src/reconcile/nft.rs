//! The nft reconciler: applies a [`Delta`] as one transaction — an
//! nf_tables netlink batch when the delta is only elements and group chains,
//! otherwise `nft -f -` — and dumps `inet terrace` for full diffs. Never
//! flushes the table: a restarted felix finds its chains current (by their
//! content hash) and its set elements in place, and changes nothing.

use std::process::Stdio;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::nft_dump::{self, DumpError};
use std::sync::{Arc, Mutex};

use crate::nft::delta::staged_creation;
use crate::nft::netlink::{Batch, BatchError, NfSocket, encode};
use crate::nft::{Actual, Delta, DeltaSummary, Table, full_delta};

/// Why the nft reconciler failed.
#[derive(Debug, thiserror::Error)]
pub enum NftError {
    /// The nft program could not be run.
    #[error("failed to run {program}: {source}")]
    Spawn {
        /// Program.
        program: String,
        /// OS error.
        source: std::io::Error,
    },
    /// nft refused the command.
    #[error("nft {what} failed: {stderr}")]
    Nft {
        /// What was attempted.
        what: &'static str,
        /// nft's message.
        stderr: String,
    },
    /// The dump was not understood.
    #[error(transparent)]
    Dump(#[from] DumpError),
    /// The netlink batch was refused.
    #[error(transparent)]
    Batch(#[from] BatchError),
}

/// How a delta reached the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// Nothing to do.
    Nothing,
    /// One nf_tables netlink batch.
    Netlink,
    /// One `nft -f` transaction.
    Nft,
    /// A first programming: structure and hooks through nft, the elements
    /// in between over netlink (see [`staged_creation`]).
    Staged,
}

/// How to reach the table: `nft` (and netlink) in felix's own namespace,
/// or in a named one (tests and benches).
#[derive(Debug, Clone)]
pub struct NftRunner {
    argv: Vec<String>,
    netlink: bool,
    netns: Option<String>,
    /// The netlink socket, opened on first use and dropped after a failure.
    socket: Arc<Mutex<Option<NfSocket>>>,
}

impl Default for NftRunner {
    fn default() -> Self {
        Self {
            argv: vec!["nft".to_string()],
            netlink: true,
            netns: None,
            socket: Arc::default(),
        }
    }
}

impl NftRunner {
    /// nft (and netlink) inside the named network namespace `ns`.
    pub fn in_netns(ns: &str) -> Self {
        Self {
            argv: ["ip", "netns", "exec", ns, "nft"]
                .map(String::from)
                .to_vec(),
            netlink: true,
            netns: Some(ns.to_string()),
            socket: Arc::default(),
        }
    }

    /// The same runner, never using the netlink path.
    pub fn nft_only(mut self) -> Self {
        self.netlink = false;
        self
    }

    async fn run(
        &self,
        args: &[&str],
        stdin: Option<&str>,
    ) -> Result<(bool, String, String), NftError> {
        let (program, pre) = self
            .argv
            .split_first()
            .map_or(("nft", &[][..]), |(p, r)| (p.as_str(), r));
        let mut cmd = Command::new(program);
        cmd.args(pre)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let spawn_err = |source| NftError::Spawn {
            program: program.to_string(),
            source,
        };
        let mut child = cmd.spawn().map_err(spawn_err)?;
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes()).await.map_err(spawn_err)?;
        }
        let out = child.wait_with_output().await.map_err(spawn_err)?;
        Ok((
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }

    /// What the kernel holds of `inet terrace` (an absent table is empty).
    pub async fn dump(&self) -> Result<Actual, NftError> {
        let (ok, stdout, stderr) = self
            .run(&["-j", "list", "table", "inet", "terrace"], None)
            .await?;
        if !ok {
            if stderr.contains("No such file or directory") {
                return Ok(Actual::default());
            }
            return Err(NftError::Nft {
                what: "list",
                stderr,
            });
        }
        Ok(nft_dump::parse(&stdout)?)
    }

    /// Applies a transaction text atomically.
    pub async fn apply(&self, text: &str) -> Result<(), NftError> {
        let (ok, _, stderr) = self.run(&["-f", "-"], Some(text)).await?;
        if ok {
            Ok(())
        } else {
            Err(NftError::Nft {
                what: "transaction",
                stderr,
            })
        }
    }

    /// Applies `delta`, which turns the kernel's table into `table`.
    pub async fn apply_delta(&self, delta: &Delta, table: &Table) -> Result<Path, NftError> {
        if delta.is_empty() {
            return Ok(Path::Nothing);
        }
        let kind_of = |set: &str| table.sets.get(set).map(|s| s.kind);
        if self.netlink
            && let Some(batch) = encode(delta, &kind_of, 1)
        {
            self.send(batch).await?;
            return Ok(Path::Netlink);
        }
        if self.netlink
            && let Some([structure, elements, hooks]) = staged_creation(delta)
            && let Some(batch) = encode(&elements, &kind_of, 1)
        {
            self.apply(&structure.render()).await?;
            self.send(batch).await?;
            self.apply(&hooks.render()).await?;
            return Ok(Path::Staged);
        }
        self.apply(&delta.render()).await?;
        Ok(Path::Nft)
    }

    /// Sends a batch on the (cached) netlink socket. The socket blocks until the
    /// kernel has acknowledged every message, so this runs on tokio's blocking pool.
    async fn send(&self, batch: Batch) -> Result<(), BatchError> {
        let socket = Arc::clone(&self.socket);
        let netns = self.netns.clone();
        tokio::task::spawn_blocking(move || send_on(&socket, netns.as_deref(), &batch))
            .await
            .map_err(|e| BatchError::Io(std::io::Error::other(e)))?
    }

    /// Dump, diff and apply: the kernel ends up holding `desired`.
    pub async fn reconcile(&self, desired: &Table) -> Result<DeltaSummary, NftError> {
        let actual = self.dump().await?;
        self.reconcile_from(desired, &actual).await
    }

    /// Diff against `actual` (a dump, or what felix last applied) and apply.
    pub async fn reconcile_from(
        &self,
        desired: &Table,
        actual: &Actual,
    ) -> Result<DeltaSummary, NftError> {
        let delta = full_delta(desired, actual);
        let summary = delta.summary();
        if !delta.is_empty() {
            tracing::debug!(
                chains = summary.chains_written.len(),
                added = summary.elements_added,
                deleted = summary.elements_deleted,
                "applying nft delta"
            );
            self.apply_delta(&delta, desired).await?;
        }
        Ok(summary)
    }
}

/// Sends `batch` on the socket in `slot`, opening it first (in `netns` when given);
/// a failure drops the socket so the next send opens a fresh one.
fn send_on(
    slot: &Mutex<Option<NfSocket>>,
    netns: Option<&str>,
    batch: &Batch,
) -> Result<(), BatchError> {
    // A poisoned lock only means an earlier send panicked; the socket
    // is dropped below on any failure anyway.
    let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
    if slot.is_none() {
        *slot = Some(match netns {
            None => NfSocket::open()?,
            Some(ns) => NfSocket::open_in(&std::path::Path::new("/var/run/netns").join(ns))?,
        });
    }
    let result = slot.as_ref().map_or(Ok(()), |s| s.apply(batch));
    if result.is_err() {
        *slot = None;
    }
    result
}
