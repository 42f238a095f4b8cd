//! Opening connections and the schema.
//!
//! ```text
//! meta(name PRIMARY KEY, value)   'revision'  = the store revision (starts at 1)
//!                                 'compacted' = log rows below this revision are gone
//! kv(key PRIMARY KEY, value, create_rev, mod_rev, version)        current state
//! log(rev, idx, key, deleted, value, create_rev, version,          one row per change, in
//!     prev_value, prev_create_rev, prev_mod_rev, prev_version)     (rev, idx) order
//! ```
//!
//! Every write transaction bumps `meta.revision` by one and appends its changes to `log`;
//! watchers in any process follow `log`. WAL mode lets readers and the watch poller run while
//! a writer commits; writers take the lock up front (`BEGIN IMMEDIATE`) and wait up to the busy
//! timeout for another process's write.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::error::StoreError;
use crate::model::Revision;
use crate::url::SqliteUrl;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 1), ('compacted', 0);
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    create_rev INTEGER NOT NULL,
    mod_rev INTEGER NOT NULL,
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS log (
    rev INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    key TEXT NOT NULL,
    deleted INTEGER NOT NULL,
    value BLOB,
    create_rev INTEGER,
    version INTEGER,
    prev_value BLOB,
    prev_create_rev INTEGER,
    prev_mod_rev INTEGER,
    prev_version INTEGER,
    PRIMARY KEY (rev, idx)
) WITHOUT ROWID;
";

/// Opens one connection with the pragmas every connection needs, creating the schema.
pub(crate) fn connect(config: &SqliteUrl) -> Result<Connection, StoreError> {
    let path = &config.path;
    let context = || format!("opening {}", path.display());
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| sqlite_error(context(), e))?;
    conn.busy_timeout(config.busy_timeout)
        .map_err(|e| sqlite_error(context(), e))?;
    let synchronous = if config.synchronous_full {
        "FULL"
    } else {
        "NORMAL"
    };
    enable_wal(&conn, config.busy_timeout).map_err(|e| sqlite_error(context(), e))?;
    conn.execute_batch(&format!(
        "PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = OFF;"
    ))
    .map_err(|e| sqlite_error(context(), e))?;
    conn.execute_batch(&format!("BEGIN IMMEDIATE; {SCHEMA} COMMIT;"))
        .map_err(|e| sqlite_error(format!("creating the schema in {}", path.display()), e))?;
    Ok(conn)
}

/// Switches the file to WAL mode (persistent in the file, so a no-op after the first open).
///
/// When several processes open a fresh file at once (felix, confd and the CNI plugin at boot),
/// the switch can fail at once with `SQLITE_BUSY` although a busy timeout is set (seen in
/// about one open in 300 of eight racing processes), so it is retried until the busy timeout.
fn enable_wal(conn: &Connection, busy_timeout: Duration) -> rusqlite::Result<()> {
    let deadline = Instant::now() + busy_timeout;
    let mut pause = Duration::from_millis(1);
    loop {
        let outcome = conn.query_row("PRAGMA journal_mode = WAL", [], |row| {
            row.get::<_, String>(0)
        });
        let busy = match &outcome {
            Ok(mode) if mode.eq_ignore_ascii_case("wal") => return Ok(()),
            // Another connection held a lock the switch needed: the mode is unchanged.
            Ok(_) => true,
            Err(err) => matches!(
                err.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            ),
        };
        if !busy || Instant::now() >= deadline {
            return outcome.and_then(|mode| {
                Err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                    Some(format!("journal mode stayed {mode:?} instead of WAL")),
                ))
            });
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Creates the directory that will hold the database file.
pub(crate) fn create_parent(path: &Path) -> Result<(), StoreError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::backend(format!("creating {}", dir.display()), e))?;
    }
    Ok(())
}

/// Reads one `meta` counter.
pub(crate) fn meta(conn: &Connection, name: &str) -> rusqlite::Result<Revision> {
    conn.prepare_cached("SELECT value FROM meta WHERE name = ?1")?
        .query_row(params![name], |row| row.get(0))
        .optional()
        .map(Option::unwrap_or_default)
}

/// Sets one `meta` counter.
pub(crate) fn set_meta(conn: &Connection, name: &str, value: Revision) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE meta SET value = ?2 WHERE name = ?1")?
        .execute(params![name, value])
        .map(drop)
}

/// Maps a rusqlite error: lock timeouts are transient ([`StoreError::Unavailable`]).
pub(crate) fn sqlite_error(context: impl Into<String>, err: rusqlite::Error) -> StoreError {
    let busy = matches!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    );
    if busy {
        StoreError::unavailable(context, err)
    } else {
        StoreError::backend(context, err)
    }
}
