//! A local copy of everything under a prefix, kept current from a
//! [`ListWatch`](crate::list_watch::ListWatch): snapshots replace it, events
//! patch it. Agents rebuild their view from the mirror once per batch of
//! changes instead of once per event.

use crate::{
    list_watch::Update,
    model::{EventKind, KeyValue, Revision},
};
use resources::{
    Object,
    ipam::Block,
    key::{IpamKey, Key},
};
use std::collections::BTreeMap;

/// Every key under the watched prefix, as of `revision`.
#[derive(Debug, Default, Clone)]
pub struct Mirror {
    items: BTreeMap<String, KeyValue>,
    revision: Revision,
}

/// What the mirror holds, decoded; undecodable records are listed, not fatal.
#[derive(Debug, Default)]
pub struct Decoded {
    pub objects: Vec<Object>,
    pub blocks: Vec<Block>,
    /// `(key, reason)` for records that did not decode.
    pub errors: Vec<(String, String)>,
}

impl Mirror {
    /// Applies one update from a list-then-watch.
    pub fn apply(&mut self, update: Update) {
        match update {
            Update::Snapshot {
                items, revision, ..
            } => {
                self.items = items.into_iter().map(|kv| (kv.key.clone(), kv)).collect();
                self.revision = revision;
            }
            Update::Event(event) => {
                self.revision = self.revision.max(event.revision);
                match (event.kind, event.new) {
                    (EventKind::Put, Some(kv)) => {
                        self.items.insert(event.key, kv);
                    }
                    _ => {
                        self.items.remove(&event.key);
                    }
                }
            }
        }
    }

    /// The revision the mirror reflects.
    pub fn revision(&self) -> Revision {
        self.revision
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Resources and IPAM blocks, decoded.
    pub fn decode(&self) -> Decoded {
        let mut out = Decoded::default();
        for (key, kv) in &self.items {
            match Key::parse(key) {
                Ok(Key::Resource(_)) => match Object::from_bytes(key, &kv.value, kv.mod_revision) {
                    Ok(o) => out.objects.push(o),
                    Err(e) => out.errors.push((key.clone(), e.to_string())),
                },
                Ok(Key::Ipam(ipam)) if is_block(&ipam) => {
                    match serde_json::from_slice::<Block>(&kv.value) {
                        Ok(b) => out.blocks.push(b),
                        Err(e) => out.errors.push((key.clone(), e.to_string())),
                    }
                }
                Ok(Key::Ipam(_)) => {}
                Err(e) => out.errors.push((key.clone(), e.to_string())),
            }
        }
        out
    }
}

fn is_block(key: &IpamKey) -> bool {
    key.record() == "block"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Event;

    fn kv(key: &str, value: &str, rev: Revision) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: value.as_bytes().to_vec(),
            create_revision: rev,
            mod_revision: rev,
            version: 1,
        }
    }

    const POOL: &str = r#"{"apiVersion":"terrace.io/v1","kind":"IPPool","metadata":{"name":"p"},"spec":{"cidr":"10.0.0.0/16"}}"#;

    #[test]
    fn snapshots_replace_and_events_patch() {
        let mut m = Mirror::default();
        m.apply(Update::Snapshot {
            items: vec![
                kv("/terrace/v1/ippools/p", POOL, 3),
                kv("/terrace/v1/ippools/q", POOL, 3),
            ],
            revision: 3,
            resync: false,
        });
        m.apply(Update::Event(Event {
            kind: EventKind::Delete,
            key: "/terrace/v1/ippools/q".into(),
            revision: 4,
            new: None,
            prev: None,
        }));
        assert_eq!((m.len(), m.revision()), (1, 4));
        m.apply(Update::Snapshot {
            items: vec![],
            revision: 9,
            resync: true,
        });
        assert!(m.is_empty(), "a resync snapshot replaces, not merges");
    }

    #[test]
    fn decode_sorts_resources_blocks_and_garbage() {
        let mut m = Mirror::default();
        let block = r#"{"cidr":"10.0.0.0/26","affinity":"h1","allocations":{}}"#;
        m.apply(Update::Snapshot {
            items: vec![
                kv("/terrace/v1/ippools/p", POOL, 1),
                kv("/terrace/v1/ipam/block/10.0.0.0-26", block, 1),
                kv("/terrace/v1/ippools/bad", "not json", 1),
                kv("/terrace/v1/ipam/handle/x", "{}", 1),
            ],
            revision: 1,
            resync: false,
        });
        let d = m.decode();
        assert_eq!((d.objects.len(), d.blocks.len(), d.errors.len()), (1, 1, 1));
        assert_eq!(d.errors[0].0, "/terrace/v1/ippools/bad");
    }
}
