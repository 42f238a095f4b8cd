//! One test per (state, event) pair of the session FSM (RFC 4271 §8.2.2).
//! Every FSM is driven into its state by real events, never constructed in it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::Ipv4Addr;

use bgpd::fsm::{Fsm, Input, Output, SessionConfig, State};
use bgpd::wire::{Capability, DecodeError, Message, Notification, Open, Update};

fn config(passive: bool) -> SessionConfig {
    let mut c = SessionConfig::new(65001, Ipv4Addr::new(10, 0, 0, 1), 65002);
    c.passive = passive;
    c
}

fn peer_open() -> Open {
    Open {
        version: 4,
        my_as: 65002,
        hold_time: 30,
        bgp_id: Ipv4Addr::new(10, 0, 0, 2),
        capabilities: vec![
            Capability::FourOctetAs(65002),
            Capability::GracefulRestart(bgpd::wire::GracefulRestartCap {
                restarting: false,
                restart_time: 120,
                families: vec![],
            }),
        ],
    }
}

fn fsm_in(state: State) -> Fsm {
    let mut f = Fsm::new(config(state == State::Active));
    let steps: Vec<Input> = match state {
        State::Idle => vec![],
        State::Connect | State::Active => vec![Input::ManualStart],
        State::OpenSent => vec![Input::ManualStart, Input::TcpCrAcked],
        State::OpenConfirm => vec![
            Input::ManualStart,
            Input::TcpCrAcked,
            Input::Received(Message::Open(peer_open())),
        ],
        State::Established => vec![
            Input::ManualStart,
            Input::TcpCrAcked,
            Input::Received(Message::Open(peer_open())),
            Input::Received(Message::Keepalive),
        ],
    };
    for s in steps {
        f.process(s);
    }
    assert_eq!(f.state(), state, "setup");
    f
}

#[derive(Debug, Clone, Copy)]
enum Ev {
    ManualStart,
    ManualStop,
    ConnectRetryTimerExpired,
    HoldTimerExpired,
    KeepaliveTimerExpired,
    IdleHoldTimerExpired,
    TcpCrAcked,
    TcpConnectionConfirmed,
    TcpConnectionFails,
    OpenReceived,
    KeepaliveReceived,
    UpdateReceived,
    NotificationReceived,
    HeaderError,
    OpenCollisionDump,
}

fn input(ev: Ev) -> Input {
    match ev {
        Ev::ManualStart => Input::ManualStart,
        Ev::ManualStop => Input::ManualStop,
        Ev::ConnectRetryTimerExpired => Input::ConnectRetryTimerExpired,
        Ev::HoldTimerExpired => Input::HoldTimerExpired,
        Ev::KeepaliveTimerExpired => Input::KeepaliveTimerExpired,
        Ev::IdleHoldTimerExpired => Input::IdleHoldTimerExpired,
        Ev::TcpCrAcked => Input::TcpCrAcked,
        Ev::TcpConnectionConfirmed => Input::TcpConnectionConfirmed,
        Ev::TcpConnectionFails => Input::TcpConnectionFails,
        Ev::OpenReceived => Input::Received(Message::Open(peer_open())),
        Ev::KeepaliveReceived => Input::Received(Message::Keepalive),
        Ev::UpdateReceived => Input::Received(Message::Update(Update::default())),
        Ev::NotificationReceived => Input::Received(Message::Notification(Notification {
            code: 6,
            subcode: 2,
            data: vec![],
        })),
        Ev::HeaderError => Input::DecodeFailed(DecodeError::new(1, 2, vec![0, 5], "test")),
        Ev::OpenCollisionDump => Input::OpenCollisionDump,
    }
}

/// What a row expects to find among the outputs.
#[derive(Debug, Clone, Copy)]
enum Want {
    Nothing,
    Notify(u8, u8),
    NoNotify,
    SendsOpen,
    SendsKeepalive,
    Connects,
    Disconnects,
    Hold(u16),
    IdleHold,
    Established,
    PassesUpdate,
    Down(bool),
}

fn check(want: Want, out: &[Output]) -> bool {
    let sent = |pred: &dyn Fn(&Message) -> bool| {
        out.iter().any(|o| matches!(o, Output::Send(m) if pred(m)))
    };
    match want {
        Want::Nothing => out.is_empty(),
        Want::Notify(c, s) => {
            sent(&|m| matches!(m, Message::Notification(n) if n.code == c && n.subcode == s))
        }
        Want::NoNotify => !sent(&|m| matches!(m, Message::Notification(_))),
        Want::SendsOpen => sent(&|m| matches!(m, Message::Open(_))),
        Want::SendsKeepalive => sent(&|m| matches!(m, Message::Keepalive)),
        Want::Connects => out.contains(&Output::Connect),
        Want::Disconnects => out.contains(&Output::Disconnect),
        Want::Hold(h) => out.contains(&Output::StartHoldTimer(h)),
        Want::IdleHold => out
            .iter()
            .any(|o| matches!(o, Output::StartIdleHoldTimer(_))),
        Want::Established => out
            .iter()
            .any(|o| matches!(o, Output::Established(n) if n.hold_time == 30 && n.keepalive == 10)),
        Want::PassesUpdate => out.iter().any(|o| matches!(o, Output::Update(_))),
        Want::Down(g) => out.contains(&Output::Down { graceful: g }),
    }
}

macro_rules! fsm_cases {
    ($($name:ident: $state:ident + $ev:ident => $next:ident, [$($want:expr),*];)*) => {$(
        #[test]
        fn $name() {
            let mut f = fsm_in(State::$state);
            let out = f.process(input(Ev::$ev));
            assert_eq!(f.state(), State::$next, "next state; outputs {out:?}");
            for w in [$($want),*] {
                assert!(check(w, &out), "expected {w:?} in {out:?}");
            }
        }
    )*};
}

use Want::*;

fsm_cases! {
    // Idle
    manual_start_in_idle_connects: Idle + ManualStart => Connect, [Connects];
    manual_stop_in_idle_does_nothing: Idle + ManualStop => Idle, [Nothing];
    connect_retry_timer_expired_in_idle_is_ignored: Idle + ConnectRetryTimerExpired => Idle, [Nothing];
    hold_timer_expired_in_idle_is_ignored: Idle + HoldTimerExpired => Idle, [Nothing];
    keepalive_timer_expired_in_idle_is_ignored: Idle + KeepaliveTimerExpired => Idle, [Nothing];
    idle_hold_timer_expired_in_idle_restarts: Idle + IdleHoldTimerExpired => Connect, [Connects];
    tcp_cr_acked_in_idle_is_ignored: Idle + TcpCrAcked => Idle, [Nothing];
    tcp_connection_confirmed_in_idle_is_ignored: Idle + TcpConnectionConfirmed => Idle, [Nothing];
    tcp_connection_fails_in_idle_is_ignored: Idle + TcpConnectionFails => Idle, [Nothing];
    open_received_in_idle_is_ignored: Idle + OpenReceived => Idle, [Nothing];
    keepalive_received_in_idle_is_ignored: Idle + KeepaliveReceived => Idle, [Nothing];
    update_received_in_idle_is_ignored: Idle + UpdateReceived => Idle, [Nothing];
    notification_received_in_idle_is_ignored: Idle + NotificationReceived => Idle, [Nothing];
    header_error_in_idle_is_ignored: Idle + HeaderError => Idle, [Nothing];
    open_collision_dump_in_idle_is_ignored: Idle + OpenCollisionDump => Idle, [Nothing];

    // Connect
    manual_start_in_connect_is_ignored: Connect + ManualStart => Connect, [Nothing];
    manual_stop_in_connect_goes_idle_without_notification: Connect + ManualStop => Idle, [Disconnects, NoNotify];
    connect_retry_timer_expired_in_connect_redials: Connect + ConnectRetryTimerExpired => Connect, [Disconnects, Connects];
    hold_timer_expired_in_connect_goes_idle: Connect + HoldTimerExpired => Idle, [NoNotify, IdleHold];
    keepalive_timer_expired_in_connect_goes_idle: Connect + KeepaliveTimerExpired => Idle, [NoNotify, IdleHold];
    idle_hold_timer_expired_in_connect_is_ignored: Connect + IdleHoldTimerExpired => Connect, [Nothing];
    tcp_cr_acked_in_connect_sends_open: Connect + TcpCrAcked => OpenSent, [SendsOpen, Hold(240)];
    tcp_connection_confirmed_in_connect_sends_open: Connect + TcpConnectionConfirmed => OpenSent, [SendsOpen, Hold(240)];
    tcp_connection_fails_in_connect_goes_active: Connect + TcpConnectionFails => Active, [Disconnects];
    open_received_in_connect_goes_idle: Connect + OpenReceived => Idle, [NoNotify];
    keepalive_received_in_connect_goes_idle: Connect + KeepaliveReceived => Idle, [NoNotify];
    update_received_in_connect_goes_idle: Connect + UpdateReceived => Idle, [NoNotify];
    notification_received_in_connect_goes_idle: Connect + NotificationReceived => Idle, [NoNotify];
    header_error_in_connect_goes_idle: Connect + HeaderError => Idle, [NoNotify];
    open_collision_dump_in_connect_goes_idle: Connect + OpenCollisionDump => Idle, [NoNotify];

    // Active (passive peer)
    manual_start_in_active_is_ignored: Active + ManualStart => Active, [Nothing];
    manual_stop_in_active_goes_idle: Active + ManualStop => Idle, [Disconnects, NoNotify];
    connect_retry_timer_expired_in_active_passive_never_dials: Active + ConnectRetryTimerExpired => Active, [Nothing];
    hold_timer_expired_in_active_goes_idle: Active + HoldTimerExpired => Idle, [NoNotify, IdleHold];
    keepalive_timer_expired_in_active_goes_idle: Active + KeepaliveTimerExpired => Idle, [NoNotify];
    idle_hold_timer_expired_in_active_is_ignored: Active + IdleHoldTimerExpired => Active, [Nothing];
    tcp_cr_acked_in_active_sends_open: Active + TcpCrAcked => OpenSent, [SendsOpen];
    tcp_connection_confirmed_in_active_sends_open: Active + TcpConnectionConfirmed => OpenSent, [SendsOpen, Hold(240)];
    tcp_connection_fails_in_active_goes_idle_with_backoff: Active + TcpConnectionFails => Idle, [IdleHold];
    open_received_in_active_goes_idle: Active + OpenReceived => Idle, [NoNotify];
    keepalive_received_in_active_goes_idle: Active + KeepaliveReceived => Idle, [NoNotify];
    update_received_in_active_goes_idle: Active + UpdateReceived => Idle, [NoNotify];
    notification_received_in_active_goes_idle: Active + NotificationReceived => Idle, [NoNotify];
    header_error_in_active_goes_idle: Active + HeaderError => Idle, [NoNotify];
    open_collision_dump_in_active_goes_idle: Active + OpenCollisionDump => Idle, [NoNotify];

    // OpenSent
    manual_start_in_open_sent_is_ignored: OpenSent + ManualStart => OpenSent, [Nothing];
    manual_stop_in_open_sent_sends_cease: OpenSent + ManualStop => Idle, [Notify(6, 2), Disconnects];
    connect_retry_timer_expired_in_open_sent_sends_fsm_error: OpenSent + ConnectRetryTimerExpired => Idle, [Notify(5, 1)];
    hold_timer_expired_in_open_sent_sends_notification: OpenSent + HoldTimerExpired => Idle, [Notify(4, 0), Disconnects, IdleHold];
    keepalive_timer_expired_in_open_sent_sends_fsm_error: OpenSent + KeepaliveTimerExpired => Idle, [Notify(5, 1)];
    idle_hold_timer_expired_in_open_sent_is_ignored: OpenSent + IdleHoldTimerExpired => OpenSent, [Nothing];
    tcp_cr_acked_in_open_sent_sends_fsm_error: OpenSent + TcpCrAcked => Idle, [Notify(5, 1)];
    tcp_connection_confirmed_in_open_sent_sends_fsm_error: OpenSent + TcpConnectionConfirmed => Idle, [Notify(5, 1)];
    tcp_connection_fails_in_open_sent_goes_active: OpenSent + TcpConnectionFails => Active, [Disconnects];
    open_received_in_open_sent_sends_keepalive: OpenSent + OpenReceived => OpenConfirm, [SendsKeepalive, Hold(30)];
    keepalive_received_in_open_sent_sends_fsm_error: OpenSent + KeepaliveReceived => Idle, [Notify(5, 1)];
    update_received_in_open_sent_sends_fsm_error: OpenSent + UpdateReceived => Idle, [Notify(5, 1)];
    notification_received_in_open_sent_goes_idle: OpenSent + NotificationReceived => Idle, [NoNotify, Disconnects];
    header_error_in_open_sent_sends_header_error: OpenSent + HeaderError => Idle, [Notify(1, 2)];
    open_collision_dump_in_open_sent_sends_cease_collision: OpenSent + OpenCollisionDump => Idle, [Notify(6, 7)];

    // OpenConfirm
    manual_start_in_open_confirm_is_ignored: OpenConfirm + ManualStart => OpenConfirm, [Nothing];
    manual_stop_in_open_confirm_sends_cease: OpenConfirm + ManualStop => Idle, [Notify(6, 2)];
    connect_retry_timer_expired_in_open_confirm_sends_fsm_error: OpenConfirm + ConnectRetryTimerExpired => Idle, [Notify(5, 2)];
    hold_timer_expired_in_open_confirm_sends_notification: OpenConfirm + HoldTimerExpired => Idle, [Notify(4, 0)];
    keepalive_timer_expired_in_open_confirm_sends_keepalive: OpenConfirm + KeepaliveTimerExpired => OpenConfirm, [SendsKeepalive];
    idle_hold_timer_expired_in_open_confirm_is_ignored: OpenConfirm + IdleHoldTimerExpired => OpenConfirm, [Nothing];
    tcp_cr_acked_in_open_confirm_sends_fsm_error: OpenConfirm + TcpCrAcked => Idle, [Notify(5, 2)];
    tcp_connection_confirmed_in_open_confirm_sends_fsm_error: OpenConfirm + TcpConnectionConfirmed => Idle, [Notify(5, 2)];
    tcp_connection_fails_in_open_confirm_goes_idle: OpenConfirm + TcpConnectionFails => Idle, [NoNotify];
    open_received_in_open_confirm_sends_fsm_error: OpenConfirm + OpenReceived => Idle, [Notify(5, 2)];
    keepalive_received_in_open_confirm_establishes: OpenConfirm + KeepaliveReceived => Established, [Established, Hold(30)];
    update_received_in_open_confirm_sends_fsm_error: OpenConfirm + UpdateReceived => Idle, [Notify(5, 2)];
    notification_received_in_open_confirm_goes_idle: OpenConfirm + NotificationReceived => Idle, [NoNotify];
    header_error_in_open_confirm_sends_header_error: OpenConfirm + HeaderError => Idle, [Notify(1, 2)];
    open_collision_dump_in_open_confirm_sends_cease_collision: OpenConfirm + OpenCollisionDump => Idle, [Notify(6, 7)];

    // Established
    manual_start_in_established_is_ignored: Established + ManualStart => Established, [Nothing];
    manual_stop_in_established_sends_cease_and_flushes: Established + ManualStop => Idle, [Notify(6, 2), Down(false)];
    connect_retry_timer_expired_in_established_sends_fsm_error: Established + ConnectRetryTimerExpired => Idle, [Notify(5, 3)];
    hold_timer_expired_in_established_sends_notification: Established + HoldTimerExpired => Idle, [Notify(4, 0), Down(false)];
    keepalive_timer_expired_in_established_sends_keepalive: Established + KeepaliveTimerExpired => Established, [SendsKeepalive];
    idle_hold_timer_expired_in_established_is_ignored: Established + IdleHoldTimerExpired => Established, [Nothing];
    tcp_cr_acked_in_established_sends_fsm_error: Established + TcpCrAcked => Idle, [Notify(5, 3)];
    tcp_connection_confirmed_in_established_sends_fsm_error: Established + TcpConnectionConfirmed => Idle, [Notify(5, 3)];
    tcp_connection_fails_in_established_keeps_routes_for_graceful_restart: Established + TcpConnectionFails => Idle, [Down(true), NoNotify];
    open_received_in_established_sends_fsm_error: Established + OpenReceived => Idle, [Notify(5, 3)];
    keepalive_received_in_established_restarts_hold_timer: Established + KeepaliveReceived => Established, [Hold(30)];
    update_received_in_established_goes_to_the_rib: Established + UpdateReceived => Established, [PassesUpdate, Hold(30)];
    notification_received_in_established_goes_idle: Established + NotificationReceived => Idle, [NoNotify, Down(false)];
    header_error_in_established_sends_header_error: Established + HeaderError => Idle, [Notify(1, 2), Down(false)];
    open_collision_dump_in_established_sends_cease_collision: Established + OpenCollisionDump => Idle, [Notify(6, 7)];
}

#[test]
fn repeated_failures_back_off_the_idle_hold_timer_up_to_the_cap() {
    let mut f = Fsm::new(config(false));
    let mut delays = Vec::new();
    f.process(Input::ManualStart);
    for _ in 0..8 {
        f.process(Input::TcpCrAcked);
        let out = f.process(Input::HoldTimerExpired);
        delays.extend(out.iter().filter_map(|o| match o {
            Output::StartIdleHoldTimer(s) => Some(*s),
            _ => None,
        }));
        f.process(Input::IdleHoldTimerExpired);
    }
    assert_eq!(delays, vec![10, 20, 40, 80, 120, 120, 120, 120]);
}
