//! netctl: the Terrace command-line tool. `cli` is the command surface and
//! `args` its flags, `commands` one module per verb, `input` reads files, `output` renders
//! objects, `context` opens the datastore, `error` maps failures to exit codes,
//! `reference` renders the command reference.

pub mod args;
pub mod cli;
pub mod commands;
pub mod context;
pub mod error;
pub mod input;
pub mod output;
pub mod reference;

use clap::CommandFactory;
use cli::{Cli, Command, PolicyCommand, SelectorCommand};
use datastore::resource::client::WriteMode;
use error::CtlResult;

/// Runs one invocation and returns what it prints on success.
pub async fn run(cli: Cli) -> CtlResult<String> {
    let g = &cli.global;
    match &cli.command {
        Command::Apply(args) => commands::write::write(g, args, WriteMode::Apply).await,
        Command::Create(args) => commands::write::write(g, args, WriteMode::Create).await,
        Command::Replace(args) => commands::write::write(g, args, WriteMode::Replace).await,
        Command::Validate(args) => commands::write::validate(args),
        Command::Delete(args) => commands::delete::delete(g, args).await,
        Command::Get(args) => commands::get::get(g, args).await,
        Command::Label(args) => commands::label::label(g, args).await,
        Command::Selector(SelectorCommand::Match { selector, labels }) => {
            commands::selector::match_selector(g, selector, labels.as_deref()).await
        }
        Command::Policy(PolicyCommand::Trace(args)) => commands::trace::trace(g, args).await,
        Command::Ipam(cmd) => commands::ipam::run(g, cmd).await,
        Command::Node(cmd) => commands::node::run(cmd).await,
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "netctl", &mut out);
            Ok(String::from_utf8_lossy(&out).into_owned())
        }
    }
}
