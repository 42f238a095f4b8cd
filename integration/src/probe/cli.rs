//! The probe agent's command line, shared by `lab-probe` and `lab-demo`
//! (which doubles as its own agent so `cargo run --bin lab-demo` needs no
//! other binary).

use std::net::SocketAddr;
use std::time::Duration;

use clap::Subcommand;

use super::agent;

/// Agent subcommands.
#[derive(Debug, Subcommand)]
pub enum AgentCmd {
    /// Serve TCP connects and UDP echo on a port until killed.
    #[command(hide = true)]
    Serve {
        /// Port for both TCP and UDP.
        #[arg(long)]
        port: u16,
    },
    /// One TCP connect attempt; prints a JSON result.
    #[command(hide = true)]
    Tcp {
        /// Address and port.
        target: SocketAddr,
        /// Timeout in milliseconds.
        #[arg(long, default_value_t = 3000)]
        timeout_ms: u64,
    },
    /// One UDP request/response exchange; prints a JSON result.
    #[command(hide = true)]
    Udp {
        /// Address and port.
        target: SocketAddr,
        /// Timeout in milliseconds.
        #[arg(long, default_value_t = 3000)]
        timeout_ms: u64,
    },
}

/// Runs an agent subcommand; client results go to stdout as one JSON line.
pub fn run(cmd: AgentCmd) -> std::io::Result<()> {
    use std::io::Write;
    let outcome = match cmd {
        AgentCmd::Serve { port } => return agent::serve(port),
        AgentCmd::Tcp { target, timeout_ms } => {
            agent::probe_tcp(target, Duration::from_millis(timeout_ms))
        }
        AgentCmd::Udp { target, timeout_ms } => {
            agent::probe_udp(target, Duration::from_millis(timeout_ms))
        }
    };
    writeln!(std::io::stdout(), "{}", agent::report(&outcome))
}
