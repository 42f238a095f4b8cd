//! The Terrace resource store: key layout, the store trait with etcd v3
//! semantics, and its embedded SQLite and etcd backends.
//!
//! Layout:
//! - [`key`]: the documented key layout (`/terrace/v1/<kind>/[<namespace>/]<name>`, IPAM under
//!   `/terrace/v1/ipam/`), typed constructors and parsing.
//! - [`model`]: revisions, key-values, transactions and watch events (plain data).
//! - [`error`]: [`error::StoreError`], the one error type of the store boundary.
//! - [`store`]: the async [`store::Store`] trait and the [`store::WatchStream`] handle.
//! - [`list_watch`]: list-then-watch with no gap and no duplicate, re-listing on compaction.
//! - [`url`] and [`selection`]: datastore URLs and the `--datastore`/`--node` precedence shared by
//!   every binary.
//! - [`resource`]: typed resources (Calico v3 field names), document loading with
//!   `file:line:column` errors, and the [`resource::client::ResourceClient`] for typed reads and
//!   all-or-nothing writes; [`ipam`]: blocks, handles and address assignment by CAS;
//!   [`host_config`]: the host configuration file.
//! - [`sqlite`] (the embedded default) and [`etcd`]: the two backends; [`open()`] picks one.

pub mod error;
pub mod etcd;
pub mod host_config;
pub mod ipam;
pub mod key;
pub mod list_watch;
pub mod mirror;
pub mod model;
pub mod open;
pub mod resource;
pub mod selection;
pub mod sqlite;
pub mod store;
pub mod url;

pub use error::StoreError;
pub use open::open;
pub use store::{Store, WatchStream};
