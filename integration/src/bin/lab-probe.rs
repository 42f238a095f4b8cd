//! `lab-probe`: the probe agent run inside lab namespaces.
//!
//! `lab-probe serve --port P` listens on TCP and UDP port P;
//! `lab-probe tcp|udp ADDR:PORT --timeout-ms N` prints one JSON result.

use anyhow::Context;
use clap::Parser;
use integration::probe::cli::{AgentCmd, run};

#[derive(Parser)]
#[command(about = "Terrace lab probe agent: serve, tcp ADDR:PORT, udp ADDR:PORT")]
struct Cli {
    #[command(subcommand)]
    cmd: AgentCmd,
}

fn main() -> anyhow::Result<()> {
    run(Cli::parse().cmd).context("lab-probe failed")
}
