//! Reads: single keys, prefixes and change-log ranges, each inside one read transaction so
//! the data and the revision come from the same snapshot.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::schema::meta;
use crate::model::{Event, EventKind, KeyValue, Listing, Revision};

const KV_COLUMNS: &str = "key, value, create_rev, mod_rev, version";

fn kv_from_row(row: &Row<'_>) -> rusqlite::Result<KeyValue> {
    Ok(KeyValue {
        key: row.get(0)?,
        value: row.get(1)?,
        create_revision: row.get(2)?,
        mod_revision: row.get(3)?,
        version: row.get(4)?,
    })
}

/// Reads one key.
pub(crate) fn get(conn: &Connection, key: &str) -> rusqlite::Result<Option<KeyValue>> {
    conn.prepare_cached(&format!("SELECT {KV_COLUMNS} FROM kv WHERE key = ?1"))?
        .query_row(params![key], kv_from_row)
        .optional()
}

/// The mod revision of a key, 0 when absent.
pub(crate) fn mod_revision(conn: &Connection, key: &str) -> rusqlite::Result<Revision> {
    conn.prepare_cached("SELECT mod_rev FROM kv WHERE key = ?1")?
        .query_row(params![key], |row| row.get(0))
        .optional()
        .map(Option::unwrap_or_default)
}

/// Lists a prefix at one snapshot.
pub(crate) fn list(conn: &mut Connection, prefix: &str) -> rusqlite::Result<Listing> {
    let tx = conn.transaction()?;
    let revision = meta(&tx, "revision")?;
    let items = {
        // A range scan from the prefix on the primary key index, stopped at the first key
        // outside the prefix; LIKE/GLOB would not use the index and would need escaping.
        // TEXT compares with the BINARY collation, i.e. by UTF-8 bytes, as etcd does.
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT {KV_COLUMNS} FROM kv WHERE key >= ?1 ORDER BY key"
        ))?;
        let mut items = Vec::new();
        let mut rows = stmt.query(params![prefix])?;
        while let Some(row) = rows.next()? {
            let kv = kv_from_row(row)?;
            if !kv.key.starts_with(prefix) {
                break;
            }
            items.push(kv);
        }
        items
    };
    tx.commit()?;
    Ok(Listing { items, revision })
}

/// The current revision and compaction revision, read together.
pub(crate) fn revisions(conn: &mut Connection) -> rusqlite::Result<(Revision, Revision)> {
    let tx = conn.transaction()?;
    let current = meta(&tx, "revision")?;
    let compacted = meta(&tx, "compacted")?;
    tx.commit()?;
    Ok((current, compacted))
}

/// Change-log rows from revision `from` up to `to` (inclusive), at most about `limit` rows but
/// always whole revisions, grouped by revision.
pub(crate) fn log_range(
    conn: &Connection,
    from: Revision,
    to: Revision,
    limit: usize,
) -> rusqlite::Result<Vec<(Revision, Vec<Event>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT rev, idx, key, deleted, value, create_rev, version,
                prev_value, prev_create_rev, prev_mod_rev, prev_version
         FROM log WHERE rev >= ?1 AND rev <= ?2 ORDER BY rev, idx LIMIT ?3",
    )?;
    let limit_sql = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut rows: Vec<(Revision, i64, Event)> = stmt
        .query_map(params![from, to, limit_sql], event_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    if rows.len() >= limit {
        // The page may have cut a revision short: fetch the rest of its last revision so a
        // revision (one transaction) is always delivered whole.
        if let Some(&(last_rev, last_idx, _)) = rows.last() {
            let mut rest = conn.prepare_cached(
                "SELECT rev, idx, key, deleted, value, create_rev, version,
                        prev_value, prev_create_rev, prev_mod_rev, prev_version
                 FROM log WHERE rev = ?1 AND idx > ?2 ORDER BY idx",
            )?;
            let more = rest.query_map(params![last_rev, last_idx], event_from_row)?;
            for row in more {
                rows.push(row?);
            }
        }
    }
    let mut grouped: Vec<(Revision, Vec<Event>)> = Vec::new();
    for (rev, _, event) in rows {
        match grouped.last_mut() {
            Some((last, events)) if *last == rev => events.push(event),
            _ => grouped.push((rev, vec![event])),
        }
    }
    Ok(grouped)
}

fn event_from_row(row: &Row<'_>) -> rusqlite::Result<(Revision, i64, Event)> {
    let rev: Revision = row.get(0)?;
    let key: String = row.get(2)?;
    let deleted: bool = row.get(3)?;
    let new = if deleted {
        None
    } else {
        Some(KeyValue {
            key: key.clone(),
            value: row.get::<_, Option<Vec<u8>>>(4)?.unwrap_or_default(),
            create_revision: row.get::<_, Option<i64>>(5)?.unwrap_or_default(),
            mod_revision: rev,
            version: row.get::<_, Option<i64>>(6)?.unwrap_or_default(),
        })
    };
    let prev = match row.get::<_, Option<Vec<u8>>>(7)? {
        None => None,
        Some(value) => Some(KeyValue {
            key: key.clone(),
            value,
            create_revision: row.get::<_, Option<i64>>(8)?.unwrap_or_default(),
            mod_revision: row.get::<_, Option<i64>>(9)?.unwrap_or_default(),
            version: row.get::<_, Option<i64>>(10)?.unwrap_or_default(),
        }),
    };
    let kind = if deleted {
        EventKind::Delete
    } else {
        EventKind::Put
    };
    let event = Event {
        kind,
        key,
        revision: rev,
        new,
        prev,
    };
    Ok((rev, row.get(1)?, event))
}
