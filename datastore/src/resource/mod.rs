//! Typed reads and all-or-nothing writes of resources over a [`crate::Store`]; the
//! resource model itself is the `resources` crate.

pub mod client;
