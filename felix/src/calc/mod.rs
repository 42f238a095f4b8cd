//! The calculation layer: resources in, the desired dataplane [`Plan`] out.
//! Pure: no I/O, no clock.
//!
//! - [`world`]: everything felix knows ([`World`]), kept by the daemon from
//!   datastore events and by tests directly.
//! - [`settings`]: the FelixConfiguration values the plan depends on.
//! - [`sets`]: which named IP sets rules need and what is in them.
//! - [`order`]: per endpoint and direction, tiers → policies → profiles.
//! - [`plan`]: [`compute`], assembling routes, sysctls, chains and sets.

pub mod order;
pub mod plan;
pub mod sets;
pub mod settings;
pub mod world;

pub use plan::{DirPlan, EndpointPlan, Plan, PolicyPlan, RouteSpec, TierPlan, compute};
pub use settings::Settings;
pub use world::{EndpointKind, LocalEndpoint, World};

#[cfg(test)]
pub(crate) mod tests;
