//! BGP session finite state machine, RFC 4271 §8, sans-IO.
//!
//! No async, no clock, no sockets here: [`Fsm::process`] takes one [`Input`] (an RFC 4271
//! §8.1 event) and returns the [`Output`]s the driver must carry out, in order. Timers are
//! outputs (`StartHoldTimer(90)`) that the driver turns back into inputs
//! (`HoldTimerExpired`) when they fire; a `Start*` output replaces a running timer.
//!
//! ```text
//!                 ManualStart / AutomaticStart / IdleHoldTimerExpired
//!        +------+ ----------------------------------------------+
//!        | Idle |                                                |
//!        +------+ <--- any error, ManualStop, NOTIFICATION ---+  |
//!           |  passive start                                  |  v
//!           v                                    +---------+  |  +---------+
//!      +--------+  ConnectRetryTimerExpired      |         |  |  | Connect |
//!      | Active | -----------------------------> | Connect | <-+--+---------+
//!      +--------+ <----------------------------- +---------+
//!           |      (TcpConnectionFails: Idle)         |
//!           | TcpConnectionConfirmed / TcpCrAcked     | TcpCrAcked / TcpConnectionConfirmed
//!           |      send OPEN                          |      send OPEN
//!           v                                         v
//!      +--------------------------------------------------+
//!      | OpenSent    (BGPOpen valid: send KEEPALIVE)       |
//!      +--------------------------------------------------+
//!                               |
//!                               v
//!      +--------------------------------------------------+
//!      | OpenConfirm (KeepAliveMsg)                        |
//!      +--------------------------------------------------+
//!                               |
//!                               v
//!      +--------------------------------------------------+
//!      | Established (UpdateMsg, KeepAliveMsg, timers)     |
//!      +--------------------------------------------------+
//! ```
//!
//! Errors in OpenSent, OpenConfirm and Established send a NOTIFICATION and fall to Idle;
//! with `auto_restart` the FSM then asks for an IdleHoldTimer whose value backs off
//! exponentially (RFC 4271 §8.1.1 DampPeerOscillations). Connection collisions (§6.8) are
//! resolved by the driver with [`collision::resolve`], which then feeds
//! `OpenCollisionDump` to the loser.

pub mod backoff;
pub mod collision;
mod config;
mod negotiate;
mod transitions;

pub use config::{LocalGracefulRestart, SessionConfig};
pub use negotiate::{NegotiatedSession, local_open, negotiate};

use crate::wire::{DecodeError, Message, Notification, RouteRefresh, Update};

/// Session states (RFC 4271 §8.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Idle: refuses connections, waits for a start event.
    Idle,
    /// Connect: waiting for the outgoing TCP connection.
    Connect,
    /// Active: listening for the peer's connection.
    Active,
    /// OpenSent: our OPEN is out, waiting for the peer's.
    OpenSent,
    /// OpenConfirm: OPENs exchanged, waiting for KEEPALIVE.
    OpenConfirm,
    /// Established: exchanging UPDATEs.
    Established,
}

/// Events (RFC 4271 §8.1), as the driver reports them.
// Received UPDATEs dominate; boxing them would add an allocation per message.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Event 1 ManualStart (Event 4 ManualStart_with_PassiveTcpEstablishment if passive).
    ManualStart,
    /// Event 2 ManualStop: Cease / Administrative Shutdown.
    ManualStop,
    /// Event 3 AutomaticStart (Event 5 with passive).
    AutomaticStart,
    /// Close with a given Cease NOTIFICATION (e.g. Maximum Number of Prefixes Reached,
    /// Peer De-configured); handled like ManualStop.
    Close(Notification),
    /// Event 9 ConnectRetryTimer_Expires.
    ConnectRetryTimerExpired,
    /// Event 10 HoldTimer_Expires.
    HoldTimerExpired,
    /// Event 11 KeepaliveTimer_Expires.
    KeepaliveTimerExpired,
    /// Event 13 IdleHoldTimer_Expires (§8.1.1): restart after damping.
    IdleHoldTimerExpired,
    /// Event 16 Tcp_CR_Acked: our outgoing connection is up.
    TcpCrAcked,
    /// Event 17 TcpConnectionConfirmed: we accepted the peer's connection.
    TcpConnectionConfirmed,
    /// Event 18 TcpConnectionFails.
    TcpConnectionFails,
    /// Events 19 BGPOpen, 25 NotifMsg, 26 KeepAliveMsg, 27 UpdateMsg, and ROUTE-REFRESH.
    Received(Message),
    /// Events 21 BGPHeaderErr, 22 BGPOpenMsgErr, 28 UpdateMsgErr: the codec's verdict.
    DecodeFailed(DecodeError),
    /// Event 23 OpenCollisionDump: this connection lost collision resolution (§6.8).
    OpenCollisionDump,
}

/// What the driver must do, in order.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Initiate the outgoing TCP connection.
    Connect,
    /// Close the TCP connection (after flushing queued messages).
    Disconnect,
    /// Send a message.
    Send(Message),
    /// (Re)start the ConnectRetryTimer with this many seconds.
    StartConnectRetryTimer(u32),
    /// Stop the ConnectRetryTimer.
    StopConnectRetryTimer,
    /// (Re)start the HoldTimer.
    StartHoldTimer(u16),
    /// Stop the HoldTimer.
    StopHoldTimer,
    /// (Re)start the KeepaliveTimer.
    StartKeepaliveTimer(u16),
    /// Stop the KeepaliveTimer.
    StopKeepaliveTimer,
    /// Start the IdleHoldTimer (§8.1.1); expiry is `IdleHoldTimerExpired`.
    StartIdleHoldTimer(u32),
    /// Stop the IdleHoldTimer.
    StopIdleHoldTimer,
    /// The session reached Established with these parameters.
    Established(NegotiatedSession),
    /// The session left Established. `graceful`: the peer's routes are to be kept stale
    /// for its restart time (RFC 4724 §4.2) instead of being removed.
    Down {
        /// Keep the routes as stale.
        graceful: bool,
    },
    /// An UPDATE for the RIB.
    Update(Update),
    /// A ROUTE-REFRESH request for the Adj-RIB-Out.
    RouteRefresh(RouteRefresh),
}

/// One peer's session state machine.
#[derive(Debug, Clone)]
pub struct Fsm {
    config: SessionConfig,
    state: State,
    /// ConnectRetryCounter (RFC 4271 §8): consecutive failures, drives the backoff.
    connect_retry_counter: u32,
    /// Set when the peer's OPEN was accepted.
    negotiated: Option<NegotiatedSession>,
}

impl Fsm {
    /// A session in Idle.
    pub fn new(config: SessionConfig) -> Fsm {
        Fsm {
            config,
            state: State::Idle,
            connect_retry_counter: 0,
            negotiated: None,
        }
    }

    /// Current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The session's settings.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// Negotiated parameters once the peer's OPEN was accepted.
    pub fn negotiated(&self) -> Option<&NegotiatedSession> {
        self.negotiated.as_ref()
    }

    /// ConnectRetryCounter (RFC 4271 §8).
    pub fn connect_retry_counter(&self) -> u32 {
        self.connect_retry_counter
    }

    /// Handle one event; returns the actions to perform in order.
    pub fn process(&mut self, input: Input) -> Vec<Output> {
        let mut out = Vec::new();
        let before = self.state;
        match self.state {
            State::Idle => self.idle(input, &mut out),
            State::Connect | State::Active => self.connecting(input, &mut out),
            State::OpenSent => self.open_sent(input, &mut out),
            State::OpenConfirm => self.open_confirm(input, &mut out),
            State::Established => self.established(input, &mut out),
        }
        tracing::debug!(from = ?before, to = ?self.state, outputs = out.len(), "bgp fsm step");
        out
    }
}
