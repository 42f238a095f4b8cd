//! The nft reconciler: dump `inet terrace`, diff, apply the delta as one
//! `nft -f -` transaction. Never flushes the table: a restarted felix finds
//! its chains current (by their content hash) and its set elements in place,
//! and changes nothing.

use std::process::Stdio;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::nft_dump::{self, DumpError};
use crate::nft::{Actual, Table, delta::DeltaSummary, render_delta};

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
}

/// How to run nft: `["nft"]`, or e.g. `["ip", "netns", "exec", "ns1", "nft"]`.
#[derive(Debug, Clone)]
pub struct NftRunner {
    argv: Vec<String>,
}

impl Default for NftRunner {
    fn default() -> Self {
        Self {
            argv: vec!["nft".to_string()],
        }
    }
}

impl NftRunner {
    /// nft inside network namespace `ns` (tests and benches).
    pub fn in_netns(ns: &str) -> Self {
        Self {
            argv: ["ip", "netns", "exec", ns, "nft"]
                .map(String::from)
                .to_vec(),
        }
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
        let (text, summary) = render_delta(desired, actual);
        if !text.is_empty() {
            tracing::debug!(
                chains = summary.chains_written.len(),
                added = summary.elements_added,
                deleted = summary.elements_deleted,
                "applying nft delta"
            );
            self.apply(&text).await?;
        }
        Ok(summary)
    }
}
