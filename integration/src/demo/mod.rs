//! `lab-demo`: the whole system on one machine. Three hosts in two racks
//! behind an FRR top-of-rack router, each running the real felix, confd and
//! bgpd; a three-tier app attached through the real CNI plugin; network,
//! BGP and policy configuration applied with the real netctl from
//! `policies/examples/`; a connectivity matrix measured with real packets
//! and checked against `netctl policy trace`.
//!
//! Layout: [`app`] (the hosts and workloads, pure data), [`paths`]
//! (binaries, examples, log and state directories), [`services`] (daemons),
//! [`cni`] (the plugin as a runtime drives it), [`netctl`], [`matrix`]
//! (expected vs measured, pure), [`probes`] (the matrix's cells and their
//! measurement), [`show`] (what is printed), [`run`] (the sequence).

pub mod app;
pub mod cni;
pub mod matrix;
pub mod netctl;
pub mod paths;
pub mod probes;
pub mod run;
pub mod services;
pub mod show;
