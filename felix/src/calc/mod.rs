//! The calculation layer: resources in, the desired dataplane [`Plan`] out.
//! Pure: no I/O, no clock.
//!
//! - [`world`]: everything felix knows ([`World`]).
//! - [`settings`]: the FelixConfiguration values the plan depends on.
//! - [`entities`], [`needs`], [`members`]: what selectors match, which sets
//!   rules reference, and what those sets hold (the sets' types are in
//!   [`crate::sets`], shared with [`crate::nft`]).
//! - [`engine`]: the incremental calculation the daemon runs ([`Engine`]).
//! - [`plan`]: the plan's types; [`compute`] makes one from scratch.

pub mod engine;
pub mod entities;
pub mod label_index;
pub mod members;
pub mod needs;
pub mod plan;
pub mod settings;
pub mod world;

pub use engine::{Changes, Engine};
pub use plan::{DirPlan, EndpointPlan, Plan, PolicyKey, PolicyPlan, RouteSpec, TierPlan};
pub use settings::Settings;
pub use world::{EndpointKind, LocalEndpoint, World};

/// Computes the desired dataplane of `world.node` from scratch (what the
/// engine's incremental updates must agree with).
pub fn compute(world: &World) -> Plan {
    Engine::from_world(world.clone()).plan().clone()
}

#[cfg(test)]
pub(crate) mod tests;
