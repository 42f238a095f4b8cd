//! nf_tables over netlink, without `nft`: the element and policy-group
//! deltas that make up most changes, encoded as one atomic batch
//! ([`encode`], pure) and sent on a netlink socket ([`socket`]). `nft` has
//! to fetch its cache of the table before every transaction, which grows
//! with the table; this path costs the same whatever the table's size.

pub mod encode;
pub mod msg;
pub mod socket;

pub use encode::{Batch, encode};
pub use socket::{BatchError, NfSocket};
