//! The daemon: list-then-watch the datastore, fold each batch of events
//! into the incremental calculation, write only what changed (routes,
//! sysctls, the nft delta), and resync periodically against dumps of the
//! kernel to repair drift. Readiness is false while the datastore is
//! unreachable; the dataplane is left exactly as it was.

pub mod http;
pub mod ingest;
pub mod metrics;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use datastore::Store;
use datastore::list_watch::{ListWatch, Update};
use tokio::sync::mpsc;

use crate::calc::{Changes, Plan};
use crate::nft::{Compiler, full_delta};
use crate::reconcile::link_watch::{LinkEvent, LinkWatch};
use crate::reconcile::nft::{NftRunner, Path};
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
    /// This host's settings that override FelixConfiguration, highest
    /// precedence first (environment, then the config file).
    pub local_settings: Vec<resources::FelixConfigurationSpec>,
}

/// Messages from the watch and link tasks.
#[derive(Debug)]
enum WatchMsg {
    Update(Update),
    Down(String),
    /// An interface appeared or changed.
    Link(String),
    /// Interface changes were lost (the subscription overflowed).
    LinksLost,
}

/// The datastore's updates as [`WatchMsg`]s; a failure is retried after a second while the
/// dataplane keeps its last state.
fn watch_task(store: Arc<dyn Store>, tx: mpsc::Sender<WatchMsg>) -> impl Future<Output = ()> {
    let follow = ListWatch::new(store, resources::key::ROOT);
    follow.pump(Duration::from_secs(1), tx, |item| match item {
        Ok(u) => WatchMsg::Update(u),
        Err(e) => WatchMsg::Down(e.to_string()),
    })
}

async fn link_task(mut watch: LinkWatch, prefix: String, tx: mpsc::Sender<WatchMsg>) {
    while let Some(event) = watch.next().await {
        let msg = match event {
            LinkEvent::Changed(name) if name.starts_with(&prefix) => WatchMsg::Link(name),
            LinkEvent::Changed(_) => continue,
            LinkEvent::Lost => WatchMsg::LinksLost,
        };
        if tx.send(msg).await.is_err() {
            return;
        }
    }
}

/// What felix last wrote to the kernel.
#[derive(Debug, Default)]
struct Applied {
    /// The compiled table; the kernel holds it when `in_sync`.
    compiler: Compiler,
    /// The last transaction succeeded, so deltas can be computed against
    /// the compiler's table instead of a (slow) dump.
    in_sync: bool,
    /// Sysctls as last written.
    sysctls: BTreeMap<String, String>,
}

/// What one pass must do besides applying the plan's changes.
#[derive(Debug, Default)]
struct Pass {
    /// Periodic resync: dump and repair everything.
    resync: bool,
    /// Interfaces that appeared since the last pass.
    links: BTreeSet<String>,
}

/// Runs until `shutdown` completes.
pub async fn run(
    cfg: DaemonConfig,
    metrics: Arc<Metrics>,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), RouteError> {
    let mut routes = Routes::connect()?;
    let (tx, mut rx) = mpsc::channel(4096);
    let watcher = tokio::spawn(watch_task(cfg.store.clone(), tx.clone()));
    let mut links = None;
    let mut state = Ingest::with_local(&cfg.node, cfg.local_settings.clone());
    let mut applied = Applied::default();
    let mut synced = false;
    let mut up = false;
    let mut reconciled_once = false;
    let mut last_ok = false;
    let mut notified = false;
    let mut ticker = tokio::time::interval(cfg.resync);
    tokio::pin!(shutdown);
    loop {
        let mut pass = Pass::default();
        let mut dirty = false;
        tokio::select! {
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                let mut batch = vec![msg];
                while let Ok(m) = rx.try_recv() {
                    batch.push(m);
                }
                for m in batch {
                    dirty |= handle(&mut state, m, &mut synced, &mut up, &mut pass);
                }
                metrics
                    .records_refused
                    .inner()
                    .store(state.refused, Ordering::Relaxed);
            }
            _ = ticker.tick() => {
                metrics.resyncs.inc();
                dirty = synced;
                pass.resync = true;
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
        if links.is_none() && synced {
            // Subscribed once the interface prefix is known from the datastore.
            let prefix = state.engine.world().settings.interface_prefix.clone();
            links = Some(match LinkWatch::start() {
                Ok(w) => tokio::spawn(link_task(w, prefix, tx.clone())),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot watch interfaces; relying on resyncs");
                    tokio::spawn(async {})
                }
            });
        }
        if dirty && synced {
            last_ok =
                reconcile_all(&cfg, &mut routes, &mut state, &mut applied, &metrics, &pass).await;
            if last_ok && !reconciled_once {
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
    if let Some(l) = links {
        l.abort();
    }
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

/// Folds one message into the state; true when something changed.
fn handle(
    state: &mut Ingest,
    msg: WatchMsg,
    synced: &mut bool,
    up: &mut bool,
    pass: &mut Pass,
) -> bool {
    match msg {
        WatchMsg::Down(e) => {
            tracing::warn!(error = %e, "datastore unreachable; keeping the dataplane as it is");
            *up = false;
            false
        }
        WatchMsg::Link(name) => {
            pass.links.insert(name);
            true
        }
        WatchMsg::LinksLost => {
            tracing::warn!("interface changes were lost; resyncing everything");
            pass.resync = true;
            true
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

/// Brings the plan up to date and reconciles every kernel object kind;
/// false on any failure.
async fn reconcile_all(
    cfg: &DaemonConfig,
    routes: &mut Routes,
    state: &mut Ingest,
    applied: &mut Applied,
    m: &Metrics,
    pass: &Pass,
) -> bool {
    let started = Instant::now();
    let changes = state.engine.commit();
    let plan = state.engine.plan();
    let mut ok = true;
    let full = changes.full || pass.resync || !pass.links.is_empty();
    if (full || changes.routes)
        && let Err(e) = routes.reconcile(&plan.routes, full).await
    {
        tracing::warn!(error = %e, "route reconcile failed");
        ok = false;
    }
    let check = if changes.full || pass.resync {
        plan.sysctls.clone()
    } else if changes.sysctls || !pass.links.is_empty() {
        links::to_check(&plan.sysctls, &applied.sysctls, &pass.links)
    } else {
        BTreeMap::new()
    };
    if !check.is_empty() {
        // Reads and writes under /proc/sys are file system calls: off the runtime.
        let root = cfg.proc_sys.clone();
        match tokio::task::spawn_blocking(move || links::reconcile(&root, &check)).await {
            Ok(link) => {
                for (path, e) in &link.failed {
                    tracing::warn!(%path, error = %e, "sysctl write failed");
                    ok = false;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "sysctl reconcile task failed");
                ok = false;
            }
        }
    }
    if changes.full || changes.sysctls || pass.resync {
        applied.sysctls = plan.sysctls.clone();
    }
    ok &= reconcile_nft(cfg, applied, plan, &changes, pass.resync).await;
    m.observe_apply(started.elapsed().as_secs_f64());
    m.endpoints.set(plan.endpoints.len() as i64);
    m.policies.set(plan.policies.len() as i64);
    let table = applied.compiler.table();
    m.sets.set(table.sets.len() as i64);
    m.rules.set(table.rule_count() as i64);
    if !ok {
        m.failures.inc();
    }
    ok
}

/// Updates the compiled table and writes the difference: against the last
/// applied table normally, against a dump of the kernel on resyncs and after
/// a failure.
async fn reconcile_nft(
    cfg: &DaemonConfig,
    applied: &mut Applied,
    plan: &Plan,
    changes: &Changes,
    resync: bool,
) -> bool {
    let incremental = applied.compiler.update(plan, changes);
    let delta = if resync || !applied.in_sync {
        match cfg.nft.dump().await {
            Ok(actual) => full_delta(applied.compiler.table(), &actual),
            Err(e) => {
                tracing::warn!(error = %e, "nft dump failed");
                applied.in_sync = false;
                return false;
            }
        }
    } else {
        incremental
    };
    match cfg.nft.apply_delta(&delta, applied.compiler.table()).await {
        Ok(path) => {
            applied.in_sync = true;
            if path != Path::Nothing {
                let sum = delta.summary();
                tracing::info!(
                    ?path,
                    chains = sum.chains_written.len(),
                    added = sum.elements_added,
                    deleted = sum.elements_deleted,
                    "nft table updated"
                );
            }
            true
        }
        Err(e) => {
            tracing::warn!(error = %e, "nft reconcile failed");
            applied.in_sync = false;
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_interface_changes_make_the_next_pass_a_full_resync() {
        let mut state = Ingest::new("node-a");
        let (mut synced, mut up, mut pass) = (true, true, Pass::default());
        let dirty = handle(
            &mut state,
            WatchMsg::LinksLost,
            &mut synced,
            &mut up,
            &mut pass,
        );
        assert!(dirty && pass.resync);
        let mut pass = Pass::default();
        let dirty = handle(
            &mut state,
            WatchMsg::Link("tra1".into()),
            &mut synced,
            &mut up,
            &mut pass,
        );
        assert!(dirty && !pass.resync && pass.links.contains("tra1"));
    }
}
