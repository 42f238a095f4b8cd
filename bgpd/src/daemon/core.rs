//! The core: owns the RIB, handles one message at a time from the neighbor tasks, the
//! listener and the control channel, and fans RIB outputs out to peers and the FIB.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::conn::AbortOnDrop;
use super::fib_sink::FibSink;
use super::msg::{CoreMsg, PeerCmd};
use super::neighbor::{self, CoreTx};
use super::reload;
use super::soft_reset::{SoftResetDirection, SoftResetError, SoftResetOutcome, SoftResetResult};
use super::status::{LastError, PeerDetail, PeerStatus, SessionInfo, Status};
use crate::config::{Config, PeerConfig};
use crate::fsm::State;
use crate::rib::{NextHopTable, PeerId, Rib, RibOutput, StaleTimer};
use crate::sockopt;
use crate::wire::PathAttrs;

/// A running neighbor task.
#[derive(Debug)]
struct PeerHandle {
    generation: u64,
    cmds: mpsc::UnboundedSender<PeerCmd>,
    task: AbortOnDrop,
}

/// The core's state.
#[derive(Debug)]
pub struct Core {
    config: Config,
    rib: Rib,
    next_gen: u64,
    peers: HashMap<IpAddr, PeerHandle>,
    core_tx: CoreTx,
    fib: FibSink,
    listener: Arc<TcpListener>,
    stale: HashMap<PeerId, AbortOnDrop>,
    stale_tx: mpsc::UnboundedSender<PeerId>,
    status: watch::Sender<Status>,
    /// Selection deferred after our restart (RFC 4724 §4.1) until End-of-RIBs.
    deferring: bool,
}

impl Core {
    /// A core with no peers started yet.
    pub fn new(
        config: Config,
        core_tx: CoreTx,
        fib: FibSink,
        listener: Arc<TcpListener>,
        stale_tx: mpsc::UnboundedSender<PeerId>,
        status: watch::Sender<Status>,
    ) -> Core {
        Core {
            rib: Rib::new(config.rib_config()),
            config,
            next_gen: 0,
            peers: HashMap::new(),
            core_tx,
            fib,
            listener,
            stale: HashMap::new(),
            stale_tx,
            status,
            deferring: false,
        }
    }

    /// We restarted with routes still in the kernel: hold selection until the peers'
    /// End-of-RIBs (or [`Core::deferral_expired`]) so forwarding never flaps.
    pub fn begin_deferral(&mut self) {
        self.rib.start_deferral();
        self.deferring = true;
    }

    /// The deferral timer fired: select with what has arrived.
    pub fn deferral_expired(&mut self) {
        if self.deferring {
            let out = self.rib.deferral_timer_expired();
            self.apply(out);
            self.check_converged();
        }
    }

    fn check_converged(&mut self) {
        if self.deferring && !self.rib.deferring() {
            self.deferring = false;
            tracing::info!("converged after restart; removing routes nobody re-announced");
            self.fib.converged();
        }
    }

    /// Originate our prefixes and start every configured peer.
    pub fn start(&mut self) {
        self.originate();
        for p in self.config.peers.clone() {
            self.add_peer(p);
        }
        self.publish();
    }

    fn originate(&mut self) {
        let routes = self
            .config
            .originate
            .iter()
            .map(|o| {
                let attrs = PathAttrs {
                    communities: o.communities.clone(),
                    large_communities: o.large_communities.clone(),
                    ..PathAttrs::default()
                };
                (o.prefix, attrs)
            })
            .collect();
        let out = self.rib.set_originated_routes(routes);
        self.apply(out);
    }

    fn add_peer(&mut self, cfg: PeerConfig) {
        self.listener_key(&cfg, true);
        self.next_gen += 1;
        let (tx, rx) = mpsc::unbounded_channel();
        self.rib
            .add_peer(PeerId(cfg.address), cfg.policy(Vec::new()));
        let ip = self.config.listen.ip();
        let bind = (!ip.is_unspecified()).then_some(ip);
        let task = neighbor::spawn(
            cfg.clone(),
            self.config.router_id,
            bind,
            self.deferring,
            self.next_gen,
            self.core_tx.clone(),
            rx,
        );
        self.peers.insert(
            cfg.address,
            PeerHandle {
                generation: self.next_gen,
                cmds: tx,
                task,
            },
        );
        self.status.send_modify(|s| {
            s.peers.insert(
                cfg.address,
                PeerStatus {
                    name: cfg.name.clone(),
                    kind: cfg.kind,
                    state: State::Idle,
                    since: Instant::now(),
                    received: 0,
                },
            );
            // Kept across a reset (reload with changed settings) so counters stay
            // monotonic; the session is new.
            let d = s.details.entry(cfg.address).or_default();
            d.remote_as = cfg.remote_as;
            d.session = None;
        });
    }

    /// Stop a peer's task and forget its routes; `forget`: also its counters (it left
    /// the configuration, as opposed to being reset).
    fn remove_peer(&mut self, addr: IpAddr, forget: bool) {
        // The task sends Cease / Peer De-configured and ends by itself.
        if let Some(h) = self.peers.remove(&addr) {
            let _ = h.cmds.send(PeerCmd::Remove);
            h.task.detach();
        }
        self.stale.remove(&PeerId(addr));
        if let Some(cfg) = self.config.peer(addr).cloned() {
            self.listener_key(&cfg, false);
        }
        let out = self.rib.remove_peer(PeerId(addr));
        self.apply(out);
        self.status.send_modify(|s| {
            s.peers.remove(&addr);
            if forget {
                s.details.remove(&addr);
            }
        });
    }

    /// Install (or remove) the peer's MD5 key on the listening socket, so its SYNs are
    /// accepted (or no longer).
    fn listener_key(&self, cfg: &PeerConfig, install: bool) {
        let v6 = self.listener.local_addr().is_ok_and(|a| a.is_ipv6());
        // GTSM: the SYN-ACK leaves from the listening socket, so it must use TTL 255
        // too (the per-peer minimum TTL is set on each accepted socket).
        if install
            && cfg.ttl_security.is_some()
            && let Err(e) = sockopt::set_ttl_255(&*self.listener, v6)
        {
            tracing::warn!(error = %e, "cannot set ttl 255 on the listener");
        }
        let Some(pw) = &cfg.password else { return };
        let key = if install { pw.expose() } else { &[] };
        if let Err(e) = sockopt::set_md5(&*self.listener, v6, cfg.address, key) {
            tracing::warn!(peer = %cfg.address, error = %e, "cannot set md5 key on the listener");
        }
    }

    /// A message from a neighbor task (ignored if that task was replaced since).
    pub fn message(&mut self, generation: u64, msg: CoreMsg) {
        let current = |p: &PeerId| {
            self.peers
                .get(&p.0)
                .is_some_and(|h| h.generation == generation)
        };
        let out = match msg {
            CoreMsg::Up {
                peer,
                negotiated,
                local,
            } if current(&peer) => {
                if let Some(cfg) = self.config.peer(peer.0) {
                    let policy = cfg.policy(vec![local]);
                    let first = self.rib.set_policy(peer, policy);
                    self.apply(first);
                }
                let info = SessionInfo::new(&negotiated, Instant::now());
                self.detail(peer, |d| d.session = Some(info));
                self.rib.peer_up(peer, &negotiated)
            }
            CoreMsg::Update { peer, update } if current(&peer) => {
                self.detail(peer, |d| d.counters.updates_in += 1);
                self.rib.apply_update(peer, &update)
            }
            CoreMsg::Sent { peer, updates } if current(&peer) => {
                self.detail(peer, |d| d.counters.updates_out += updates);
                RibOutput::default()
            }
            CoreMsg::Error { peer, error } if current(&peer) => {
                let at = Instant::now();
                self.detail(peer, |d| d.last_error = Some(LastError { error, at }));
                RibOutput::default()
            }
            CoreMsg::RouteRefresh { peer, afi } if current(&peer) => {
                self.rib.route_refresh(peer, afi)
            }
            CoreMsg::Down { peer, graceful } if current(&peer) => {
                self.detail(peer, |d| {
                    d.counters.flaps += 1;
                    d.session = None;
                });
                self.rib.peer_down(peer, graceful)
            }
            CoreMsg::State { peer, state } if current(&peer) => {
                self.status.send_modify(|s| {
                    if let Some(p) = s.peers.get_mut(&peer.0) {
                        p.state = state;
                        p.since = Instant::now();
                    }
                });
                RibOutput::default()
            }
            _ => RibOutput::default(),
        };
        self.apply(out);
        self.check_converged();
        self.publish();
    }

    /// A connection the listener accepted: hand it to that peer's task.
    pub fn accepted(&mut self, stream: TcpStream, from: SocketAddr) {
        let addr = from.ip().to_canonical();
        match self.peers.get(&addr) {
            Some(h) => {
                let _ = h.cmds.send(PeerCmd::Accepted(stream));
            }
            None => tracing::info!(%addr, "connection from an unconfigured address refused"),
        }
    }

    /// A Graceful Restart timer fired: the peer did not come back in time.
    pub fn stale_expired(&mut self, peer: PeerId) {
        self.stale.remove(&peer);
        let out = self.rib.stale_timer_expired(peer);
        self.apply(out);
        self.publish();
    }

    /// The kernel's routing table changed: re-run the decision for routes whose next
    /// hop became resolvable or unresolvable.
    pub fn next_hop_table(&mut self, table: Option<Arc<NextHopTable>>) {
        let out = self.rib.set_next_hop_table(table);
        self.apply(out);
        self.publish();
    }

    /// A request from outside.
    pub fn control(&mut self, msg: super::ControlMsg) {
        match msg {
            super::ControlMsg::Reload(c) => self.reload(*c),
            super::ControlMsg::Routes {
                prefix,
                peer,
                reply,
            } => {
                let _ = reply.send(self.routes(prefix, peer));
            }
            super::ControlMsg::SoftReset {
                peer,
                direction,
                reply,
            } => {
                let _ = reply.send(self.soft_reset(peer, direction));
            }
        }
    }

    fn routes(&self, prefix: Option<ipnet::IpNet>, peer: Option<IpAddr>) -> Vec<super::RouteInfo> {
        let mut out = Vec::new();
        for (p, selected) in self.rib.best_routes() {
            if prefix.is_some_and(|want| want != p) {
                continue;
            }
            for (i, c) in selected.iter().enumerate() {
                if peer.is_some_and(|want| want != c.peer.0) {
                    continue;
                }
                out.push(super::RouteInfo {
                    prefix: p,
                    peer: c.peer.0,
                    next_hop: c.attrs.next_hop,
                    as_path: c.attrs.path.as_path.asns().collect(),
                    best: i == 0,
                });
            }
        }
        out.sort_by_key(|r| (r.prefix, !r.best));
        out
    }

    /// Apply a new configuration (SIGHUP or API): only what changed is touched.
    pub fn reload(&mut self, new: Config) {
        let plan = reload::plan(&self.config, &new);
        tracing::info!(?plan, "reloading configuration");
        if plan.listen {
            tracing::warn!("listen address changes need a restart; keeping the old listener");
        }
        if plan.restart_all {
            let all: Vec<IpAddr> = self.peers.keys().copied().collect();
            for a in all {
                let forget = new.peer(a).is_none();
                self.remove_peer(a, forget);
            }
            self.config = new;
            let table = self.rib.next_hop_table();
            self.rib = Rib::new(self.config.rib_config());
            let out = self.rib.set_next_hop_table(table);
            self.apply(out);
            self.start();
        } else {
            for a in &plan.remove {
                self.remove_peer(*a, true);
            }
            for a in &plan.reset {
                self.remove_peer(*a, false);
            }
            self.config = new;
            for a in &plan.refilter {
                self.refilter(*a);
            }
            for a in plan.reset.iter().chain(&plan.add) {
                if let Some(cfg) = self.config.peer(*a).cloned() {
                    self.add_peer(cfg);
                }
            }
            if plan.originate {
                self.originate();
            }
        }
        self.status.send_modify(|s| s.reloads += 1);
        self.publish();
    }

    /// Only the filters (or name, type) of a peer changed: apply them to its routes in
    /// both directions, keeping the session.
    fn refilter(&mut self, addr: IpAddr) {
        let Some(cfg) = self.config.peer(addr).cloned() else {
            return;
        };
        self.status.send_modify(|s| {
            if let Some(p) = s.peers.get_mut(&addr) {
                p.name = cfg.name.clone();
                p.kind = cfg.kind;
            }
        });
        let out = self.rib.set_filters(PeerId(addr), cfg.import, cfg.export);
        self.apply(out);
    }

    /// Soft reset of one peer (management API): inbound by ROUTE-REFRESH when the peer
    /// supports it, else by running import policy over its Adj-RIB-In again; outbound by
    /// sending its whole Adj-RIB-Out through export policy again.
    fn soft_reset(&mut self, addr: IpAddr, dir: SoftResetDirection) -> SoftResetResult {
        let id = PeerId(addr);
        let Some(handle) = self.peers.get(&addr) else {
            return Err(SoftResetError::UnknownPeer(addr));
        };
        if !self.rib.peer_established(id) {
            return Err(SoftResetError::NotEstablished(addr));
        }
        let mut done = SoftResetOutcome::default();
        if dir.inbound() {
            let families = self.rib.route_refresh_families(id);
            if families.is_empty() {
                let (out, n) = self.rib.soft_reset_inbound(id);
                done.reimported = n;
                self.apply(out);
            } else {
                let _ = handle.cmds.send(PeerCmd::RouteRefresh(families));
                done.route_refresh_sent = true;
            }
        }
        if dir.outbound() {
            let (out, n) = self.rib.soft_reset_outbound(id);
            done.readvertised = n;
            self.apply(out);
        }
        tracing::info!(peer = %addr, ?dir, ?done, "soft reset");
        self.publish();
        Ok(done)
    }

    /// Change one peer's detail without notifying status watchers (counters change on
    /// every message; readers see the latest value when they look).
    fn detail(&self, peer: PeerId, f: impl FnOnce(&mut PeerDetail)) {
        self.status.send_if_modified(|s| {
            if let Some(d) = s.details.get_mut(&peer.0) {
                f(d);
            }
            false
        });
    }

    /// Carry out a RIB output: FIB, UPDATEs per peer, closes, stale timers.
    fn apply(&mut self, out: RibOutput) {
        self.fib.apply(out.fib);
        let mut per_peer: HashMap<PeerId, Vec<crate::rib::Advert>> = HashMap::new();
        for (peer, advert) in out.adverts {
            per_peer.entry(peer).or_default().push(advert);
        }
        for (peer, adverts) in per_peer {
            if let Some(h) = self.peers.get(&peer.0) {
                let _ = h.cmds.send(PeerCmd::Adverts(adverts));
            }
        }
        for (peer, n) in out.close {
            if let Some(h) = self.peers.get(&peer.0) {
                let _ = h.cmds.send(PeerCmd::Close(n));
            }
        }
        for t in out.timers {
            self.stale_timer(t);
        }
    }

    fn stale_timer(&mut self, t: StaleTimer) {
        match t {
            StaleTimer::Start { peer, secs } => {
                let tx = self.stale_tx.clone();
                let task = tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_secs(u64::from(secs))).await;
                    let _ = tx.send(peer);
                });
                self.stale.insert(peer, AbortOnDrop::new(task));
            }
            StaleTimer::Stop { peer } => {
                self.stale.remove(&peer);
            }
        }
    }

    fn publish(&self) {
        let loc = self.rib.loc_rib_len();
        self.status.send_if_modified(|s| {
            let mut changed = s.loc_rib != loc;
            s.loc_rib = loc;
            for (addr, p) in s.peers.iter_mut() {
                let n = self.rib.received_count(PeerId(*addr));
                changed |= p.received != n;
                p.received = n;
            }
            for (addr, d) in s.details.iter_mut() {
                let accepted = self.rib.accepted_count(PeerId(*addr));
                let advertised = self.rib.advertised_count(PeerId(*addr));
                changed |= d.accepted != accepted || d.advertised != advertised;
                d.accepted = accepted;
                d.advertised = advertised;
            }
            changed
        });
    }
}
