//! A handle record: which blocks hold the addresses of one attachment
//! (container ID + interface), so release frees exactly what assign took.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HandleRecord {
    pub handle: String,
    /// The node that asked for the addresses.
    pub node: String,
    /// Blocks holding the handle's addresses (its own or borrowed).
    pub blocks: Vec<IpNet>,
}
