//! The packet being traced.

use std::net::IpAddr;

use super::endpoint::EndpointKey;
use crate::model::Protocol;

/// One end of a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowEnd {
    /// A known endpoint; its first address of the flow's family is used.
    Endpoint(EndpointKey),
    /// A bare address (outside the cluster, or a network-set member). It
    /// gets no verdict of its own.
    Ip(IpAddr),
}

impl FlowEnd {
    /// Parses the command-line spelling: an IP address, `NAMESPACE/NAME`
    /// for a workload endpoint, or a bare `NAME` for a host endpoint.
    pub fn parse(text: &str) -> FlowEnd {
        if let Ok(ip) = text.parse::<IpAddr>() {
            return FlowEnd::Ip(ip);
        }
        match text.split_once('/') {
            Some((ns, name)) => FlowEnd::Endpoint(EndpointKey::workload(ns, name)),
            None => FlowEnd::Endpoint(EndpointKey::host(text)),
        }
    }
}

/// ICMP type and optional code of a traced ICMP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpInfo {
    /// ICMP type.
    pub icmp_type: u8,
    /// ICMP code; a rule that names a code does not match an unknown one.
    pub code: Option<u8>,
}

/// A packet from `source` to `destination`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// Sender.
    pub source: FlowEnd,
    /// Receiver.
    pub destination: FlowEnd,
    /// IP protocol.
    pub protocol: Protocol,
    /// Destination port (port-carrying protocols).
    pub dst_port: Option<u16>,
    /// Source port; rules with source `ports` need it to match.
    pub src_port: Option<u16>,
    /// ICMP type/code (ICMP protocols).
    pub icmp: Option<IcmpInfo>,
}

impl Flow {
    /// A TCP/UDP/SCTP flow to `port`.
    pub fn new(source: FlowEnd, destination: FlowEnd, protocol: Protocol, port: u16) -> Self {
        Self {
            source,
            destination,
            protocol,
            dst_port: Some(port),
            src_port: None,
            icmp: None,
        }
    }

    /// An ICMP (or ICMPv6) flow.
    pub fn icmp(source: FlowEnd, destination: FlowEnd, protocol: Protocol, icmp: IcmpInfo) -> Self {
        Self {
            source,
            destination,
            protocol,
            dst_port: None,
            src_port: None,
            icmp: Some(icmp),
        }
    }
}
