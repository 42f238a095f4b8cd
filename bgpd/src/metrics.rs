//! Prometheus metrics and readiness for the bgpd binary.
//!
//! Everything comes from the daemon's [`Status`] snapshot, which the core keeps
//! (per-peer prefix counts and message counters included); rendering is a pure
//! function of it.

use std::sync::atomic::{AtomicBool, Ordering};

use terrace_svc::expo::{Exposition, Type};
use tokio::sync::watch;

use crate::daemon::{PeerDetail, PeerStatus, Status};
use crate::fsm::State;

const STATES: [State; 6] = [
    State::Idle,
    State::Connect,
    State::Active,
    State::OpenSent,
    State::OpenConfirm,
    State::Established,
];

fn kind_label(kind: crate::config::PeerKind) -> &'static str {
    match kind {
        crate::config::PeerKind::Mesh => "mesh",
        crate::config::PeerKind::Global => "global",
        crate::config::PeerKind::Node => "node",
    }
}

/// The text exposition for a status snapshot (pure).
pub fn render(status: &Status) -> String {
    let mut e = Exposition::default();
    e.family(
        "bgpd_peers",
        "Configured peers by session state",
        Type::Gauge,
    );
    for s in STATES {
        let n = status.peers.values().filter(|p| p.state == s).count();
        e.sample("bgpd_peers", &[("state", &format!("{s:?}"))], n as f64);
    }
    let none = PeerDetail::default();
    let peers: Vec<(String, &PeerStatus, &PeerDetail)> = status
        .peers
        .iter()
        .map(|(a, p)| (a.to_string(), p, status.details.get(a).unwrap_or(&none)))
        .collect();
    type Value = fn(&PeerStatus, &PeerDetail) -> f64;
    let per_peer: [(&str, &str, Type, Value); 7] = [
        (
            "bgpd_peer_established",
            "1 when the session is Established",
            Type::Gauge,
            |p, _| f64::from(u8::from(p.state == State::Established)),
        ),
        (
            "bgpd_peer_prefixes_received",
            "Prefixes in the peer's Adj-RIB-In (before import policy)",
            Type::Gauge,
            |p, _| p.received as f64,
        ),
        (
            "bgpd_peer_prefixes_accepted",
            "The peer's routes in the Loc-RIB (import policy passed, next hop resolvable)",
            Type::Gauge,
            |_, d| d.accepted as f64,
        ),
        (
            "bgpd_peer_prefixes_advertised",
            "Prefixes announced to the peer on the current session",
            Type::Gauge,
            |_, d| d.advertised as f64,
        ),
        (
            "bgpd_peer_updates_received_total",
            "UPDATE messages received from the peer",
            Type::Counter,
            |_, d| d.counters.updates_in as f64,
        ),
        (
            "bgpd_peer_updates_sent_total",
            "UPDATE messages sent to the peer",
            Type::Counter,
            |_, d| d.counters.updates_out as f64,
        ),
        (
            "bgpd_peer_session_flaps_total",
            "Established sessions with the peer that went down",
            Type::Counter,
            |_, d| d.counters.flaps as f64,
        ),
    ];
    for (name, help, kind, value) in per_peer {
        e.family(name, help, kind);
        for (addr, p, d) in &peers {
            let labels = [
                ("peer", addr.as_str()),
                ("name", p.name.as_str()),
                ("kind", kind_label(p.kind)),
            ];
            e.sample(name, &labels, value(p, d));
        }
    }
    e.single(
        "bgpd_loc_rib_prefixes",
        "Prefixes in the Loc-RIB",
        Type::Gauge,
        status.loc_rib as f64,
    );
    e.single(
        "bgpd_config_reloads_total",
        "Configuration reloads applied",
        Type::Counter,
        status.reloads as f64,
    );
    e.finish()
}

/// What the health endpoint serves.
#[derive(Debug)]
pub struct BgpdProbe {
    /// Configuration loaded and the BGP listener bound.
    pub ready: AtomicBool,
    status: watch::Receiver<Status>,
}

impl BgpdProbe {
    /// A probe reading snapshots from `status`; not ready yet.
    pub fn new(status: watch::Receiver<Status>) -> BgpdProbe {
        BgpdProbe {
            ready: AtomicBool::new(false),
            status,
        }
    }
}

impl terrace_svc::Probe for BgpdProbe {
    fn ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed)
    }

    fn metrics(&self) -> String {
        render(&self.status.borrow())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PeerKind;
    use crate::daemon::PeerCounters;

    fn status() -> Status {
        let mut s = Status {
            loc_rib: 3,
            reloads: 1,
            ..Status::default()
        };
        for (addr, state, received) in [
            ("192.0.2.1", State::Established, 2),
            ("192.0.2.2", State::Active, 0),
        ] {
            s.peers.insert(
                addr.parse().unwrap(),
                PeerStatus {
                    name: format!("peer-{addr}"),
                    kind: PeerKind::Global,
                    state,
                    since: tokio::time::Instant::now(),
                    received,
                },
            );
        }
        s.details.insert(
            "192.0.2.1".parse().unwrap(),
            PeerDetail {
                accepted: 1,
                advertised: 4,
                counters: PeerCounters {
                    updates_in: 5,
                    updates_out: 2,
                    flaps: 1,
                },
                ..PeerDetail::default()
            },
        );
        s
    }

    #[test]
    fn renders_states_per_peer_counts_and_counters() {
        let text = render(&status());
        let m = terrace_svc::testkit::parse_metrics(&text).unwrap();
        let peer = "peer=\"192.0.2.1\",name=\"peer-192.0.2.1\",kind=\"global\"";
        let other = "peer=\"192.0.2.2\",name=\"peer-192.0.2.2\",kind=\"global\"";
        let cases = [
            ("bgpd_peers{state=\"Established\"}".to_string(), 1.0),
            ("bgpd_peers{state=\"Active\"}".to_string(), 1.0),
            ("bgpd_peers{state=\"Idle\"}".to_string(), 0.0),
            (format!("bgpd_peer_established{{{peer}}}"), 1.0),
            (format!("bgpd_peer_prefixes_received{{{peer}}}"), 2.0),
            (format!("bgpd_peer_prefixes_accepted{{{peer}}}"), 1.0),
            (format!("bgpd_peer_prefixes_advertised{{{peer}}}"), 4.0),
            (format!("bgpd_peer_updates_received_total{{{peer}}}"), 5.0),
            (format!("bgpd_peer_updates_sent_total{{{peer}}}"), 2.0),
            (format!("bgpd_peer_session_flaps_total{{{peer}}}"), 1.0),
            (format!("bgpd_peer_prefixes_advertised{{{other}}}"), 0.0),
            ("bgpd_loc_rib_prefixes".to_string(), 3.0),
        ];
        for (series, want) in cases {
            assert_eq!(m.get(&series), Some(&want), "{series} in\n{text}");
        }
    }
}
