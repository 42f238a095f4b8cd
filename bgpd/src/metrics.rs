//! Prometheus metrics and readiness for the bgpd binary.
//!
//! Everything comes from the daemon's [`Status`] snapshot, which the core keeps
//! (per-peer prefix counts and message counters included); rendering is a pure
//! function of it.

use std::sync::atomic::{AtomicBool, Ordering};

use terrace_svc::metrics::prometheus_client::metrics::counter::ConstCounter;
use terrace_svc::metrics::prometheus_client::metrics::gauge::ConstGauge;
use terrace_svc::metrics::prometheus_client::registry::Registry;
use terrace_svc::metrics::{ConstFamily, Labels, encode};
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

/// Whether a per-peer family counts events or reads a level.
#[derive(Clone, Copy)]
enum Kind {
    Counter,
    Gauge,
}

/// The text exposition for a status snapshot (pure). Counters are
/// registered without `_total`: the encoder appends it.
pub fn render(status: &Status) -> String {
    let mut r = Registry::default();
    let by_state = STATES
        .iter()
        .map(|&s| {
            let n = status.peers.values().filter(|p| p.state == s).count();
            (vec![("state", format!("{s:?}"))], n as u64)
        })
        .collect();
    r.register(
        "bgpd_peers",
        "Configured peers by session state",
        ConstFamily::gauges(by_state),
    );
    let none = PeerDetail::default();
    let peers: Vec<(Labels, &PeerStatus, &PeerDetail)> = status
        .peers
        .iter()
        .map(|(a, p)| {
            let labels = vec![
                ("peer", a.to_string()),
                ("name", p.name.clone()),
                ("kind", kind_label(p.kind).to_string()),
            ];
            (labels, p, status.details.get(a).unwrap_or(&none))
        })
        .collect();
    type Value = fn(&PeerStatus, &PeerDetail) -> u64;
    let per_peer: [(&str, &str, Kind, Value); 7] = [
        (
            "bgpd_peer_established",
            "1 when the session is Established",
            Kind::Gauge,
            |p, _| u64::from(p.state == State::Established),
        ),
        (
            "bgpd_peer_prefixes_received",
            "Prefixes in the peer's Adj-RIB-In (before import policy)",
            Kind::Gauge,
            |p, _| p.received as u64,
        ),
        (
            "bgpd_peer_prefixes_accepted",
            "The peer's routes in the Loc-RIB (import policy passed, next hop resolvable)",
            Kind::Gauge,
            |_, d| d.accepted as u64,
        ),
        (
            "bgpd_peer_prefixes_advertised",
            "Prefixes announced to the peer on the current session",
            Kind::Gauge,
            |_, d| d.advertised as u64,
        ),
        (
            "bgpd_peer_updates_received",
            "UPDATE messages received from the peer",
            Kind::Counter,
            |_, d| d.counters.updates_in,
        ),
        (
            "bgpd_peer_updates_sent",
            "UPDATE messages sent to the peer",
            Kind::Counter,
            |_, d| d.counters.updates_out,
        ),
        (
            "bgpd_peer_session_flaps",
            "Established sessions with the peer that went down",
            Kind::Counter,
            |_, d| d.counters.flaps,
        ),
    ];
    for (name, help, kind, value) in per_peer {
        let series = peers
            .iter()
            .map(|(labels, p, d)| (labels.clone(), value(p, d)))
            .collect();
        let family = match kind {
            Kind::Counter => ConstFamily::counters(series),
            Kind::Gauge => ConstFamily::gauges(series),
        };
        r.register(name, help, family);
    }
    r.register(
        "bgpd_loc_rib_prefixes",
        "Prefixes in the Loc-RIB",
        ConstGauge::new(status.loc_rib as u64),
    );
    r.register(
        "bgpd_config_reloads",
        "Configuration reloads applied",
        ConstCounter::new(status.reloads),
    );
    encode(&r)
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
