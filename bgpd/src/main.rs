//! bgpd binary: parses flags, sets up logging, and either checks a config file or runs the
//! daemon (`bgpd::daemon`), reloading the file on SIGHUP.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use bgpd::daemon::{ControlMsg, FibMode, Options};

/// Terrace BGP-4 speaker.
#[derive(Debug, Parser)]
#[command(name = "bgpd", version, about)]
struct Args {
    /// Validate this configuration file and exit: 0 if valid, 2 with the errors if not.
    #[arg(long, value_name = "FILE", conflicts_with = "config")]
    check_config: Option<PathBuf>,
    /// Run with this configuration file (reloaded on SIGHUP).
    #[arg(long, short, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Do not install learned routes in the kernel.
    #[arg(long)]
    no_fib: bool,
    /// Serve the management API (gRPC) on this unix socket.
    #[arg(long, value_name = "PATH")]
    api_socket: Option<PathBuf>,
    /// Write the process id here once SIGHUP reloads are handled (confd signals it).
    #[arg(long, value_name = "PATH")]
    pid_file: Option<PathBuf>,
    /// Address for /liveness, /readiness and /metrics.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9093")]
    metrics_addr: String,
}

/// The pid file, removed when bgpd exits normally.
struct PidFile(PathBuf);

impl PidFile {
    fn create(path: &Path) -> anyhow::Result<PidFile> {
        std::fs::write(path, format!("{}\n", std::process::id()))
            .with_context(|| format!("failed to write the pid file {}", path.display()))?;
        Ok(PidFile(path.to_path_buf()))
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        // Already gone is fine: nothing else relies on it after exit.
        let _ = std::fs::remove_file(&self.0);
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(path) = args.check_config {
        return check_config(&path);
    }
    let Some(path) = args.config else {
        eprintln!("bgpd: give --config FILE (or --check-config FILE)");
        return ExitCode::from(2);
    };
    terrace_svc::logging::init();
    match run(
        &path,
        args.no_fib,
        args.api_socket.as_deref(),
        args.pid_file.as_deref(),
        &args.metrics_addr,
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bgpd: {e:#}");
            ExitCode::from(1)
        }
    }
}

#[tokio::main]
async fn run(
    path: &Path,
    no_fib: bool,
    api_socket: Option<&Path>,
    pid_file: Option<&Path>,
    metrics_addr: &str,
) -> anyhow::Result<()> {
    let config = bgpd::config::load(path).context("failed to load the configuration")?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("failed to listen on {}", config.listen))?;
    let metrics = tokio::net::TcpListener::bind(metrics_addr)
        .await
        .with_context(|| format!("failed to bind the metrics address {metrics_addr}"))?;
    let (ctl_tx, ctl_rx) = mpsc::channel(4);
    let mut hup = signal(SignalKind::hangup()).context("failed to install the SIGHUP handler")?;
    let (status_tx, status_rx) = tokio::sync::watch::channel(bgpd::daemon::Status::default());
    let probe = std::sync::Arc::new(bgpd::metrics::BgpdProbe::new(status_rx.clone()));
    tokio::spawn(terrace_svc::serve(metrics, probe.clone()));
    if let Some(sock) = api_socket {
        let service = bgpd::api::ApiService::new(status_rx, ctl_tx.clone(), path.to_path_buf());
        let sock = sock.to_path_buf();
        tokio::spawn(async move {
            if let Err(e) = bgpd::api::serve(&sock, service, std::future::pending()).await {
                tracing::error!(error = %e, "management api stopped");
            }
        });
    }
    let reload_path = path.to_path_buf();
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            match bgpd::config::load(&reload_path) {
                Ok(c) => {
                    let _ = ctl_tx.send(ControlMsg::Reload(Box::new(c))).await;
                }
                Err(e) => {
                    tracing::error!(error = %e, "reload refused; keeping the running configuration")
                }
            }
        }
    });
    let shutdown =
        terrace_svc::shutdown::on_signal().context("failed to install the SIGTERM handler")?;
    // Written only now that SIGHUP is handled, so a reload signal never kills us.
    let _pid_file = pid_file.map(PidFile::create).transpose()?;
    // Configuration loaded, listener bound, reloads handled: ready.
    probe
        .ready
        .store(true, std::sync::atomic::Ordering::Relaxed);
    terrace_svc::notify::ready(&format!("listening on {}", config.listen));
    let opts = Options {
        fib: if no_fib {
            FibMode::Off
        } else {
            FibMode::Kernel
        },
        control: Some(ctl_rx),
        status: Some(status_tx),
    };
    bgpd::daemon::run_with(config, listener, shutdown, opts)
        .await
        .context("bgpd failed")
}

/// `--check-config`: print every problem, one per line, and exit 2 if there is any.
fn check_config(path: &Path) -> ExitCode {
    match bgpd::config::load(path) {
        Ok(c) => {
            eprintln!(
                "{}: ok ({} peers, {} originated prefixes)",
                path.display(),
                c.peers.len(),
                c.originate.len()
            );
            ExitCode::SUCCESS
        }
        Err(bgpd::config::ConfigError::Invalid(errs)) => {
            for e in errs {
                eprintln!("{}: {e}", path.display());
            }
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            ExitCode::from(2)
        }
    }
}
