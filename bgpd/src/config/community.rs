//! Community notation: `65000:100` or a well-known name (RFC 1997), and large
//! communities `global:local1:local2` (RFC 8092).

use super::error::ValueError;
use crate::wire::LargeCommunity;
use crate::wire::attrs::{NO_ADVERTISE, NO_EXPORT, NO_EXPORT_SUBCONFED};

/// `asn:value` (each 0..=65535) or `no-export`, `no-advertise`, `no-export-subconfed`.
pub fn parse_community(s: &str) -> Result<u32, ValueError> {
    match s {
        "no-export" => return Ok(NO_EXPORT),
        "no-advertise" => return Ok(NO_ADVERTISE),
        "no-export-subconfed" => return Ok(NO_EXPORT_SUBCONFED),
        _ => {}
    }
    let parts = numbers::<u16>(s, 2).ok_or_else(|| ValueError::Community(s.to_owned()))?;
    Ok((u32::from(parts[0]) << 16) | u32::from(parts[1]))
}

/// `global:local1:local2`, three 32-bit numbers.
pub fn parse_large_community(s: &str) -> Result<LargeCommunity, ValueError> {
    let p = numbers::<u32>(s, 3).ok_or_else(|| ValueError::LargeCommunity(s.to_owned()))?;
    Ok(LargeCommunity(p[0], p[1], p[2]))
}

fn numbers<T: std::str::FromStr>(s: &str, n: usize) -> Option<Vec<T>> {
    let parts: Vec<T> = s
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    (parts.len() == n).then_some(parts)
}
