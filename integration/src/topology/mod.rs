//! Declaring a lab: the model ([`spec`]), loading it from YAML, a Rust
//! builder, validation, and the pure plan of kernel steps ([`plan`]).

pub mod builder;
pub mod plan;
pub mod spec;
mod validate;

#[cfg(test)]
mod tests;

use std::path::Path;

pub use builder::TopologyBuilder;
pub use spec::{Container, Endpoint, Link, Node, NodeKind, Route, RouteDst, RouteScope, Topology};

/// A topology could not be read or is not buildable.
#[derive(Debug, thiserror::Error)]
pub enum TopologyError {
    /// The file could not be read.
    #[error("failed to read topology {path}")]
    Read {
        /// The file.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The YAML does not describe a topology.
    #[error("invalid topology YAML{}", location(.0))]
    Yaml(#[source] serde_yaml_ng::Error),
    /// Names or references are wrong.
    #[error("invalid topology: {0}")]
    Invalid(String),
}

fn location(e: &serde_yaml_ng::Error) -> String {
    e.location()
        .map(|l| format!(" at line {} column {}", l.line(), l.column()))
        .unwrap_or_default()
}

impl Topology {
    /// Starts a Rust builder.
    pub fn builder() -> TopologyBuilder {
        TopologyBuilder::default()
    }

    /// Parses and validates a topology from YAML text.
    pub fn from_yaml(text: &str) -> Result<Self, TopologyError> {
        let t: Self = serde_yaml_ng::from_str(text).map_err(TopologyError::Yaml)?;
        t.expanded()?;
        Ok(t)
    }

    /// Reads, parses and validates a topology file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, TopologyError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| TopologyError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_yaml(&text)
    }

    /// The topology with containers expanded into nodes, links, routes and
    /// sysctls, validated.
    pub fn expanded(&self) -> Result<Self, TopologyError> {
        for c in &self.containers {
            if !self
                .nodes
                .iter()
                .any(|n| n.name == c.host && n.kind != NodeKind::Container)
            {
                return Err(TopologyError::Invalid(format!(
                    "container `{}` sits behind unknown host `{}`",
                    c.name, c.host
                )));
            }
        }
        let t = plan::expand(self);
        validate::validate(&t)?;
        Ok(t)
    }

    /// Node names, containers included.
    pub fn node_names(&self) -> Vec<String> {
        let nodes = self.nodes.iter().map(|n| n.name.clone());
        nodes
            .chain(self.containers.iter().map(|c| c.name.clone()))
            .collect()
    }
}
