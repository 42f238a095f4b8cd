//! Command-line surface of netctl: global flags and one subcommand per verb.
//! The flags themselves are in [`crate::args`], which the commands share.

use crate::args::{DeleteArgs, FileArgs, GetArgs, GlobalArgs, LabelArgs, TraceArgs};
use clap::{Parser, Subcommand};

/// netctl: manage Terrace resources, inspect policy and IPAM.
#[derive(Debug, Parser)]
#[command(name = "netctl", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or update resources from files, all in one transaction.
    #[command(after_help = "Example:\n  netctl apply -f policies/examples/three-tier-app.yaml")]
    Apply(FileArgs),
    /// Create resources from files; fails if any already exists.
    #[command(after_help = "Example:\n  netctl create -f pool.yaml")]
    Create(FileArgs),
    /// Replace existing resources from files; fails if any is missing.
    #[command(after_help = "Example:\n  netctl replace -f pool.yaml")]
    Replace(FileArgs),
    /// Delete resources named in files, or KIND NAME...
    #[command(
        after_help = "Examples:\n  netctl delete -f pool.yaml\n  netctl delete networkpolicy -n shop allow-frontend"
    )]
    Delete(DeleteArgs),
    /// Show resources.
    #[command(
        after_help = "Examples:\n  netctl get ippools\n  netctl get np -A -o wide\n  netctl get gnp default-deny -o yaml"
    )]
    Get(GetArgs),
    /// Add, change or remove labels of a resource (KEY=VALUE adds, KEY- removes).
    #[command(after_help = "Example:\n  netctl label wep -n shop web-1 tier=frontend legacy-")]
    Label(LabelArgs),
    /// Check files without writing anything.
    #[command(after_help = "Example:\n  netctl validate -R -f policies/examples/")]
    Validate(FileArgs),
    /// Work with label selectors.
    #[command(subcommand)]
    Selector(SelectorCommand),
    /// Explain policy decisions.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Inspect and repair IP address management.
    #[command(subcommand)]
    Ipam(crate::commands::ipam::IpamCommand),
    /// This host's routing daemons, asked over their local APIs.
    #[command(subcommand)]
    Node(crate::commands::node::NodeCommand),
    /// Print shell completions.
    #[command(after_help = "Example:\n  netctl completions bash > /etc/bash_completion.d/netctl")]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum SelectorCommand {
    /// Evaluate a selector: against --labels, or against stored endpoints, sets and nodes.
    #[command(
        after_help = "Examples:\n  netctl selector match 'app == \"web\"' --labels '{\"app\":\"web\"}'\n  netctl selector match 'has(app)'"
    )]
    Match {
        selector: String,
        /// A JSON object of labels to test.
        #[arg(long, value_name = "JSON")]
        labels: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Which policy and rule allow or deny a flow.
    #[command(
        after_help = "Example:\n  netctl policy trace --from shop/frontend-1 --to shop/backend-1 --protocol tcp --port 8080"
    )]
    Trace(TraceArgs),
}
