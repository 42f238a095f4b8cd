//! IPAM against the store: claiming blocks and assigning and releasing addresses with
//! compare-and-swap transactions. The records and the pure logic over them (blocks,
//! handles, the planner, the audit) are `resources::ipam`.

pub mod client;

pub use client::{AssignRequest, IpamClient, IpamError};
