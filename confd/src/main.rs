use anyhow::{Context, bail};
use clap::Parser;
use confd::bgpd_file::BgpdFile;
use confd::daemon::{Coalesce, Status, run};
use confd::node::{Method, Registration, choose_address, host, register};
use datastore::host_config::HostConfig;
use datastore::resource::client::ResourceClient;
use datastore::selection::{datastore_from_env, node_from_env};
use ipnet::IpNet;
use resources::AsNumber;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Registers this host's Node and keeps bgpd's configuration in step with the datastore.
#[derive(Debug, Parser)]
#[command(name = "confd", version, about)]
struct Args {
    /// Datastore URL; else TERRACE_DATASTORE, else the config file, else the embedded default.
    #[arg(long)]
    datastore: Option<String>,
    /// Node name; else TERRACE_NODE, else the config file, else the hostname.
    #[arg(long)]
    node: Option<String>,
    /// Host configuration file.
    #[arg(long, default_value = datastore::host_config::DEFAULT_PATH)]
    config: PathBuf,
    /// IPv4 address autodetection: first-found, interface=REGEX, skip-interface=REGEX,
    /// can-reach=IP, cidr=CIDR[,CIDR], or ADDRESS/PREFIX.
    #[arg(long, default_value = "first-found")]
    ip: String,
    /// IPv6 address autodetection (same methods), or "none".
    #[arg(long, default_value = "none")]
    ip6: String,
    /// This node's AS number (else the cluster default).
    #[arg(long = "as")]
    as_number: Option<String>,
    /// Node labels, KEY=VALUE, repeatable.
    #[arg(long = "label")]
    labels: Vec<String>,
    /// Identity of this machine; guards the node name against a second host.
    #[arg(long)]
    host_id: Option<String>,
    /// The file bgpd reads.
    #[arg(long, default_value = "/etc/terrace/bgpd.toml")]
    bgpd_config: PathBuf,
    /// bgpd executable (for --check-config).
    #[arg(long, default_value = "bgpd")]
    bgpd: PathBuf,
    /// bgpd's API socket (bgpd --api-socket): after each change confd asks bgpd to
    /// reload over it, and reports bgpd's answer.
    #[arg(long, value_name = "PATH")]
    bgpd_socket: Option<PathBuf>,
    /// bgpd's pid file, signalled with SIGHUP after each change when the API socket is
    /// not given or not answering.
    #[arg(long, default_value = "/run/terrace/bgpd.pid")]
    bgpd_pid_file: PathBuf,
    /// Register the node and exit.
    #[arg(long)]
    register_only: bool,
    /// Address for /liveness, /readiness and /metrics.
    #[arg(long, default_value = "127.0.0.1:9092")]
    metrics_addr: String,
    /// Rebuild bgpd's configuration once the datastore has been quiet this long
    /// (milliseconds), folding a burst of changes into one reload.
    #[arg(long, default_value_t = 20, value_name = "MS")]
    coalesce_quiet_ms: u64,
    /// ... but no later than this after the first change (milliseconds).
    #[arg(long, default_value_t = 500, value_name = "MS")]
    coalesce_max_ms: u64,
}

async fn detect(method: &str, ipv6: bool) -> anyhow::Result<Option<IpNet>> {
    if method == "none" {
        return Ok(None);
    }
    let method: Method = method.parse().map_err(anyhow::Error::msg)?;
    let addresses = host::addresses().await?;
    let source = match &method {
        Method::CanReach(dest) => host::source_towards(*dest).await?,
        _ => None,
    };
    choose_address(&method, &addresses, ipv6, source)
        .map(Some)
        .map_err(anyhow::Error::msg)
}

fn host_id(args: &Args) -> anyhow::Result<String> {
    if let Some(id) = &args.host_id {
        return Ok(id.clone());
    }
    let id = std::fs::read_to_string("/etc/machine-id")
        .context("cannot read /etc/machine-id; pass --host-id")?;
    Ok(id.trim().to_string())
}

async fn registration(args: &Args, node: String) -> anyhow::Result<Registration> {
    let ipv4 = match detect(&args.ip, false).await? {
        Some(IpNet::V4(n)) => Some(n),
        Some(IpNet::V6(_)) => bail!("--ip gave an IPv6 address"),
        None => None,
    };
    let ipv6 = match detect(&args.ip6, true).await? {
        Some(IpNet::V6(n)) => Some(n),
        Some(IpNet::V4(_)) => bail!("--ip6 gave an IPv4 address"),
        None => None,
    };
    let as_number = args
        .as_number
        .as_deref()
        .map(str::parse::<AsNumber>)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let mut labels = BTreeMap::new();
    for label in &args.labels {
        let (k, v) = label
            .split_once('=')
            .with_context(|| format!("--label {label:?} is not KEY=VALUE"))?;
        labels.insert(k.to_string(), v.to_string());
    }
    Ok(Registration {
        name: node,
        host_id: host_id(args)?,
        ipv4,
        ipv6,
        as_number,
        labels,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    terrace_svc::logging::init();
    let args = Args::parse();
    let window = Coalesce::from_millis(args.coalesce_quiet_ms, args.coalesce_max_ms)
        .map_err(|e| anyhow::anyhow!("--coalesce-quiet-ms/--coalesce-max-ms: {e}"))?;
    let config = HostConfig::load(&args.config)?;
    let (url, _) = datastore_from_env(args.datastore.as_deref(), config.datastore.as_deref())?;
    let (node, _) = node_from_env(args.node.as_deref(), config.node.as_deref())?;
    let store = datastore::open(&url)
        .await
        .context("cannot open the datastore")?;
    let client = ResourceClient::new(store.clone());
    let reg = registration(&args, node.clone()).await?;
    let registered = register(&client, &reg).await?;
    tracing::info!(node = %node, address = ?reg.ipv4, "node registered");
    if args.register_only {
        println!("node {} registered", registered.metadata.name);
        return Ok(());
    }
    let sink = BgpdFile {
        path: args.bgpd_config.clone(),
        bgpd: args.bgpd.clone(),
        api_socket: args.bgpd_socket.clone(),
        pid_file: Some(args.bgpd_pid_file.clone()),
    };
    let (status, status_rx) = tokio::sync::watch::channel(Status::default());
    let listener = tokio::net::TcpListener::bind(&args.metrics_addr)
        .await
        .with_context(|| format!("failed to bind {}", args.metrics_addr))?;
    let probe = std::sync::Arc::new(confd::metrics::ConfdProbe(status_rx.clone()));
    tokio::spawn(terrace_svc::serve(listener, probe));
    tokio::spawn(confd::metrics::notify_when_ready(status_rx));
    let shutdown = terrace_svc::shutdown::on_signal()?;
    run(store, node, sink, window, status, shutdown).await;
    Ok(())
}
