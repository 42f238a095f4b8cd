//! `delete -f FILE` or `delete KIND NAME...`, all in one transaction.

use crate::args::{DeleteArgs, FileArgs, GlobalArgs};
use crate::commands::{get::parse_kind, write::load_all};
use crate::context::connect;
use crate::error::{CtlError, CtlResult};
use datastore::resource::client::Target;

fn targets(args: &DeleteArgs) -> CtlResult<Vec<Target>> {
    if !args.files.is_empty() {
        if !args.targets.is_empty() {
            return Err(CtlError::Usage(
                "give either -f or KIND NAME..., not both".into(),
            ));
        }
        let file_args = FileArgs {
            files: args.files.clone(),
            recursive: args.recursive,
            namespace: args.namespace.clone(),
        };
        return Ok(load_all(&file_args)?
            .into_iter()
            .map(|o| Target {
                kind: o.kind,
                namespace: o.metadata.namespace,
                name: o.metadata.name,
            })
            .collect());
    }
    let (kind_word, names) = args
        .targets
        .split_first()
        .filter(|(_, names)| !names.is_empty())
        .ok_or_else(|| CtlError::Usage("name what to delete: -f FILE, or KIND NAME...".into()))?;
    let kind = parse_kind(kind_word)?;
    let namespace = kind
        .is_namespaced()
        .then(|| args.namespace.clone().unwrap_or_else(|| "default".into()));
    Ok(names
        .iter()
        .map(|name| Target {
            kind,
            namespace: namespace.clone(),
            name: name.clone(),
        })
        .collect())
}

pub async fn delete(global: &GlobalArgs, args: &DeleteArgs) -> CtlResult<String> {
    let targets = targets(args)?;
    let client = connect(global).await?;
    let deleted = client
        .delete_all(&targets, args.ignore_not_found)
        .await
        .map_err(|e| CtlError::Failed(e.into()))?;
    Ok(deleted
        .iter()
        .map(|t| match &t.namespace {
            Some(ns) => format!(
                "{} {ns}/{} deleted\n",
                t.kind.name().to_ascii_lowercase(),
                t.name
            ),
            None => format!(
                "{} {} deleted\n",
                t.kind.name().to_ascii_lowercase(),
                t.name
            ),
        })
        .collect())
}
