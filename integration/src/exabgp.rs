//! ExaBGP 4.2 (Debian's `exabgp`) as a lab peer that sends what a test tells it,
//! including raw attributes (`attribute [ 0xCODE 0xFLAGS 0xDATA ]`), which makes it the
//! lab's malformed-UPDATE sender. Commands go through ExaBGP's text API: the test
//! appends lines to a file that a `tail -F` child process feeds to ExaBGP.
//!
//! What ExaBGP 4.2.21 cannot send, read from its encoder: two attributes of one type
//! (it keeps attributes in a map by type code; only MP_REACH_NLRI, built apart, can be
//! doubled by a raw one), an UPDATE without ORIGIN or AS_PATH (it adds defaults), and a
//! raw NEXT_HOP (its encoder fails with "'GenericAttribute' object has no attribute
//! 'ipv4'").

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use crate::error::LabError;
use crate::lab::Lab;
use crate::process::Daemon;

/// One ExaBGP session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExabgpConfig {
    /// Router ID.
    pub router_id: Ipv4Addr,
    /// Our address on the link (ExaBGP connects from it).
    pub local_address: IpAddr,
    /// Our AS.
    pub local_as: u32,
    /// The peer (ExaBGP connects to it; it does not listen).
    pub peer: IpAddr,
    /// The peer's AS.
    pub peer_as: u32,
    /// Families, in ExaBGP's words (`"ipv4 unicast"`, `"ipv6 unicast"`).
    pub families: Vec<String>,
}

/// The ExaBGP config text; `commands` is the file the API process follows. Pure.
pub fn render(cfg: &ExabgpConfig, commands: &Path) -> String {
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        s,
        "process commands {{\n  run /bin/sh -c \"exec tail -n +1 -F {}\";\n  encoder text;\n}}",
        commands.display()
    );
    let _ = writeln!(s, "neighbor {} {{", cfg.peer);
    let _ = writeln!(
        s,
        "  router-id {};\n  local-address {};\n  local-as {};\n  peer-as {};\n  hold-time 9;",
        cfg.router_id, cfg.local_address, cfg.local_as, cfg.peer_as
    );
    s.push_str("  family {\n");
    for f in &cfg.families {
        let _ = writeln!(s, "    {f};");
    }
    s.push_str("  }\n  api {\n    processes [ commands ];\n  }\n}\n");
    s
}

/// A running ExaBGP.
#[derive(Debug)]
pub struct Exabgp {
    commands: PathBuf,
    daemon: Daemon,
}

impl Exabgp {
    /// Writes the config and starts ExaBGP in node `role` (as root, logging to its
    /// output, without the CLI pipes). The session comes up on its own.
    pub fn start(lab: &Lab, role: &str, cfg: &ExabgpConfig) -> Result<Self, LabError> {
        let dir = lab.dir().join(format!("exabgp-{role}"));
        std::fs::create_dir_all(&dir)
            .map_err(LabError::io(format!("failed to create {}", dir.display())))?;
        let commands = dir.join("commands");
        std::fs::write(&commands, "").map_err(LabError::io(format!(
            "failed to create {}",
            commands.display()
        )))?;
        let conf = dir.join("exabgp.conf");
        std::fs::write(&conf, render(cfg, &commands))
            .map_err(LabError::io(format!("failed to write {}", conf.display())))?;
        let conf = conf.display().to_string();
        let daemon = lab.spawn(
            role,
            &format!("exabgp-{role}"),
            &[
                "env",
                "exabgp.daemon.user=root",
                "exabgp.daemon.daemonize=false",
                "exabgp.log.destination=stdout",
                "exabgp.api.cli=false",
                "exabgp",
                &conf,
            ],
        )?;
        Ok(Exabgp { commands, daemon })
    }

    /// Sends one API command, e.g. `announce route 10.0.0.0/24 next-hop 10.0.9.1`.
    pub fn send(&self, command: &str) -> Result<(), LabError> {
        let what = || format!("failed to append to {}", self.commands.display());
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&self.commands)
            .map_err(LabError::io(what()))?;
        writeln!(f, "{command}").map_err(LabError::io(what()))
    }

    /// ExaBGP's log so far.
    pub fn log(&self) -> String {
        self.daemon.log()
    }

    /// Whether ExaBGP still runs.
    pub fn is_running(&self) -> bool {
        self.daemon.is_running()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_and_the_command_process_are_rendered() {
        let cfg = ExabgpConfig {
            router_id: "10.0.9.1".parse().unwrap(),
            local_address: "10.0.9.1".parse().unwrap(),
            local_as: 65003,
            peer: "10.0.9.2".parse().unwrap(),
            peer_as: 65001,
            families: vec!["ipv4 unicast".into(), "ipv6 unicast".into()],
        };
        let text = render(&cfg, Path::new("/tmp/x/commands"));
        for want in [
            "run /bin/sh -c \"exec tail -n +1 -F /tmp/x/commands\";",
            "neighbor 10.0.9.2 {",
            "local-address 10.0.9.1;\n  local-as 65003;\n  peer-as 65001;",
            "    ipv4 unicast;\n    ipv6 unicast;\n",
            "processes [ commands ];",
        ] {
            assert!(text.contains(want), "missing `{want}` in\n{text}");
        }
    }
}
