//! Codec errors.

use super::message::Notification;

/// A message that must close the session, with the NOTIFICATION to send (RFC 4271 §6).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed bgp message: {reason}")]
pub struct DecodeError {
    /// NOTIFICATION to send before closing.
    pub notification: Notification,
    /// What was wrong, for logs.
    pub reason: String,
}

impl DecodeError {
    /// A decode error with a NOTIFICATION of `code`/`subcode` and `data`.
    pub fn new(code: u8, subcode: u8, data: Vec<u8>, reason: impl Into<String>) -> DecodeError {
        DecodeError {
            notification: Notification {
                code,
                subcode,
                data,
            },
            reason: reason.into(),
        }
    }
}

/// A message Terrace cannot put on the wire.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The encoded message exceeds the session's maximum (RFC 4271 §4.1, RFC 8654).
    #[error("encoded message of {len} octets exceeds the maximum of {max}")]
    TooLong {
        /// Encoded length.
        len: usize,
        /// Allowed maximum.
        max: usize,
    },
    /// A field cannot be represented (e.g. an IPv4 prefix in MP_REACH for IPv6).
    #[error("cannot encode {what}")]
    Unrepresentable {
        /// The offending field.
        what: String,
    },
    /// The wire library refused the message.
    #[error("wire library failed to write the message: {0}")]
    Writer(String),
}

/// NOTIFICATION error codes and subcodes used by Terrace (RFC 4271 §4.5, §6).
pub mod codes {
    /// Message Header Error.
    pub const MESSAGE_HEADER: u8 = 1;
    /// OPEN Message Error.
    pub const OPEN: u8 = 2;
    /// UPDATE Message Error.
    pub const UPDATE: u8 = 3;
    /// Hold Timer Expired.
    pub const HOLD_TIMER_EXPIRED: u8 = 4;
    /// Finite State Machine Error.
    pub const FSM: u8 = 5;
    /// Cease (RFC 4486 subcodes).
    pub const CEASE: u8 = 6;
    /// ROUTE-REFRESH Message Error (RFC 7313).
    pub const ROUTE_REFRESH: u8 = 7;

    /// Header: Connection Not Synchronized.
    pub const HDR_NOT_SYNCHRONIZED: u8 = 1;
    /// Header: Bad Message Length.
    pub const HDR_BAD_LENGTH: u8 = 2;
    /// Header: Bad Message Type.
    pub const HDR_BAD_TYPE: u8 = 3;

    /// OPEN: Unsupported Version Number.
    pub const OPEN_UNSUPPORTED_VERSION: u8 = 1;
    /// OPEN: Bad Peer AS.
    pub const OPEN_BAD_PEER_AS: u8 = 2;
    /// OPEN: Bad BGP Identifier.
    pub const OPEN_BAD_BGP_ID: u8 = 3;
    /// OPEN: Unsupported Optional Parameter.
    pub const OPEN_UNSUPPORTED_PARAM: u8 = 4;
    /// OPEN: Unacceptable Hold Time.
    pub const OPEN_UNACCEPTABLE_HOLD: u8 = 6;

    /// UPDATE: Malformed Attribute List.
    pub const UPD_MALFORMED_ATTR_LIST: u8 = 1;
    /// UPDATE: Unrecognized Well-known Attribute.
    pub const UPD_UNRECOGNIZED_WELL_KNOWN: u8 = 2;
    /// UPDATE: Optional Attribute Error.
    pub const UPD_OPTIONAL_ATTR: u8 = 9;
    /// UPDATE: Invalid Network Field.
    pub const UPD_INVALID_NETWORK: u8 = 10;

    /// FSM: Receive Unexpected Message in OpenSent State (RFC 6608).
    pub const FSM_UNEXPECTED_IN_OPEN_SENT: u8 = 1;
    /// FSM: Receive Unexpected Message in OpenConfirm State (RFC 6608).
    pub const FSM_UNEXPECTED_IN_OPEN_CONFIRM: u8 = 2;
    /// FSM: Receive Unexpected Message in Established State (RFC 6608).
    pub const FSM_UNEXPECTED_IN_ESTABLISHED: u8 = 3;

    /// Cease: Maximum Number of Prefixes Reached (RFC 4486).
    pub const CEASE_MAX_PREFIXES: u8 = 1;
    /// Cease: Administrative Shutdown (RFC 4486).
    pub const CEASE_ADMIN_SHUTDOWN: u8 = 2;
    /// Cease: Peer De-configured (RFC 4486).
    pub const CEASE_PEER_DECONFIGURED: u8 = 3;
    /// Cease: Administrative Reset (RFC 4486).
    pub const CEASE_ADMIN_RESET: u8 = 4;
    /// Cease: Connection Collision Resolution (RFC 4486).
    pub const CEASE_COLLISION: u8 = 7;
}
