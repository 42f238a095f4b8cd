//! Raw file values → [`Config`]: defaults, range checks, cross-field rules, secrets.
//! Every problem is collected (not just the first) and named by its field path.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use super::domain::{Config, Originated, Password, PeerConfig, PeerKind};
use super::error::ConfigError;
use super::filter::filter;
use super::values::{Errors, communities, large_communities, parse_ip, parse_prefix, parse_v4};
use crate::rib::NextHopMode;
use crate::wire::Afi;
use bgpd_api::schema;

/// Where passwords come from (the real file system and environment, or a test table).
pub trait Secrets {
    /// Contents of a password file.
    fn file(&self, path: &str) -> std::io::Result<Vec<u8>>;
    /// Value of an environment variable.
    fn env(&self, name: &str) -> Option<Vec<u8>>;
}

/// The process's file system and environment; relative password files are looked up in
/// `base` (the config file's directory) if given.
#[derive(Debug)]
pub struct SystemSecrets {
    /// Directory relative paths start from.
    pub base: Option<std::path::PathBuf>,
}

impl Secrets for SystemSecrets {
    fn file(&self, path: &str) -> std::io::Result<Vec<u8>> {
        match &self.base {
            Some(base) => std::fs::read(base.join(path)),
            None => std::fs::read(path),
        }
    }
    fn env(&self, name: &str) -> Option<Vec<u8>> {
        std::env::var_os(name).map(|v| v.into_encoded_bytes())
    }
}

const DEFAULT_HOLD: u16 = 90;
const DEFAULT_CONNECT_RETRY: u32 = 5;
const DEFAULT_GR_TIME: u16 = 120;
const MAX_GR_TIME: u16 = 4095;

/// Convert the whole file.
pub fn config(raw: schema::BgpdConfig, secrets: &dyn Secrets) -> Result<Config, ConfigError> {
    let mut errs = Errors::default();
    let router_id = errs.check("router_id", parse_v4(&raw.router_id));
    if raw.asn == 0 || raw.asn == u32::MAX {
        errs.push("asn", format!("{} is a reserved AS number", raw.asn));
    }
    let listen_ip = match &raw.listen_address {
        None => Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        Some(a) => errs.check("listen_address", parse_ip(a)),
    };
    let cluster_id = raw
        .cluster_id
        .as_deref()
        .and_then(|c| errs.check("cluster_id", parse_v4(c)));
    let max_paths = usize::from(raw.max_paths.unwrap_or(4));
    if max_paths == 0 {
        errs.push("max_paths", "must be at least 1");
    }
    let gr_time = raw.graceful_restart_time.unwrap_or(DEFAULT_GR_TIME);
    check_gr("graceful_restart_time", gr_time, &mut errs);
    let originate = raw
        .originate
        .iter()
        .enumerate()
        .filter_map(|(i, o)| originated(&format!("originate[{i}]"), o, &mut errs))
        .collect();
    let peers: Vec<PeerConfig> = raw
        .peers
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let ctx = PeerCtx {
                field: format!("peers[{i}]"),
                asn: raw.asn,
                gr_time,
                cluster_id,
                secrets,
            };
            peer(&ctx, p, &mut errs)
        })
        .collect();
    unique_peers(&peers, &mut errs);
    match (errs.0.is_empty(), router_id, listen_ip) {
        (true, Some(router_id), Some(ip)) => Ok(Config {
            router_id,
            asn: raw.asn,
            listen: SocketAddr::new(ip, raw.listen_port.unwrap_or(179)),
            cluster_id,
            max_paths,
            originate,
            peers,
        }),
        _ => Err(ConfigError::Invalid(errs.0)),
    }
}

fn unique_peers(peers: &[PeerConfig], errs: &mut Errors) {
    for (i, p) in peers.iter().enumerate() {
        if peers[..i].iter().any(|q| q.address == p.address) {
            errs.push(
                format!("peers[{i}].address"),
                format!("{} is listed twice", p.address),
            );
        }
        if peers[..i].iter().any(|q| q.name == p.name) {
            errs.push(
                format!("peers[{i}].name"),
                format!("{:?} is used twice", p.name),
            );
        }
    }
}

fn check_gr(field: &str, secs: u16, errs: &mut Errors) {
    if secs > MAX_GR_TIME {
        errs.push(
            field,
            format!("{secs} is above the 12-bit maximum {MAX_GR_TIME}"),
        );
    }
}

fn originated(field: &str, o: &schema::OriginatedPrefix, errs: &mut Errors) -> Option<Originated> {
    let prefix = errs.check(&format!("{field}.prefix"), parse_prefix(&o.prefix));
    let communities = communities(&format!("{field}.communities"), &o.communities, errs);
    let large = large_communities(
        &format!("{field}.large_communities"),
        &o.large_communities,
        errs,
    );
    Some(Originated {
        prefix: prefix?,
        communities,
        large_communities: large,
    })
}

/// What a peer's conversion needs from the global section.
struct PeerCtx<'a> {
    field: String,
    asn: u32,
    gr_time: u16,
    cluster_id: Option<Ipv4Addr>,
    secrets: &'a dyn Secrets,
}

impl PeerCtx<'_> {
    fn f(&self, name: &str) -> String {
        format!("{}.{name}", self.field)
    }
}

fn peer(ctx: &PeerCtx<'_>, p: &schema::Peer, errs: &mut Errors) -> Option<PeerConfig> {
    let f = |n: &str| ctx.f(n);
    if p.name.is_empty() {
        errs.push(f("name"), "must not be empty");
    }
    let address = errs.check(&f("address"), parse_ip(&p.address));
    for (name, v) in [("remote_as", Some(p.remote_as)), ("local_as", p.local_as)] {
        if matches!(v, Some(0 | u32::MAX)) {
            errs.push(f(name), "0 and 4294967295 are reserved AS numbers");
        }
    }
    let local_as = p.local_as.unwrap_or(ctx.asn);
    let ebgp = local_as != p.remote_as;
    let password = password(ctx, p, errs);
    if let Some(h) = p.ttl_security
        && !(1..=254).contains(&h)
    {
        errs.push(f("ttl_security"), format!("{h} hops is outside 1..=254"));
    }
    if p.route_reflector_client && ctx.cluster_id.is_none() {
        errs.push(f("route_reflector_client"), "needs the global cluster_id");
    }
    if p.route_reflector_client && ebgp {
        errs.push(
            f("route_reflector_client"),
            "only iBGP peers can be clients",
        );
    }
    let (hold_time, keepalive_time) = timers(ctx, p, errs);
    let connect_retry_time = p.connect_retry_time.unwrap_or(DEFAULT_CONNECT_RETRY);
    if connect_retry_time == 0 {
        errs.push(f("connect_retry_time"), "must be at least 1 second");
    }
    let gr = p.graceful_restart_time.unwrap_or(ctx.gr_time);
    check_gr(&f("graceful_restart_time"), gr, errs);
    let families = families(&f("families"), p.families.as_deref(), errs);
    let import = p.import.as_ref().map(|r| filter(&f("import"), r, errs));
    let export = p.export.as_ref().map(|r| filter(&f("export"), r, errs));
    Some(PeerConfig {
        name: p.name.clone(),
        address: address?,
        port: p.port.unwrap_or(179),
        remote_as: p.remote_as,
        local_as,
        passive: p.passive,
        password,
        ttl_security: p.ttl_security,
        next_hop: match p.next_hop.unwrap_or(schema::NextHop::Auto) {
            schema::NextHop::SelfAddress => NextHopMode::SelfAddress,
            schema::NextHop::Keep => NextHopMode::Keep,
            schema::NextHop::Auto if ebgp => NextHopMode::SelfAddress,
            schema::NextHop::Auto => NextHopMode::Keep,
        },
        rr_client: p.route_reflector_client,
        hold_time,
        keepalive_time,
        connect_retry_time,
        graceful_restart_time: (gr > 0).then_some(gr),
        max_prefixes: p.max_prefixes,
        allowed_local_as: p.allowed_local_as,
        families,
        kind: match p.kind.unwrap_or(schema::PeerKind::Global) {
            schema::PeerKind::Mesh => PeerKind::Mesh,
            schema::PeerKind::Global => PeerKind::Global,
            schema::PeerKind::Node => PeerKind::Node,
        },
        import: import.flatten().unwrap_or_default(),
        export: export.flatten().unwrap_or_default(),
    })
}

fn timers(ctx: &PeerCtx<'_>, p: &schema::Peer, errs: &mut Errors) -> (u16, Option<u16>) {
    let hold = p.hold_time.unwrap_or(DEFAULT_HOLD);
    if hold == 1 || hold == 2 {
        errs.push(
            ctx.f("hold_time"),
            format!("{hold} is not allowed: 0 or at least 3"),
        );
    }
    if let Some(k) = p.keepalive_time {
        if k == 0 {
            errs.push(ctx.f("keepalive_time"), "must be at least 1 second");
        } else if hold != 0 && k >= hold {
            errs.push(
                ctx.f("keepalive_time"),
                format!("{k} is not below the hold time {hold}"),
            );
        }
    }
    (hold, p.keepalive_time)
}

fn families(field: &str, list: Option<&[schema::Family]>, errs: &mut Errors) -> Vec<Afi> {
    let Some(list) = list else {
        return vec![Afi::Ipv4, Afi::Ipv6];
    };
    if list.is_empty() {
        errs.push(field, "at least one family is needed");
    }
    let mut out: Vec<Afi> = list
        .iter()
        .map(|f| match f {
            schema::Family::Ipv4Unicast => Afi::Ipv4,
            schema::Family::Ipv6Unicast => Afi::Ipv6,
        })
        .collect();
    out.dedup();
    out
}

fn password(ctx: &PeerCtx<'_>, p: &schema::Peer, errs: &mut Errors) -> Option<Password> {
    let secret = match (&p.password_file, &p.password_env) {
        (None, None) => return None,
        (Some(_), Some(_)) => {
            errs.push(
                ctx.f("password_env"),
                "give password_file or password_env, not both",
            );
            return None;
        }
        (Some(path), None) => match ctx.secrets.file(path) {
            Ok(mut s) => {
                while s.last().is_some_and(|c| *c == b'\n' || *c == b'\r') {
                    s.pop();
                }
                (ctx.f("password_file"), s)
            }
            Err(e) => {
                errs.push(ctx.f("password_file"), format!("cannot read {path:?}: {e}"));
                return None;
            }
        },
        (None, Some(var)) => match ctx.secrets.env(var) {
            Some(s) => (ctx.f("password_env"), s),
            None => {
                errs.push(
                    ctx.f("password_env"),
                    format!("variable {var:?} is not set"),
                );
                return None;
            }
        },
    };
    let (field, secret) = secret;
    // TCP_MD5SIG_MAXKEYLEN is 80 octets.
    if secret.is_empty() || secret.len() > 80 {
        errs.push(
            field,
            format!(
                "the password must be 1..=80 octets, it has {}",
                secret.len()
            ),
        );
        return None;
    }
    Some(Password::new(secret))
}
