//! Reads this host's addresses and routes from the kernel (through iproute2's
//! JSON output) for address autodetection.

use super::autodetect::HostAddress;
use ipnet::IpNet;
use serde::Deserialize;
use std::net::IpAddr;

/// Why the host's addresses or routes could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// iproute2's `ip` could not be started.
    #[error("cannot run ip: {0}")]
    Spawn(std::io::Error),
    /// `ip` ran and failed.
    #[error("ip {args}: {stderr}")]
    Failed {
        /// The arguments after `-j`.
        args: String,
        /// What it printed.
        stderr: String,
    },
    /// `ip -j` printed something that is not the JSON expected.
    #[error("unexpected ip -j {what} output: {error}")]
    Output {
        /// `addr` or `route`.
        what: &'static str,
        /// What the JSON decoder said.
        error: serde_json::Error,
    },
}

#[derive(Debug, Deserialize)]
struct Link {
    ifname: String,
    #[serde(default)]
    addr_info: Vec<AddrInfo>,
}

#[derive(Debug, Deserialize)]
struct AddrInfo {
    local: IpAddr,
    prefixlen: u8,
}

#[derive(Debug, Deserialize)]
struct RouteGet {
    prefsrc: Option<IpAddr>,
}

async fn ip_json(args: &[&str]) -> Result<Vec<u8>, HostError> {
    let out = tokio::process::Command::new("ip")
        .arg("-j")
        .args(args)
        .output()
        .await
        .map_err(HostError::Spawn)?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(HostError::Failed {
            args: args.join(" "),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

/// Parses `ip -j addr show` output.
pub fn parse_addresses(json: &[u8]) -> Result<Vec<HostAddress>, HostError> {
    let links: Vec<Link> = serde_json::from_slice(json).map_err(|error| HostError::Output {
        what: "addr",
        error,
    })?;
    Ok(links
        .into_iter()
        .flat_map(|l| {
            let ifname = l.ifname;
            l.addr_info.into_iter().filter_map(move |a| {
                IpNet::new(a.local, a.prefixlen)
                    .ok()
                    .map(|address| HostAddress {
                        interface: ifname.clone(),
                        address,
                    })
            })
        })
        .collect())
}

/// Every address of every interface.
pub async fn addresses() -> Result<Vec<HostAddress>, HostError> {
    parse_addresses(&ip_json(&["addr", "show"]).await?)
}

/// The source address the kernel would use towards `dest`.
pub async fn source_towards(dest: IpAddr) -> Result<Option<IpAddr>, HostError> {
    let json = ip_json(&["route", "get", &dest.to_string()]).await?;
    let routes: Vec<RouteGet> =
        serde_json::from_slice(&json).map_err(|error| HostError::Output {
            what: "route",
            error,
        })?;
    Ok(routes.into_iter().find_map(|r| r.prefsrc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_iproute2_json() {
        let json = br#"[{"ifindex":1,"ifname":"lo","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},
            {"ifindex":2,"ifname":"eth0","addr_info":[{"family":"inet","local":"192.0.2.11","prefixlen":24},{"family":"inet6","local":"fe80::1","prefixlen":64}]},
            {"ifindex":3,"ifname":"down0"}]"#;
        let got: Vec<String> = parse_addresses(json)
            .unwrap()
            .iter()
            .map(|a| format!("{} {}", a.interface, a.address))
            .collect();
        assert_eq!(
            got,
            ["lo 127.0.0.1/8", "eth0 192.0.2.11/24", "eth0 fe80::1/64"]
        );
        assert!(parse_addresses(b"not json").is_err());
    }
}
