//! bgpd: Terrace's BGP-4 speaker. This library is the sans-IO core; the binary (and a
//! later tokio shell) drives it. See docs/architecture.md for its place in the pipeline.
//!
//! Layout (the modules marked * need the default `daemon` feature; without it only the
//! sans-IO core builds):
//! - [`api`]*: the management API (gRPC on a unix socket).
//! - [`config`]*: the TOML configuration file and its checked domain types.
//! - [`daemon`]*: the tokio shell (sockets with MD5/GTSM, timers, reload) around the core.
//! - [`fib`]*: the kernel forwarding table via rtnetlink.
//! - [`metrics`]*: Prometheus metrics and readiness for the binary.
//! - `sockopt`*: socket options std lacks (MD5, GTSM, BPF filters), for the shell's
//!   TCP sockets and the FIB's route monitor.
//! - [`wire`]: message codec (netgauze-bgp-pkt underneath) and RFC 7606 error handling.
//! - [`fsm`]: the session state machine (RFC 4271 §8), OPEN negotiation, collisions.
//! - [`rib`]: Adj-RIBs-In and Loc-RIB in one table of stored paths, decision process,
//!   exports with a derived Adj-RIB-Out, policy, FIB deltas.
//! - [`session`]: FSM plus stream framing, what the shell drives per TCP connection.
//!
//! # Driving the core
//!
//! Nothing here does I/O or reads a clock. Per peer the shell owns a TCP connection, a
//! [`session::Session`] and a set of timers; one [`rib::Rib`] serves all peers.
//!
//! 1. `session.handle(fsm::Input::ManualStart)`; carry out the returned
//!    [`fsm::Output`]s with one exhaustive `match`: `Connect` dials, `Send(msg)` writes
//!    `session.encode(&msg)`, `Start*Timer(secs)` arms a timer whose expiry comes back as
//!    the matching `*Expired` input, `Disconnect` closes the socket.
//! 2. TCP events become `TcpCrAcked` / `TcpConnectionConfirmed` / `TcpConnectionFails`;
//!    bytes read go to `session.receive_bytes(..)` (framing and decoding happen there,
//!    a malformed message yields the NOTIFICATION and closes only this session).
//! 3. Two connections to one peer: once an OPEN arrived on one, call
//!    [`fsm::collision::resolve`] and feed `OpenCollisionDump` to the loser.
//! 4. `Established(negotiated)` → `rib.peer_up(peer, &negotiated)`; `Update(u)` →
//!    `rib.apply_update(peer, &u)`; `RouteRefresh(rr)` → `rib.route_refresh(..)`;
//!    `Down { graceful }` → `rib.peer_down(peer, graceful)`.
//! 5. Every RIB call returns a [`rib::RibOutput`]: apply `fib` deltas to the kernel,
//!    group `adverts` per peer with [`rib::pack`] and send each UPDATE, feed `close`
//!    entries to that peer's session as `Input::Close(notification)`, and arm or stop
//!    the Graceful Restart `timers` (`rib.stale_timer_expired(peer)` on expiry).
//! 6. Origination: `rib.set_originated(rib::originated(&blocks, &addresses))` on start
//!    and on every config change. After a restart call `rib.start_deferral()` before the
//!    sessions come up and `rib.deferral_timer_expired()` if End-of-RIBs are late.
//!
//! `tests/two_speakers.rs` is a complete, runnable example of this loop.

#[cfg(feature = "daemon")]
pub mod api;
#[cfg(feature = "daemon")]
pub mod config;
#[cfg(feature = "daemon")]
pub mod daemon;
#[cfg(feature = "daemon")]
pub mod fib;
pub mod fsm;
#[cfg(feature = "daemon")]
pub mod metrics;
pub mod rib;
pub mod session;
#[cfg(feature = "daemon")]
pub(crate) mod sockopt;
pub mod wire;
