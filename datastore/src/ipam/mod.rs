//! IP address management records and the pure logic over them: blocks carved
//! from pools, addresses allocated inside blocks under a handle, and the
//! planner that decides which block an allocation should use. The datastore
//! client applies these decisions with compare-and-swap transactions.

pub mod block;
pub mod carve;
pub mod client;
pub mod handle;
pub mod planner;

pub use block::{Allocation, Block, BlockError};
pub use client::{AssignRequest, IpamClient, IpamError};
pub use handle::HandleRecord;
pub use planner::{Plan, PlanInput, PoolView, plan_allocation};
