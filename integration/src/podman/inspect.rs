//! What `podman inspect --format json` and `podman ps --format json` say
//! about containers, parsed into the few fields labs use. Pure.

use std::net::IpAddr;
use std::path::PathBuf;

use serde_json::Value;

use super::PodmanError;

/// A container as `podman inspect` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspected {
    /// The full container ID (64 hex digits).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its main process, 0 when it is not running.
    pub pid: u32,
    /// Its network namespace (`NetworkSettings.SandboxKey`), empty without one.
    pub netns: PathBuf,
    /// The address each attached network gave it, by network name.
    pub addresses: Vec<(String, IpAddr)>,
}

/// One line of `podman ps`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The full container ID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `running`, `exited`, ...
    pub state: String,
    /// Networks it is attached to.
    pub networks: Vec<String>,
}

fn bad(what: &str, out: &str) -> PodmanError {
    PodmanError::Output(format!("{what}: {}", out.trim()))
}

fn str_field(v: &Value, path: &[&str]) -> Option<String> {
    path.iter()
        .try_fold(v, |v, k| v.get(k))?
        .as_str()
        .map(str::to_owned)
}

/// Parses `podman inspect --format json` (an array) of one container.
pub fn parse_inspect(out: &str) -> Result<Inspected, PodmanError> {
    let v: Value = serde_json::from_str(out).map_err(|_| bad("inspect printed no JSON", out))?;
    let c = v
        .as_array()
        .and_then(|a| a.first())
        .ok_or_else(|| bad("inspect printed no container", out))?;
    let id = str_field(c, &["Id"]).ok_or_else(|| bad("inspect gave no Id", out))?;
    let name = str_field(c, &["Name"]).unwrap_or_default();
    let pid = c["State"]["Pid"]
        .as_u64()
        .and_then(|p| u32::try_from(p).ok())
        .unwrap_or(0);
    let netns = str_field(c, &["NetworkSettings", "SandboxKey"])
        .unwrap_or_default()
        .into();
    let mut addresses = Vec::new();
    if let Some(nets) = c["NetworkSettings"]["Networks"].as_object() {
        for (net, settings) in nets {
            let Some(ip) = settings["IPAddress"].as_str().filter(|s| !s.is_empty()) else {
                continue;
            };
            let ip = ip
                .parse()
                .map_err(|_| bad(&format!("network {net} has a bad IPAddress"), out))?;
            addresses.push((net.clone(), ip));
        }
    }
    Ok(Inspected {
        id,
        name,
        pid,
        netns,
        addresses,
    })
}

/// Parses `podman ps --format json` (an array, possibly empty).
pub fn parse_ps(out: &str) -> Result<Vec<Listed>, PodmanError> {
    let v: Value = serde_json::from_str(out).map_err(|_| bad("ps printed no JSON", out))?;
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect()
    };
    v.as_array()
        .ok_or_else(|| bad("ps printed no list", out))?
        .iter()
        .map(|c| {
            Ok(Listed {
                id: str_field(c, &["Id"]).ok_or_else(|| bad("ps gave no Id", out))?,
                name: strings(&c["Names"]).into_iter().next().unwrap_or_default(),
                state: str_field(c, &["State"]).unwrap_or_default(),
                networks: strings(&c["Networks"]),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Trimmed from podman 4.3.1 with the CNI backend.
    const INSPECT: &str = r#"[{"Id": "f3742248dcbad83c97bca3fe4a39cd118461487f2b2bace40e2ca07792308381",
        "Name": "web", "State": {"Pid": 21684, "Status": "running"},
        "NetworkSettings": {"SandboxKey": "/run/netns/netns-e2fee0ef-bcca-4a74-3900-0b0d0b0202ad",
          "Networks": {"shop-frontend": {"Gateway": "169.254.1.1", "IPAddress": "10.65.0.2",
            "IPPrefixLen": 32, "MacAddress": "2e:09:3c:90:25:6b"}}}}]"#;

    const PS: &str = r#"[{"Command": ["httpd", "-f", "-p", "80"], "Id": "f374", "Image": "",
        "Names": ["web"], "Networks": ["shop-frontend"], "Pid": 21684, "State": "running"}]"#;

    #[test]
    fn inspect_gives_id_pid_netns_and_the_address_per_network() {
        let c = parse_inspect(INSPECT).unwrap();
        assert_eq!(c.id.len(), 64);
        assert_eq!(c.name, "web");
        assert_eq!(c.pid, 21684);
        assert_eq!(
            c.netns,
            PathBuf::from("/run/netns/netns-e2fee0ef-bcca-4a74-3900-0b0d0b0202ad")
        );
        assert_eq!(
            c.addresses,
            vec![("shop-frontend".to_owned(), "10.65.0.2".parse().unwrap())]
        );
    }

    #[test]
    fn inspect_errors_name_what_is_missing() {
        for (out, want) in [
            ("Error: no such container", "no JSON"),
            ("[]", "no container"),
            (r#"[{"Name": "x"}]"#, "no Id"),
            (
                r#"[{"Id": "a", "NetworkSettings": {"Networks": {"n": {"IPAddress": "x"}}}}]"#,
                "network n has a bad IPAddress",
            ),
        ] {
            let e = parse_inspect(out).unwrap_err().to_string();
            assert!(e.contains(want), "{out}: {e}");
        }
    }

    #[test]
    fn a_container_without_network_has_no_addresses() {
        let c = parse_inspect(r#"[{"Id": "a", "NetworkSettings": {"SandboxKey": "", "Networks": {"n": {"IPAddress": ""}}}}]"#).unwrap();
        assert!(c.addresses.is_empty() && c.netns.as_os_str().is_empty() && c.pid == 0);
    }

    #[test]
    fn ps_lists_names_states_and_networks() {
        let l = parse_ps(PS).unwrap();
        assert_eq!(
            l,
            vec![Listed {
                id: "f374".into(),
                name: "web".into(),
                state: "running".into(),
                networks: vec!["shop-frontend".into()],
            }]
        );
        assert!(parse_ps("[]").unwrap().is_empty());
        assert!(parse_ps("{}").is_err());
    }
}
