//! Everything the model reads, already decoded from the datastore.

use resources::ipam::Block;
use resources::{BGPConfigurationSpec, BGPPeerSpec, IPPoolSpec, Kind, NodeSpec, Object};
use std::collections::BTreeMap;

/// A Node resource with its labels.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeInfo {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub spec: NodeSpec,
}

/// The resources one node's configuration depends on.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// The node being configured.
    pub node: String,
    pub nodes: Vec<NodeInfo>,
    /// BGPConfiguration `default`.
    pub global_config: Option<BGPConfigurationSpec>,
    /// BGPConfiguration `node.<node>`.
    pub node_config: Option<BGPConfigurationSpec>,
    /// BGPPeers by name.
    pub peers: Vec<(String, BGPPeerSpec)>,
    pub pools: Vec<IPPoolSpec>,
    pub blocks: Vec<Block>,
}

impl Inputs {
    pub fn node_info(&self, name: &str) -> Option<&NodeInfo> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// A setting from the node's BGPConfiguration, else the global one.
    pub fn setting<T>(&self, get: impl Fn(&BGPConfigurationSpec) -> Option<T>) -> Option<T> {
        self.node_config
            .as_ref()
            .and_then(&get)
            .or_else(|| self.global_config.as_ref().and_then(&get))
    }
}

/// A stored object whose spec does not decode as its kind says.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(#[from] resources::object::ObjectError);

impl Inputs {
    /// Gathers the inputs of `node` from stored objects (other kinds are ignored).
    pub fn from_objects(
        node: &str,
        objects: &[Object],
        blocks: Vec<Block>,
    ) -> Result<Inputs, InputError> {
        let mut inputs = Inputs {
            node: node.to_string(),
            blocks,
            ..Inputs::default()
        };
        let node_config_name = format!("node.{node}");
        for o in objects {
            match o.kind {
                Kind::Node => inputs.nodes.push(NodeInfo {
                    name: o.metadata.name.clone(),
                    labels: o.metadata.labels.clone(),
                    spec: o.spec_as()?,
                }),
                Kind::BGPPeer => inputs.peers.push((o.metadata.name.clone(), o.spec_as()?)),
                Kind::IPPool => inputs.pools.push(o.spec_as()?),
                Kind::BGPConfiguration if o.metadata.name == "default" => {
                    inputs.global_config = Some(o.spec_as()?)
                }
                Kind::BGPConfiguration if o.metadata.name == node_config_name => {
                    inputs.node_config = Some(o.spec_as()?)
                }
                _ => {}
            }
        }
        Ok(inputs)
    }
}
