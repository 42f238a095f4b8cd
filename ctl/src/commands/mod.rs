//! One module per verb.

pub mod delete;
pub mod get;
pub mod ipam;
pub mod label;
pub mod node;
pub mod node_detail;
mod peer_text;
pub mod selector;
pub mod trace;
pub mod write;
