//! What the codec must know about a session to read and write its messages.

use super::message::Afi;

/// Negotiated encoding parameters for one session (RFC 6793, RFC 7911, RFC 8654).
///
/// Before the OPEN exchange completes use `CodecContext::default()`: OPEN, KEEPALIVE and
/// NOTIFICATION do not depend on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodecContext {
    /// Both sides advertised 4-octet AS support: AS_PATH carries 4-octet ASes (RFC 6793 §4.1).
    pub four_octet_as: bool,
    /// Families for which received NLRI carry a Path Identifier (RFC 7911 §3).
    pub add_path_receive: Vec<Afi>,
    /// Families for which sent NLRI carry a Path Identifier (RFC 7911 §3).
    pub add_path_send: Vec<Afi>,
    /// Both sides advertised Extended Message: messages up to 65535 octets (RFC 8654 §4).
    pub extended_message: bool,
    /// The peer is external: LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST are discarded on
    /// receipt (RFC 7606 §7.5, §7.9, §7.10).
    pub ebgp: bool,
}

/// Largest message without Extended Message (RFC 4271 §4.1).
pub const MAX_MESSAGE_LEN: usize = 4096;
/// Largest message with Extended Message (RFC 8654 §4).
pub const MAX_EXTENDED_MESSAGE_LEN: usize = 65535;
/// Header length: marker, length, type (RFC 4271 §4.1).
pub const HEADER_LEN: usize = 19;

impl CodecContext {
    /// The largest message this session may carry (OPEN and KEEPALIVE stay at 4096,
    /// RFC 8654 §4; the decoder checks that separately).
    pub fn max_message_len(&self) -> usize {
        if self.extended_message {
            MAX_EXTENDED_MESSAGE_LEN
        } else {
            MAX_MESSAGE_LEN
        }
    }
}

/// The length of the next message in `buf` once its header has arrived, for framing a TCP
/// stream. `None` until 19 octets are buffered. The value is not validated here.
pub fn frame_len(buf: &[u8]) -> Option<usize> {
    if buf.len() < HEADER_LEN {
        return None;
    }
    let len = buf.get(16..18)?;
    Some(usize::from(u16::from_be_bytes([
        *len.first()?,
        *len.get(1)?,
    ])))
}
