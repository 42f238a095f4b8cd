//! Opens the store a [`DatastoreUrl`] names.

use std::sync::Arc;

use crate::error::StoreError;
use crate::etcd::EtcdStore;
use crate::sqlite::SqliteStore;
use crate::store::Store;
use crate::url::DatastoreUrl;

/// Connects the backend named by `url`: opens (creating if needed) the SQLite file, or connects
/// to etcd.
pub async fn open(url: &DatastoreUrl) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match url {
        DatastoreUrl::Sqlite(config) => Arc::new(SqliteStore::open(config.clone()).await?),
        DatastoreUrl::Etcd(config) => Arc::new(EtcdStore::connect(config).await?),
    })
}
