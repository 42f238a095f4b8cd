//! `selector match SELECTOR [--labels JSON]`.

use crate::args::GlobalArgs;
use crate::context::connect;
use crate::error::{CtlError, CtlResult};
use policies::selector::Selector;
use resources::Kind;
use std::collections::BTreeMap;

/// Kinds whose labels selectors are evaluated against.
const LABELLED_KINDS: [Kind; 5] = [
    Kind::WorkloadEndpoint,
    Kind::HostEndpoint,
    Kind::NetworkSet,
    Kind::GlobalNetworkSet,
    Kind::Node,
];

pub fn parse_selector(text: &str) -> CtlResult<Selector> {
    Selector::parse(text).map_err(|e| CtlError::Usage(format!("invalid selector:\n{}", e.render())))
}

fn parse_labels(json: &str) -> CtlResult<BTreeMap<String, String>> {
    serde_json::from_str(json).map_err(|e| {
        CtlError::Usage(format!(
            "--labels must be a JSON object of string values: {e}"
        ))
    })
}

pub async fn match_selector(
    global: &GlobalArgs,
    selector: &str,
    labels: Option<&str>,
) -> CtlResult<String> {
    let selector = parse_selector(selector)?;
    if let Some(json) = labels {
        return Ok(format!("{}\n", selector.matches(&parse_labels(json)?)));
    }
    let client = connect(global).await?;
    let mut out = String::new();
    for kind in LABELLED_KINDS {
        for object in client
            .list(kind, None)
            .await
            .map_err(|e| CtlError::Failed(e.into()))?
        {
            if selector.matches(&object.metadata.labels) {
                let name = match &object.metadata.namespace {
                    Some(ns) => format!("{ns}/{}", object.metadata.name),
                    None => object.metadata.name.clone(),
                };
                out.push_str(&format!("{} {name}\n", kind.name().to_ascii_lowercase()));
            }
        }
    }
    Ok(out)
}
