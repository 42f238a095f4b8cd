//! The Terrace resource store: the store trait with etcd v3 semantics, its embedded
//! SQLite and etcd backends, and typed resource and IPAM operations over it. The
//! resource model itself (kinds, validation, key layout, IPAM records) is the pure
//! `resources` crate.
//!
//! Layout:
//! - [`model`]: revisions, key-values, transactions and watch events (plain data).
//! - [`error`]: [`error::StoreError`], the one error type of the store boundary.
//! - [`store`]: the async [`store::Store`] trait and the [`store::WatchStream`] handle.
//! - [`list_watch`]: list-then-watch with no gap and no duplicate, re-listing on compaction.
//! - [`url`] and [`selection`]: datastore URLs and the `--datastore`/`--node` precedence shared by
//!   every binary.
//! - [`resource`]: the [`resource::client::ResourceClient`] for typed reads and all-or-nothing
//!   writes; [`ipam`]: block claims and address assignment by CAS; [`host_config`]: the host
//!   configuration file.
//! - [`sqlite`] (the embedded default) and [`etcd`]: the two backends; [`open()`] picks one.

pub mod error;
pub mod etcd;
pub mod host_config;
pub mod ipam;
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
