//! Netlink plumbing shared by felix and bgpd, which cannot depend on each
//! other: the one copy of the framing, acknowledgement and route-message code
//! both of their kernel writers use.
//!
//! Layout:
//! - [`msg`]: netlink message and attribute framing ([`msg::Writer`]) and the
//!   acknowledgements in a received buffer ([`msg::parse_acks`]). Pure.
//! - [`socket`]: opening a netlink socket and sending one buffer of requests,
//!   then reading back every acknowledgement ([`socket::send_acked`]); felix's
//!   nf_tables batches and its rtnetlink route batches go through it.
//! - [`route`]: rtnetlink route helpers for the route reconcilers: the dump of
//!   every route, a message's destination, the start of a message for a route
//!   of one of our protocols.
//!
//! Not shared yet: the route writers themselves. felix writes its routes as
//! raw rtnetlink batches, a thousand per `sendmsg` (felix's
//! `reconcile::route_batch`); bgpd sends one rtnetlink request per route,
//! many in flight at once (bgpd's `daemon::fib_sink`), because its routes
//! carry gateways, multipath next hops and a metric that the batch encoder
//! does not build.

pub mod msg;
pub mod route;
pub mod socket;
