//! Netlink message and attribute framing for nfnetlink batches: the
//! workspace's one framing code, in `terrace-netlink` (bgpd cannot depend on
//! felix), re-exported under its old path.

pub use terrace_netlink::msg::*;
