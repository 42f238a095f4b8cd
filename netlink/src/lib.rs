//! Netlink plumbing shared by felix and bgpd, which cannot depend on each
//! other: the one copy of the framing and acknowledgement code their kernel
//! writers use.
//!
//! Layout:
//! - [`msg`]: netlink message and attribute framing ([`msg::Writer`]) and the
//!   acknowledgements in a received buffer ([`msg::parse_acks`]). Pure.
//! - [`socket`]: opening a netlink socket and sending one buffer of requests,
//!   then reading back every acknowledgement ([`socket::send_acked`]); felix's
//!   nf_tables batches and its rtnetlink route batches go through it.

pub mod msg;
pub mod socket;
