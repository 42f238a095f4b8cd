//! `lab-demo`: the whole system on one machine. Three hosts in two racks
//! behind an FRR top-of-rack router, each running the real felix, confd and
//! bgpd; a three-tier app in real podman containers attached through the
//! real CNI plugin (or, where podman does not work, the plugin driven as a
//! runtime drives it); network, BGP and policy configuration applied with
//! the real netctl from `policies/examples/`; a connectivity matrix measured
//! with real packets from inside the containers' network namespaces and
//! checked against `netctl policy trace`.
//!
//! Layout: [`app`] (the hosts and workloads, pure data), [`paths`]
//! (binaries, examples, log and state directories), [`services`] (daemons),
//! [`mode`] (podman, or the plugin driven directly), [`podman`] (the app as
//! podman containers), [`cni`] (the plugin as a runtime drives it),
//! [`netctl`], [`matrix`] (expected vs measured, pure), [`probes`] (the
//! matrix's cells and their measurement), [`show`] (what is printed),
//! [`run`] (the sequence).

pub mod app;
pub mod cni;
pub mod matrix;
pub mod mode;
pub mod netctl;
pub mod paths;
pub mod podman;
pub mod probes;
pub mod run;
pub mod services;
pub mod show;
