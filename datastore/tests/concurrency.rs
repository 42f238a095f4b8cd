//! Eight OS processes increment one counter by compare-and-swap; the final value must be exact
//! on both backends. The children are this test binary itself, re-run with an environment
//! variable that selects the ignored `cas_increment_child` test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use datastore::StoreError;

const URL_ENV: &str = "TERRACE_DS_CAS_CHILD_URL";
const KEY: &str = "/terrace/v1/counter/shared";
const PROCESSES: u64 = 8;
const INCREMENTS: u64 = 100;
/// Rounds of eight processes opening one fresh file (the race fails about one open in 300).
const FRESH_FILE_ROUNDS: usize = 100;

/// The child: `INCREMENTS` successful CAS increments of `KEY`, retrying conflicts.
#[test]
#[ignore = "run as a child process by the eight-process tests below"]
fn cas_increment_child() {
    common::as_child(URL_ENV, |store| async move {
        match store.create(KEY, b"0".to_vec()).await {
            Ok(_) | Err(StoreError::AlreadyExists { .. }) => {}
            Err(err) => panic!("create the counter: {err}"),
        }
        let mut done = 0;
        while done < INCREMENTS {
            let kv = store.get(KEY).await.unwrap().expect("the counter exists");
            let value: u64 = std::str::from_utf8(&kv.value).unwrap().parse().unwrap();
            match store
                .update(KEY, (value + 1).to_string().into_bytes(), kv.mod_revision)
                .await
            {
                Ok(_) => done += 1,
                Err(StoreError::Conflict { .. }) => {}
                Err(err) if err.is_transient() => {}
                Err(err) => panic!("increment: {err}"),
            }
        }
    });
}

/// The child of the fresh-file test: opening the store is its whole job.
#[test]
#[ignore = "run as a child process by the fresh-file test below"]
fn open_child() {
    common::as_child(URL_ENV, |_store| async {});
}

fn spawn_children(test: &str, url: &str) -> Vec<Child> {
    (0..PROCESSES)
        .map(|_| {
            common::child_test(test, URL_ENV, url)
                .spawn()
                .expect("re-run the test binary as a child")
        })
        .collect()
}

/// Waits for every child (killing them all past a generous deadline).
async fn wait_all(mut children: Vec<Child>) -> Vec<ExitStatus> {
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut statuses = Vec::new();
    while let Some(mut child) = children.pop() {
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                statuses.push(status);
                break;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                children.iter_mut().for_each(|c| drop(c.kill()));
                panic!("children did not finish in time");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    statuses
}

async fn eight_processes_increment_exactly(backend: common::Backend) {
    let statuses = wait_all(spawn_children("cas_increment_child", backend.url())).await;
    assert!(
        statuses.iter().all(|s| s.success()),
        "a child failed: {statuses:?}"
    );
    let store = backend.open().await;
    let kv = store.get(KEY).await.unwrap().expect("counter");
    assert_eq!(
        std::str::from_utf8(&kv.value).unwrap(),
        (PROCESSES * INCREMENTS).to_string()
    );
    // One creation plus one version per successful increment: no lost or doubled write.
    assert_eq!(
        kv.version,
        i64::try_from(PROCESSES * INCREMENTS + 1).unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_cas_increment_exactly_on_sqlite() {
    eight_processes_increment_exactly(common::Backend::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_cas_increment_exactly_on_etcd() {
    eight_processes_increment_exactly(common::Backend::etcd()).await;
}

/// felix, confd and the CNI plugin may all open a store that does not exist yet at boot: every
/// one of them must get it (the switch to WAL mode used to fail some with "database is locked").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_opening_a_fresh_file_at_once_all_succeed() {
    for round in 0..FRESH_FILE_ROUNDS {
        let backend = common::Backend::sqlite();
        let statuses = wait_all(spawn_children("open_child", backend.url())).await;
        assert!(
            statuses.iter().all(|s| s.success()),
            "round {round}: a child failed to open the fresh store: {statuses:?}"
        );
    }
}
