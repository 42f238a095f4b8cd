//! The datastore and node name an invocation works with, chosen as every Terrace binary
//! chooses them: the config's `datastore`/`node` (the plugin's "flags"), else
//! `TERRACE_DATASTORE`/`TERRACE_NODE`, else /etc/terrace/config.toml, else the defaults.

use crate::config::NetConf;
use crate::error::{self, CniError, INVALID_CONFIG};
use datastore::host_config::{DEFAULT_PATH, HostConfig};
use datastore::ipam::IpamClient;
use datastore::resource::client::ResourceClient;
use datastore::selection::{datastore_from_env, node_from_env};
use std::path::Path;

/// An open datastore and this node's name.
#[derive(Debug, Clone)]
pub struct Context {
    /// Typed resources.
    pub client: ResourceClient,
    /// Address assignment.
    pub ipam: IpamClient,
    /// This node.
    pub node: String,
}

/// Chooses the datastore and node, and opens the store.
pub async fn connect(conf: &NetConf) -> Result<Context, CniError> {
    let invalid = |details: String| CniError::new(INVALID_CONFIG, "invalid configuration", details);
    let host = HostConfig::load(Path::new(DEFAULT_PATH)).map_err(|e| invalid(e.to_string()))?;
    let (url, source) = datastore_from_env(conf.datastore.as_deref(), host.datastore.as_deref())
        .map_err(|e| invalid(e.to_string()))?;
    let (node, _) = node_from_env(conf.node.as_deref(), host.node.as_deref())
        .map_err(|e| invalid(e.to_string()))?;
    tracing::debug!(datastore = %url, ?source, %node, "opening the datastore");
    let store = datastore::open(&url)
        .await
        .map_err(|e| error::datastore_unreachable(&e))?;
    Ok(Context {
        client: ResourceClient::new(store.clone()),
        ipam: IpamClient::new(store),
        node,
    })
}
