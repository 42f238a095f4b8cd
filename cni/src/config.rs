//! The network configuration the runtime writes on stdin, parsed and validated
//! (parse, don't validate: a [`NetConf`] that exists is usable).
//!
//! Unknown top-level fields are rejected with spec code 2 naming the field and its value, so a
//! typo (`strict_afinity`) never silently changes behaviour. Field reference: cni/README.md.

use crate::error::{
    CniError, DECODE_FAILURE, INCOMPATIBLE_VERSION, INVALID_CONFIG, UNSUPPORTED_FIELD,
};
use resources::felixconfig::DEFAULT_INTERFACE_PREFIX;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Spec versions this plugin speaks; results are rendered in the config's version.
pub const SUPPORTED_VERSIONS: &[&str] = &["0.4.0", "1.0.0"];

/// Every top-level field the plugin accepts (protocol fields included).
const KNOWN_FIELDS: &[&str] = &[
    "cniVersion",
    "name",
    "type",
    "runtimeConfig",
    "prevResult",
    "args",
    "capabilities",
    "dns",
    "datastore",
    "node",
    "log_file",
    "log_level",
    "ipv4",
    "ipv6",
    "strict_affinity",
    "mtu",
    "labels",
    "namespace",
    "profiles",
    "interface_prefix",
];

/// The plugin's configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetConf {
    /// Spec version of the configuration; results use it too.
    #[serde(rename = "cniVersion")]
    pub cni_version: String,
    /// Network name.
    pub name: String,
    /// Plugin type (`terrace`).
    #[serde(rename = "type")]
    pub plugin_type: String,
    /// Capability arguments from the runtime.
    #[serde(default, rename = "runtimeConfig")]
    pub runtime_config: RuntimeConfig,
    /// The result of the previous ADD (CHECK and DEL).
    #[serde(default, rename = "prevResult")]
    pub prev_result: Option<serde_json::Value>,
    /// Runtime arguments (`args.cni.labels`, `args.cni.K8S_POD_NAMESPACE`, ...).
    #[serde(default)]
    pub args: Option<serde_json::Value>,
    /// Declared capabilities (normally removed by the runtime; tolerated).
    #[serde(default)]
    pub capabilities: Option<serde_json::Value>,
    /// DNS settings, echoed in the ADD result.
    #[serde(default)]
    pub dns: Option<serde_json::Value>,
    /// Datastore URL; else TERRACE_DATASTORE, the host config file, the default.
    #[serde(default)]
    pub datastore: Option<String>,
    /// Node name; else TERRACE_NODE, the host config file, the host name.
    #[serde(default)]
    pub node: Option<String>,
    /// Where logs go (appended); stderr when unset.
    #[serde(default)]
    pub log_file: Option<PathBuf>,
    /// `error`, `warn`, `info`, `debug` or `trace`.
    #[serde(default = "default_log_level")]
    pub log_level: String,
    /// Assign an IPv4 address.
    #[serde(default = "yes")]
    pub ipv4: bool,
    /// Assign an IPv6 address.
    #[serde(default)]
    pub ipv6: bool,
    /// Never borrow addresses from other hosts' blocks.
    #[serde(default)]
    pub strict_affinity: bool,
    /// MTU of both veth ends.
    #[serde(default = "default_mtu")]
    pub mtu: u32,
    /// Labels every endpoint of this network gets.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Namespace of the endpoints when the runtime gives none.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Profiles the endpoints get.
    #[serde(default)]
    pub profiles: Vec<String>,
    /// Host-side veth name prefix (FelixConfiguration's interfacePrefix).
    #[serde(default = "default_prefix")]
    pub interface_prefix: String,
}

/// Capability arguments Terrace uses; others (e.g. `ips`, `mac`) are ignored.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeConfig {
    /// `portMappings` capability: become the endpoint's named ports.
    #[serde(default)]
    pub port_mappings: Vec<PortMapping>,
    /// Extra endpoint labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// One `portMappings` entry (CNI conventions).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortMapping {
    /// Port on the host.
    pub host_port: u16,
    /// Port in the container.
    pub container_port: u16,
    /// `tcp`, `udp` or `sctp`.
    #[serde(default = "default_protocol")]
    pub protocol: String,
    /// Host address the mapping binds to.
    #[serde(default, rename = "hostIP")]
    pub host_ip: Option<String>,
}

fn default_log_level() -> String {
    "info".to_owned()
}
fn yes() -> bool {
    true
}
fn default_mtu() -> u32 {
    1500
}
fn default_prefix() -> String {
    DEFAULT_INTERFACE_PREFIX.to_owned()
}
fn default_protocol() -> String {
    "tcp".to_owned()
}

/// The `cniVersion` of a document, if it has one (for error results of bad configs).
pub fn version_of(stdin: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(stdin).ok()?;
    value.get("cniVersion")?.as_str().map(str::to_owned)
}

/// Parses and validates stdin.
pub fn parse(stdin: &[u8]) -> Result<NetConf, CniError> {
    let value: serde_json::Value = serde_json::from_slice(stdin).map_err(|e| {
        CniError::new(
            DECODE_FAILURE,
            "network configuration is not JSON",
            format!("stdin must be one JSON object: {e}"),
        )
    })?;
    let object = value.as_object().ok_or_else(|| {
        CniError::new(
            DECODE_FAILURE,
            "network configuration is not a JSON object",
            "stdin must be one JSON object",
        )
    })?;
    if let Some((key, val)) = object
        .iter()
        .find(|(k, _)| !KNOWN_FIELDS.contains(&k.as_str()))
    {
        return Err(CniError::new(
            UNSUPPORTED_FIELD,
            "unsupported field in network configuration",
            format!(
                "field {key:?} (value {val}) is not supported by the terrace plugin; \
                 known fields: {}",
                KNOWN_FIELDS.join(", ")
            ),
        ));
    }
    let conf: NetConf = serde_json::from_value(value.clone()).map_err(|e| {
        CniError::new(
            INVALID_CONFIG,
            "invalid network configuration",
            match culprit(object) {
                Some(field) => format!("field {field:?}: {e}"),
                None => e.to_string(),
            },
        )
    })?;
    conf.validate()?;
    Ok(conf)
}

/// The first field that fails to decode on its own (serde_json's errors name no field).
fn culprit(object: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    let required = ["cniVersion", "name", "type"];
    if let Some(missing) = required.iter().find(|k| !object.contains_key(**k)) {
        return Some((*missing).to_owned());
    }
    object.keys().find_map(|key| {
        let mut alone: serde_json::Map<String, serde_json::Value> = required
            .iter()
            .filter_map(|k| Some(((*k).to_owned(), object.get(*k)?.clone())))
            .collect();
        alone.insert(key.clone(), object.get(key)?.clone());
        serde_json::from_value::<NetConf>(serde_json::Value::Object(alone))
            .is_err()
            .then(|| key.clone())
    })
}

impl NetConf {
    fn validate(&self) -> Result<(), CniError> {
        let bad = |details: String| {
            CniError::new(INVALID_CONFIG, "invalid network configuration", details)
        };
        if !SUPPORTED_VERSIONS.contains(&self.cni_version.as_str()) {
            return Err(CniError::new(
                INCOMPATIBLE_VERSION,
                "incompatible CNI version",
                format!(
                    "cniVersion {:?} is not supported; use one of {}",
                    self.cni_version,
                    SUPPORTED_VERSIONS.join(", ")
                ),
            ));
        }
        if !self.ipv4 && !self.ipv6 {
            return Err(bad(
                "ipv4 and ipv6 are both false: enable at least one".into()
            ));
        }
        let min_mtu = if self.ipv6 { 1280 } else { 576 };
        if !(min_mtu..=65535).contains(&self.mtu) {
            return Err(bad(format!(
                "mtu {} is out of range (576-65535, at least 1280 with ipv6)",
                self.mtu
            )));
        }
        let prefix_ok = (1..=4).contains(&self.interface_prefix.len())
            && self
                .interface_prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric());
        if !prefix_ok {
            return Err(bad(format!(
                "interface_prefix {:?} must be 1-4 letters or digits (the host veth name is \
                 the prefix and 11 hex digits, at most 15 characters)",
                self.interface_prefix
            )));
        }
        if self.log_level.parse::<tracing::Level>().is_err() {
            return Err(bad(format!(
                "log_level {:?} is not one of error, warn, info, debug, trace",
                self.log_level
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(extra: &str) -> Result<NetConf, CniError> {
        let text = format!(r#"{{"cniVersion":"1.0.0","name":"n","type":"terrace"{extra}}}"#);
        parse(text.as_bytes())
    }

    #[test]
    fn defaults_apply_to_a_minimal_config() {
        let c = conf("").unwrap();
        assert!(c.ipv4 && !c.ipv6 && !c.strict_affinity);
        assert_eq!((c.mtu, c.interface_prefix.as_str()), (1500, "tr"));
    }

    #[test]
    fn config_errors_carry_the_spec_code() {
        let cases = [
            ("not json", DECODE_FAILURE, "{"),
            (
                "unknown field",
                UNSUPPORTED_FIELD,
                r#","strict_afinity":true"#,
            ),
            ("wrong type", INVALID_CONFIG, r#","mtu":"big""#),
            ("no family", INVALID_CONFIG, r#","ipv4":false"#),
            ("tiny mtu", INVALID_CONFIG, r#","mtu":100"#),
            (
                "long prefix",
                INVALID_CONFIG,
                r#","interface_prefix":"terrace""#,
            ),
            ("bad level", INVALID_CONFIG, r#","log_level":"loud""#),
        ];
        for (name, code, extra) in cases {
            assert_eq!(conf(extra).unwrap_err().code, code, "{name}");
        }
        let err = conf(r#","strict_afinity":true"#).unwrap_err();
        assert!(err.details.contains("strict_afinity") && err.details.contains("true"));
    }

    #[test]
    fn versions_outside_the_supported_set_are_incompatible() {
        let err = parse(br#"{"cniVersion":"0.2.0","name":"n","type":"terrace"}"#).unwrap_err();
        assert_eq!(err.code, INCOMPATIBLE_VERSION);
        assert!(parse(br#"{"cniVersion":"0.4.0","name":"n","type":"terrace"}"#).is_ok());
    }

    #[test]
    fn runtime_config_port_mappings_are_read() {
        let c = conf(
            r#","runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}],"ips":[]}"#,
        )
        .unwrap();
        assert_eq!(c.runtime_config.port_mappings[0].container_port, 80);
    }
}
