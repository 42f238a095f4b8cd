//! Writes: one transaction per store write, under `BEGIN IMMEDIATE` so the revision counter,
//! the key table and the change log move together and writers in other processes queue on the
//! database lock instead of failing mid-transaction.

use rusqlite::{Connection, TransactionBehavior, params};

use super::read::{get, mod_revision};
use super::schema::{meta, set_meta};
use crate::error::StoreError;
use crate::model::{KeyValue, Op, Revision, Txn};

/// Why a write did not commit: a guard failed, or SQLite failed.
#[derive(Debug)]
pub(crate) enum WriteError {
    /// A guard did not hold; nothing was written.
    Guard(StoreError),
    /// SQLite failed; the transaction rolled back.
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for WriteError {
    fn from(err: rusqlite::Error) -> Self {
        WriteError::Sqlite(err)
    }
}

/// Applies a validated transaction; compacts the log beyond `retention` as it goes.
pub(crate) fn apply(
    conn: &mut Connection,
    txn: &Txn,
    retention: Revision,
) -> Result<Revision, WriteError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for compare in &txn.compares {
        let actual = mod_revision(&tx, &compare.key)?;
        if !compare.expect.holds(actual) {
            return Err(WriteError::Guard(StoreError::Conflict {
                key: compare.key.clone(),
                expected: compare.expect,
                actual,
            }));
        }
    }
    let current = meta(&tx, "revision")?;
    let rev = current + 1;
    let mut changed = 0;
    for op in &txn.ops {
        let prev = get(&tx, op.key())?;
        match op {
            Op::Put { key, value } => {
                put(&tx, rev, changed, key, value, prev.as_ref())?;
                changed += 1;
            }
            Op::Delete { key } => {
                if let Some(prev) = prev {
                    delete(&tx, rev, changed, key, &prev)?;
                    changed += 1;
                }
            }
        }
    }
    if changed == 0 {
        // Only deletes of absent keys: like etcd, nothing changed and the revision stays.
        tx.commit()?;
        return Ok(current);
    }
    set_meta(&tx, "revision", rev)?;
    // Compacting in small steps, one write in 64, keeps each write's cost bounded.
    if rev % 64 == 0 {
        compact_below(&tx, rev - retention)?;
    }
    tx.commit()?;
    Ok(rev)
}

fn put(
    conn: &Connection,
    rev: Revision,
    idx: i64,
    key: &str,
    value: &[u8],
    prev: Option<&KeyValue>,
) -> rusqlite::Result<()> {
    let (create_rev, version) = prev.map_or((rev, 1), |p| (p.create_revision, p.version + 1));
    conn.prepare_cached(
        "INSERT INTO kv (key, value, create_rev, mod_rev, version) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, mod_rev = excluded.mod_rev,
             version = excluded.version",
    )?
    .execute(params![key, value, create_rev, rev, version])?;
    log(
        conn,
        rev,
        idx,
        key,
        Some((value, create_rev, version)),
        prev,
    )
}

fn delete(
    conn: &Connection,
    rev: Revision,
    idx: i64,
    key: &str,
    prev: &KeyValue,
) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM kv WHERE key = ?1")?
        .execute(params![key])?;
    log(conn, rev, idx, key, None, Some(prev))
}

fn log(
    conn: &Connection,
    rev: Revision,
    idx: i64,
    key: &str,
    new: Option<(&[u8], Revision, i64)>,
    prev: Option<&KeyValue>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO log (rev, idx, key, deleted, value, create_rev, version,
                          prev_value, prev_create_rev, prev_mod_rev, prev_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        rev,
        idx,
        key,
        new.is_none(),
        new.map(|n| n.0),
        new.map(|n| n.1),
        new.map(|n| n.2),
        prev.map(|p| p.value.as_slice()),
        prev.map(|p| p.create_revision),
        prev.map(|p| p.mod_revision),
        prev.map(|p| p.version),
    ])
    .map(drop)
}

/// Drops change-log rows older than `revision` and records the new compaction revision.
fn compact_below(conn: &Connection, revision: Revision) -> rusqlite::Result<()> {
    if revision <= meta(conn, "compacted")? {
        return Ok(());
    }
    conn.prepare_cached("DELETE FROM log WHERE rev < ?1")?
        .execute(params![revision])?;
    set_meta(conn, "compacted", revision)
}

/// Explicit compaction: history older than `revision` is dropped.
pub(crate) fn compact(conn: &mut Connection, revision: Revision) -> Result<(), WriteError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current = meta(&tx, "revision")?;
    if revision > current {
        return Err(WriteError::Guard(StoreError::FutureRevision {
            requested: revision,
            current,
        }));
    }
    compact_below(&tx, revision)?;
    tx.commit()?;
    Ok(())
}
