//! The host configuration file every Terrace binary reads
//! (`/etc/terrace/config.toml` by default): the third place the datastore URL
//! and node name come from, after the flag and the environment.

use serde::Deserialize;
use std::path::Path;

/// Default location of the host configuration file.
pub const DEFAULT_PATH: &str = "/etc/terrace/config.toml";

/// What the file may set. Unknown keys are errors, so typos do not go unnoticed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostConfig {
    /// Datastore URL, e.g. `sqlite:///var/lib/terrace/store.db` or `etcd://10.0.0.5:2379`.
    pub datastore: Option<String>,
    /// This host's node name.
    pub node: Option<String>,
    /// felix's dataplane settings for this host (`[felix]`, the
    /// FelixConfiguration field names); they override FelixConfiguration.
    pub felix: Option<resources::FelixConfigurationSpec>,
}

#[derive(Debug, thiserror::Error)]
pub enum HostConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid: {message}")]
    Parse { path: String, message: String },
}

impl HostConfig {
    /// Reads the file; a missing file is an empty configuration.
    pub fn load(path: &Path) -> Result<HostConfig, HostConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HostConfig::default()),
            Err(source) => {
                return Err(HostConfigError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        toml::from_str(&text).map_err(|e| HostConfigError::Parse {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_empty_and_unknown_keys_fail() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            HostConfig::load(&dir.path().join("none.toml")).unwrap(),
            HostConfig::default()
        );
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "datastore = \"sqlite:///tmp/x.db\"\nnode = \"h1\"\n").unwrap();
        let cfg = HostConfig::load(&path).unwrap();
        assert_eq!(cfg.node.as_deref(), Some("h1"));
        std::fs::write(&path, "[felix]\ninterfacePrefix = \"cali\"\n").unwrap();
        let cfg = HostConfig::load(&path).unwrap();
        assert_eq!(cfg.felix.unwrap().interface_prefix.as_deref(), Some("cali"));
        std::fs::write(&path, "datastor = \"x\"\n").unwrap();
        assert!(
            HostConfig::load(&path)
                .unwrap_err()
                .to_string()
                .contains("datastor")
        );
    }
}
