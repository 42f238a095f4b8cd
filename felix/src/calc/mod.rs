//! The calculation layer: resources in, the desired dataplane [`Plan`] out.
//! Pure: no I/O, no clock.
//!
//! - [`world`]: everything felix knows ([`World`]).
//! - [`settings`]: the FelixConfiguration values the plan depends on.
//! - [`entities`], [`needs`], [`members`], [`sets`]: what selectors match,
//!   which sets rules reference, and what those sets hold.
//! - [`engine`]: the incremental calculation the daemon runs ([`Engine`]).
//! - [`plan`]: the plan's types and [`compute`] (a plan from scratch).

pub mod engine;
pub mod entities;
pub mod label_index;
pub mod members;
pub mod needs;
pub mod plan;
pub mod sets;
pub mod settings;
pub mod world;

pub use engine::{Changes, Engine};
pub use plan::{DirPlan, EndpointPlan, Plan, PolicyKey, PolicyPlan, RouteSpec, TierPlan, compute};
pub use settings::Settings;
pub use world::{EndpointKind, LocalEndpoint, World};

#[cfg(test)]
pub(crate) mod tests;
