//! felix: Terrace's per-host dataplane agent (see the library docs).
//!
//! Configuration precedence (the same in every Terrace binary): flag >
//! environment (`TERRACE_DATASTORE`, `TERRACE_NODE`) > config file
//! (`/etc/terrace/config.toml`) > default. Dataplane settings: environment
//! (`TERRACE_FELIX_*`) > the config file's `[felix]` table >
//! FelixConfiguration `node.<name>` > `default` > Calico's defaults.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use datastore::host_config::{DEFAULT_PATH, HostConfig};
use datastore::selection::{datastore_from_env, node_from_env};
use felix::daemon::{DaemonConfig, http, metrics::Metrics, run};
use felix::reconcile::nft::NftRunner;

/// Per-host agent: endpoint routes and nftables policy.
#[derive(Debug, Parser)]
#[command(name = "felix", version, about)]
struct Args {
    /// Datastore URL (sqlite:///path or etcd://host:port).
    #[arg(long)]
    datastore: Option<String>,
    /// This node's name.
    #[arg(long)]
    node: Option<String>,
    /// Host configuration file.
    #[arg(long, default_value = DEFAULT_PATH)]
    config: PathBuf,
    /// Address for /liveness, /readiness and /metrics.
    #[arg(long, default_value = "127.0.0.1:9091")]
    metrics_addr: String,
    /// Seconds between periodic resyncs: full dumps of felix's routes and
    /// nft table that repair drift.
    #[arg(long, default_value_t = 30)]
    resync_seconds: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    terrace_svc::logging::init();
    let args = Args::parse();
    let host = HostConfig::load(&args.config).context("failed to read the host config")?;
    let (url, _) = datastore_from_env(args.datastore.as_deref(), host.datastore.as_deref())
        .context("failed to choose the datastore")?;
    let (node, _) = node_from_env(args.node.as_deref(), host.node.as_deref())
        .context("failed to choose the node name")?;
    let env = felix::calc::settings::from_env(std::env::vars())
        .map_err(|e| anyhow::anyhow!("invalid felix settings in the environment: {e}"))?;
    if let Some(file) = &host.felix {
        file.validate().map_err(|errors| {
            let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
            anyhow::anyhow!(
                "invalid [felix] settings in {}: {}",
                args.config.display(),
                text.join("; ")
            )
        })?;
    }
    let local_settings: Vec<_> = std::iter::once(env).chain(host.felix.clone()).collect();
    let store = datastore::open(&url)
        .await
        .context("failed to open the datastore")?;
    let metrics = Arc::new(Metrics::default());
    let listener = tokio::net::TcpListener::bind(&args.metrics_addr)
        .await
        .with_context(|| format!("failed to bind {}", args.metrics_addr))?;
    tokio::spawn(http::serve(listener, metrics.clone()));
    tracing::info!(%node, metrics = %args.metrics_addr, "felix starting");
    let cfg = DaemonConfig {
        store,
        node,
        resync: Duration::from_secs(args.resync_seconds.max(1)),
        nft: NftRunner::default(),
        proc_sys: PathBuf::from("/proc/sys"),
        local_settings,
    };
    // SIGTERM (systemd stop) or SIGINT; the dataplane stays as programmed.
    let shutdown = terrace_svc::shutdown::on_signal().context("failed to handle SIGTERM")?;
    run(cfg, metrics, shutdown).await.context("felix stopped")?;
    Ok(())
}
