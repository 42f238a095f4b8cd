//! The embedded backend: one SQLite file, safe to share between processes.
//!
//! - `schema`: connections (WAL, busy timeout) and tables;
//! - `read`: gets, lists and change-log reads at one snapshot;
//! - `write`: transactions under `BEGIN IMMEDIATE`, revision counter, log, compaction;
//! - `poller`: the per-process thread that feeds watchers from the log.
//!
//! rusqlite is synchronous, so every operation runs on tokio's blocking pool; a process keeps
//! one writer and one reader connection per store (WAL lets them run at the same time).

mod poller;
mod read;
mod schema;
mod write;

use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::Connection;

use crate::error::StoreError;
use crate::model::{KeyValue, Listing, Revision, Txn};
use crate::store::{Store, WatchStream};
use crate::url::SqliteUrl;
use poller::{Poller, poller_for};
use schema::sqlite_error;
use write::WriteError;

/// A store in one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    config: SqliteUrl,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    poller: Arc<Poller>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.config.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating the file and its directory if needed) the store at `config.path`.
    pub async fn open(config: SqliteUrl) -> Result<Self, StoreError> {
        let inner = run_blocking(move || {
            schema::create_parent(&config.path)?;
            let writer = schema::connect(&config)?;
            let reader = schema::connect(&config)?;
            let poller = poller_for(&config)?;
            Ok(Inner {
                config,
                writer: Mutex::new(writer),
                reader: Mutex::new(reader),
                poller,
            })
        })
        .await?;
        tracing::debug!(path = %inner.config.path.display(), "opened sqlite store");
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Runs `f` with the reader connection on the blocking pool.
    async fn read<T: Send + 'static>(
        &self,
        context: String,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        run_blocking(move || {
            let mut conn = inner.reader.lock().map_err(|_| poisoned(&context))?;
            f(&mut conn).map_err(|e| sqlite_error(context, e))
        })
        .await
    }

    /// Runs `f` with the writer connection on the blocking pool, then wakes local watchers.
    async fn write<T: Send + 'static>(
        &self,
        context: String,
        f: impl FnOnce(&mut Connection, &SqliteUrl) -> Result<T, WriteError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        run_blocking(move || {
            let mut conn = inner.writer.lock().map_err(|_| poisoned(&context))?;
            let result = f(&mut conn, &inner.config);
            drop(conn);
            match result {
                Ok(value) => {
                    inner.poller.notify();
                    Ok(value)
                }
                Err(WriteError::Guard(err)) => Err(err),
                Err(WriteError::Sqlite(err)) => Err(sqlite_error(context, err)),
            }
        })
        .await
    }
}

fn poisoned(context: &str) -> StoreError {
    StoreError::backend(
        context.to_owned(),
        "a connection lock was poisoned by a panic",
    )
}

async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::backend("running a sqlite operation", e))?
}

#[async_trait]
impl Store for SqliteStore {
    async fn get(&self, key: &str) -> Result<Option<KeyValue>, StoreError> {
        let key = key.to_owned();
        self.read(format!("reading {key}"), move |conn| read::get(conn, &key))
            .await
    }

    async fn list(&self, prefix: &str) -> Result<Listing, StoreError> {
        let prefix = prefix.to_owned();
        self.read(format!("listing {prefix}"), move |conn| {
            read::list(conn, &prefix)
        })
        .await
    }

    async fn txn(&self, txn: Txn) -> Result<Revision, StoreError> {
        txn.validate()
            .map_err(|reason| StoreError::InvalidTxn { reason })?;
        let context = format!("writing {}", txn.ops[0].key());
        self.write(context, move |conn, config| {
            write::apply(conn, &txn, config.retention)
        })
        .await
    }

    async fn watch(&self, prefix: &str, from: Revision) -> Result<WatchStream, StoreError> {
        let from = if from <= 0 {
            self.current_revision().await? + 1
        } else {
            from
        };
        let rx = self.inner.poller.subscribe(prefix, from);
        Ok(WatchStream::new(prefix, rx, None).keep_alive(self.inner.clone()))
    }

    async fn compact(&self, revision: Revision) -> Result<(), StoreError> {
        self.write(format!("compacting to {revision}"), move |conn, _| {
            write::compact(conn, revision)
        })
        .await
    }

    async fn current_revision(&self) -> Result<Revision, StoreError> {
        self.read("reading the revision".to_owned(), |conn| {
            read::revisions(conn).map(|(current, _)| current)
        })
        .await
    }
}
