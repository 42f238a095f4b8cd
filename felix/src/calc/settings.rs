//! The FelixConfiguration values the plan depends on, with Calico's defaults.

use datastore::resource::FelixConfigurationSpec;
use datastore::resource::felixconfig::{
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
        let pick = |f: &dyn Fn(&FelixConfigurationSpec) -> bool| {
            node.filter(|c| f(c)).or(global.filter(|c| f(c)))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(yaml: &str) -> FelixConfigurationSpec {
        serde_yaml_ng::from_str(yaml).unwrap()
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
