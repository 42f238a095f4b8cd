//! Opens the datastore the way every Terrace binary does.

use crate::args::GlobalArgs;
use crate::error::{CtlError, CtlResult};
use anyhow::Context as _;
use datastore::host_config::HostConfig;
use datastore::resource::client::ResourceClient;
use datastore::selection::datastore_from_env;

/// Connects to the datastore named by `--datastore`, `TERRACE_DATASTORE`, the config file, or
/// the embedded default, in that order.
pub async fn connect(global: &GlobalArgs) -> CtlResult<ResourceClient> {
    let config = HostConfig::load(&global.config).map_err(|e| CtlError::Usage(e.to_string()))?;
    let (url, _source) =
        datastore_from_env(global.datastore.as_deref(), config.datastore.as_deref())
            .map_err(|e| CtlError::Usage(e.to_string()))?;
    let store = datastore::open(&url)
        .await
        .context("cannot open the datastore")?;
    Ok(ResourceClient::new(store))
}
