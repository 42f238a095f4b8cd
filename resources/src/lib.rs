//! Terrace's resource model, with no storage and no I/O: the typed resources
//! (Calico v3 field names) and their validation, document loading with
//! `file:line:column` errors, the datastore key layout, and the IPAM records with
//! their block arithmetic, allocation planning and consistency audit. Shared by
//! netctl, felix, confd, the CNI plugin and the datastore backends; the policy kinds
//! themselves live in the `policies` crate.
//!
//! Layout:
//! - resources by kind: [`bgpconfig`], [`bgppeer`], [`endpoint`], [`felixconfig`],
//!   [`ippool`], [`node`], with [`object::Object`] the stored envelope and [`kind::Kind`]
//!   every kind; [`asn`], [`duration`], [`meta`] and [`field_error`] are their parts.
//! - documents: [`stream`] splits a YAML stream, [`load`] and [`document`] turn each
//!   document into an [`Object`] or errors located by [`locate`]; [`evaluator`] builds the
//!   policy evaluator's world from objects.
//! - [`key`]: the documented key layout (`/terrace/v1/<kind>/[<namespace>/]<name>`).
//! - [`ipam`]: blocks, handles, carving pools into blocks, the allocation planner and
//!   the audit of blocks against handles and endpoints.

pub mod asn;
pub mod bgpconfig;
pub mod bgppeer;
pub mod document;
pub mod duration;
pub mod endpoint;
pub mod evaluator;
pub mod felixconfig;
pub mod field_error;
pub mod ipam;
pub mod ippool;
pub mod key;
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
