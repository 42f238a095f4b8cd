//! One conformance suite, run against both backends: every case is a generic async function
//! over a [`common::Backend`], and `conformance!` instantiates all of them for a backend.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod compaction;
mod crud;
mod scale;
mod txn;
mod watch;

/// Declares one `#[tokio::test]` per case for the backend built by `$make`.
macro_rules! conformance {
    ($backend:ident, $make:expr, [$($case:path => $name:ident),* $(,)?]) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let backend = $make;
                    $case(backend).await;
                }
            )*
        }
    };
}

macro_rules! all_cases {
    ($backend:ident, $make:expr) => {
        conformance!($backend, $make, [
            crate::crud::create_get_update_delete_round_trip => create_get_update_delete_round_trip,
            crate::crud::create_of_an_existing_key_fails_with_already_exists => create_of_an_existing_key_fails_with_already_exists,
            crate::crud::stale_revisions_conflict_and_missing_keys_are_not_found => stale_revisions_conflict_and_missing_keys_are_not_found,
            crate::crud::prefixes_are_isolated_in_lists_and_watches => prefixes_are_isolated_in_lists_and_watches,
            crate::txn::a_transaction_with_a_failing_guard_applies_nothing => a_transaction_with_a_failing_guard_applies_nothing,
            crate::txn::a_transaction_applies_every_operation_at_one_revision => a_transaction_applies_every_operation_at_one_revision,
            crate::txn::a_transaction_writing_a_key_twice_is_rejected => a_transaction_writing_a_key_twice_is_rejected,
            crate::watch::watch_delivers_events_in_order_with_previous_values => watch_delivers_events_in_order_with_previous_values,
            crate::watch::watch_from_a_past_revision_replays_history => watch_from_a_past_revision_replays_history,
            crate::watch::watch_resumes_after_reconnect_without_loss_or_duplicate => watch_resumes_after_reconnect_without_loss_or_duplicate,
            crate::watch::list_then_watch_has_no_gap_and_no_duplicate => list_then_watch_has_no_gap_and_no_duplicate,
            crate::compaction::watching_a_compacted_revision_reports_compacted => watching_a_compacted_revision_reports_compacted,
            crate::compaction::compacting_the_future_is_refused => compacting_the_future_is_refused,
            crate::compaction::list_then_watch_relists_after_compaction => list_then_watch_relists_after_compaction,
            crate::scale::one_mebibyte_values_round_trip => one_mebibyte_values_round_trip,
            crate::scale::ten_thousand_keys_load_list_and_watch => ten_thousand_keys_load_list_and_watch,
        ]);
    };
}

all_cases!(sqlite, crate::common::Backend::sqlite());
all_cases!(etcd, crate::common::Backend::etcd());
