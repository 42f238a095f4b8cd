//! Renders a [`SpeakerConfig`] as bgpd's configuration file: builds the file's schema
//! type (`bgpd_api::schema`, the one bgpd reads) and writes it as TOML. Deterministic:
//! the same model always gives the same bytes, so unchanged configurations are not
//! rewritten.

use crate::model::origination::Origination;
use crate::model::speaker::{NextHop, Peer, PeerKind, SpeakerConfig};
use bgpd_api::schema;
use std::net::{IpAddr, Ipv6Addr};

/// Why a model cannot become a file bgpd would accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// One peer's settings do not fit the file (a value out of range, a feature bgpd
    /// lacks).
    #[error("peer {peer}: {message}")]
    Peer { peer: String, message: String },
    /// The schema type did not serialize; names what the serializer said.
    #[error("cannot write bgpd's configuration as TOML: {0}")]
    Toml(String),
}

fn peer_error(peer: &Peer, message: impl Into<String>) -> RenderError {
    RenderError::Peer {
        peer: peer.name.clone(),
        message: message.into(),
    }
}

fn origination(o: &Origination) -> schema::OriginatedPrefix {
    let (large_communities, communities) = o
        .communities
        .iter()
        .cloned()
        .partition(|c| c.matches(':').count() == 2);
    schema::OriginatedPrefix {
        prefix: o.prefix.to_string(),
        communities,
        large_communities,
    }
}

fn seconds_u16(peer: &Peer, what: &str, d: std::time::Duration) -> Result<u16, RenderError> {
    u16::try_from(d.as_secs())
        .map_err(|_| peer_error(peer, format!("{what} of {}s exceeds 65535s", d.as_secs())))
}

fn password(p: &Peer) -> Result<(Option<String>, Option<String>), RenderError> {
    let Some(password) = &p.password else {
        return Ok((None, None));
    };
    match (&password.file, &password.env) {
        (Some(file), None) => Ok((Some(file.clone()), None)),
        (None, Some(env)) => Ok((None, Some(env.clone()))),
        _ => Err(peer_error(
            p,
            "password must name exactly one of file or env",
        )),
    }
}

fn peer(p: &Peer) -> Result<schema::Peer, RenderError> {
    if !p.filters.is_empty() {
        return Err(peer_error(
            p,
            "BGPFilter resources are not supported yet; remove spec.filters",
        ));
    }
    let (password_file, password_env) = password(p)?;
    let allowed_local_as = match p.allowed_local_as {
        Some(n) => u8::try_from(n)
            .map_err(|_| peer_error(p, format!("numAllowedLocalASNumbers {n} exceeds 255")))?,
        None => 0,
    };
    let family = if p.address.is_ipv4() {
        schema::Family::Ipv4Unicast
    } else {
        schema::Family::Ipv6Unicast
    };
    Ok(schema::Peer {
        name: p.name.clone(),
        address: p.address.to_string(),
        port: p.port,
        remote_as: p.remote_as.0,
        local_as: p.local_as.map(|a| a.0),
        passive: p.passive,
        password_file,
        password_env,
        ttl_security: p.ttl_security,
        next_hop: match p.next_hop {
            NextHop::Auto => None,
            NextHop::SelfAddress => Some(schema::NextHop::SelfAddress),
            NextHop::Keep => Some(schema::NextHop::Keep),
        },
        route_reflector_client: p.route_reflector_client,
        keepalive_time: p
            .keepalive_time
            .map(|k| seconds_u16(p, "keepaliveTime", k.0))
            .transpose()?,
        graceful_restart_time: p
            .restart_time
            .map(|r| seconds_u16(p, "restart time", r.0))
            .transpose()?,
        max_prefixes: p.max_prefixes,
        allowed_local_as,
        families: Some(vec![family]),
        kind: Some(match p.kind {
            PeerKind::Mesh => schema::PeerKind::Mesh,
            PeerKind::Global => schema::PeerKind::Global,
            PeerKind::NodeSpecific => schema::PeerKind::Node,
        }),
        ..schema::Peer::default()
    })
}

/// The file bgpd should run with.
pub fn file(config: &SpeakerConfig) -> Result<schema::BgpdConfig, RenderError> {
    // Sessions over IPv6 need a listener that accepts both families.
    let any_v6 = config.peers.iter().any(|p| p.address.is_ipv6());
    let listen = config
        .listen_address
        .or(any_v6.then_some(IpAddr::V6(Ipv6Addr::UNSPECIFIED)));
    Ok(schema::BgpdConfig {
        router_id: config.router_id.to_string(),
        asn: config.local_as.0,
        listen_address: listen.map(|a| a.to_string()),
        listen_port: Some(config.listen_port),
        cluster_id: config.cluster_id.map(|c| c.to_string()),
        originate: config.originate.iter().map(origination).collect(),
        peers: config.peers.iter().map(peer).collect::<Result<_, _>>()?,
        ..schema::BgpdConfig::default()
    })
}

/// The file's text, under a header that names the node and warns against editing.
pub fn render(config: &SpeakerConfig) -> Result<String, RenderError> {
    let body = file(config)?
        .to_toml()
        .map_err(|e| RenderError::Toml(e.to_string()))?;
    Ok(format!(
        "# bgpd configuration for node {}, rendered by confd. Do not edit: changes are overwritten.\n{body}",
        config.node
    ))
}
