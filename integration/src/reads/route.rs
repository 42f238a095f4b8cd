//! `ip -j route` output.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::Deserialize;

use super::{ParseError, parse_json};

/// One kernel route. Fields the kernel leaves out are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct KernelRoute {
    /// `default`, a prefix, or a bare address for a host route.
    pub dst: String,
    /// Route type when not unicast (`blackhole`, `local`...).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Gateway.
    pub gateway: Option<IpAddr>,
    /// Output device.
    pub dev: Option<String>,
    /// Origin (`kernel`, `boot`, `static`, `bird`, `bgp`...).
    pub protocol: Option<String>,
    /// Scope (`link`, `host`); absent means universe.
    pub scope: Option<String>,
    /// Preferred source address.
    pub prefsrc: Option<IpAddr>,
    /// Metric.
    pub metric: Option<u32>,
}

impl KernelRoute {
    /// The destination as a prefix (`default` is `0.0.0.0/0`).
    pub fn dst_net(&self) -> Option<IpNet> {
        match self.dst.as_str() {
            "default" => "0.0.0.0/0".parse().ok(),
            d => d
                .parse()
                .ok()
                .or_else(|| d.parse::<IpAddr>().ok().map(IpNet::from)),
        }
    }
}

/// Parses `ip -j route show` output.
pub fn parse(text: &str) -> Result<Vec<KernelRoute>, ParseError> {
    parse_json("ip -j route", text)
}

/// The route to exactly `dst` in `routes`, if any.
pub fn find<'a>(routes: &'a [KernelRoute], dst: &str) -> Option<&'a KernelRoute> {
    let want: Option<IpNet> = dst
        .parse()
        .ok()
        .or_else(|| dst.parse::<IpAddr>().ok().map(IpNet::from));
    routes
        .iter()
        .find(|r| r.dst == dst || (want.is_some() && r.dst_net() == want))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from `ip -j -4 route` in a lab host and an FRR ToR.
    const SAMPLE: &str = r#"[{"dst":"default","gateway":"169.254.1.1","dev":"eth0","flags":[]},
      {"dst":"169.254.1.1","dev":"eth0","scope":"link","flags":[]},
      {"type":"blackhole","dst":"10.65.100.0/26","flags":[]},
      {"dst":"10.65.200.0/26","nhid":8,"gateway":"10.204.0.2","dev":"fz-v1","protocol":"bgp","metric":20,"flags":[]},
      {"dst":"10.204.0.0/30","dev":"fz-v1","protocol":"kernel","scope":"link","prefsrc":"10.204.0.1","flags":[]}]"#;

    #[test]
    fn every_kind_of_route_parses_with_its_fields() {
        let r = parse(SAMPLE).unwrap();
        assert_eq!(r.len(), 5);
        assert_eq!(r[0].gateway, Some("169.254.1.1".parse().unwrap()));
        assert_eq!(r[1].scope.as_deref(), Some("link"));
        assert_eq!(r[2].kind.as_deref(), Some("blackhole"));
        assert_eq!(
            (r[3].protocol.as_deref(), r[3].metric),
            (Some("bgp"), Some(20))
        );
        assert_eq!(r[4].prefsrc, Some("10.204.0.1".parse().unwrap()));
    }

    #[test]
    fn find_matches_default_prefixes_and_bare_host_addresses() {
        let r = parse(SAMPLE).unwrap();
        let cases = [
            ("default", Some("default")),
            ("0.0.0.0/0", Some("default")),
            ("169.254.1.1/32", Some("169.254.1.1")),
            ("10.65.200.0/26", Some("10.65.200.0/26")),
            ("10.99.0.0/16", None),
        ];
        for (dst, want) in cases {
            assert_eq!(find(&r, dst).map(|x| x.dst.as_str()), want, "{dst}");
        }
    }

    #[test]
    fn empty_output_is_an_empty_table_and_garbage_is_an_error() {
        assert!(parse("").unwrap().is_empty());
        assert!(parse("not json").is_err());
    }
}
