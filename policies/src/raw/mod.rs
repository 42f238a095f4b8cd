//! Raw serde types: the YAML/JSON shapes with Calico v3 field names.
//!
//! These are deliberately permissive in *values* (strings, numbers) and
//! strict in *shape* (`deny_unknown_fields`): the conversions in
//! [`crate::model`] turn them into validated domain types and report every
//! bad value with its field path. They also serialise back, so a CLI can
//! print what it stored.

mod meta;
mod policy;
mod rule;
mod sets;

pub use meta::{API_VERSION, CALICO_API_VERSION, RawMetadata, RawResource};
pub use policy::{RawPolicySpec, RawProfileSpec, RawTierSpec};
pub use rule::{NumOrString, RawEntityRule, RawIcmp, RawRule, RawRuleMetadata};
pub use sets::{RawNamespaceSpec, RawNetworkSetSpec};
