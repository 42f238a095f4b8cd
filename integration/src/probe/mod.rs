//! Connectivity probes between lab endpoints: TCP connect, UDP
//! request/response (both through the `lab-probe` binary run inside the
//! source namespace), ICMP echo (`ping`), and a continuous ping that counts
//! losses ([`stream`]).

pub mod agent;
pub mod cli;
pub mod stream;

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::LabError;
use crate::lab::Lab;
use crate::process::Daemon;
use crate::wait::wait_until;

/// The result of one probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", content = "detail", rename_all = "snake_case")]
pub enum ProbeOutcome {
    /// TCP connected, the UDP echo came back, or the ping was answered.
    Connected,
    /// The peer refused: TCP RST or ICMP port unreachable.
    Refused,
    /// Nothing came back before the timeout.
    TimedOut,
    /// Anything else (no route, bad arguments...), with the reason.
    Error(String),
}

impl std::fmt::Display for ProbeOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Connected => f.write_str("connected"),
            Self::Refused => f.write_str("refused"),
            Self::TimedOut => f.write_str("timed out"),
            Self::Error(e) => write!(f, "error: {e}"),
        }
    }
}

/// Transport of a `lab-probe` client probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    /// TCP connect.
    Tcp,
    /// UDP request and echoed response.
    Udp,
}

impl Proto {
    /// Lower-case name used on the `lab-probe` command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
        }
    }
}

/// Where a probe runs: a lab node, or any network namespace by path, e.g. a
/// container runtime's (podman's `NetworkSettings.SandboxKey`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetnsRef {
    /// A node of the lab, by role.
    Node(String),
    /// A namespace file, entered with `nsenter --net=<path>`.
    Path(PathBuf),
}

impl NetnsRef {
    /// `args` run inside this namespace.
    pub fn argv(&self, lab: &Lab, args: &[&str]) -> Result<Vec<String>, LabError> {
        Ok(match self {
            Self::Node(role) => crate::cmd::in_netns(lab.ns(role)?, args),
            Self::Path(path) => {
                let mut v = vec!["nsenter".to_owned(), format!("--net={}", path.display())];
                v.extend(args.iter().map(|a| (*a).to_owned()));
                v
            }
        })
    }
}

/// Maps `ping -c 1` exit codes: 0 answered, 1 no answer, else an error.
pub fn ping_outcome(code: Option<i32>, stderr: &str) -> ProbeOutcome {
    match code {
        Some(0) => ProbeOutcome::Connected,
        Some(1) => ProbeOutcome::TimedOut,
        _ => ProbeOutcome::Error(format!("ping failed: {}", stderr.trim())),
    }
}

impl Lab {
    /// Starts a `lab-probe` server (TCP listener and UDP echo on `port`, all
    /// addresses) in node `role` and waits until it listens.
    pub fn serve_probe(&self, role: &str, port: u16) -> Result<Daemon, LabError> {
        let bin = self.probe_bin().display().to_string();
        let port_s = port.to_string();
        let d = self.spawn(
            role,
            &format!("probe-server-{role}-{port}"),
            &[bin.as_str(), "serve", "--port", &port_s],
        )?;
        let what = format!("probe server in {role} on port {port}");
        wait_until(Duration::from_secs(30), &what, || {
            d.log().contains(agent::READY_LINE) || !d.is_running()
        })?;
        if !d.is_running() {
            return Err(LabError::DaemonExited {
                name: d.name().to_owned(),
                log: d.log(),
            });
        }
        Ok(d)
    }

    /// Probes `addr:port` from node `role` over TCP or UDP.
    pub fn probe(
        &self,
        role: &str,
        proto: Proto,
        addr: IpAddr,
        port: u16,
        timeout: Duration,
    ) -> ProbeOutcome {
        self.probe_at(&NetnsRef::Node(role.to_owned()), proto, addr, port, timeout)
    }

    /// Probes `addr:port` over TCP or UDP from namespace `at`.
    pub fn probe_at(
        &self,
        at: &NetnsRef,
        proto: Proto,
        addr: IpAddr,
        port: u16,
        timeout: Duration,
    ) -> ProbeOutcome {
        let bin = self.probe_bin().display().to_string();
        let target = std::net::SocketAddr::new(addr, port).to_string();
        let ms = timeout.as_millis().to_string();
        let args = [bin.as_str(), proto.as_str(), &target, "--timeout-ms", &ms];
        let out = at
            .argv(self, &args)
            .and_then(|argv| Ok(crate::cmd::output(&argv)?));
        match out {
            Ok(out) => agent::parse_report(
                &String::from_utf8_lossy(&out.stdout),
                &String::from_utf8_lossy(&out.stderr),
            ),
            Err(e) => ProbeOutcome::Error(e.to_string()),
        }
    }

    /// TCP connect probe from node `role` to `addr:port`.
    pub fn probe_tcp(
        &self,
        role: &str,
        addr: IpAddr,
        port: u16,
        timeout: Duration,
    ) -> ProbeOutcome {
        self.probe(role, Proto::Tcp, addr, port, timeout)
    }

    /// UDP request/response probe from node `role` to `addr:port`.
    pub fn probe_udp(
        &self,
        role: &str,
        addr: IpAddr,
        port: u16,
        timeout: Duration,
    ) -> ProbeOutcome {
        self.probe(role, Proto::Udp, addr, port, timeout)
    }

    /// One ICMP echo from node `role` to `addr`.
    pub fn ping(&self, role: &str, addr: IpAddr, timeout: Duration) -> ProbeOutcome {
        let secs = timeout.as_secs().max(1).to_string();
        let a = addr.to_string();
        match self.exec_output(role, &["ping", "-n", "-q", "-c", "1", "-W", &secs, &a]) {
            Ok(out) => ping_outcome(out.status.code(), &String::from_utf8_lossy(&out.stderr)),
            Err(e) => ProbeOutcome::Error(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_exit_codes_map_to_outcomes() {
        let cases = [
            (Some(0), ProbeOutcome::Connected),
            (Some(1), ProbeOutcome::TimedOut),
            (
                Some(2),
                ProbeOutcome::Error("ping failed: connect: Network is unreachable".into()),
            ),
            (
                None,
                ProbeOutcome::Error("ping failed: connect: Network is unreachable".into()),
            ),
        ];
        for (code, want) in cases {
            assert_eq!(
                ping_outcome(code, "connect: Network is unreachable\n"),
                want
            );
        }
    }

    #[test]
    fn outcomes_serialise_as_tagged_json() {
        let j = serde_json::to_string(&ProbeOutcome::Error("x".into())).unwrap();
        assert_eq!(j, r#"{"result":"error","detail":"x"}"#);
        assert_eq!(
            serde_json::to_string(&ProbeOutcome::Refused).unwrap(),
            r#"{"result":"refused"}"#
        );
    }
}
