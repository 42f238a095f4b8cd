//! bgpd's configuration file (TOML, rendered by confd) and its domain types.
//!
//! Parse, don't validate: [`bgpd_api::schema`] is the file's schema (serde, unknown
//! fields rejected; shared with confd, which writes the file),
//! [`load`]/[`parse`] turn it into [`Config`], whose values are already checked and
//! resolved (defaults applied, passwords read from their files or environment variables,
//! next-hop mode decided per session). Every error names the field it is about, e.g.
//! `peers[2].import.rules[0].le: 33 is longer than an IPv4 prefix`.
//!
//! `bgpd/examples/bgpd.toml` documents every field with an example.

mod community;
mod convert;
mod domain;
mod error;
mod filter;
#[cfg(test)]
mod tests;
mod values;

use std::path::Path;

pub use community::{parse_community, parse_large_community};
pub use domain::{Config, Originated, Password, PeerConfig, PeerKind};
pub use error::{ConfigError, FieldError, ValueError};

/// Parse configuration text. Passwords referenced with `password_file` are read (relative
/// paths against the current directory), `password_env` from the environment.
pub fn parse(text: &str) -> Result<Config, ConfigError> {
    parse_with(text, &convert::SystemSecrets { base: None })
}

/// Parse with passwords taken from `secrets` (tests use a table).
pub(crate) fn parse_with(
    text: &str,
    secrets: &dyn convert::Secrets,
) -> Result<Config, ConfigError> {
    let raw = bgpd_api::schema::BgpdConfig::from_toml(text)
        .map_err(|e| ConfigError::Syntax(Box::new(e)))?;
    convert::config(raw, secrets)
}

/// Read and parse a configuration file; relative `password_file` paths are taken from
/// the file's directory.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let base = path.parent().map(Path::to_path_buf);
    parse_with(&text, &convert::SystemSecrets { base })
}
