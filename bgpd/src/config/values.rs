//! The value parsers both the session and the filter sections use, and the collector
//! that names every bad value by its field path.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

use super::community::{parse_community, parse_large_community};
use super::error::{FieldError, ValueError};

/// Collected field errors.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    /// Record a problem with `field`.
    pub fn push(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            reason: reason.into(),
        });
    }

    /// `Some(v)` on success, else record the error and `None`.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        r.map_err(|e| self.push(field, e.to_string())).ok()
    }
}

/// Parse an IPv4 address.
pub fn parse_v4(s: &str) -> Result<Ipv4Addr, ValueError> {
    s.parse().map_err(|_| ValueError::Ipv4(s.to_owned()))
}

/// Parse an IPv4 or IPv6 address.
pub fn parse_ip(s: &str) -> Result<IpAddr, ValueError> {
    s.parse().map_err(|_| ValueError::Ip(s.to_owned()))
}

/// Parse a prefix; host bits must be clear.
pub fn parse_prefix(s: &str) -> Result<IpNet, ValueError> {
    let net: IpNet = s.parse().map_err(|_| ValueError::Prefix(s.to_owned()))?;
    if net.trunc() != net {
        return Err(ValueError::HostBits {
            text: s.to_owned(),
            network: net.trunc(),
        });
    }
    Ok(net)
}

/// Parse a list of communities, naming each bad entry by index.
pub fn communities(field: &str, list: &[String], errs: &mut Errors) -> Vec<u32> {
    list.iter()
        .enumerate()
        .filter_map(|(i, c)| errs.check(&format!("{field}[{i}]"), parse_community(c)))
        .collect()
}

/// Parse a list of large communities.
pub fn large_communities(
    field: &str,
    list: &[String],
    errs: &mut Errors,
) -> Vec<crate::wire::LargeCommunity> {
    list.iter()
        .enumerate()
        .filter_map(|(i, c)| errs.check(&format!("{field}[{i}]"), parse_large_community(c)))
        .collect()
}
