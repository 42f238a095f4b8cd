//! `netctl node status` and `netctl node soft-reset`: this host's BGP sessions, asked
//! of (and reset through) the local bgpd's management API (gRPC on a unix socket,
//! `bgpd --api-socket PATH`).
//!
//! The rendering is a pure function of the ListPeers answer ([`table`], [`json`],
//! `--detail` in [`super::node_detail`]), tested without a daemon; the test in
//! ctl/tests/node_status.rs runs the real binaries.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use bgpd_api::client::DialError;
use bgpd_api::pb::{ListPeersRequest, ListPeersResponse, SoftResetDirection, SoftResetRequest};
use clap::{Args, Subcommand, ValueEnum};

use super::peer_text::{duration, peer_type};
use crate::error::{CtlError, CtlResult};

/// Where bgpd serves its API on a Terrace host: next to its pid file, which confd
/// signals (`/run/terrace/bgpd.pid`). bgpd has no default; the service starts it with
/// `--api-socket /run/terrace/bgpd.sock`.
pub const DEFAULT_BGPD_SOCKET: &str = "/run/terrace/bgpd.sock";

/// How long to wait for bgpd's answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// `netctl node ...`
#[derive(Debug, Subcommand)]
pub enum NodeCommand {
    /// This host's BGP peers: address, AS, type, session state, since when, prefixes.
    #[command(
        after_help = "Examples:\n  netctl node status\n  netctl node status -o json --bgpd-socket /run/terrace/bgpd.sock"
    )]
    Status(StatusArgs),
    /// Re-apply policy to one BGP peer's routes without resetting its session: inbound
    /// (the peer re-sends by ROUTE-REFRESH, or the stored routes go through import
    /// policy again), outbound (our routes are sent again through export policy), or both.
    #[command(
        name = "soft-reset",
        after_help = "Examples:\n  netctl node soft-reset 10.0.1.1\n  netctl node soft-reset 10.0.1.1 --in"
    )]
    SoftReset(SoftResetArgs),
}

/// `netctl node soft-reset` flags.
#[derive(Debug, Args)]
pub struct SoftResetArgs {
    /// The peer's address, as `netctl node status` shows it.
    pub peer: std::net::IpAddr,
    /// Inbound only.
    #[arg(long = "in", conflicts_with = "outbound")]
    pub inbound: bool,
    /// Outbound only.
    #[arg(long = "out")]
    pub outbound: bool,
    /// bgpd's management API socket (bgpd --api-socket).
    #[arg(long, value_name = "PATH", default_value = DEFAULT_BGPD_SOCKET)]
    pub bgpd_socket: PathBuf,
}

/// `netctl node status` flags.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// bgpd's management API socket (bgpd --api-socket).
    #[arg(long, value_name = "PATH", default_value = DEFAULT_BGPD_SOCKET)]
    pub bgpd_socket: PathBuf,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = StatusFormat::Table)]
    pub output: StatusFormat,
    /// Per peer: uptime, negotiated capabilities, prefixes received / accepted /
    /// advertised, message counters and the last error (table output).
    #[arg(long)]
    pub detail: bool,
}

/// Output formats of `node status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// Aligned columns.
    Table,
    /// One JSON object.
    Json,
}

/// Runs `netctl node ...`.
pub async fn run(cmd: &NodeCommand) -> CtlResult<String> {
    match cmd {
        NodeCommand::Status(args) => {
            let reply = list_peers(&args.bgpd_socket).await?;
            Ok(match (args.output, args.detail) {
                (StatusFormat::Table, false) => table(&reply),
                (StatusFormat::Table, true) => super::node_detail::detail(&reply),
                (StatusFormat::Json, _) => json(&reply),
            })
        }
        NodeCommand::SoftReset(args) => soft_reset(args).await,
    }
}

async fn client(socket: &Path) -> CtlResult<bgpd_api::client::Client> {
    bgpd_api::client::connect(socket, TIMEOUT)
        .await
        .map_err(|e| match e {
            DialError::NoSocket(_) => CtlError::Failed(anyhow::anyhow!(
                "{e} (start bgpd with --api-socket, or pass --bgpd-socket)"
            )),
            DialError::Connect { .. } => CtlError::Failed(e.into()),
        })
}

async fn soft_reset(args: &SoftResetArgs) -> CtlResult<String> {
    let direction = match (args.inbound, args.outbound) {
        (true, _) => SoftResetDirection::In,
        (_, true) => SoftResetDirection::Out,
        _ => SoftResetDirection::Both,
    };
    let req = SoftResetRequest {
        peer: args.peer.to_string(),
        direction: direction.into(),
    };
    let done = client(&args.bgpd_socket)
        .await?
        .soft_reset(req)
        .await
        .map_err(|e| {
            CtlError::Failed(anyhow::anyhow!(
                "soft reset of {}: {}",
                args.peer,
                e.message()
            ))
        })?
        .into_inner();
    Ok(super::node_detail::soft_reset_summary(args.peer, &done))
}

async fn list_peers(socket: &Path) -> CtlResult<ListPeersResponse> {
    let mut client = client(socket).await?;
    let reply = client
        .list_peers(ListPeersRequest {})
        .await
        .with_context(|| format!("bgpd at {} did not list its peers", socket.display()))?;
    Ok(reply.into_inner())
}

/// The answer as aligned columns, one peer per row, sorted by address as bgpd sends it.
pub fn table(reply: &ListPeersResponse) -> String {
    let header = [
        "PEER ADDRESS",
        "AS",
        "TYPE",
        "STATE",
        "SINCE",
        "RECEIVED",
        "ACCEPTED",
        "NAME",
    ];
    let rows: Vec<[String; 8]> = reply
        .peers
        .iter()
        .map(|p| {
            [
                p.address.clone(),
                p.remote_as.to_string(),
                peer_type(&p.kind).to_owned(),
                p.state.clone(),
                duration(p.since_seconds),
                p.prefixes_received.to_string(),
                p.prefixes_accepted.to_string(),
                p.name.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.len());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let text: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", text.join("  ").trim_end());
    };
    line(header.to_vec());
    for r in &rows {
        line(r.iter().map(String::as_str).collect());
    }
    if reply.peers.is_empty() {
        out.push_str("(no BGP peers configured)\n");
    }
    let _ = writeln!(out, "\nLoc-RIB prefixes: {}", reply.loc_rib_prefixes);
    out
}

/// The answer as one JSON object (fields named like the table columns, snake_case).
pub fn json(reply: &ListPeersResponse) -> String {
    let peers: Vec<serde_json::Value> = reply
        .peers
        .iter()
        .map(|p| {
            serde_json::json!({
                "address": p.address,
                "as": p.remote_as,
                "type": peer_type(&p.kind),
                "state": p.state,
                "since_seconds": p.since_seconds,
                "prefixes_received": p.prefixes_received,
                "prefixes_accepted": p.prefixes_accepted,
                "prefixes_advertised": p.prefixes_advertised,
                "uptime_seconds": p.uptime_seconds,
                "capabilities": p.capabilities,
                "last_error": p.last_error.as_ref().map(|e| serde_json::json!({
                    "kind": e.kind,
                    "text": e.text,
                    "seconds_ago": e.seconds_ago,
                })),
                "name": p.name,
            })
        })
        .collect();
    let v = serde_json::json!({"peers": peers, "loc_rib_prefixes": reply.loc_rib_prefixes});
    format!("{v:#}\n")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use bgpd_api::pb::Peer;

    pub(crate) fn reply() -> ListPeersResponse {
        let peer = |address: &str, remote_as, kind: &str, state: &str, since, rx, acc| Peer {
            address: address.into(),
            name: format!("peer-{address}"),
            kind: kind.into(),
            state: state.into(),
            since_seconds: since,
            prefixes_received: rx,
            remote_as,
            prefixes_accepted: acc,
            ..Peer::default()
        };
        ListPeersResponse {
            peers: vec![
                peer("10.0.1.1", 65000, "global", "Established", 4000, 12, 10),
                peer("10.0.2.2", 64512, "node-to-node mesh", "Active", 42, 0, 0),
            ],
            loc_rib_prefixes: 11,
        }
    }

    #[test]
    fn table_has_one_aligned_row_per_peer() {
        let want = "\
PEER ADDRESS  AS     TYPE    STATE        SINCE  RECEIVED  ACCEPTED  NAME
10.0.1.1      65000  global  Established  1h6m   12        10        peer-10.0.1.1
10.0.2.2      64512  mesh    Active       42s    0         0         peer-10.0.2.2

Loc-RIB prefixes: 11
";
        assert_eq!(table(&reply()), want);
    }

    #[test]
    fn json_carries_every_field() {
        let v: serde_json::Value = serde_json::from_str(&json(&reply())).unwrap();
        assert_eq!(v["peers"][1]["type"], "mesh");
        assert_eq!(v["peers"][0]["as"], 65000);
        assert_eq!(v["peers"][0]["prefixes_accepted"], 10);
        assert_eq!(v["loc_rib_prefixes"], 11);
    }

    #[tokio::test]
    async fn a_missing_socket_means_bgpd_is_not_running() {
        let err = list_peers(Path::new("/nonexistent/bgpd.sock"))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "bgpd is not running on this host: no socket at /nonexistent/bgpd.sock"
            ),
            "{err}"
        );
    }
}
