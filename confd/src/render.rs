//! Renders a [`SpeakerConfig`] as bgpd's TOML file (schema: bgpd/src/config/raw.rs,
//! example: bgpd/examples/bgpd.toml). Deterministic: the same model always
//! gives the same bytes, so unchanged configurations are not rewritten.

use crate::model::origination::Origination;
use crate::model::speaker::{NextHop, Peer, PeerKind, SpeakerConfig};
use std::net::IpAddr;
use toml::{Table, Value};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("peer {peer}: {message}")]
    Peer { peer: String, message: String },
}

fn peer_error(peer: &Peer, message: impl Into<String>) -> RenderError {
    RenderError::Peer {
        peer: peer.name.clone(),
        message: message.into(),
    }
}

fn int(v: impl Into<i64>) -> Value {
    Value::Integer(v.into())
}

fn string(v: impl ToString) -> Value {
    Value::String(v.to_string())
}

fn strings(values: impl IntoIterator<Item = String>) -> Value {
    Value::Array(values.into_iter().map(Value::String).collect())
}

fn origination(o: &Origination) -> Value {
    let mut t = Table::new();
    t.insert("prefix".into(), string(o.prefix));
    let (large, standard): (Vec<String>, Vec<String>) = o
        .communities
        .iter()
        .cloned()
        .partition(|c| c.matches(':').count() == 2);
    if !standard.is_empty() {
        t.insert("communities".into(), strings(standard));
    }
    if !large.is_empty() {
        t.insert("large_communities".into(), strings(large));
    }
    Value::Table(t)
}

fn seconds_u16(peer: &Peer, what: &str, d: std::time::Duration) -> Result<Value, RenderError> {
    u16::try_from(d.as_secs())
        .map(int)
        .map_err(|_| peer_error(peer, format!("{what} of {}s exceeds 65535s", d.as_secs())))
}

fn peer(p: &Peer) -> Result<Value, RenderError> {
    let mut t = Table::new();
    t.insert("name".into(), string(&p.name));
    t.insert("address".into(), string(p.address));
    if let Some(port) = p.port {
        t.insert("port".into(), int(port));
    }
    t.insert("remote_as".into(), int(p.remote_as.0));
    if let Some(local) = p.local_as {
        t.insert("local_as".into(), int(local.0));
    }
    if p.passive {
        t.insert("passive".into(), Value::Boolean(true));
    }
    if let Some(password) = &p.password {
        match (&password.file, &password.env) {
            (Some(file), None) => t.insert("password_file".into(), string(file)),
            (None, Some(env)) => t.insert("password_env".into(), string(env)),
            _ => {
                return Err(peer_error(
                    p,
                    "password must name exactly one of file or env",
                ));
            }
        };
    }
    if let Some(hops) = p.ttl_security {
        t.insert("ttl_security".into(), int(hops));
    }
    let next_hop = match p.next_hop {
        NextHop::Auto => None,
        NextHop::SelfAddress => Some("self"),
        NextHop::Keep => Some("keep"),
    };
    if let Some(nh) = next_hop {
        t.insert("next_hop".into(), string(nh));
    }
    if p.route_reflector_client {
        t.insert("route_reflector_client".into(), Value::Boolean(true));
    }
    if let Some(k) = p.keepalive_time {
        t.insert(
            "keepalive_time".into(),
            seconds_u16(p, "keepaliveTime", k.0)?,
        );
    }
    if let Some(r) = p.restart_time {
        t.insert(
            "graceful_restart_time".into(),
            seconds_u16(p, "restart time", r.0)?,
        );
    }
    if let Some(max) = p.max_prefixes {
        t.insert("max_prefixes".into(), int(max));
    }
    if let Some(n) = p.allowed_local_as {
        let n = u8::try_from(n)
            .map_err(|_| peer_error(p, format!("numAllowedLocalASNumbers {n} exceeds 255")))?;
        t.insert("allowed_local_as".into(), int(n));
    }
    if !p.filters.is_empty() {
        return Err(peer_error(
            p,
            "BGPFilter resources are not supported yet; remove spec.filters",
        ));
    }
    let family = if p.address.is_ipv4() {
        "ipv4-unicast"
    } else {
        "ipv6-unicast"
    };
    t.insert("families".into(), strings([family.to_string()]));
    let kind = match p.kind {
        PeerKind::Mesh => "mesh",
        PeerKind::Global => "global",
        PeerKind::NodeSpecific => "node",
    };
    t.insert("kind".into(), string(kind));
    Ok(Value::Table(t))
}

/// The file's text.
pub fn render(config: &SpeakerConfig) -> Result<String, RenderError> {
    let mut t = Table::new();
    t.insert("router_id".into(), string(config.router_id));
    t.insert("asn".into(), int(config.local_as.0));
    // Sessions over IPv6 need a listener that accepts both families.
    let any_v6 = config.peers.iter().any(|p| p.address.is_ipv6());
    let listen = config
        .listen_address
        .or(any_v6.then_some(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)));
    if let Some(address) = listen {
        t.insert("listen_address".into(), string(address));
    }
    t.insert("listen_port".into(), int(config.listen_port));
    if let Some(cluster) = config.cluster_id {
        t.insert("cluster_id".into(), string(cluster));
    }
    t.insert(
        "originate".into(),
        Value::Array(config.originate.iter().map(origination).collect()),
    );
    t.insert(
        "peers".into(),
        Value::Array(config.peers.iter().map(peer).collect::<Result<_, _>>()?),
    );
    let header = format!(
        "# bgpd configuration for node {}, rendered by confd. Do not edit: changes are overwritten.\n",
        config.node
    );
    // A table of strings, integers, booleans and arrays always serializes.
    Ok(header + &toml::to_string(&t).expect("a TOML table of plain values serializes"))
}
