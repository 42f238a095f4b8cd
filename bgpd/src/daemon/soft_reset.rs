//! Soft reset requests and answers (management API → core).

use std::net::IpAddr;

/// Which directions to reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SoftResetDirection {
    /// Both.
    #[default]
    Both,
    /// Inbound only: routes from the peer through import policy again.
    In,
    /// Outbound only: our routes to the peer through export policy again.
    Out,
}

impl SoftResetDirection {
    /// Includes the inbound direction.
    pub fn inbound(self) -> bool {
        self != SoftResetDirection::Out
    }

    /// Includes the outbound direction.
    pub fn outbound(self) -> bool {
        self != SoftResetDirection::In
    }
}

/// What a soft reset did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SoftResetOutcome {
    /// Inbound: a ROUTE-REFRESH was sent (the peer re-sends its routes).
    pub route_refresh_sent: bool,
    /// Inbound without route refresh: routes re-run through import policy.
    pub reimported: usize,
    /// Outbound: prefixes announced again.
    pub readvertised: usize,
}

/// Why a soft reset was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SoftResetError {
    /// No such peer in the configuration.
    #[error("{0} is not a configured peer")]
    UnknownPeer(IpAddr),
    /// The session is not Established: there is nothing to refresh.
    #[error("the session with {0} is not established")]
    NotEstablished(IpAddr),
}

/// The core's answer.
pub type SoftResetResult = Result<SoftResetOutcome, SoftResetError>;
