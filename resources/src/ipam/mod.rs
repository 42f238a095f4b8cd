//! IP address management records and the pure logic over them: blocks carved
//! from pools, addresses allocated inside blocks under a handle, the planner
//! that decides which block an allocation should use, and the audit that finds
//! records which disagree. The datastore's IPAM client applies the planner's
//! decisions with compare-and-swap transactions.

pub mod audit;
pub mod block;
pub mod carve;
pub mod handle;
pub mod planner;

pub use audit::{Problem, audit};
pub use block::{Allocation, Block, BlockError};
pub use handle::HandleRecord;
pub use planner::{Plan, PlanInput, PoolView, plan_allocation};
