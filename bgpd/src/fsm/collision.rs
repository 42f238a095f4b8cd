//! Connection collision detection (RFC 4271 §6.8).
//!
//! When two TCP connections exist between the same pair of speakers and an OPEN has been
//! received on one of them, only one may survive. The driver calls [`resolve`] with both
//! identifiers and sends `Input::OpenCollisionDump` to the FSM of the losing connection.

use std::net::Ipv4Addr;

/// Which connection of a colliding pair to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Survivor {
    /// The connection this speaker initiated (outgoing).
    LocallyInitiated,
    /// The connection the peer initiated (incoming).
    RemotelyInitiated,
}

/// RFC 4271 §6.8: the connection initiated by the speaker with the higher BGP Identifier
/// survives. With equal identifiers (allowed between different ASes, RFC 6286 §2.3) the
/// speaker with the larger AS number wins.
pub fn resolve(local_id: Ipv4Addr, local_as: u32, remote_id: Ipv4Addr, remote_as: u32) -> Survivor {
    let local_wins = match u32::from(local_id).cmp(&u32::from(remote_id)) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => local_as > remote_as,
    };
    if local_wins {
        Survivor::LocallyInitiated
    } else {
        Survivor::RemotelyInitiated
    }
}

#[cfg(test)]
mod tests {
    use super::{Survivor, resolve};

    #[test]
    fn higher_identifier_keeps_its_own_connection() {
        let table = [
            (
                "local higher keeps outgoing",
                [10, 0, 0, 2],
                65001,
                [10, 0, 0, 1],
                65001,
                Survivor::LocallyInitiated,
            ),
            (
                "remote higher keeps incoming",
                [10, 0, 0, 1],
                65001,
                [10, 0, 0, 2],
                65001,
                Survivor::RemotelyInitiated,
            ),
            (
                "compared as numbers not text",
                [9, 0, 0, 1],
                1,
                [10, 0, 0, 0],
                1,
                Survivor::RemotelyInitiated,
            ),
            (
                "equal ids: larger local as wins",
                [10, 0, 0, 1],
                65002,
                [10, 0, 0, 1],
                65001,
                Survivor::LocallyInitiated,
            ),
            (
                "equal ids: larger remote as wins",
                [10, 0, 0, 1],
                65001,
                [10, 0, 0, 1],
                65002,
                Survivor::RemotelyInitiated,
            ),
        ];
        for (name, lid, las, rid, ras, want) in table {
            assert_eq!(resolve(lid.into(), las, rid.into(), ras), want, "{name}");
        }
    }
}
