//! A raw BGP peer inside the test, for the malformed UPDATEs ExaBGP cannot encode (see
//! `integration::exabgp`): a TCP connection opened from a lab node to bgpd, an OPEN with
//! hold time 0 (RFC 4271 §4.2: no KEEPALIVEs needed, so nothing runs in the background
//! but a reader), then UPDATE bytes exactly as the test builds them. Needs the test to
//! declare `mod common;` (message framing).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use integration::{Lab, wait_until};

use crate::common::message as frame;

/// BGP message types (RFC 4271 §4.1).
pub const OPEN: u8 = 1;
pub const NOTIFICATION: u8 = 3;
pub const KEEPALIVE: u8 = 4;

/// A message as received: type and body.
pub type Received = (u8, Vec<u8>);

pub struct RawPeer {
    stream: TcpStream,
    received: Arc<Mutex<Vec<Received>>>,
}

/// OPEN with hold time 0 and the capabilities bgpd needs: IPv4 unicast (RFC 4760) and
/// 4-octet AS numbers (RFC 6793).
pub fn open(asn: u32, router_id: Ipv4Addr) -> Vec<u8> {
    let two_octet = u16::try_from(asn).unwrap_or(23456); // AS_TRANS
    let mut caps = vec![1, 4, 0, 1, 0, 1, 65, 4];
    caps.extend_from_slice(&asn.to_be_bytes());
    let mut body = vec![4];
    body.extend_from_slice(&two_octet.to_be_bytes());
    body.extend_from_slice(&0u16.to_be_bytes());
    body.extend_from_slice(&router_id.octets());
    body.push(u8::try_from(caps.len() + 2).unwrap());
    body.push(2); // optional parameter: capabilities
    body.push(u8::try_from(caps.len()).unwrap());
    body.extend_from_slice(&caps);
    frame(OPEN, &body)
}

fn read_messages(mut stream: TcpStream, into: Arc<Mutex<Vec<Received>>>) {
    let mut header = [0u8; 19];
    while stream.read_exact(&mut header).is_ok() {
        let len = usize::from(u16::from_be_bytes([header[16], header[17]]));
        let mut body = vec![0u8; len.saturating_sub(19)];
        if stream.read_exact(&mut body).is_err() {
            return;
        }
        into.lock().unwrap().push((header[18], body));
    }
}

impl RawPeer {
    /// Connects from node `role` to bgpd at `bgpd` (retrying until it listens) and
    /// brings the session to Established.
    pub fn establish(lab: &Lab, role: &str, bgpd: SocketAddr, asn: u32, id: Ipv4Addr) -> Self {
        let mut stream = None;
        wait_until(Duration::from_secs(60), "bgpd accepts the raw peer", || {
            stream = lab.tcp_connect(role, bgpd, Duration::from_secs(2)).ok();
            stream.is_some()
        })
        .unwrap();
        let stream = stream.unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let (reader, sink) = (stream.try_clone().unwrap(), Arc::clone(&received));
        std::thread::spawn(move || read_messages(reader, sink));
        let mut peer = RawPeer { stream, received };
        peer.send(&open(asn, id));
        wait_until(Duration::from_secs(30), "bgpd's OPEN and KEEPALIVE", || {
            let r = peer.types();
            r.contains(&OPEN) && r.contains(&KEEPALIVE)
        })
        .unwrap();
        peer.send(&frame(KEEPALIVE, &[]));
        peer
    }

    /// Writes raw bytes (one or more framed messages) to bgpd.
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// Types of every message received so far.
    pub fn types(&self) -> Vec<u8> {
        self.received.lock().unwrap().iter().map(|m| m.0).collect()
    }

    /// (code, subcode) of every NOTIFICATION bgpd sent.
    pub fn notifications(&self) -> Vec<(u8, u8)> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.0 == NOTIFICATION && m.1.len() >= 2)
            .map(|m| (m.1[0], m.1[1]))
            .collect()
    }
}
