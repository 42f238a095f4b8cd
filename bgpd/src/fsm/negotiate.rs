//! OPEN construction, OPEN validation (RFC 4271 §6.2) and capability negotiation
//! (RFC 5492) into a [`NegotiatedSession`].

use std::net::Ipv4Addr;

use super::config::SessionConfig;
use crate::wire::{
    AS_TRANS, AddPathFamily, Afi, Capability, CodecContext, GracefulRestartCap, Notification, Open,
    codes,
};

/// What both sides agreed on; the codec context and RIB behaviour follow from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedSession {
    /// Peer AS (4-octet).
    pub peer_as: u32,
    /// Peer BGP Identifier.
    pub peer_id: Ipv4Addr,
    /// Negotiated hold time: the smaller of both proposals (RFC 4271 §4.2); 0 = no timers.
    pub hold_time: u16,
    /// Keepalive interval: a third of the hold time (RFC 4271 §10).
    pub keepalive: u16,
    /// Both sides support 4-octet AS numbers (RFC 6793).
    pub four_octet_as: bool,
    /// Families both advertised; IPv4 only if the peer sent no MP capability (RFC 4760 §8).
    pub families: Vec<Afi>,
    /// The peer accepts ROUTE-REFRESH (RFC 2918).
    pub route_refresh: bool,
    /// Messages up to 65535 octets (RFC 8654): both advertised it.
    pub extended_message: bool,
    /// ADD-PATH directions per family (RFC 7911 §4).
    pub add_path: Vec<AddPathFamily>,
    /// The peer's Graceful Restart capability, if both sides advertised GR (RFC 4724).
    pub graceful_restart: Option<GracefulRestartCap>,
    /// External session.
    pub ebgp: bool,
}

impl NegotiatedSession {
    /// Codec settings for this session.
    pub fn codec_context(&self) -> CodecContext {
        CodecContext {
            four_octet_as: self.four_octet_as,
            add_path_receive: self
                .add_path
                .iter()
                .filter(|f| f.receive)
                .map(|f| f.afi)
                .collect(),
            add_path_send: self
                .add_path
                .iter()
                .filter(|f| f.send)
                .map(|f| f.afi)
                .collect(),
            extended_message: self.extended_message,
            ebgp: self.ebgp,
        }
    }
}

impl NegotiatedSession {
    /// What the session negotiated, in words for an operator: `4-octet AS`, `MP IPv4
    /// unicast`, `route refresh`, `graceful restart (120 s)`, `ADD-PATH IPv4 send+receive`,
    /// `extended messages`.
    pub fn capability_names(&self) -> Vec<String> {
        let family = |a: Afi| match a {
            Afi::Ipv4 => "IPv4",
            Afi::Ipv6 => "IPv6",
        };
        let mut names = Vec::new();
        if self.four_octet_as {
            names.push("4-octet AS".to_owned());
        }
        for f in &self.families {
            names.push(format!("MP {} unicast", family(*f)));
        }
        if self.route_refresh {
            names.push("route refresh".to_owned());
        }
        if let Some(gr) = &self.graceful_restart {
            names.push(format!("graceful restart ({} s)", gr.restart_time));
        }
        for ap in &self.add_path {
            let dir = match (ap.send, ap.receive) {
                (true, true) => "send+receive",
                (true, false) => "send",
                _ => "receive",
            };
            names.push(format!("ADD-PATH {} {dir}", family(ap.afi)));
        }
        if self.extended_message {
            names.push("extended messages".to_owned());
        }
        names
    }
}

/// Our OPEN for this session (RFC 4271 §4.2, RFC 6793 §4.1 for `my_as`).
pub fn local_open(cfg: &SessionConfig) -> Open {
    let mut caps: Vec<Capability> = cfg
        .families
        .iter()
        .map(|f| Capability::MultiProtocol(*f))
        .collect();
    if cfg.route_refresh {
        caps.push(Capability::RouteRefresh);
    }
    if cfg.extended_message {
        caps.push(Capability::ExtendedMessage);
    }
    if let Some(gr) = cfg.graceful_restart {
        caps.push(Capability::GracefulRestart(GracefulRestartCap {
            restarting: gr.restarting,
            restart_time: gr.restart_time,
            families: cfg
                .families
                .iter()
                .map(|f| (*f, gr.forwarding_preserved))
                .collect(),
        }));
    }
    caps.push(Capability::FourOctetAs(cfg.local_as));
    if !cfg.add_path.is_empty() {
        caps.push(Capability::AddPath(cfg.add_path.clone()));
    }
    Open {
        version: 4,
        // AS_TRANS (23456) stands in for an AS that needs 4 octets.
        my_as: u16::try_from(cfg.local_as).unwrap_or(23456),
        hold_time: cfg.hold_time,
        bgp_id: cfg.local_id,
        capabilities: caps,
    }
}

fn open_error(subcode: u8, data: Vec<u8>) -> Notification {
    Notification {
        code: codes::OPEN,
        subcode,
        data,
    }
}

/// Validate the peer's OPEN (RFC 4271 §6.2) and negotiate. `Err` is the NOTIFICATION to send.
pub fn negotiate(cfg: &SessionConfig, peer: &Open) -> Result<NegotiatedSession, Notification> {
    if peer.version != 4 {
        // Data: the largest version we support (RFC 4271 §6.2).
        return Err(open_error(codes::OPEN_UNSUPPORTED_VERSION, vec![0, 4]));
    }
    let four_octet_cap = peer
        .capabilities
        .iter()
        .any(|c| matches!(c, Capability::FourOctetAs(_)));
    let peer_as = peer.asn();
    // Without the capability, AS_TRANS in "My AS" cannot name a real AS (RFC 6793 §4.1).
    if peer_as != cfg.peer_as || (!four_octet_cap && u32::from(peer.my_as) == AS_TRANS) {
        return Err(open_error(
            codes::OPEN_BAD_PEER_AS,
            peer.my_as.to_be_bytes().to_vec(),
        ));
    }
    if peer.hold_time == 1 || peer.hold_time == 2 {
        return Err(open_error(codes::OPEN_UNACCEPTABLE_HOLD, Vec::new()));
    }
    // RFC 6286 §2.2: non-zero, and distinct from ours within one AS.
    if peer.bgp_id.is_unspecified() || (peer.bgp_id == cfg.local_id && !cfg.is_ebgp()) {
        return Err(open_error(
            codes::OPEN_BAD_BGP_ID,
            peer.bgp_id.octets().to_vec(),
        ));
    }
    let hold_time = cfg.hold_time.min(peer.hold_time);
    Ok(NegotiatedSession {
        peer_as,
        peer_id: peer.bgp_id,
        hold_time,
        keepalive: hold_time / 3,
        four_octet_as: four_octet_cap,
        families: families(cfg, peer),
        route_refresh: peer.capabilities.contains(&Capability::RouteRefresh),
        extended_message: cfg.extended_message
            && peer.capabilities.contains(&Capability::ExtendedMessage),
        add_path: add_path(cfg, peer),
        graceful_restart: graceful_restart(cfg, peer),
        ebgp: cfg.is_ebgp(),
    })
}

fn families(cfg: &SessionConfig, peer: &Open) -> Vec<Afi> {
    let peer_mp: Vec<Afi> = peer
        .capabilities
        .iter()
        .filter_map(|c| match c {
            Capability::MultiProtocol(afi) => Some(*afi),
            _ => None,
        })
        .collect();
    // A peer without any MP capability speaks IPv4 unicast only (RFC 4760 §8).
    let peer_mp = if peer_mp.is_empty() {
        vec![Afi::Ipv4]
    } else {
        peer_mp
    };
    cfg.families
        .iter()
        .copied()
        .filter(|f| peer_mp.contains(f))
        .collect()
}

/// RFC 7911 §4: we send paths for a family if we can send and the peer can receive, and
/// expect path identifiers if we can receive and the peer can send.
fn add_path(cfg: &SessionConfig, peer: &Open) -> Vec<AddPathFamily> {
    let peer_ap: Vec<AddPathFamily> = peer
        .capabilities
        .iter()
        .filter_map(|c| match c {
            Capability::AddPath(list) => Some(list.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    cfg.add_path
        .iter()
        .filter_map(|ours| {
            let theirs = peer_ap.iter().find(|p| p.afi == ours.afi)?;
            let f = AddPathFamily {
                afi: ours.afi,
                send: ours.send && theirs.receive,
                receive: ours.receive && theirs.send,
            };
            (f.send || f.receive).then_some(f)
        })
        .collect()
}

fn graceful_restart(cfg: &SessionConfig, peer: &Open) -> Option<GracefulRestartCap> {
    cfg.graceful_restart?;
    peer.capabilities.iter().find_map(|c| match c {
        Capability::GracefulRestart(gr) => Some(gr.clone()),
        _ => None,
    })
}
