//! Does a rule match a packet?

use std::net::IpAddr;

use super::endpoint::Endpoint;
use super::flow::Flow;
use super::labels::Entity;
use super::store::Evaluator;
use crate::model::{EntityRule, IpVersion, PortSpec, Rule};

/// One end of the packet as rules see it.
#[derive(Debug)]
pub(crate) struct EndCtx<'a> {
    /// The address used.
    pub addr: IpAddr,
    /// The endpoint at this address, if any (for named ports).
    pub endpoint: Option<&'a Endpoint>,
    /// Endpoint and network sets carrying the address.
    pub entities: Vec<Entity<'a>>,
    /// The port at this end.
    pub port: Option<u16>,
}

/// The packet, resolved.
#[derive(Debug)]
pub(crate) struct PacketCtx<'a> {
    pub flow: &'a Flow,
    pub src: EndCtx<'a>,
    pub dst: EndCtx<'a>,
}

/// True when every condition of `rule` holds for the packet. `policy_ns`
/// is the namespace of a NetworkPolicy (scopes selectors), `None` for
/// global policies and profiles.
pub(crate) fn rule_matches(
    ev: &Evaluator,
    rule: &Rule,
    pkt: &PacketCtx<'_>,
    policy_ns: Option<&str>,
) -> bool {
    let flow = pkt.flow;
    let family = if pkt.src.addr.is_ipv4() {
        IpVersion::V4
    } else {
        IpVersion::V6
    };
    if rule.ip_version.is_some_and(|v| v != family)
        || rule.protocol.is_some_and(|p| p != flow.protocol)
        || rule.not_protocol.is_some_and(|p| p == flow.protocol)
    {
        return false;
    }
    if let Some(m) = &rule.icmp {
        let hit = flow.protocol.is_icmp()
            && flow.icmp.is_some_and(|i| {
                i.icmp_type == m.icmp_type && m.code.is_none_or(|c| Some(c) == i.code)
            });
        if !hit {
            return false;
        }
    }
    if let Some(m) = &rule.not_icmp {
        let hit = flow.protocol.is_icmp()
            && flow.icmp.is_some_and(|i| {
                i.icmp_type == m.icmp_type && m.code.is_none_or(|c| Some(c) == i.code)
            });
        if hit {
            return false;
        }
    }
    entity_matches(ev, &rule.source, &pkt.src, pkt, policy_ns)
        && entity_matches(ev, &rule.destination, &pkt.dst, pkt, policy_ns)
}

fn entity_matches(
    ev: &Evaluator,
    er: &EntityRule,
    end: &EndCtx<'_>,
    pkt: &PacketCtx<'_>,
    policy_ns: Option<&str>,
) -> bool {
    if !er.nets.is_empty() && !er.nets.iter().any(|n| n.contains(&end.addr)) {
        return false;
    }
    if er.not_nets.iter().any(|n| n.contains(&end.addr)) {
        return false;
    }
    let scoped = er.selector.is_some()
        || er.namespace_selector.is_some()
        || (policy_ns.is_some() && er.not_selector.is_some());
    if scoped
        && !end.entities.iter().any(|e| {
            in_scope(ev, er, e, policy_ns)
                && er.selector.as_ref().is_none_or(|s| s.matches(&e.labels))
        })
    {
        return false;
    }
    if let Some(not) = &er.not_selector
        && end.entities.iter().any(|e| not.matches(&e.labels))
    {
        return false;
    }
    if !er.ports.is_empty()
        && !end
            .port
            .is_some_and(|p| er.ports.iter().any(|s| port_matches(s, p, end, pkt)))
    {
        return false;
    }
    if let Some(p) = end.port
        && er.not_ports.iter().any(|s| port_matches(s, p, end, pkt))
    {
        return false;
    }
    true
}

/// Namespace scoping of a rule selector (Calico: an explicit
/// `namespaceSelector` picks namespaces by label, `global()` picks
/// non-namespaced entities; otherwise a NetworkPolicy looks only in its
/// own namespace and a global policy everywhere).
fn in_scope(ev: &Evaluator, er: &EntityRule, e: &Entity<'_>, policy_ns: Option<&str>) -> bool {
    match (&er.namespace_selector, policy_ns) {
        (Some(sel), _) if sel.is_global() => e.namespace.is_none(),
        (Some(sel), _) => e
            .namespace
            .is_some_and(|ns| sel.matches(&ev.namespace_labels(ns))),
        (None, Some(pns)) => e.namespace == Some(pns),
        (None, None) => true,
    }
}

fn port_matches(spec: &PortSpec, port: u16, end: &EndCtx<'_>, pkt: &PacketCtx<'_>) -> bool {
    match spec {
        PortSpec::Range { min, max } => (*min..=*max).contains(&port),
        // Named ports resolve against the endpoint at this end, for the
        // packet's protocol.
        PortSpec::Named(name) => end.endpoint.is_some_and(|ep| {
            ep.ports
                .iter()
                .any(|np| &np.name == name && np.port == port && np.protocol == pkt.flow.protocol)
        }),
    }
}
