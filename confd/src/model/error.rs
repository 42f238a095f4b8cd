//! Why a node's speaker configuration cannot be built.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("node {0} is not registered (no Node resource)")]
    NoNode(String),
    #[error("node {0} has no IPv4 BGP address (spec.bgp.ipv4Address); the router ID needs one")]
    NoAddress(String),
    #[error("BGPPeer {peer}: invalid {field}: {message}")]
    InvalidSelector {
        peer: String,
        field: &'static str,
        message: String,
    },
}
