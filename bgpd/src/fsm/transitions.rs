//! Per-state event handling (RFC 4271 §8.2.2), one method per state.

use super::negotiate::{local_open, negotiate};
use super::{Fsm, Input, Output, State, backoff};
use crate::wire::{Message, Notification, codes};

/// Hold time while waiting for the peer's OPEN: "a large value", 4 minutes (§8.2.2).
const OPEN_SENT_HOLD_TIME: u16 = 240;

fn notification(code: u8, subcode: u8) -> Notification {
    Notification {
        code,
        subcode,
        data: Vec::new(),
    }
}

/// Why the session falls back to Idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cause {
    /// ManualStop or Close: no backoff, counter reset.
    Stop,
    /// A protocol error or NOTIFICATION: backoff.
    Error,
    /// The TCP connection failed: backoff, and Graceful Restart keeps the routes.
    TcpFailure,
}

fn cease_admin_shutdown() -> Notification {
    notification(codes::CEASE, codes::CEASE_ADMIN_SHUTDOWN)
}

impl Fsm {
    fn connect_retry_delay(&self) -> u32 {
        backoff::delay(
            self.config.connect_retry,
            self.config.connect_retry_max,
            self.connect_retry_counter,
        )
    }

    /// Idle + ManualStart / AutomaticStart: to Connect, or Active for passive peers.
    fn start(&mut self, out: &mut Vec<Output>) {
        out.push(Output::StopIdleHoldTimer);
        if self.config.passive {
            // Passive: only listen; no ConnectRetryTimer since we never dial (§8.1.1).
            self.state = State::Active;
        } else {
            out.push(Output::StartConnectRetryTimer(self.connect_retry_delay()));
            out.push(Output::Connect);
            self.state = State::Connect;
        }
    }

    /// Fall back to Idle: send `notify` if given, drop the connection, stop every timer.
    /// A failure (any cause but `Stop`) increments the ConnectRetryCounter and, with auto
    /// restart, schedules the IdleHoldTimer with backoff. A manual stop resets the counter
    /// (§8.2.2).
    pub(super) fn fall_to_idle(
        &mut self,
        notify: Option<Notification>,
        cause: Cause,
        out: &mut Vec<Output>,
    ) {
        let failure = cause != Cause::Stop;
        let was_established = self.state == State::Established;
        if let Some(n) = notify.clone() {
            out.push(Output::Send(Message::Notification(n)));
        }
        out.extend([
            Output::Disconnect,
            Output::StopConnectRetryTimer,
            Output::StopHoldTimer,
            Output::StopKeepaliveTimer,
        ]);
        if was_established {
            // RFC 4724 §4.2: routes are retained only when the session ends without a
            // NOTIFICATION (TCP failure) and the peer advertised Graceful Restart.
            let gr = self
                .negotiated
                .as_ref()
                .is_some_and(|n| n.graceful_restart.is_some());
            out.push(Output::Down {
                graceful: gr && cause == Cause::TcpFailure,
            });
        }
        self.negotiated = None;
        self.state = State::Idle;
        if failure {
            self.connect_retry_counter = self.connect_retry_counter.saturating_add(1);
            if self.config.auto_restart {
                out.push(Output::StartIdleHoldTimer(self.connect_retry_delay()));
            }
        } else {
            self.connect_retry_counter = 0;
        }
    }

    /// ManualStop or Close in any state but Idle.
    fn stop(&mut self, n: Notification, out: &mut Vec<Output>) {
        // A NOTIFICATION can only be sent on an open connection (OpenSent and later).
        let connected = matches!(
            self.state,
            State::OpenSent | State::OpenConfirm | State::Established
        );
        self.fall_to_idle(connected.then_some(n), Cause::Stop, out);
    }

    pub(super) fn idle(&mut self, input: Input, out: &mut Vec<Output>) {
        match input {
            Input::ManualStart => {
                self.connect_retry_counter = 0;
                self.start(out);
            }
            Input::AutomaticStart | Input::IdleHoldTimerExpired => self.start(out),
            // Any other event in Idle is ignored (§8.2.2 Idle state). An incoming
            // connection is refused by the driver, since we are not listening for it.
            _ => {}
        }
    }

    /// Connect and Active share most handling (§8.2.2 Connect / Active states).
    pub(super) fn connecting(&mut self, input: Input, out: &mut Vec<Output>) {
        match input {
            Input::ManualStop => self.stop(cease_admin_shutdown(), out),
            Input::Close(n) => self.stop(n, out),
            Input::ConnectRetryTimerExpired if self.config.passive => {
                // A passive peer never dials; a stray timer changes nothing.
            }
            Input::ConnectRetryTimerExpired => {
                // Drop any half-open attempt and dial again (Connect), or leave Active
                // to dial (Active, non-passive).
                if self.state == State::Connect {
                    out.push(Output::Disconnect);
                }
                self.connect_retry_counter = self.connect_retry_counter.saturating_add(1);
                out.push(Output::StartConnectRetryTimer(self.connect_retry_delay()));
                out.push(Output::Connect);
                self.state = State::Connect;
            }
            Input::TcpCrAcked | Input::TcpConnectionConfirmed => {
                out.push(Output::StopConnectRetryTimer);
                out.push(Output::Send(Message::Open(local_open(&self.config))));
                out.push(Output::StartHoldTimer(OPEN_SENT_HOLD_TIME));
                self.state = State::OpenSent;
            }
            Input::TcpConnectionFails if self.state == State::Connect => {
                // Dial failed: listen for the peer meanwhile and retry on the timer
                // (the common deviation from §8.2.2, which would go to Idle).
                out.push(Output::Disconnect);
                self.state = State::Active;
            }
            Input::ManualStart | Input::AutomaticStart | Input::IdleHoldTimerExpired => {
                // Start events are ignored once started (§8.2.2).
            }
            // Any other event (TCP failure while Active, messages before a connection,
            // hold/keepalive timers): FSM error, back to Idle (§8.2.2 Active state).
            _ => self.fall_to_idle(None, Cause::Error, out),
        }
    }

    pub(super) fn open_sent(&mut self, input: Input, out: &mut Vec<Output>) {
        match input {
            Input::ManualStop => self.stop(cease_admin_shutdown(), out),
            Input::Close(n) => self.stop(n, out),
            Input::HoldTimerExpired => self.fall_to_idle(
                Some(notification(codes::HOLD_TIMER_EXPIRED, 0)),
                Cause::Error,
                out,
            ),
            Input::TcpConnectionFails => {
                // §8.2.2 OpenSent: close, restart the ConnectRetryTimer, go to Active.
                out.extend([Output::Disconnect, Output::StopHoldTimer]);
                out.push(Output::StartConnectRetryTimer(self.connect_retry_delay()));
                self.state = State::Active;
            }
            Input::Received(Message::Open(open)) => match negotiate(&self.config, &open) {
                Ok(neg) => {
                    out.push(Output::Send(Message::Keepalive));
                    if neg.hold_time > 0 {
                        out.push(Output::StartKeepaliveTimer(neg.keepalive));
                        out.push(Output::StartHoldTimer(neg.hold_time));
                    } else {
                        out.push(Output::StopHoldTimer);
                    }
                    self.negotiated = Some(neg);
                    self.state = State::OpenConfirm;
                }
                Err(n) => self.fall_to_idle(Some(n), Cause::Error, out),
            },
            Input::Received(Message::Notification(_)) => self.fall_to_idle(None, Cause::Error, out),
            Input::DecodeFailed(e) => self.fall_to_idle(Some(e.notification), Cause::Error, out),
            Input::OpenCollisionDump => self.fall_to_idle(
                Some(notification(codes::CEASE, codes::CEASE_COLLISION)),
                Cause::Error,
                out,
            ),
            Input::ManualStart | Input::AutomaticStart | Input::IdleHoldTimerExpired => {}
            // Any other event: FSM Error, "Receive Unexpected Message in OpenSent" (RFC 6608).
            _ => self.fall_to_idle(
                Some(notification(codes::FSM, codes::FSM_UNEXPECTED_IN_OPEN_SENT)),
                Cause::Error,
                out,
            ),
        }
    }

    pub(super) fn open_confirm(&mut self, input: Input, out: &mut Vec<Output>) {
        match input {
            Input::ManualStop => self.stop(cease_admin_shutdown(), out),
            Input::Close(n) => self.stop(n, out),
            Input::HoldTimerExpired => self.fall_to_idle(
                Some(notification(codes::HOLD_TIMER_EXPIRED, 0)),
                Cause::Error,
                out,
            ),
            Input::KeepaliveTimerExpired => self.send_keepalive(out),
            Input::TcpConnectionFails => self.fall_to_idle(None, Cause::TcpFailure, out),
            Input::Received(Message::Notification(_)) => self.fall_to_idle(None, Cause::Error, out),
            Input::Received(Message::Keepalive) => {
                self.restart_hold_timer(out);
                self.connect_retry_counter = 0;
                if let Some(neg) = self.negotiated.clone() {
                    out.push(Output::Established(neg));
                }
                self.state = State::Established;
            }
            Input::DecodeFailed(e) => self.fall_to_idle(Some(e.notification), Cause::Error, out),
            Input::OpenCollisionDump => self.fall_to_idle(
                Some(notification(codes::CEASE, codes::CEASE_COLLISION)),
                Cause::Error,
                out,
            ),
            Input::ManualStart | Input::AutomaticStart | Input::IdleHoldTimerExpired => {}
            // Any other event: "Receive Unexpected Message in OpenConfirm State" (RFC 6608).
            _ => self.fall_to_idle(
                Some(notification(
                    codes::FSM,
                    codes::FSM_UNEXPECTED_IN_OPEN_CONFIRM,
                )),
                Cause::Error,
                out,
            ),
        }
    }

    pub(super) fn established(&mut self, input: Input, out: &mut Vec<Output>) {
        match input {
            Input::ManualStop => self.stop(cease_admin_shutdown(), out),
            Input::Close(n) => self.stop(n, out),
            Input::HoldTimerExpired => self.fall_to_idle(
                Some(notification(codes::HOLD_TIMER_EXPIRED, 0)),
                Cause::Error,
                out,
            ),
            Input::KeepaliveTimerExpired => self.send_keepalive(out),
            Input::TcpConnectionFails => self.fall_to_idle(None, Cause::TcpFailure, out),
            Input::Received(Message::Keepalive) => self.restart_hold_timer(out),
            Input::Received(Message::Update(u)) => {
                self.restart_hold_timer(out);
                out.push(Output::Update(u));
            }
            Input::Received(Message::RouteRefresh(rr)) => {
                self.restart_hold_timer(out);
                out.push(Output::RouteRefresh(rr));
            }
            Input::Received(Message::Notification(_)) => self.fall_to_idle(None, Cause::Error, out),
            Input::DecodeFailed(e) => self.fall_to_idle(Some(e.notification), Cause::Error, out),
            Input::OpenCollisionDump => self.fall_to_idle(
                Some(notification(codes::CEASE, codes::CEASE_COLLISION)),
                Cause::Error,
                out,
            ),
            Input::ManualStart | Input::AutomaticStart | Input::IdleHoldTimerExpired => {}
            // Any other event (an OPEN, a ConnectRetryTimer firing, a second connection
            // event): "Receive Unexpected Message in Established State" (RFC 6608).
            _ => self.fall_to_idle(
                Some(notification(
                    codes::FSM,
                    codes::FSM_UNEXPECTED_IN_ESTABLISHED,
                )),
                Cause::Error,
                out,
            ),
        }
    }

    fn restart_hold_timer(&self, out: &mut Vec<Output>) {
        if let Some(neg) = self.negotiated.as_ref().filter(|n| n.hold_time > 0) {
            out.push(Output::StartHoldTimer(neg.hold_time));
        }
    }

    fn send_keepalive(&self, out: &mut Vec<Output>) {
        out.push(Output::Send(Message::Keepalive));
        if let Some(neg) = self.negotiated.as_ref().filter(|n| n.hold_time > 0) {
            out.push(Output::StartKeepaliveTimer(neg.keepalive));
        }
    }
}
