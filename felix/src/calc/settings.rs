//! The FelixConfiguration values the plan depends on, with Calico's defaults.
//!
//! Precedence, highest first (Calico's order): the environment
//! (`TERRACE_FELIX_<FIELD>`), the host config file's `[felix]` table,
//! FelixConfiguration `node.<name>`, FelixConfiguration `default`, the
//! built-in default. Each field is taken from the first layer that sets it.

use resources::FelixConfigurationSpec;
use resources::felixconfig::{
    DEFAULT_INTERFACE_PREFIX, EndpointToHostAction, ProtoPort, default_failsafe_inbound,
    default_failsafe_outbound,
};

/// Effective dataplane settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Prefix of workload host-side interfaces (`tr`).
    pub interface_prefix: String,
    /// What happens to traffic from a workload to its own host after the
    /// workload's egress policy allowed it (Calico's default: Drop).
    pub endpoint_to_host: EndpointToHostAction,
    /// Ports always open towards host endpoints.
    pub failsafe_inbound: Vec<ProtoPort>,
    /// Ports always open from host endpoints.
    pub failsafe_outbound: Vec<ProtoPort>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            interface_prefix: DEFAULT_INTERFACE_PREFIX.to_string(),
            endpoint_to_host: EndpointToHostAction::Drop,
            failsafe_inbound: default_failsafe_inbound(),
            failsafe_outbound: default_failsafe_outbound(),
        }
    }
}

impl Settings {
    /// Settings from the global (`default`) and per-node (`node.<name>`)
    /// FelixConfiguration: a per-node value wins over the global one, which
    /// wins over the default.
    pub fn from_configs(
        global: Option<&FelixConfigurationSpec>,
        node: Option<&FelixConfigurationSpec>,
    ) -> Self {
        Self::from_layers(&[node, global])
    }

    /// Settings from layers, highest precedence first.
    pub fn from_layers(layers: &[Option<&FelixConfigurationSpec>]) -> Self {
        let pick = |f: &dyn Fn(&FelixConfigurationSpec) -> bool| {
            layers.iter().flatten().find(|c| f(c)).copied()
        };
        let mut s = Settings::default();
        if let Some(c) = pick(&|c| c.interface_prefix.is_some()) {
            s.interface_prefix = c.interface_prefix.clone().unwrap_or_default();
        }
        if let Some(c) = pick(&|c| c.default_endpoint_to_host_action.is_some()) {
            s.endpoint_to_host = c
                .default_endpoint_to_host_action
                .unwrap_or(EndpointToHostAction::Drop);
        }
        if let Some(c) = pick(&|c| c.failsafe_inbound_host_ports.is_some()) {
            s.failsafe_inbound = c.failsafe_inbound_host_ports.clone().unwrap_or_default();
        }
        if let Some(c) = pick(&|c| c.failsafe_outbound_host_ports.is_some()) {
            s.failsafe_outbound = c.failsafe_outbound_host_ports.clone().unwrap_or_default();
        }
        s
    }
}

/// Prefix of the environment variables that override dataplane settings.
pub const ENV_PREFIX: &str = "TERRACE_FELIX_";

/// The dataplane settings set in the environment (`TERRACE_FELIX_` and the
/// field name in upper snake case): `INTERFACE_PREFIX=cali`,
/// `DEFAULT_ENDPOINT_TO_HOST_ACTION=Accept`,
/// `FAILSAFE_INBOUND_HOST_PORTS=tcp:22,udp:68` (also `FAILSAFE_OUTBOUND_…`;
/// `none` for an empty list). Validated like a FelixConfiguration.
pub fn from_env(
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<FelixConfigurationSpec, String> {
    let mut spec = FelixConfigurationSpec::default();
    for (key, value) in vars {
        let Some(field) = key.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        match field {
            "INTERFACE_PREFIX" => spec.interface_prefix = Some(value),
            "DEFAULT_ENDPOINT_TO_HOST_ACTION" => {
                let action = match value.to_ascii_lowercase().as_str() {
                    "drop" => EndpointToHostAction::Drop,
                    "accept" => EndpointToHostAction::Accept,
                    "return" => EndpointToHostAction::Return,
                    _ => return Err(format!("{key}: {value:?} is not Drop, Accept or Return")),
                };
                spec.default_endpoint_to_host_action = Some(action);
            }
            "FAILSAFE_INBOUND_HOST_PORTS" => {
                spec.failsafe_inbound_host_ports = Some(ports(&key, &value)?);
            }
            "FAILSAFE_OUTBOUND_HOST_PORTS" => {
                spec.failsafe_outbound_host_ports = Some(ports(&key, &value)?);
            }
            _ => return Err(format!("{key} is not a felix setting")),
        }
    }
    spec.validate().map_err(|errors| {
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        format!("{ENV_PREFIX}*: {}", text.join("; "))
    })?;
    Ok(spec)
}

/// `tcp:22,udp:68` (or `none`) as failsafe ports.
fn ports(key: &str, value: &str) -> Result<Vec<ProtoPort>, String> {
    if value.trim().eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    value
        .split(',')
        .map(|item| {
            let (proto, port) = item
                .trim()
                .split_once(':')
                .ok_or_else(|| format!("{key}: {item:?} is not PROTOCOL:PORT"))?;
            let port = port
                .parse()
                .map_err(|_| format!("{key}: {port:?} is not a port"))?;
            Ok(ProtoPort {
                protocol: proto.to_ascii_uppercase(),
                port,
                net: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(yaml: &str) -> FelixConfigurationSpec {
        serde_yaml_ng::from_str(yaml).unwrap()
    }

    #[test]
    fn environment_and_file_layers_override_the_datastore() {
        let env = from_env([
            (
                "TERRACE_FELIX_INTERFACE_PREFIX".to_string(),
                "cali".to_string(),
            ),
            (
                "TERRACE_FELIX_FAILSAFE_INBOUND_HOST_PORTS".into(),
                "tcp:22, udp:68".into(),
            ),
            ("PATH".into(), "/bin".into()),
        ])
        .unwrap();
        let file = spec("{interfacePrefix: ab, defaultEndpointToHostAction: Return}");
        let node = spec("{defaultEndpointToHostAction: Accept, interfacePrefix: cd}");
        let s = Settings::from_layers(&[Some(&env), Some(&file), Some(&node), None]);
        assert_eq!(s.interface_prefix, "cali");
        assert_eq!(s.endpoint_to_host, EndpointToHostAction::Return);
        let ports: Vec<(String, u16)> = s
            .failsafe_inbound
            .iter()
            .map(|p| (p.protocol.clone(), p.port))
            .collect();
        assert_eq!(ports, [("TCP".to_string(), 22), ("UDP".to_string(), 68)]);
        assert_eq!(s.failsafe_outbound, default_failsafe_outbound());
        let none = from_env([(
            "TERRACE_FELIX_FAILSAFE_OUTBOUND_HOST_PORTS".into(),
            "none".into(),
        )]);
        assert_eq!(none.unwrap().failsafe_outbound_host_ports, Some(vec![]));
        for bad in [
            ("TERRACE_FELIX_INTERFACE_PREFIX", "TOOLONG"),
            ("TERRACE_FELIX_DEFAULT_ENDPOINT_TO_HOST_ACTION", "maybe"),
            ("TERRACE_FELIX_FAILSAFE_INBOUND_HOST_PORTS", "tcp22"),
            ("TERRACE_FELIX_INTERFACEPREFIX", "tr"),
        ] {
            assert!(
                from_env([(bad.0.to_string(), bad.1.to_string())]).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn per_node_configuration_overrides_global_which_overrides_defaults() {
        let global = spec("{interfacePrefix: cali, defaultEndpointToHostAction: Accept}");
        let node = spec("{interfacePrefix: ab}");
        let s = Settings::from_configs(Some(&global), Some(&node));
        assert_eq!(s.interface_prefix, "ab");
        assert_eq!(s.endpoint_to_host, EndpointToHostAction::Accept);
        assert_eq!(s.failsafe_inbound, default_failsafe_inbound());
        let none = Settings::from_configs(None, None);
        assert_eq!(none.interface_prefix, "tr");
        assert_eq!(none.endpoint_to_host, EndpointToHostAction::Drop);
    }
}
