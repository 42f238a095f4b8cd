use clap::Parser;
use netctl::cli::Cli;
use std::io::Write;
use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("NETCTL_LOG"))
        .with_writer(std::io::stderr)
        .init();
    match netctl::run(Cli::parse()).await {
        Ok(out) => {
            // A closed pipe (netctl get | head) is not an error worth reporting.
            let _ = std::io::stdout().write_all(out.as_bytes());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("netctl: {err}");
            err.exit_code()
        }
    }
}
