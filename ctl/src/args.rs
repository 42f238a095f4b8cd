//! The flags of netctl's subcommands and the global ones: parsed by
//! [`crate::cli`], taken by the [`crate::commands`] that run them. Kept apart from
//! the command tree, which names the commands' own subcommand enums, so
//! commands never import the tree that imports them.

use clap::{Args, ValueEnum};
use std::path::PathBuf;

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
