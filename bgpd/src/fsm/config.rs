//! Per-peer session settings the FSM needs (a subset of the future bgpd.toml peer entry).

use std::net::Ipv4Addr;

use crate::wire::{AddPathFamily, Afi};

/// Session settings for one peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// Our AS on this session (the per-peer "local AS" if configured).
    pub local_as: u32,
    /// Our BGP Identifier.
    pub local_id: Ipv4Addr,
    /// The AS the peer must present in its OPEN.
    pub peer_as: u32,
    /// Hold time we propose (RFC 4271 §4.2; 0 or at least 3).
    pub hold_time: u16,
    /// First ConnectRetryTimer value in seconds (RFC 4271 §10 suggests 120; we back off).
    pub connect_retry: u32,
    /// Upper bound of the connect-retry / idle-hold backoff in seconds.
    pub connect_retry_max: u32,
    /// Never initiate the TCP connection, only accept it (RFC 4271 §8.1.1
    /// PassiveTcpEstablishment).
    pub passive: bool,
    /// After an error, start again automatically after an idle-hold delay (RFC 4271 §8.1.1
    /// AllowAutomaticStart with DampPeerOscillations).
    pub auto_restart: bool,
    /// Families to advertise with Multiprotocol Extensions (RFC 4760).
    pub families: Vec<Afi>,
    /// Advertise Route Refresh (RFC 2918).
    pub route_refresh: bool,
    /// Advertise Extended Message (RFC 8654).
    pub extended_message: bool,
    /// ADD-PATH send/receive per family (RFC 7911).
    pub add_path: Vec<AddPathFamily>,
    /// Graceful Restart to advertise (RFC 4724); `None` disables it.
    pub graceful_restart: Option<LocalGracefulRestart>,
}

/// Our side of Graceful Restart (RFC 4724 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalGracefulRestart {
    /// Restart Time we ask peers to keep our routes, seconds (at most 4095).
    pub restart_time: u16,
    /// Set the Restart State bit: we are coming back from a restart.
    pub restarting: bool,
    /// Our forwarding state was preserved across the restart (F bit per family).
    pub forwarding_preserved: bool,
}

impl SessionConfig {
    /// Defaults for a peer: hold 90 s, connect retry 5 s backing off to 120 s, IPv4 and
    /// IPv6 unicast, route refresh, 4-octet AS, graceful restart helper with 120 s.
    pub fn new(local_as: u32, local_id: Ipv4Addr, peer_as: u32) -> SessionConfig {
        SessionConfig {
            local_as,
            local_id,
            peer_as,
            hold_time: 90,
            connect_retry: 5,
            connect_retry_max: 120,
            passive: false,
            auto_restart: true,
            families: vec![Afi::Ipv4, Afi::Ipv6],
            route_refresh: true,
            extended_message: false,
            add_path: Vec::new(),
            graceful_restart: Some(LocalGracefulRestart {
                restart_time: 120,
                restarting: false,
                forwarding_preserved: false,
            }),
        }
    }

    /// True for an eBGP session.
    pub fn is_ebgp(&self) -> bool {
        self.local_as != self.peer_as
    }
}
