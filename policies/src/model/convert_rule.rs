//! Raw rule → validated [`Rule`], with Calico's checks.

use ipnet::IpNet;

use super::ports::PortSpec;
use super::protocol::Protocol;
use super::rule::{Action, EntityRule, IcmpMatch, IpVersion, Rule};
use crate::raw::{NumOrString, RawEntityRule, RawIcmp, RawRule};
use crate::selector::Selector;
use crate::validate::{FieldPath, ValidationErrors};

/// Upper bounds on list lengths, so one document cannot ask the dataplane
/// for unbounded work.
pub mod limits {
    /// Rules per direction of a policy or profile.
    pub const MAX_RULES: usize = 1000;
    /// Entries in `nets`/`notNets` of one entity rule, or of a network set.
    pub const MAX_NETS: usize = 1024;
    /// Entries in `ports`/`notPorts` of one entity rule.
    pub const MAX_PORTS: usize = 1024;
}

/// Converts a rule list, checking its length.
pub(crate) fn convert_rules(
    raw: &[RawRule],
    path: &FieldPath,
    errs: &mut ValidationErrors,
) -> Vec<Rule> {
    if raw.len() > limits::MAX_RULES {
        errs.push(
            path,
            format!(
                "at most {} rules are allowed, found {}",
                limits::MAX_RULES,
                raw.len()
            ),
        );
    }
    raw.iter()
        .enumerate()
        .filter_map(|(i, r)| convert_rule(r, &path.index(i), errs))
        .collect()
}

fn convert_rule(raw: &RawRule, path: &FieldPath, errs: &mut ValidationErrors) -> Option<Rule> {
    let before = errs.0.len();
    let action = parse_action(&raw.action, &path.field("action"), errs);
    if raw.http.is_some() {
        errs.push(
            &path.field("http"),
            "HTTP (application-layer) matches are not supported by terrace",
        );
    }
    let protocol = raw
        .protocol
        .as_ref()
        .and_then(|p| parse_protocol(p, &path.field("protocol"), errs));
    let not_protocol = raw
        .not_protocol
        .as_ref()
        .and_then(|p| parse_protocol(p, &path.field("notProtocol"), errs));
    let ip_version = parse_ip_version(raw.ip_version, &path.field("ipVersion"), errs);
    let icmp = raw
        .icmp
        .as_ref()
        .and_then(|i| parse_icmp(i, &path.field("icmp"), errs));
    let not_icmp = raw
        .not_icmp
        .as_ref()
        .and_then(|i| parse_icmp(i, &path.field("notICMP"), errs));
    check_icmp_protocol(raw, protocol, ip_version, path, errs);
    let source = entity(&raw.source, &path.field("source"), errs);
    let destination = entity(&raw.destination, &path.field("destination"), errs);
    check_ports_need_protocol(raw, protocol, path, errs);
    check_ip_versions(&source, &destination, ip_version, path, errs);
    if errs.0.len() != before {
        return None;
    }
    Some(Rule {
        action: action?,
        protocol,
        not_protocol,
        icmp,
        not_icmp,
        ip_version,
        source,
        destination,
    })
}

fn parse_action(action: &str, path: &FieldPath, errs: &mut ValidationErrors) -> Option<Action> {
    match action {
        "Allow" => Some(Action::Allow),
        "Deny" => Some(Action::Deny),
        "Log" => Some(Action::Log),
        "Pass" => Some(Action::Pass),
        "" => {
            errs.push(path, "action is required (Allow, Deny, Log or Pass)");
            None
        }
        other => {
            errs.push(
                path,
                format!("unknown action {other:?}: expected Allow, Deny, Log or Pass"),
            );
            None
        }
    }
}

fn parse_ip_version(
    v: Option<i64>,
    path: &FieldPath,
    errs: &mut ValidationErrors,
) -> Option<IpVersion> {
    match v {
        None => None,
        Some(4) => Some(IpVersion::V4),
        Some(6) => Some(IpVersion::V6),
        Some(v) => {
            errs.push(path, format!("ipVersion must be 4 or 6, not {v}"));
            None
        }
    }
}

fn parse_protocol(
    p: &NumOrString,
    path: &FieldPath,
    errs: &mut ValidationErrors,
) -> Option<Protocol> {
    let parsed = match p {
        NumOrString::Num(n) => u8::try_from(*n).ok().filter(|n| *n > 0).map(Protocol),
        NumOrString::Str(s) => Protocol::parse(s),
    };
    if parsed.is_none() {
        errs.push(
            path,
            format!(
                "unknown protocol {p:?}: expected TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a number 1-255"
            ),
        );
    }
    parsed
}

fn parse_icmp(raw: &RawIcmp, path: &FieldPath, errs: &mut ValidationErrors) -> Option<IcmpMatch> {
    let icmp_type = match raw.icmp_type {
        Some(t) => match u8::try_from(t).ok().filter(|t| *t <= 254) {
            Some(t) => Some(t),
            None => {
                errs.push(
                    &path.field("type"),
                    format!("ICMP type must be 0-254, not {t}"),
                );
                return None;
            }
        },
        None => None,
    };
    let code = match raw.code {
        Some(c) => match u8::try_from(c) {
            Ok(c) => Some(c),
            Err(_) => {
                errs.push(
                    &path.field("code"),
                    format!("ICMP code must be 0-255, not {c}"),
                );
                return None;
            }
        },
        None => None,
    };
    match icmp_type {
        Some(icmp_type) => Some(IcmpMatch { icmp_type, code }),
        None if code.is_some() => {
            errs.push(
                &path.field("code"),
                "ICMP code specified without an ICMP type",
            );
            None
        }
        None => None,
    }
}

/// ICMP fields need `protocol: ICMP` or `ICMPv6`, consistent with `ipVersion`.
fn check_icmp_protocol(
    raw: &RawRule,
    protocol: Option<Protocol>,
    ip_version: Option<IpVersion>,
    path: &FieldPath,
    errs: &mut ValidationErrors,
) {
    for (present, field) in [
        (raw.icmp.is_some(), "icmp"),
        (raw.not_icmp.is_some(), "notICMP"),
    ] {
        if !present {
            continue;
        }
        match protocol {
            Some(p) if p.is_icmp() => {}
            _ => errs.push(
                &path.field(field),
                format!("{field} needs protocol ICMP or ICMPv6"),
            ),
        }
    }
    match (protocol, ip_version) {
        (Some(Protocol::ICMP), Some(IpVersion::V6)) => errs.push(
            &path.field("protocol"),
            "protocol ICMP does not match ipVersion 6 (use ICMPv6)",
        ),
        (Some(Protocol::ICMPV6), Some(IpVersion::V4)) => errs.push(
            &path.field("protocol"),
            "protocol ICMPv6 does not match ipVersion 4 (use ICMP)",
        ),
        _ => {}
    }
}

/// Numeric ports need a port-carrying protocol; a protocol without ports
/// allows no ports at all (named ones included), as in Calico.
fn check_ports_need_protocol(
    raw: &RawRule,
    protocol: Option<Protocol>,
    path: &FieldPath,
    errs: &mut ValidationErrors,
) {
    for (side, ent) in [("source", &raw.source), ("destination", &raw.destination)] {
        for (field, list) in [("ports", &ent.ports), ("notPorts", &ent.not_ports)] {
            let numeric = list.iter().any(|p| match p {
                NumOrString::Num(_) => true,
                NumOrString::Str(s) => PortSpec::parse(s).is_ok_and(|p| p.is_numeric()),
            });
            let p = path.field(side).field(field);
            match protocol {
                None if numeric => {
                    errs.push(&p, "numeric ports need protocol TCP, UDP, SCTP or UDPLite")
                }
                Some(proto) if !proto.has_ports() && !list.is_empty() => {
                    errs.push(&p, format!("protocol {proto} does not support ports"))
                }
                _ => {}
            }
        }
    }
}

/// A rule may not mix IPv4 and IPv6 CIDRs, nor contradict `ipVersion`.
fn check_ip_versions(
    src: &EntityRule,
    dst: &EntityRule,
    ip_version: Option<IpVersion>,
    path: &FieldPath,
    errs: &mut ValidationErrors,
) {
    let fields = [
        ("source.nets", &src.nets),
        ("source.notNets", &src.not_nets),
        ("destination.nets", &dst.nets),
        ("destination.notNets", &dst.not_nets),
    ];
    let mut seen: Option<IpVersion> = ip_version;
    for (name, nets) in fields {
        for (i, net) in nets.iter().enumerate() {
            let v = if net.addr().is_ipv4() {
                IpVersion::V4
            } else {
                IpVersion::V6
            };
            let field_path = FieldPath::root(&format!("{path}.{name}")).index(i);
            match seen {
                Some(s) if s != v && ip_version.is_some() => errs.push(
                    &field_path,
                    "CIDR version does not match the rule's ipVersion",
                ),
                Some(s) if s != v => {
                    errs.push(&field_path, "rule contains both IPv4 and IPv6 CIDRs")
                }
                _ => seen = Some(v),
            }
        }
    }
}

fn entity(raw: &RawEntityRule, path: &FieldPath, errs: &mut ValidationErrors) -> EntityRule {
    if raw.service_accounts.is_some() {
        errs.push(
            &path.field("serviceAccounts"),
            "service-account matches are not supported by terrace",
        );
    }
    if raw.services.is_some() {
        errs.push(
            &path.field("services"),
            "Kubernetes service matches are not supported by terrace",
        );
    }
    let selector = rule_selector(raw.selector.as_deref(), &path.field("selector"), errs);
    let not_selector = rule_selector(
        raw.not_selector.as_deref(),
        &path.field("notSelector"),
        errs,
    );
    let namespace_selector = raw.namespace_selector.as_deref().and_then(|text| {
        let p = path.field("namespaceSelector");
        let sel = parse_selector(text, &p, errs)?;
        if sel.mentions_global() && !sel.is_global() {
            errs.push(&p, "global() must be the whole namespaceSelector");
            return None;
        }
        Some(sel)
    });
    EntityRule {
        nets: nets(&raw.nets, &path.field("nets"), errs, false),
        not_nets: nets(&raw.not_nets, &path.field("notNets"), errs, true),
        selector,
        not_selector,
        namespace_selector,
        ports: ports(&raw.ports, &path.field("ports"), errs),
        not_ports: ports(&raw.not_ports, &path.field("notPorts"), errs),
    }
}

/// Parses a selector, recording a parse error at `path`.
pub(crate) fn parse_selector(
    text: &str,
    path: &FieldPath,
    errs: &mut ValidationErrors,
) -> Option<Selector> {
    match Selector::parse(text) {
        Ok(s) => Some(s),
        Err(e) => {
            errs.push(path, format!("invalid selector {text:?}: {e}"));
            None
        }
    }
}

/// A selector that may not use `global()` (everything but namespaceSelector).
pub(crate) fn rule_selector(
    text: Option<&str>,
    path: &FieldPath,
    errs: &mut ValidationErrors,
) -> Option<Selector> {
    let sel = parse_selector(text?, path, errs)?;
    if sel.mentions_global() {
        errs.push(
            path,
            "global() can only be used as a whole namespaceSelector",
        );
        return None;
    }
    Some(sel)
}

/// Parses CIDRs or bare addresses (a bare address is a /32 or /128).
pub(crate) fn nets(
    raw: &[String],
    path: &FieldPath,
    errs: &mut ValidationErrors,
    negated: bool,
) -> Vec<IpNet> {
    if raw.len() > limits::MAX_NETS {
        errs.push(
            path,
            format!(
                "at most {} entries are allowed, found {}",
                limits::MAX_NETS,
                raw.len()
            ),
        );
    }
    let mut out = Vec::new();
    for (i, text) in raw.iter().enumerate() {
        let parsed = text
            .parse::<IpNet>()
            .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from));
        match parsed {
            Ok(net) if negated && net.prefix_len() == 0 => errs.push(
                &path.index(i),
                format!("{text} in a negated match would match no traffic at all"),
            ),
            // Calico masks host bits off (10.0.0.1/8 means 10.0.0.0/8).
            Ok(net) => out.push(net.trunc()),
            Err(_) => errs.push(
                &path.index(i),
                format!("{text:?} is not a valid CIDR or IP address"),
            ),
        }
    }
    out
}

fn ports(raw: &[NumOrString], path: &FieldPath, errs: &mut ValidationErrors) -> Vec<PortSpec> {
    if raw.len() > limits::MAX_PORTS {
        errs.push(
            path,
            format!(
                "at most {} entries are allowed, found {}",
                limits::MAX_PORTS,
                raw.len()
            ),
        );
    }
    let mut out = Vec::new();
    for (i, p) in raw.iter().enumerate() {
        let parsed = match p {
            NumOrString::Num(n) => PortSpec::from_number(*n),
            NumOrString::Str(s) => PortSpec::parse(s),
        };
        match parsed {
            Ok(spec) => out.push(spec),
            Err(e) => errs.push(&path.index(i), e.to_string()),
        }
    }
    out
}
