//! Typed resources with Calico v3 field names: the kinds that are not policy
//! (those live in the `policies` crate). Each spec deserializes with
//! `deny_unknown_fields` and has a `validate` that names every bad field by path.

pub mod asn;
pub mod bgpconfig;
pub mod bgppeer;
pub mod client;
pub mod document;
pub mod duration;
pub mod endpoint;
pub mod evaluator;
pub mod felixconfig;
pub mod field_error;
pub mod ippool;
pub mod kind;
pub mod load;
pub mod locate;
pub mod meta;
pub mod node;
pub mod object;
mod policy_kinds;
pub mod stream;

pub use asn::AsNumber;
pub use bgpconfig::BGPConfigurationSpec;
pub use bgppeer::BGPPeerSpec;
pub use duration::GoDuration;
pub use endpoint::{EndpointPort, HostEndpointSpec, WorkloadEndpointSpec};
pub use felixconfig::FelixConfigurationSpec;
pub use field_error::FieldError;
pub use ippool::IPPoolSpec;
pub use kind::Kind;
pub use meta::ObjectMeta;
pub use node::NodeSpec;
pub use object::Object;
