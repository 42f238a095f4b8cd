//! Prometheus metrics and readiness for the bgpd binary.
//!
//! Per-session counters (UPDATEs in and out, flaps, what the peer has been
//! told) live in a process-wide registry keyed by peer address that the
//! neighbor tasks write; the rest comes from the daemon's [`Status`]
//! snapshot. Rendering is a pure function of both.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use ipnet::IpNet;
use terrace_svc::expo::{Exposition, Type};
use tokio::sync::watch;

use crate::daemon::Status;
use crate::fsm::State;
use crate::rib::Advert;

/// Counters of one peer's sessions.
#[derive(Debug, Default)]
pub struct PeerCounters {
    /// UPDATE messages received.
    pub updates_in: AtomicU64,
    /// UPDATE messages sent.
    pub updates_out: AtomicU64,
    /// Established sessions that went down.
    pub flaps: AtomicU64,
    /// (prefix, ADD-PATH id) currently announced on the session.
    advertised: Mutex<HashSet<(IpNet, u32)>>,
}

impl PeerCounters {
    /// Follows what the peer has been told.
    pub fn adverts_sent(&self, adverts: &[Advert]) {
        let mut set = self
            .advertised
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for a in adverts {
            match a {
                Advert::Announce {
                    prefix, path_id, ..
                } => {
                    set.insert((*prefix, *path_id));
                }
                Advert::Withdraw { prefix, path_id } => {
                    set.remove(&(*prefix, *path_id));
                }
                Advert::EndOfRib(_) => {}
            }
        }
    }

    /// The session ended: the peer forgets what it was told.
    pub fn session_down(&self) {
        self.advertised
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Prefixes currently advertised to the peer.
    pub fn advertised(&self) -> usize {
        self.advertised
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

fn registry() -> &'static Mutex<HashMap<IpAddr, Arc<PeerCounters>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<IpAddr, Arc<PeerCounters>>>> = OnceLock::new();
    REGISTRY.get_or_init(Mutex::default)
}

/// The counters of the peer at `addr` (created on first use; kept across
/// session resets so counters stay monotonic).
pub fn peer(addr: IpAddr) -> Arc<PeerCounters> {
    let mut reg = registry().lock().unwrap_or_else(PoisonError::into_inner);
    Arc::clone(reg.entry(addr).or_default())
}

fn lookup(addr: IpAddr) -> Option<Arc<PeerCounters>> {
    let reg = registry().lock().unwrap_or_else(PoisonError::into_inner);
    reg.get(&addr).cloned()
}

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

/// The text exposition for a status snapshot and per-peer counters (pure).
pub fn render(status: &Status, counters: impl Fn(IpAddr) -> Option<Arc<PeerCounters>>) -> String {
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
    let peers: Vec<(String, &crate::daemon::PeerStatus, Arc<PeerCounters>)> = status
        .peers
        .iter()
        .map(|(a, p)| (a.to_string(), p, counters(*a).unwrap_or_default()))
        .collect();
    type Value = fn(&crate::daemon::PeerStatus, &PeerCounters) -> f64;
    let per_peer: [(&str, &str, Type, Value); 6] = [
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
            "bgpd_peer_prefixes_advertised",
            "Prefixes announced to the peer on the current session",
            Type::Gauge,
            |_, c| c.advertised() as f64,
        ),
        (
            "bgpd_peer_updates_received_total",
            "UPDATE messages received from the peer",
            Type::Counter,
            |_, c| c.updates_in.load(Ordering::Relaxed) as f64,
        ),
        (
            "bgpd_peer_updates_sent_total",
            "UPDATE messages sent to the peer",
            Type::Counter,
            |_, c| c.updates_out.load(Ordering::Relaxed) as f64,
        ),
        (
            "bgpd_peer_session_flaps_total",
            "Established sessions with the peer that went down",
            Type::Counter,
            |_, c| c.flaps.load(Ordering::Relaxed) as f64,
        ),
    ];
    for (name, help, kind, value) in per_peer {
        e.family(name, help, kind);
        for (addr, p, c) in &peers {
            let labels = [
                ("peer", addr.as_str()),
                ("name", p.name.as_str()),
                ("kind", kind_label(p.kind)),
            ];
            e.sample(name, &labels, value(p, c));
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
        let status = self.status.borrow().clone();
        render(&status, lookup)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PeerKind;
    use crate::daemon::PeerStatus;

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
        s
    }

    #[test]
    fn renders_states_per_peer_counts_and_advertised_prefixes() {
        let c = Arc::new(PeerCounters::default());
        c.updates_in.store(5, Ordering::Relaxed);
        let prefix: IpNet = "10.65.0.0/26".parse().unwrap();
        let attrs = Arc::new(crate::rib::RibAttrs {
            path: crate::wire::PathAttrs::default(),
            next_hop: IpAddr::from([0, 0, 0, 0]),
        });
        c.adverts_sent(&[Advert::Announce {
            prefix,
            path_id: 0,
            attrs,
        }]);
        let first: IpAddr = "192.0.2.1".parse().unwrap();
        let text = render(&status(), |a| (a == first).then(|| c.clone()));
        let m = terrace_svc::testkit::parse_metrics(&text).unwrap();
        let peer = "peer=\"192.0.2.1\",name=\"peer-192.0.2.1\",kind=\"global\"";
        let cases = [
            ("bgpd_peers{state=\"Established\"}".to_string(), 1.0),
            ("bgpd_peers{state=\"Active\"}".to_string(), 1.0),
            ("bgpd_peers{state=\"Idle\"}".to_string(), 0.0),
            (format!("bgpd_peer_established{{{peer}}}"), 1.0),
            (format!("bgpd_peer_prefixes_received{{{peer}}}"), 2.0),
            (format!("bgpd_peer_prefixes_advertised{{{peer}}}"), 1.0),
            (format!("bgpd_peer_updates_received_total{{{peer}}}"), 5.0),
            ("bgpd_loc_rib_prefixes".to_string(), 3.0),
        ];
        for (series, want) in cases {
            assert_eq!(m.get(&series), Some(&want), "{series} in\n{text}");
        }
        c.session_down();
        assert_eq!(c.advertised(), 0);
    }
}
