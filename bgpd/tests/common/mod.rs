//! Helpers shared by bgpd's tests: hex vectors, message builders, RIB
//! fixtures and an in-process speaker.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod rib;
pub mod speaker;

/// Decode a hex string with optional whitespace, `"ff 00"` → `[0xff, 0x00]`.
pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// A full message: marker, length, type, body.
pub fn message(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF; 16];
    out.extend_from_slice(&u16::try_from(19 + body.len()).unwrap().to_be_bytes());
    out.push(msg_type);
    out.extend_from_slice(body);
    out
}

/// An UPDATE from raw withdrawn, attribute and NLRI octets.
pub fn update(withdrawn: &[u8], attrs: &[u8], nlri: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&u16::try_from(withdrawn.len()).unwrap().to_be_bytes());
    body.extend_from_slice(withdrawn);
    body.extend_from_slice(&u16::try_from(attrs.len()).unwrap().to_be_bytes());
    body.extend_from_slice(attrs);
    body.extend_from_slice(nlri);
    message(2, &body)
}

/// ORIGIN IGP, AS_PATH [65001] (4-octet), NEXT_HOP 10.0.0.1.
pub const BASE_ATTRS_AS4: &str = "40 01 01 00  40 02 06 02 01 00 00 fd e9  40 03 04 0a 00 00 01";
/// NLRI 10.65.0.0/26.
pub const NLRI_10_65_0_0_26: &str = "1a 0a 41 00 00";
