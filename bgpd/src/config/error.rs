//! Configuration errors: syntax (from the TOML parser, with line and column) or a list of
//! invalid fields, each named by its path in the file.

use std::fmt;
use std::path::PathBuf;

/// One invalid value, named by its path in the file (`peers[0].remote_as`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field, e.g. `peers[1].import.rules[0].prefix`.
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("failed to read config file {path}")]
    Read {
        /// File.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Not valid TOML, or a field of the wrong type or unknown name.
    #[error("invalid config syntax: {0}")]
    Syntax(#[source] Box<toml::de::Error>),
    /// Well-formed, but some values are invalid (all of them are listed).
    #[error("invalid config: {}", list(.0))]
    Invalid(Vec<FieldError>),
}

fn list(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A value whose notation is wrong; reported under its field's path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// Not `asn:value` with 16-bit numbers or a well-known name.
    #[error("{0:?} is not a community (expected asn:value with 16-bit numbers)")]
    Community(String),
    /// Not three 32-bit numbers.
    #[error("{0:?} is not a large community (expected three 32-bit numbers a:b:c)")]
    LargeCommunity(String),
    /// Not an IPv4 address.
    #[error("{0:?} is not an IPv4 address")]
    Ipv4(String),
    /// Not an IPv4 or IPv6 address.
    #[error("{0:?} is not an IP address")]
    Ip(String),
    /// Not `address/length`.
    #[error("{0:?} is not a prefix (address/length)")]
    Prefix(String),
    /// A prefix with bits set past its length.
    #[error("{text:?} has host bits set (did you mean {network}?)")]
    HostBits {
        /// As written.
        text: String,
        /// The prefix with the host bits cleared.
        network: ipnet::IpNet,
    },
}
