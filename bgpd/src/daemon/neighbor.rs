//! One task per neighbor: owns its sessions (one per TCP connection, at most two during
//! a collision), their timers and sockets, and carries out the FSM outputs. RIB events
//! go to the core as [`CoreMsg`]s; the core answers with [`PeerCmd`]s.

use std::collections::VecDeque;
use std::net::Ipv4Addr;

use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::Instrument;

use super::conn::{self, AbortOnDrop, Conn, ConnEvent};
use super::msg::{CoreMsg, PeerCmd};
use super::status::PeerError;
use super::timers::Timers;
use crate::config::PeerConfig;
use crate::fsm::collision::{self, Survivor};
use crate::fsm::{Input, Output, State};
use crate::rib::{PeerId, pack};
use crate::session::Session;
use crate::wire::{Message, Notification, RouteRefresh, codes};

/// Tagged messages to the core: (neighbor generation, message).
pub type CoreTx = mpsc::Sender<(u64, CoreMsg)>;

/// A session with its timers and (maybe) its connection.
#[derive(Debug)]
struct Slot {
    session: Session,
    timers: Timers,
    conn: Option<Conn>,
}

/// Which slot an input is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Primary,
    Second,
}

/// The neighbor task's state.
#[derive(Debug)]
struct Neighbor {
    cfg: PeerConfig,
    router_id: Ipv4Addr,
    /// Source address for outgoing connections.
    bind: Option<std::net::IpAddr>,
    peer: PeerId,
    generation: u64,
    core: CoreTx,
    events_tx: mpsc::Sender<ConnEvent>,
    primary: Slot,
    second: Option<Slot>,
    dialing: Option<AbortOnDrop>,
    next_conn: u64,
    state: State,
    /// Until the first session is up after our restart (GR R and F bits).
    restarting: bool,
}

/// Spawn the task for one neighbor; it ends on [`PeerCmd::Remove`] (Cease, Peer
/// De-configured), or when `cmds` closes or the task is aborted (daemon shutdown: sockets
/// close without a NOTIFICATION so Graceful Restart peers keep our routes).
pub fn spawn(
    cfg: PeerConfig,
    router_id: Ipv4Addr,
    bind: Option<std::net::IpAddr>,
    restarting: bool,
    generation: u64,
    core: CoreTx,
    cmds: mpsc::UnboundedReceiver<PeerCmd>,
) -> AbortOnDrop {
    let span = tracing::info_span!("neighbor", addr = %cfg.address);
    // Up to 4 reads of 64 KiB ahead of the session: enough to keep it busy, and TCP
    // flow control holds the rest back at the peer.
    let (events_tx, events_rx) = mpsc::channel(4);
    let mut n = Neighbor {
        peer: PeerId(cfg.address),
        primary: new_slot(&cfg, router_id, restarting),
        cfg,
        router_id,
        bind,
        generation,
        core,
        events_tx,
        second: None,
        dialing: None,
        next_conn: 0,
        state: State::Idle,
        restarting,
    };
    AbortOnDrop::new(tokio::spawn(
        async move { n.run(cmds, events_rx).await }.instrument(span),
    ))
}

/// A fresh session. `restarting`: we came back from a restart with our forwarding state
/// (kernel routes) kept, which the Graceful Restart capability says with the R and F
/// bits (RFC 4724 §3), so helpers keep our routes until our End-of-RIB.
fn new_slot(cfg: &PeerConfig, router_id: Ipv4Addr, restarting: bool) -> Slot {
    let mut session_config = cfg.session_config(router_id);
    if let Some(gr) = session_config.graceful_restart.as_mut() {
        gr.restarting = restarting;
        gr.forwarding_preserved = restarting;
    }
    Slot {
        session: Session::new(session_config),
        timers: Timers::with_keepalive(cfg.keepalive_time),
        conn: None,
    }
}

impl Neighbor {
    async fn run(
        &mut self,
        mut cmds: mpsc::UnboundedReceiver<PeerCmd>,
        mut events: mpsc::Receiver<ConnEvent>,
    ) {
        self.feed(Which::Primary, Input::ManualStart).await;
        loop {
            let deadline = self.next_deadline();
            tokio::select! {
                cmd = cmds.recv() => match cmd {
                    Some(PeerCmd::Remove) => {
                        let n = Notification { code: codes::CEASE, subcode: codes::CEASE_PEER_DECONFIGURED, data: vec![] };
                        self.feed(Which::Primary, Input::Close(n)).await;
                        return;
                    }
                    Some(cmd) => self.command(cmd).await,
                    // Shutdown: sockets close with the task, no NOTIFICATION.
                    None => return,
                },
                Some(ev) = events.recv() => self.event(ev).await,
                () = sleep_until(deadline) => self.expire().await,
            }
            self.resolve_collision().await;
            self.report_state().await;
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        let second = self.second.as_ref().and_then(|s| s.timers.next());
        [self.primary.timers.next(), second]
            .into_iter()
            .flatten()
            .min()
    }

    async fn expire(&mut self) {
        let now = Instant::now();
        for input in self.primary.timers.expired(now) {
            self.feed(Which::Primary, input).await;
        }
        let second = self.second.as_mut().map(|s| s.timers.expired(now));
        for input in second.unwrap_or_default() {
            self.feed(Which::Second, input).await;
        }
    }

    async fn command(&mut self, cmd: PeerCmd) {
        match cmd {
            PeerCmd::Adverts(adverts) => {
                if self.primary.session.fsm().state() != State::Established {
                    return;
                }
                let ctx = self.primary.session.codec_context();
                let mut updates = 0;
                for u in pack(&adverts, &ctx) {
                    if !self.send(Which::Primary, &Message::Update(u)).await {
                        break;
                    }
                    updates += 1;
                }
                let peer = self.peer;
                self.to_core(CoreMsg::Sent { peer, updates }).await;
            }
            PeerCmd::RouteRefresh(families) => {
                if self.primary.session.fsm().state() != State::Established {
                    return;
                }
                for afi in families {
                    // Subtype 0: a normal request (RFC 7313 §3.2).
                    let rr = RouteRefresh { afi, subtype: 0 };
                    if !self.send(Which::Primary, &Message::RouteRefresh(rr)).await {
                        break;
                    }
                }
            }
            PeerCmd::Close(n) => self.feed(Which::Primary, Input::Close(n)).await,
            PeerCmd::Accepted(stream) => self.accepted(stream).await,
            // Handled in the run loop, which ends the task.
            PeerCmd::Remove => {}
        }
    }

    async fn event(&mut self, ev: ConnEvent) {
        match ev {
            ConnEvent::Dialed(result) => {
                self.dialing = None;
                match result {
                    Ok(stream) if self.primary.conn.is_none() => {
                        match self.attach(Which::Primary, stream, true) {
                            Ok(()) => self.feed(Which::Primary, Input::TcpCrAcked).await,
                            Err(_) => self.feed(Which::Primary, Input::TcpConnectionFails).await,
                        }
                    }
                    // The peer's own connection was adopted meanwhile.
                    Ok(_) => {}
                    Err(e) => {
                        tracing::debug!(error = %e, "connect failed");
                        self.report_error(PeerError::Connection(format!("connect failed: {e}")))
                            .await;
                        if self.primary.conn.is_none() {
                            self.feed(Which::Primary, Input::TcpConnectionFails).await;
                        }
                    }
                }
            }
            ConnEvent::Bytes(id, bytes) => {
                if let Some(which) = self.slot_of(id) {
                    let out = self.slot(which).session.receive_bytes(&bytes);
                    if let Some(n) = self.slot(which).session.take_received_notification() {
                        self.report_error(PeerError::NotificationReceived(n)).await;
                    }
                    self.run_outputs(which, out).await;
                }
            }
            ConnEvent::Closed(id) => {
                if let Some(which) = self.slot_of(id) {
                    self.slot(which).conn = None;
                    // After a NOTIFICATION the close is expected; keep that as the cause.
                    if self.slot(which).session.fsm().state() != State::Idle {
                        let e = PeerError::Connection("connection closed by the peer".into());
                        self.report_error(e).await;
                    }
                    self.feed(which, Input::TcpConnectionFails).await;
                }
            }
        }
    }

    fn slot_of(&self, id: u64) -> Option<Which> {
        if self.primary.conn.as_ref().is_some_and(|c| c.id == id) {
            return Some(Which::Primary);
        }
        let second = self.second.as_ref().and_then(|s| s.conn.as_ref());
        second.is_some_and(|c| c.id == id).then_some(Which::Second)
    }

    fn slot(&mut self, which: Which) -> &mut Slot {
        match (which, self.second.as_mut()) {
            (Which::Second, Some(s)) => s,
            _ => &mut self.primary,
        }
    }

    fn attach(
        &mut self,
        which: Which,
        stream: tokio::net::TcpStream,
        outgoing: bool,
    ) -> std::io::Result<()> {
        self.next_conn += 1;
        let conn = Conn::start(stream, self.next_conn, outgoing, self.events_tx.clone())?;
        self.slot(which).conn = Some(conn);
        Ok(())
    }

    /// A connection from the peer's address (RFC 4271 §6.8, §8.2.2).
    async fn accepted(&mut self, stream: tokio::net::TcpStream) {
        if let Err(e) = conn::prepare_accepted(&stream, &self.cfg) {
            tracing::warn!(error = %e, "cannot set socket options on accepted connection");
            return;
        }
        let state = self.primary.session.fsm().state();
        let target = match state {
            State::Connect | State::Active if self.primary.conn.is_none() => Which::Primary,
            State::OpenSent | State::OpenConfirm if self.second.is_none() => {
                self.second = Some(new_slot(&self.cfg, self.router_id, self.restarting));
                Which::Second
            }
            State::Established if self.graceful_restart_negotiated() => {
                // RFC 4724 §4.2: a new connection while Established means the peer
                // restarted; its old session is gone.
                self.feed(Which::Primary, Input::TcpConnectionFails).await;
                self.primary = new_slot(&self.cfg, self.router_id, self.restarting);
                Which::Primary
            }
            // Idle refuses connections; Established keeps the existing one (§6.8).
            _ => return,
        };
        self.dialing = None;
        if self.attach(target, stream, false).is_err() {
            return;
        }
        if self.slot(target).session.fsm().state() == State::Idle {
            // Start without dialing: the connection is already here.
            let out = self.slot(target).session.handle(Input::ManualStart);
            let out = out.into_iter().filter(|o| *o != Output::Connect).collect();
            self.run_outputs(target, out).await;
        }
        self.feed(target, Input::TcpConnectionConfirmed).await;
    }

    fn graceful_restart_negotiated(&self) -> bool {
        let neg = self.primary.session.fsm().negotiated();
        neg.is_some_and(|n| n.graceful_restart.is_some())
    }

    /// Two connections and the peer's identifier known: keep one (RFC 4271 §6.8).
    async fn resolve_collision(&mut self) {
        let Some(second) = &self.second else { return };
        let remote = second
            .session
            .fsm()
            .negotiated()
            .or(self.primary.session.fsm().negotiated())
            .map(|n| (n.peer_id, n.peer_as));
        let primary_up = self.primary.session.fsm().state() == State::Established;
        let Some((remote_id, remote_as)) = remote else {
            return;
        };
        let loser = if primary_up || self.primary.conn.is_none() {
            Which::Second
        } else {
            let survivor =
                collision::resolve(self.router_id, self.cfg.local_as, remote_id, remote_as);
            let primary_outgoing = self.primary.conn.as_ref().is_some_and(|c| c.outgoing);
            match (survivor, primary_outgoing) {
                (Survivor::LocallyInitiated, true) | (Survivor::RemotelyInitiated, false) => {
                    Which::Second
                }
                _ => Which::Primary,
            }
        };
        tracing::info!(?loser, "connection collision resolved");
        self.feed(loser, Input::OpenCollisionDump).await;
        if let Some(second) = self.second.take()
            && loser == Which::Primary
        {
            self.primary = second;
        }
    }

    /// Feed one input and carry out everything that follows.
    async fn feed(&mut self, which: Which, input: Input) {
        let out = self.slot(which).session.handle(input);
        self.run_outputs(which, out).await;
    }

    /// The driver's one exhaustive match over FSM outputs.
    async fn run_outputs(&mut self, which: Which, outputs: Vec<Output>) {
        let mut queue: VecDeque<Output> = outputs.into();
        while let Some(o) = queue.pop_front() {
            if self.slot(which).timers.apply(&o, Instant::now()) {
                continue;
            }
            let follow_up = match o {
                Output::Connect => {
                    self.dialing = Some(conn::dial(&self.cfg, self.bind, self.events_tx.clone()));
                    None
                }
                Output::Disconnect => {
                    self.slot(which).conn = None;
                    if which == Which::Primary {
                        self.dialing = None;
                    }
                    None
                }
                Output::Send(m) => {
                    if let Message::Notification(n) = &m {
                        tracing::warn!(error = %crate::wire::NotificationText(n), "NOTIFICATION sent");
                        self.report_error(PeerError::NotificationSent(n.clone()))
                            .await;
                    }
                    (!self.send(which, &m).await).then_some(Input::TcpConnectionFails)
                }
                Output::Established(negotiated) => {
                    self.restarting = false;
                    let local = self.slot(which).conn.as_ref().map(|c| c.local);
                    let local = local.unwrap_or(std::net::IpAddr::V4(Ipv4Addr::UNSPECIFIED));
                    tracing::info!(peer_id = %negotiated.peer_id, hold = negotiated.hold_time, "session established");
                    self.to_core(CoreMsg::Up {
                        peer: self.peer,
                        negotiated,
                        local,
                    })
                    .await;
                    None
                }
                Output::Down { graceful } => {
                    tracing::info!(graceful, "session down");
                    self.to_core(CoreMsg::Down {
                        peer: self.peer,
                        graceful,
                    })
                    .await;
                    None
                }
                Output::Update(update) => {
                    self.to_core(CoreMsg::Update {
                        peer: self.peer,
                        update,
                    })
                    .await;
                    None
                }
                Output::RouteRefresh(rr) => {
                    self.to_core(CoreMsg::RouteRefresh {
                        peer: self.peer,
                        afi: rr.afi,
                    })
                    .await;
                    None
                }
                // Timer outputs were applied above.
                Output::StartConnectRetryTimer(_)
                | Output::StopConnectRetryTimer
                | Output::StartHoldTimer(_)
                | Output::StopHoldTimer
                | Output::StartKeepaliveTimer(_)
                | Output::StopKeepaliveTimer
                | Output::StartIdleHoldTimer(_)
                | Output::StopIdleHoldTimer => None,
            };
            if let Some(input) = follow_up {
                self.slot(which).conn = None;
                queue.extend(self.slot(which).session.handle(input));
            }
        }
    }

    /// Encode and write; false if the connection is gone or the write failed.
    async fn send(&mut self, which: Which, m: &Message) -> bool {
        let slot = self.slot(which);
        let bytes = match slot.session.encode(m) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "cannot encode message");
                return true;
            }
        };
        match slot.conn.as_mut() {
            Some(c) => c.write(&bytes).await.is_ok(),
            None => false,
        }
    }

    async fn to_core(&self, msg: CoreMsg) {
        // The core only goes away at shutdown, when this task is aborted too.
        let _ = self.core.send((self.generation, msg)).await;
    }

    async fn report_error(&self, error: PeerError) {
        let peer = self.peer;
        self.to_core(CoreMsg::Error { peer, error }).await;
    }

    async fn report_state(&mut self) {
        let state = self.primary.session.fsm().state();
        if state != self.state {
            self.state = state;
            self.to_core(CoreMsg::State {
                peer: self.peer,
                state,
            })
            .await;
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
