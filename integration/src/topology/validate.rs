//! Checks that a topology is buildable before anything touches the kernel.

use std::collections::{BTreeMap, BTreeSet};

use super::TopologyError;
use super::spec::{Route, Topology};
use crate::naming::{is_valid_ifname, is_valid_role};

/// Checks names, references and interface uniqueness of an already expanded
/// topology (no `containers` left).
pub fn validate(t: &Topology) -> Result<(), TopologyError> {
    let mut ifaces: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for n in &t.nodes {
        if !is_valid_role(&n.name) {
            return Err(invalid(format!(
                "node name `{}` must match [a-z0-9-]{{1,32}}",
                n.name
            )));
        }
        if ifaces.insert(&n.name, BTreeSet::new()).is_some() {
            return Err(invalid(format!("node `{}` is declared twice", n.name)));
        }
    }
    for l in &t.links {
        for e in [&l.a, &l.b] {
            let set = ifaces.get_mut(e.node.as_str()).ok_or_else(|| {
                invalid(format!(
                    "link end `{}:{}` names an unknown node",
                    e.node, e.iface
                ))
            })?;
            if !is_valid_ifname(&e.iface) || e.iface == "lo" {
                return Err(invalid(format!(
                    "interface name `{}` is not valid (max 15 bytes)",
                    e.iface
                )));
            }
            if !set.insert(&e.iface) {
                return Err(invalid(format!(
                    "interface `{}:{}` is used twice",
                    e.node, e.iface
                )));
            }
        }
    }
    for n in &t.nodes {
        let known = &ifaces[n.name.as_str()];
        for r in &n.routes {
            check_route(&n.name, r, known)?;
        }
    }
    Ok(())
}

fn check_route(node: &str, r: &Route, ifaces: &BTreeSet<&str>) -> Result<(), TopologyError> {
    if let Some(dev) = &r.dev
        && dev != "lo"
        && !ifaces.contains(dev.as_str())
    {
        return Err(invalid(format!(
            "route {} on `{node}` uses unknown device `{dev}`",
            r.dst
        )));
    }
    if r.blackhole && (r.via.is_some() || r.dev.is_some()) {
        return Err(invalid(format!(
            "blackhole route {} on `{node}` cannot have via or dev",
            r.dst
        )));
    }
    if !r.blackhole && r.via.is_none() && r.dev.is_none() {
        return Err(invalid(format!(
            "route {} on `{node}` needs via, dev or blackhole",
            r.dst
        )));
    }
    Ok(())
}

fn invalid(msg: String) -> TopologyError {
    TopologyError::Invalid(msg)
}
