//! The daemon: list-then-watch the datastore, coalesce events into one
//! recompute per batch, reconcile routes, sysctls and the nft table, and
//! resync periodically to repair drift. Readiness is false while the
//! datastore is unreachable; the dataplane is left exactly as it was.

pub mod http;
pub mod ingest;
pub mod metrics;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use datastore::Store;
use datastore::list_watch::{ListWatch, Update};
use tokio::sync::mpsc;

use crate::calc::compute;
use crate::nft::{Actual, compile};
use crate::reconcile::nft::NftRunner;
use crate::reconcile::routes::Routes;
use crate::reconcile::{links, routes::RouteError};
use ingest::Ingest;
use metrics::Metrics;

/// What the daemon needs.
#[derive(Debug, Clone)]
pub struct DaemonConfig {
    /// The datastore.
    pub store: Arc<dyn Store>,
    /// This node's name.
    pub node: String,
    /// Interval of the periodic resync.
    pub resync: Duration,
    /// How to run nft.
    pub nft: NftRunner,
    /// Root of the sysctl tree (`/proc/sys`).
    pub proc_sys: PathBuf,
}

/// Messages from the watch task.
#[derive(Debug)]
enum WatchMsg {
    Update(Update),
    Down(String),
}

async fn watch_task(store: Arc<dyn Store>, tx: mpsc::Sender<WatchMsg>) {
    let mut lw = ListWatch::new(store, datastore::key::ROOT);
    loop {
        let msg = match lw.next().await {
            Ok(u) => WatchMsg::Update(u),
            Err(e) => WatchMsg::Down(e.to_string()),
        };
        let down = matches!(msg, WatchMsg::Down(_));
        if tx.send(msg).await.is_err() {
            return;
        }
        if down {
            // Retry the listing; the dataplane keeps its last state meanwhile.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

/// Runs until `shutdown` completes.
pub async fn run(
    cfg: DaemonConfig,
    metrics: Arc<Metrics>,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), RouteError> {
    let routes = Routes::connect()?;
    let (tx, mut rx) = mpsc::channel(4096);
    let watcher = tokio::spawn(watch_task(cfg.store.clone(), tx));
    let mut state = Ingest::new(&cfg.node);
    let mut synced = false;
    let mut up = false;
    let mut reconciled_once = false;
    let mut last_ok = false;
    let mut notified = false;
    let mut nft_cache: Option<Actual> = None;
    let mut ticker = tokio::time::interval(cfg.resync);
    tokio::pin!(shutdown);
    loop {
        let mut dirty = false;
        let mut resync = false;
        tokio::select! {
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                let mut batch = vec![msg];
                while let Ok(m) = rx.try_recv() {
                    batch.push(m);
                }
                for m in batch {
                    dirty |= handle(&mut state, m, &mut synced, &mut up);
                }
            }
            _ = ticker.tick() => {
                metrics.resyncs.fetch_add(1, Ordering::Relaxed);
                dirty = synced;
                resync = true;
                // The watch may retry quietly on its own; probe the store so
                // readiness reflects an outage.
                let reachable = probe_store(&cfg).await;
                if reachable != up {
                    tracing::info!(reachable, "datastore reachability changed");
                }
                up = reachable && synced;
            }
            // Leaves routes and the nft table in place: a restart repairs drift.
            () = &mut shutdown => break,
        }
        if dirty && synced {
            let pass = (&mut nft_cache, resync);
            last_ok = reconcile_all(&cfg, &routes, &state, &metrics, pass).await;
            let ok = last_ok;
            if ok && !reconciled_once {
                reconciled_once = true;
                tracing::info!("dataplane reconciled");
            }
        }
        let ready = up && last_ok;
        metrics.ready.store(ready, Ordering::Relaxed);
        if ready && !notified {
            notified = true;
            terrace_svc::notify::ready("dataplane programmed");
        }
    }
    watcher.abort();
    Ok(())
}

/// True when the store answers a cheap read within two seconds.
async fn probe_store(cfg: &DaemonConfig) -> bool {
    let read = cfg.store.current_revision();
    matches!(
        tokio::time::timeout(Duration::from_secs(2), read).await,
        Ok(Ok(_))
    )
}

/// Folds one watch message into the state; true when something changed.
fn handle(state: &mut Ingest, msg: WatchMsg, synced: &mut bool, up: &mut bool) -> bool {
    match msg {
        WatchMsg::Down(e) => {
            tracing::warn!(error = %e, "datastore unreachable; keeping the dataplane as it is");
            *up = false;
            false
        }
        WatchMsg::Update(Update::Snapshot {
            items, revision, ..
        }) => {
            tracing::info!(revision, items = items.len(), "datastore snapshot");
            state.reset();
            for kv in &items {
                if let Err(e) = state.apply(&kv.key, Some(&kv.value)) {
                    tracing::warn!(error = %e, "skipping record");
                }
            }
            *synced = true;
            *up = true;
            true
        }
        WatchMsg::Update(Update::Event(ev)) => {
            let value = ev.new.as_ref().map(|kv| kv.value.as_slice());
            if let Err(e) = state.apply(&ev.key, value) {
                tracing::warn!(error = %e, "skipping record");
            }
            true
        }
    }
}

/// Recomputes and reconciles every kernel object kind; false on any failure.
async fn reconcile_all(
    cfg: &DaemonConfig,
    routes: &Routes,
    state: &Ingest,
    m: &Metrics,
    (cache, full): (&mut Option<Actual>, bool),
) -> bool {
    let started = Instant::now();
    let plan = compute(&state.world);
    let table = compile(&plan);
    let mut ok = true;
    if let Err(e) = routes.reconcile(&plan.routes).await {
        tracing::warn!(error = %e, "route reconcile failed");
        ok = false;
    }
    let link = links::reconcile(&cfg.proc_sys, &plan.sysctls);
    for (path, e) in &link.failed {
        tracing::warn!(%path, error = %e, "sysctl write failed");
        ok = false;
    }
    // Changes diff against what felix last applied; resyncs dump the kernel.
    let result = match (&*cache, full) {
        (Some(actual), false) => cfg.nft.reconcile_from(&table, actual).await,
        _ => cfg.nft.reconcile(&table).await,
    };
    *cache = None;
    if result.is_ok() {
        *cache = Some(Actual::from_table(&table));
    }
    match result {
        Ok(sum) if !sum.is_empty() => tracing::info!(
            chains = sum.chains_written.len(),
            added = sum.elements_added,
            deleted = sum.elements_deleted,
            "nft table updated"
        ),
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %e, "nft reconcile failed");
            ok = false;
        }
    }
    m.observe_apply(started.elapsed().as_secs_f64());
    m.endpoints
        .store(plan.endpoints.len() as u64, Ordering::Relaxed);
    m.policies
        .store(plan.policies.len() as u64, Ordering::Relaxed);
    m.sets.store(table.sets.len() as u64, Ordering::Relaxed);
    m.rules.store(table.rule_count() as u64, Ordering::Relaxed);
    if !ok {
        m.failures.fetch_add(1, Ordering::Relaxed);
    }
    ok
}
