//! `get KIND [NAME...]`.

use crate::args::{GetArgs, GlobalArgs};
use crate::context::connect;
use crate::error::{CtlError, CtlResult};
use crate::output::render;
use datastore::resource::client::Target;
use resources::Kind;

/// Resolves a CLI word to a kind, or explains which words exist.
pub fn parse_kind(word: &str) -> CtlResult<Kind> {
    Kind::from_cli(word).ok_or_else(|| {
        let known: Vec<String> = Kind::ALL
            .iter()
            .map(|k| k.name().to_ascii_lowercase())
            .collect();
        CtlError::Usage(format!(
            "unknown resource kind {word:?}; known kinds: {}",
            known.join(", ")
        ))
    })
}

pub async fn get(global: &GlobalArgs, args: &GetArgs) -> CtlResult<String> {
    let kind = parse_kind(&args.kind)?;
    let client = connect(global).await?;
    let namespace = if args.all_namespaces {
        None
    } else {
        Some(args.namespace.clone().unwrap_or_else(|| "default".into()))
    };
    let objects = if args.names.is_empty() {
        client
            .list(kind, namespace.as_deref())
            .await
            .map_err(|e| CtlError::Failed(e.into()))?
    } else {
        let mut found = Vec::new();
        for name in &args.names {
            let target = Target {
                kind,
                namespace: namespace.clone(),
                name: name.clone(),
            };
            match client
                .get(&target)
                .await
                .map_err(|e| CtlError::Failed(e.into()))?
            {
                Some(object) => found.push(object),
                None => {
                    return Err(CtlError::Failed(anyhow::anyhow!(
                        "{kind} {name:?} not found"
                    )));
                }
            }
        }
        found
    };
    Ok(render(kind, &objects, args.output))
}
