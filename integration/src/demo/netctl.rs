//! `netctl` as an operator runs it: apply files, read resources, trace a flow.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

use crate::cmd::cmdline;

/// How to run netctl against the lab's datastore.
#[derive(Debug, Clone)]
pub struct Netctl {
    bin: PathBuf,
    url: String,
    /// Namespace to run it in (etcd is reachable only from inside the lab).
    netns: Option<String>,
}

impl Netctl {
    /// netctl at `bin` on datastore `url`, run inside `netns` if given.
    pub fn new(bin: PathBuf, url: &str, netns: Option<&str>) -> Self {
        Self {
            bin,
            url: url.to_owned(),
            netns: netns.map(str::to_owned),
        }
    }

    /// The full command line for `args`, as a user would type it.
    pub fn argv(&self, args: &[&str]) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(ns) = &self.netns {
            v.extend(["ip", "netns", "exec", ns].map(str::to_owned));
        }
        v.push(self.bin.display().to_string());
        v.extend(["--datastore".to_owned(), self.url.clone()]);
        v.extend(args.iter().map(|a| (*a).to_owned()));
        v
    }

    /// Whether this netctl has `node status` (bgpd's peers over its API).
    pub fn has_node_status(&self) -> bool {
        Command::new(&self.bin)
            .args(["node", "status", "--help"])
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// `netctl node status` run on a host (in its namespace `ns`), asking the
    /// bgpd whose API listens on `socket`.
    pub fn node_status_argv(&self, ns: &str, socket: &Path) -> Vec<String> {
        let mut v: Vec<String> = ["ip", "netns", "exec", ns].map(str::to_owned).into();
        v.push(self.bin.display().to_string());
        v.extend(["node", "status", "--bgpd-socket"].map(str::to_owned));
        v.push(socket.display().to_string());
        v
    }

    /// [`Netctl::argv`] joined and quoted.
    pub fn shown(&self, args: &[&str]) -> String {
        cmdline(&self.argv(args))
    }

    /// Runs netctl; a failure carries its stderr.
    pub fn run(&self, args: &[&str]) -> anyhow::Result<String> {
        let argv = self.argv(args);
        let out = Command::new(&argv[0])
            .args(&argv[1..])
            .output()
            .with_context(|| format!("failed to start {}", argv[0]))?;
        anyhow::ensure!(
            out.status.success(),
            "`{}` failed ({}): {}{}",
            cmdline(&argv),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr).trim()
        );
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `netctl apply -f F...`.
    pub fn apply(&self, files: &[&Path]) -> anyhow::Result<String> {
        let names = file_names(files);
        self.run(&apply_args(&names))
    }

    /// The command line of [`Netctl::apply`].
    pub fn shown_apply(&self, files: &[&Path]) -> String {
        let names = file_names(files);
        self.shown(&apply_args(&names))
    }

    /// `netctl policy trace ... -o json`: whether the policy allows TCP from
    /// `from` to `to:port` (endpoints as `NAMESPACE/NAME`, or addresses).
    pub fn trace_allows(&self, from: &str, to: &str, port: u16) -> anyhow::Result<bool> {
        let port = port.to_string();
        let args = [
            "policy",
            "trace",
            "--from",
            from,
            "--to",
            to,
            "--protocol",
            "tcp",
            "--port",
            &port,
            "-o",
            "json",
        ];
        let out = self.run(&args)?;
        let v: serde_json::Value = serde_json::from_str(&out)
            .with_context(|| format!("policy trace printed no JSON: {out}"))?;
        match v["verdict"].as_str() {
            Some("allow") => Ok(true),
            Some("deny") => Ok(false),
            other => anyhow::bail!("policy trace gave verdict {other:?}: {out}"),
        }
    }
}

fn file_names(files: &[&Path]) -> Vec<String> {
    files.iter().map(|f| f.display().to_string()).collect()
}

fn apply_args(names: &[String]) -> Vec<&str> {
    let mut args = vec!["apply"];
    for n in names {
        args.extend(["-f", n.as_str()]);
    }
    args
}
