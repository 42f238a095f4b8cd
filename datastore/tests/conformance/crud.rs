//! Create, read, update, delete, and prefix isolation.

use std::time::Duration;

use datastore::StoreError;
use datastore::model::{EventKind, Expect};

use crate::common::{Backend, assert_quiet, next_event};

pub async fn create_get_update_delete_round_trip(backend: Backend) {
    let store = backend.open().await;
    let key = "/terrace/v1/ippool/default";
    assert_eq!(store.get(key).await.unwrap(), None);

    let created = store.create(key, b"one".to_vec()).await.unwrap();
    let kv = store
        .get(key)
        .await
        .unwrap()
        .expect("created key is readable");
    assert_eq!(
        (
            kv.value.as_slice(),
            kv.mod_revision,
            kv.create_revision,
            kv.version
        ),
        (&b"one"[..], created, created, 1)
    );

    let updated = store.update(key, b"two".to_vec(), created).await.unwrap();
    assert!(updated > created, "a write moves the revision forward");
    let kv = store
        .get(key)
        .await
        .unwrap()
        .expect("updated key is readable");
    assert_eq!(
        (
            kv.value.as_slice(),
            kv.mod_revision,
            kv.create_revision,
            kv.version
        ),
        (&b"two"[..], updated, created, 2)
    );
    assert_eq!(store.current_revision().await.unwrap(), updated);

    let deleted = store.delete(key, Some(updated)).await.unwrap();
    assert!(deleted > updated);
    assert_eq!(store.get(key).await.unwrap(), None);
}

pub async fn create_of_an_existing_key_fails_with_already_exists(backend: Backend) {
    let store = backend.open().await;
    let key = "/terrace/v1/node/n1";
    let rev = store.create(key, b"a".to_vec()).await.unwrap();
    match store.create(key, b"b".to_vec()).await {
        Err(StoreError::AlreadyExists { key: k, revision }) => {
            assert_eq!((k.as_str(), revision), (key, rev))
        }
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    assert_eq!(store.get(key).await.unwrap().unwrap().value, b"a");
}

pub async fn stale_revisions_conflict_and_missing_keys_are_not_found(backend: Backend) {
    let store = backend.open().await;
    let key = "/terrace/v1/node/n1";
    let first = store.create(key, b"1".to_vec()).await.unwrap();
    let second = store.update(key, b"2".to_vec(), first).await.unwrap();

    match store.update(key, b"3".to_vec(), first).await {
        Err(StoreError::Conflict {
            key: k,
            expected,
            actual,
        }) => {
            assert_eq!(
                (k.as_str(), expected, actual),
                (key, Expect::ModRevision(first), second)
            );
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert!(
        matches!(store.delete(key, Some(first)).await, Err(StoreError::Conflict { actual, .. }) if actual == second)
    );
    assert_eq!(
        store.get(key).await.unwrap().unwrap().value,
        b"2",
        "failed writes change nothing"
    );

    let missing = "/terrace/v1/node/missing";
    assert!(matches!(
        store.update(missing, b"x".to_vec(), 1).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.delete(missing, None).await,
        Err(StoreError::NotFound { .. })
    ));
    store.delete(key, None).await.unwrap();
    assert!(matches!(
        store.delete(key, None).await,
        Err(StoreError::NotFound { .. })
    ));
}

pub async fn prefixes_are_isolated_in_lists_and_watches(backend: Backend) {
    let store = backend.open().await;
    let start = store.current_revision().await.unwrap() + 1;
    let mut watch = store.watch("/terrace/v1/node/", start).await.unwrap();
    for key in [
        "/terrace/v1/node",
        "/terrace/v1/nodes/x",
        "/terrace/v1/node/a",
        "/terrace/v1/nod",
        "/terrace/v1/node/b",
        "/terrace/v1/node0",
    ] {
        store.put(key, key.as_bytes().to_vec()).await.unwrap();
    }
    let listed: Vec<String> = store
        .list("/terrace/v1/node/")
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|kv| kv.key)
        .collect();
    assert_eq!(listed, ["/terrace/v1/node/a", "/terrace/v1/node/b"]);
    // The empty prefix is the whole keyspace, sorted by key bytes.
    let everything: Vec<String> = store
        .list("")
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|kv| kv.key)
        .collect();
    let expected = [
        "/terrace/v1/nod",
        "/terrace/v1/node",
        "/terrace/v1/node/a",
        "/terrace/v1/node/b",
        "/terrace/v1/node0",
        "/terrace/v1/nodes/x",
    ];
    assert_eq!(everything, expected);
    for expected in ["/terrace/v1/node/a", "/terrace/v1/node/b"] {
        let event = next_event(&mut watch).await;
        assert_eq!((event.kind, event.key.as_str()), (EventKind::Put, expected));
    }
    assert_quiet(&mut watch, Duration::from_millis(300)).await;
}
