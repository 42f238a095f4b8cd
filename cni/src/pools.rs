//! Which IP pools this node may take addresses from: pools that are not disabled and whose
//! `nodeSelector` matches the node's labels (a node without a Node resource has no labels,
//! so only pools without a selector, or with `all()`, apply).

use crate::error::{self, CniError};
use datastore::resource::client::{ResourceClient, Target};
use policies::selector::Selector;
use resources::ipam::PoolView;
use resources::{IPPoolSpec, Kind};
use std::collections::BTreeMap;

/// The planner's view of `pools` for a node with `labels` (pure).
pub fn views(pools: &[IPPoolSpec], labels: &BTreeMap<String, String>) -> Vec<PoolView> {
    pools
        .iter()
        .map(|pool| {
            let selected = match pool.node_selector.trim() {
                "" => true,
                text => match Selector::parse(text) {
                    Ok(selector) => selector.matches(labels),
                    Err(err) => {
                        tracing::warn!(cidr = %pool.cidr, %err, "pool nodeSelector does not parse; pool skipped");
                        false
                    }
                },
            };
            PoolView {
                cidr: pool.cidr,
                block_prefix_len: pool.block_prefix_len(),
                usable: !pool.disabled && selected,
            }
        })
        .collect()
}

/// Reads the pools and the node's labels from the datastore.
pub async fn load(client: &ResourceClient, node: &str) -> Result<Vec<PoolView>, CniError> {
    let target = Target {
        kind: Kind::Node,
        namespace: None,
        name: node.to_owned(),
    };
    let labels = client
        .get(&target)
        .await
        .map_err(error::from_client)?
        .map(|n| n.metadata.labels)
        .unwrap_or_default();
    let mut specs = Vec::new();
    for object in client
        .list(Kind::IPPool, None)
        .await
        .map_err(error::from_client)?
    {
        match object.spec_as::<IPPoolSpec>() {
            Ok(spec) => specs.push(spec),
            Err(err) => tracing::warn!(%err, "stored IPPool does not decode; skipped"),
        }
    }
    Ok(views(&specs, &labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(json: &str) -> IPPoolSpec {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn pools_are_usable_when_enabled_and_selected() {
        let pools = [
            pool(r#"{"cidr":"10.65.0.0/16"}"#),
            pool(r#"{"cidr":"10.66.0.0/16","disabled":true}"#),
            pool(r#"{"cidr":"10.67.0.0/16","nodeSelector":"rack == 'a'"}"#),
            pool(r#"{"cidr":"10.68.0.0/16","nodeSelector":"rack == 'b'"}"#),
            pool(r#"{"cidr":"10.69.0.0/16","nodeSelector":"rack =="}"#),
            pool(r#"{"cidr":"fd00::/48","blockSize":120}"#),
        ];
        let labels: BTreeMap<String, String> = [("rack".to_string(), "a".to_string())].into();
        let usable: Vec<bool> = views(&pools, &labels).iter().map(|v| v.usable).collect();
        assert_eq!(usable, [true, false, true, false, false, true]);
        assert_eq!(views(&pools, &labels)[5].block_prefix_len, 120);
        let unlabelled: Vec<bool> = views(&pools, &BTreeMap::new())
            .iter()
            .map(|v| v.usable)
            .collect();
        assert_eq!(unlabelled, [true, false, false, false, false, true]);
    }
}
