//! Command-line surface of netctl: global flags and one subcommand per verb.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// netctl: manage Terrace resources, inspect policy and IPAM.
#[derive(Debug, Parser)]
#[command(name = "netctl", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Datastore URL (sqlite:///path or etcd://host:port); else TERRACE_DATASTORE, else the
    /// config file, else sqlite:///var/lib/terrace/store.db.
    #[arg(long, global = true, value_name = "URL")]
    pub datastore: Option<String>,
    /// Host configuration file.
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        default_value = "/etc/terrace/config.toml"
    )]
    pub config: PathBuf,
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

#[derive(Debug, Args)]
pub struct FileArgs {
    /// File, directory or - for standard input (YAML or JSON, several documents allowed).
    #[arg(
        short = 'f',
        long = "filename",
        required = true,
        value_name = "FILE|DIR|-"
    )]
    pub files: Vec<PathBuf>,
    /// Descend into subdirectories of directories given with -f.
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Namespace for namespaced documents that do not set one.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Kind followed by names (when -f is not used).
    #[arg(value_name = "KIND NAME")]
    pub targets: Vec<String>,
    /// File, directory or - naming the resources to delete.
    #[arg(short = 'f', long = "filename", value_name = "FILE|DIR|-")]
    pub files: Vec<PathBuf>,
    #[arg(short = 'R', long)]
    pub recursive: bool,
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// Succeed when a resource does not exist.
    #[arg(long)]
    pub ignore_not_found: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Wide,
    Yaml,
    Json,
    Name,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// Kind (name, plural or alias such as np, gnp, pool, bgpp, hep, wep).
    pub kind: String,
    /// Names; all when omitted.
    pub names: Vec<String>,
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// All namespaces.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct LabelArgs {
    pub kind: String,
    pub name: String,
    /// KEY=VALUE to set, KEY- to remove.
    #[arg(required = true)]
    pub changes: Vec<String>,
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// Allow changing the value of an existing label.
    #[arg(long)]
    pub overwrite: bool,
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

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// NAMESPACE/ENDPOINT, a host endpoint name, or an IP address.
    #[arg(long)]
    pub from: String,
    /// NAMESPACE/ENDPOINT, a host endpoint name, or an IP address.
    #[arg(long)]
    pub to: String,
    /// tcp, udp, sctp, icmp, icmpv6 or a protocol number.
    #[arg(long)]
    pub protocol: String,
    #[arg(long, conflicts_with_all = ["icmp_type", "icmp_code"])]
    pub port: Option<u16>,
    #[arg(long)]
    pub icmp_type: Option<u8>,
    #[arg(long, requires = "icmp_type")]
    pub icmp_code: Option<u8>,
    #[arg(short = 'o', long, value_enum, default_value_t = TraceFormat::Text)]
    pub output: TraceFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TraceFormat {
    Text,
    Json,
}
