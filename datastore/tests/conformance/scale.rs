//! Size: large values and 10,000 keys.

use datastore::model::Txn;

use crate::common::{Backend, next_event};

pub async fn one_mebibyte_values_round_trip(backend: Backend) {
    let store = backend.open().await;
    let value: Vec<u8> = (0..1024 * 1024).map(|i: u32| (i * 7 % 251) as u8).collect();
    let mut watch = store.watch("/terrace/v1/big/", 0).await.unwrap();
    for i in 0..3 {
        store
            .put(&format!("/terrace/v1/big/v{i}"), value.clone())
            .await
            .unwrap();
    }
    let got = store
        .get("/terrace/v1/big/v1")
        .await
        .unwrap()
        .expect("stored");
    assert!(got.value == value, "value read back differs");
    let listed = store.list("/terrace/v1/big/").await.unwrap();
    assert_eq!(listed.items.len(), 3);
    assert!(listed.items.iter().all(|kv| kv.value == value));
    for _ in 0..3 {
        let event = next_event(&mut watch).await;
        assert!(event.new.expect("put").value == value);
    }
}

pub async fn ten_thousand_keys_load_list_and_watch(backend: Backend) {
    let store = backend.open().await;
    let start = store.current_revision().await.unwrap() + 1;
    let mut watch = store.watch("/terrace/v1/many/", start).await.unwrap();
    let key = |i: usize| format!("/terrace/v1/many/k{i:05}");
    // 5,000 in one transaction, 5,000 in transactions of 500.
    let mut one = Txn::new();
    for i in 0..5000 {
        one = one.put(key(i), format!("v{i}"));
    }
    let big_revision = store.txn(one).await.unwrap();
    for batch in 0..10 {
        let mut txn = Txn::new();
        for i in 5000 + batch * 500..5000 + (batch + 1) * 500 {
            txn = txn.put(key(i), format!("v{i}"));
        }
        store.txn(txn).await.unwrap();
    }
    let listed = store.list("/terrace/v1/many/").await.unwrap();
    assert_eq!(listed.items.len(), 10_000);
    for (i, kv) in listed.items.iter().enumerate() {
        assert_eq!(
            (&kv.key, &kv.value),
            (&key(i), &format!("v{i}").into_bytes())
        );
    }
    for i in 0..10_000 {
        let event = next_event(&mut watch).await;
        assert_eq!(event.key, key(i));
        if i < 5000 {
            assert_eq!(
                event.revision, big_revision,
                "one transaction, one revision"
            );
        }
    }
}
