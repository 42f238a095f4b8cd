//! Validated domain types and the conversions into them.
//!
//! Every kind converts from its raw form with `TryFrom`, which checks all
//! of Calico's rules and reports every problem with a field path.

mod convert_meta;
mod convert_policy;
mod convert_rule;
mod policy;
mod ports;
mod protocol;
mod resource;
mod rule;

pub use convert_rule::limits;
pub use policy::{
    DEFAULT_TIER, DEFAULT_TIER_ORDER, Namespace, NetworkSet, Policy, PolicyTypes, Profile, Tier,
    TierDefaultAction,
};
pub use ports::{PortError, PortSpec};
pub use protocol::Protocol;
pub use resource::{Kind, Resource};
pub use rule::{Action, EntityRule, IcmpMatch, IpVersion, Rule};
