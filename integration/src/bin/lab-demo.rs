//! `lab-demo`: brings up the whole Terrace system in network namespaces on
//! this machine (three hosts, a ToR, felix/confd/bgpd, podman containers
//! attached through the CNI plugin, policy), shows what it measures, and
//! tears it down.
//!
//! `--keep` leaves the lab up to explore; `--down` removes it.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use integration::demo::mode::Requested;
use integration::demo::paths::{LOG_DIR, Paths, STATE_DIR};
use integration::demo::run::{self, Backend, Options};
use integration::probe::cli::AgentCmd;

#[derive(Parser)]
#[command(
    about = "Bring up a three-host Terrace lab with a ToR, a three-tier app and its policy, \
                   and show what can reach what"
)]
struct Cli {
    /// Leave the lab running and print how to explore it.
    #[arg(long)]
    keep: bool,
    /// Remove the lab (namespaces, processes, logs, state), then exit.
    #[arg(long, conflicts_with = "keep")]
    down: bool,
    /// Datastore backend every host uses.
    #[arg(long, value_enum, default_value = "sqlite")]
    datastore: Backend,
    /// How the app's containers are attached: real podman containers when
    /// podman works here (auto), podman or fail, or the CNI plugin driven
    /// directly as a runtime drives it (cni).
    #[arg(long, value_enum, default_value = "auto")]
    containers: Requested,
    /// Daemon logs, one directory per host.
    #[arg(long, default_value = LOG_DIR)]
    log_dir: PathBuf,
    /// Datastore file, bgpd configs and sockets, etcd data.
    #[arg(long, default_value = STATE_DIR)]
    state_dir: PathBuf,
    #[command(subcommand)]
    agent: Option<AgentCmd>,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(cmd) = cli.agent {
        // Invoked by the lab itself as its probe agent.
        return integration::probe::cli::run(cmd).context("probe agent failed");
    }
    let paths = Paths::new(cli.log_dir, cli.state_dir)?;
    if cli.down {
        let removed = run::clean_previous(&paths)?;
        println!("removed {} items: {}", removed.len(), removed.join(" "));
        return Ok(());
    }
    let opts = Options {
        keep: cli.keep,
        backend: cli.datastore,
        containers: cli.containers,
        paths: paths.clone(),
    };
    run::run(&opts).inspect_err(|_| {
        eprintln!(
            "\nlab-demo failed. Logs: {}  Remove everything: lab-demo --down",
            paths.log_dir.display()
        );
    })
}
