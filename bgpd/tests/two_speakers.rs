//! Two sans-IO speakers wired back to back through encoded bytes: FSM, codec and RIB
//! together, driven the way the tokio shell will drive them (one `match` per output).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr};

use bgpd::fsm::{Input, Output, SessionConfig, State};
use bgpd::rib::{FibDelta, PeerId, PeerPolicy, Rib, RibConfig, RibOutput, pack};
use bgpd::session::Session;
use bgpd::wire::Message;
use ipnet::IpNet;

/// One host: a session to its single peer, a RIB, and what the driver would have done.
struct Host {
    peer: PeerId,
    session: Session,
    rib: Rib,
    to_wire: Vec<u8>,
    fib: Vec<FibDelta>,
    connected: bool,
}

impl Host {
    fn new(asn: u32, id: [u8; 4], peer_as: u32, peer: [u8; 4], passive: bool) -> Host {
        let mut cfg = SessionConfig::new(asn, id.into(), peer_as);
        cfg.passive = passive;
        cfg.hold_time = 9;
        let mut rib = Rib::new(RibConfig {
            router_id: id.into(),
            local_as: asn,
            cluster_id: None,
            max_paths: 4,
        });
        let peer_id = PeerId(IpAddr::V4(peer.into()));
        rib.add_peer(
            peer_id,
            PeerPolicy::new(peer_as, asn, vec![IpAddr::V4(id.into())]),
        );
        Host {
            peer: peer_id,
            session: Session::new(cfg),
            rib,
            to_wire: Vec::new(),
            fib: Vec::new(),
            connected: false,
        }
    }

    /// The driver's one exhaustive match over FSM outputs.
    fn run(&mut self, outputs: Vec<Output>) {
        for o in outputs {
            match o {
                Output::Send(m) => {
                    let bytes = self.session.encode(&m).unwrap();
                    self.to_wire.extend(bytes);
                }
                Output::Connect => self.connected = true,
                Output::Disconnect => self.connected = false,
                Output::Established(n) => {
                    let r = self.rib.peer_up(self.peer, &n);
                    self.run_rib(r);
                }
                Output::Down { graceful } => {
                    let r = self.rib.peer_down(self.peer, graceful);
                    self.run_rib(r);
                }
                Output::Update(u) => {
                    let r = self.rib.apply_update(self.peer, &u);
                    self.run_rib(r);
                }
                Output::RouteRefresh(rr) => {
                    let r = self.rib.route_refresh(self.peer, rr.afi);
                    self.run_rib(r);
                }
                // Timers would be armed here; this test fires them by hand.
                Output::StartConnectRetryTimer(_)
                | Output::StopConnectRetryTimer
                | Output::StartHoldTimer(_)
                | Output::StopHoldTimer
                | Output::StartKeepaliveTimer(_)
                | Output::StopKeepaliveTimer
                | Output::StartIdleHoldTimer(_)
                | Output::StopIdleHoldTimer => {}
            }
        }
    }

    fn run_rib(&mut self, r: RibOutput) {
        self.fib.extend(r.fib);
        let mine: Vec<_> = r
            .adverts
            .into_iter()
            .filter(|(p, _)| *p == self.peer)
            .map(|(_, a)| a)
            .collect();
        for u in pack(&mine, &self.session.codec_context()) {
            let out = vec![Output::Send(Message::Update(u))];
            self.run(out);
        }
        for (_, n) in r.close {
            let out = self.session.handle(Input::Close(n));
            self.run(out);
        }
    }

    fn input(&mut self, i: Input) {
        let out = self.session.handle(i);
        self.run(out);
    }
}

/// Move bytes both ways until neither side has anything to send.
fn pump(a: &mut Host, b: &mut Host) {
    for _ in 0..100 {
        if a.to_wire.is_empty() && b.to_wire.is_empty() {
            return;
        }
        let (ab, ba) = (
            std::mem::take(&mut a.to_wire),
            std::mem::take(&mut b.to_wire),
        );
        // Deliver in awkward pieces, as TCP may.
        for chunk in ab.chunks(7) {
            let out = b.session.receive_bytes(chunk);
            b.run(out);
        }
        for chunk in ba.chunks(5) {
            let out = a.session.receive_bytes(chunk);
            a.run(out);
        }
    }
    panic!("speakers never went quiet");
}

fn pair() -> (Host, Host) {
    let mut a = Host::new(65001, [10, 0, 0, 1], 65002, [10, 0, 0, 2], false);
    let mut b = Host::new(65002, [10, 0, 0, 2], 65001, [10, 0, 0, 1], true);
    a.input(Input::ManualStart);
    b.input(Input::ManualStart);
    assert!(a.connected, "active side dials");
    assert_eq!(b.session.fsm().state(), State::Active);
    a.input(Input::TcpCrAcked);
    b.input(Input::TcpConnectionConfirmed);
    pump(&mut a, &mut b);
    (a, b)
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

#[test]
fn two_speakers_establish_and_exchange_originated_blocks() {
    let (mut a, mut b) = pair();
    assert_eq!(
        (a.session.fsm().state(), b.session.fsm().state()),
        (State::Established, State::Established)
    );
    let n = a.session.fsm().negotiated().unwrap();
    assert_eq!((n.hold_time, n.keepalive, n.four_octet_as), (9, 3, true));
    let r = a.rib.set_originated(vec![net("10.65.1.0/26")]);
    a.run_rib(r);
    pump(&mut a, &mut b);
    assert_eq!(
        b.fib,
        vec![FibDelta::Add {
            prefix: net("10.65.1.0/26"),
            next_hops: vec![IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))]
        }]
    );
    let best = &b.rib.selected(&net("10.65.1.0/26"))[0];
    assert_eq!(
        best.attrs.path.as_path.asns().collect::<Vec<_>>(),
        vec![65001]
    );
}

#[test]
fn garbage_on_the_wire_resets_only_that_session_with_a_header_error() {
    let (mut a, mut b) = pair();
    let r = a.rib.set_originated(vec![net("10.65.2.0/26")]);
    a.run_rib(r);
    pump(&mut a, &mut b);
    // 19 octets whose marker is wrong.
    let out = b.session.receive_bytes(&[0u8; 19]);
    b.run(out);
    assert_eq!(b.session.fsm().state(), State::Idle);
    assert_eq!(
        b.fib.last(),
        Some(&FibDelta::Remove {
            prefix: net("10.65.2.0/26")
        })
    );
    pump(&mut a, &mut b);
    assert_eq!(
        a.session.fsm().state(),
        State::Idle,
        "the peer got our NOTIFICATION"
    );
}

#[test]
fn keepalive_timer_on_one_side_refreshes_the_other_sides_hold_timer() {
    let (mut a, mut b) = pair();
    a.input(Input::KeepaliveTimerExpired);
    assert!(!a.to_wire.is_empty());
    let out = b.session.receive_bytes(&std::mem::take(&mut a.to_wire));
    assert!(out.contains(&Output::StartHoldTimer(9)));
    b.run(out);
}
