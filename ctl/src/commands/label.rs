//! `label KIND NAME KEY=VALUE KEY-`: a compare-and-swap update of the labels.

use crate::args::{GlobalArgs, LabelArgs};
use crate::commands::get::parse_kind;
use crate::context::connect;
use crate::error::{CtlError, CtlResult};
use datastore::resource::client::{Target, WriteMode};
use std::collections::BTreeMap;

#[derive(Debug, PartialEq, Eq)]
enum Change {
    Set(String, String),
    Remove(String),
}

fn parse_change(text: &str) -> CtlResult<Change> {
    if let Some(key) = text.strip_suffix('-') {
        return Ok(Change::Remove(key.to_string()));
    }
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok(Change::Set(k.to_string(), v.to_string())),
        _ => Err(CtlError::Usage(format!(
            "{text:?} is neither KEY=VALUE nor KEY-"
        ))),
    }
}

fn apply_changes(
    labels: &mut BTreeMap<String, String>,
    changes: &[Change],
    overwrite: bool,
) -> CtlResult<()> {
    for change in changes {
        match change {
            Change::Set(k, v) => {
                if !overwrite && labels.get(k).is_some_and(|old| old != v) {
                    return Err(CtlError::Usage(format!(
                        "label {k:?} already has a value; use --overwrite to change it"
                    )));
                }
                labels.insert(k.clone(), v.clone());
            }
            Change::Remove(k) => {
                labels.remove(k);
            }
        }
    }
    Ok(())
}

pub async fn label(global: &GlobalArgs, args: &LabelArgs) -> CtlResult<String> {
    let kind = parse_kind(&args.kind)?;
    let changes = args
        .changes
        .iter()
        .map(|c| parse_change(c))
        .collect::<CtlResult<Vec<_>>>()?;
    let client = connect(global).await?;
    let namespace = kind
        .is_namespaced()
        .then(|| args.namespace.clone().unwrap_or_else(|| "default".into()));
    let target = Target {
        kind,
        namespace,
        name: args.name.clone(),
    };
    let mut object = client
        .get(&target)
        .await
        .map_err(|e| CtlError::Failed(e.into()))?
        .ok_or_else(|| CtlError::Failed(anyhow::anyhow!("{kind} {:?} not found", args.name)))?;
    apply_changes(&mut object.metadata.labels, &changes, args.overwrite)?;
    // Replace honours the resourceVersion we read: a concurrent change fails instead of being lost.
    client
        .write_all(std::slice::from_ref(&object), WriteMode::Replace)
        .await
        .map_err(|e| CtlError::Failed(e.into()))?;
    Ok(format!(
        "{} {} labeled\n",
        kind.name().to_ascii_lowercase(),
        args.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_changes_parse_and_apply() {
        let changes: Vec<Change> = ["tier=web", "old-", "empty="]
            .iter()
            .map(|c| parse_change(c).unwrap())
            .collect();
        let mut labels = BTreeMap::from([("old".to_string(), "x".to_string())]);
        apply_changes(&mut labels, &changes, false).unwrap();
        assert_eq!(
            labels,
            BTreeMap::from([
                ("tier".into(), "web".into()),
                ("empty".into(), String::new())
            ])
        );
        assert!(parse_change("novalue").is_err());
        assert!(
            apply_changes(
                &mut labels,
                &[Change::Set("tier".into(), "db".into())],
                false
            )
            .is_err()
        );
        assert!(
            apply_changes(
                &mut labels,
                &[Change::Set("tier".into(), "db".into())],
                true
            )
            .is_ok()
        );
    }
}
