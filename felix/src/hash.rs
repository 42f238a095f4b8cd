//! Stable short names for kernel objects derived from resource names: the
//! workspace's one FNV-1a (in `policies`, the lowest crate that needs it),
//! re-exported so felix's modules keep naming it `crate::hash`.

pub use policies::hash::{fnv1a64, short};
