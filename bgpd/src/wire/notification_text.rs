//! Names of NOTIFICATION codes and subcodes (RFC 4271 §4.5, RFC 4486, RFC 6608,
//! RFC 7313), so logs tell an operator "Bad Peer AS" rather than "2/2".

use std::fmt;

use super::message::Notification;

fn code_name(code: u8) -> Option<&'static str> {
    Some(match code {
        1 => "Message Header Error",
        2 => "OPEN Message Error",
        3 => "UPDATE Message Error",
        4 => "Hold Timer Expired",
        5 => "Finite State Machine Error",
        6 => "Cease",
        7 => "ROUTE-REFRESH Message Error",
        _ => return None,
    })
}

fn subcode_name(code: u8, subcode: u8) -> Option<&'static str> {
    Some(match (code, subcode) {
        (1, 1) => "Connection Not Synchronized",
        (1, 2) => "Bad Message Length",
        (1, 3) => "Bad Message Type",
        (2, 1) => "Unsupported Version Number",
        (2, 2) => "Bad Peer AS",
        (2, 3) => "Bad BGP Identifier",
        (2, 4) => "Unsupported Optional Parameter",
        (2, 6) => "Unacceptable Hold Time",
        (2, 7) => "Unsupported Capability",
        (2, 11) => "Role Mismatch",
        (3, 1) => "Malformed Attribute List",
        (3, 2) => "Unrecognized Well-known Attribute",
        (3, 3) => "Missing Well-known Attribute",
        (3, 4) => "Attribute Flags Error",
        (3, 5) => "Attribute Length Error",
        (3, 6) => "Invalid ORIGIN Attribute",
        (3, 8) => "Invalid NEXT_HOP Attribute",
        (3, 9) => "Optional Attribute Error",
        (3, 10) => "Invalid Network Field",
        (3, 11) => "Malformed AS_PATH",
        (5, 1) => "Unexpected Message in OpenSent State",
        (5, 2) => "Unexpected Message in OpenConfirm State",
        (5, 3) => "Unexpected Message in Established State",
        (6, 1) => "Maximum Number of Prefixes Reached",
        (6, 2) => "Administrative Shutdown",
        (6, 3) => "Peer De-configured",
        (6, 4) => "Administrative Reset",
        (6, 5) => "Connection Rejected",
        (6, 6) => "Other Configuration Change",
        (6, 7) => "Connection Collision Resolution",
        (6, 8) => "Out of Resources",
        (6, 9) => "Hard Reset",
        (6, 10) => "BFD Down",
        (7, 1) => "Invalid Message Length",
        _ => return None,
    })
}

/// `Cease / Administrative Shutdown (6/2)`; unknown codes print as numbers only.
#[derive(Debug, Clone, Copy)]
pub struct NotificationText<'a>(pub &'a Notification);

impl fmt::Display for NotificationText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (code, subcode) = (self.0.code, self.0.subcode);
        match (code_name(code), subcode_name(code, subcode)) {
            (Some(c), Some(s)) => write!(f, "{c} / {s} ({code}/{subcode})"),
            (Some(c), None) if subcode == 0 => write!(f, "{c} ({code}/0)"),
            (Some(c), None) => write!(f, "{c} / subcode {subcode} ({code}/{subcode})"),
            (None, _) => write!(f, "unknown error code ({code}/{subcode})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(code: u8, subcode: u8) -> String {
        let n = Notification {
            code,
            subcode,
            data: vec![],
        };
        NotificationText(&n).to_string()
    }

    #[test]
    fn names_known_codes_and_keeps_numbers_for_the_rest() {
        for (code, subcode, want) in [
            (2, 2, "OPEN Message Error / Bad Peer AS (2/2)"),
            (6, 2, "Cease / Administrative Shutdown (6/2)"),
            (4, 0, "Hold Timer Expired (4/0)"),
            (3, 42, "UPDATE Message Error / subcode 42 (3/42)"),
            (99, 1, "unknown error code (99/1)"),
        ] {
            assert_eq!(text(code, subcode), want);
        }
    }
}
