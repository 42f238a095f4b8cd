//! Named sets and verdict maps as data, shared by both sides of felix:
//! [`crate::calc`] decides which sets the rules need and what they hold,
//! [`crate::nft`] declares them in the table and writes their elements.
//! Neither side owns these types, so neither depends on the other for them.
//! Pure.
//!
//! - [`family`]: the IP family a set (or rule variant) is for.
//! - [`elem`]: one element of a set or map, and its nft spelling.
//! - [`def`]: a set's kind and elements ([`SetDef`]).
//! - [`key`]: selector sets' keys, set names, member normalisation.

pub mod def;
pub mod elem;
pub mod family;
pub mod key;

pub use def::{SetDef, SetKind};
pub use elem::{Elem, Verdict};
pub use family::Family;
pub use key::{Scope, SetKey, named_port_set_name, net_set_name, normalise, split};
