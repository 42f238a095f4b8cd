//! Transactions: all or nothing, one revision, malformed ones rejected.

use datastore::StoreError;
use datastore::model::{Expect, Txn};

use crate::common::Backend;

pub async fn a_transaction_with_a_failing_guard_applies_nothing(backend: Backend) {
    let store = backend.open().await;
    let a = store
        .create("/terrace/v1/t/a", b"a0".to_vec())
        .await
        .unwrap();
    let b = store
        .create("/terrace/v1/t/b", b"b0".to_vec())
        .await
        .unwrap();
    store
        .update("/terrace/v1/t/b", b"b1".to_vec(), b)
        .await
        .unwrap();
    let before = store.current_revision().await.unwrap();

    // The guard on a holds, the one on b is stale: nothing may apply, not even the put to a.
    let txn = Txn::new()
        .when("/terrace/v1/t/a", Expect::ModRevision(a))
        .when("/terrace/v1/t/b", Expect::ModRevision(b))
        .when("/terrace/v1/t/c", Expect::Absent)
        .put("/terrace/v1/t/a", b"a1".to_vec())
        .put("/terrace/v1/t/c", b"c0".to_vec())
        .delete("/terrace/v1/t/b");
    match store.txn(txn).await {
        Err(StoreError::Conflict {
            key,
            expected,
            actual,
        }) => {
            assert_eq!(
                (key.as_str(), expected),
                ("/terrace/v1/t/b", Expect::ModRevision(b))
            );
            assert!(actual > b);
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(store.current_revision().await.unwrap(), before);
    let listed = store.list("/terrace/v1/t/").await.unwrap();
    let values: Vec<(String, Vec<u8>)> = listed
        .items
        .into_iter()
        .map(|kv| (kv.key, kv.value))
        .collect();
    assert_eq!(
        values,
        [
            ("/terrace/v1/t/a".to_owned(), b"a0".to_vec()),
            ("/terrace/v1/t/b".to_owned(), b"b1".to_vec())
        ]
    );
}

pub async fn a_transaction_applies_every_operation_at_one_revision(backend: Backend) {
    let store = backend.open().await;
    store
        .create("/terrace/v1/t/old", b"x".to_vec())
        .await
        .unwrap();
    let txn = Txn::new()
        .when("/terrace/v1/t/old", Expect::Present)
        .when("/terrace/v1/t/new1", Expect::Absent)
        .put("/terrace/v1/t/new1", b"1".to_vec())
        .put("/terrace/v1/t/new2", b"2".to_vec())
        .delete("/terrace/v1/t/old")
        .delete("/terrace/v1/t/never-existed");
    let rev = store.txn(txn).await.unwrap();
    let listed = store.list("/terrace/v1/t/").await.unwrap();
    assert_eq!(listed.revision, rev);
    let keys: Vec<(&str, i64)> = listed
        .items
        .iter()
        .map(|kv| (kv.key.as_str(), kv.mod_revision))
        .collect();
    assert_eq!(
        keys,
        [("/terrace/v1/t/new1", rev), ("/terrace/v1/t/new2", rev)]
    );
}

pub async fn a_transaction_writing_a_key_twice_is_rejected(backend: Backend) {
    let store = backend.open().await;
    let txn = Txn::new()
        .put("/terrace/v1/t/a", b"1".to_vec())
        .delete("/terrace/v1/t/a");
    assert!(matches!(
        store.txn(txn).await,
        Err(StoreError::InvalidTxn { .. })
    ));
    assert_eq!(store.get("/terrace/v1/t/a").await.unwrap(), None);
}
