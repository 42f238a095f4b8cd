//! Terrace's policy language: the selector grammar, the policy resource kinds,
//! validation and the reference evaluator. Pure logic, no I/O.
//!
//! Layout:
//! - [`selector`]: Calico's selector language (parser, evaluator,
//!   canonical form, stable IDs, caret errors).
//! - [`raw`]: serde shapes of the policy kinds with Calico v3 field names
//!   (`deny_unknown_fields`).
//! - [`model`]: validated domain types (`Policy`, `Tier`, `Profile`,
//!   `NetworkSet`, `Namespace`, `Rule`) built from raw ones with `TryFrom`.
//! - [`k8s`]: Kubernetes `networking.k8s.io/v1` NetworkPolicy and its
//!   Calico-style translation.
//! - [`stream`]: splitting a multi-document YAML/JSON stream at its `---`
//!   markers, with the line each document starts on.
//! - [`document`]: multi-document YAML/JSON text → validated resources, with
//!   line/column and field-path errors.
//! - [`eval`]: the reference evaluator (flow → egress/ingress verdicts and the
//!   deciding tier/policy/rule).
//! - [`validate`]: field paths and validation error collections.
//! - [`hash`]: FNV-1a, the stable hash behind selector IDs and the names felix
//!   and the CNI plugin derive from text.
//!
//! Typical use (netctl): [`document::parse_documents`] on a file, report
//! every `Err` (they carry line/column and field paths), store each
//! [`document::Document::stored`]; for `policy trace`, load resources into
//! an [`eval::Evaluator`] together with [`eval::Endpoint`]s built from the
//! datastore's endpoint records, and call [`eval::Evaluator::evaluate`].
//!
//! Tests: `cargo test -p policies` (selector tables and properties, Calico
//! validation tables, the Kubernetes e2e scenario matrix, examples).
//! Fuzzing: `scripts/fuzz policies` (CI runs it), or `cd policies/fuzz &&
//! RUSTC_BOOTSTRAP=1 cargo fuzz run selector` (or `documents`); the fuzz
//! project is outside the workspace.
//! Figures: `cargo bench -p policies`.

pub mod document;
pub mod eval;
pub mod hash;
pub mod k8s;
pub mod model;
pub mod raw;
pub mod selector;
pub mod stream;
pub mod validate;
