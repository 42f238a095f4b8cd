//! `apply`, `create`, `replace` and `validate`: every document is validated
//! first; only when all are valid are they written, in one transaction.

use crate::args::{FileArgs, GlobalArgs};
use crate::context::connect;
use crate::error::{CtlError, CtlResult};
use crate::input::read_documents;
use datastore::resource::client::{ResourceClient, Target, WriteMode};
use resources::load::load_document;
use resources::{Kind, Object};

/// Reads and validates every document; all errors are collected.
pub fn load_all(args: &FileArgs) -> CtlResult<Vec<Object>> {
    let docs = read_documents(&args.files, args.recursive)?;
    if docs.is_empty() {
        return Err(CtlError::Usage(
            "no documents found in the given files".into(),
        ));
    }
    let mut objects = Vec::new();
    let mut errors = Vec::new();
    for doc in &docs {
        match load_document(doc, args.namespace.as_deref()) {
            Ok(object) => objects.push(object),
            Err(doc_errors) => errors.extend(doc_errors.iter().map(ToString::to_string)),
        }
    }
    check_duplicates(&objects, &mut errors);
    if errors.is_empty() {
        Ok(objects)
    } else {
        Err(CtlError::Invalid(errors))
    }
}

fn check_duplicates(objects: &[Object], errors: &mut Vec<String>) {
    for (i, o) in objects.iter().enumerate() {
        let same = |p: &&Object| {
            p.kind == o.kind
                && p.metadata.name == o.metadata.name
                && p.metadata.namespace == o.metadata.namespace
        };
        if objects[..i].iter().any(|p| same(&p)) {
            errors.push(format!("{} {} appears more than once", o.kind, describe(o)));
        }
    }
}

pub fn describe(o: &Object) -> String {
    match &o.metadata.namespace {
        Some(ns) => format!("{ns}/{}", o.metadata.name),
        None => o.metadata.name.clone(),
    }
}

pub async fn write(global: &GlobalArgs, args: &FileArgs, mode: WriteMode) -> CtlResult<String> {
    let objects = load_all(args)?;
    let client = connect(global).await?;
    check_tiers_exist(&client, &objects).await?;
    client
        .write_all(&objects, mode)
        .await
        .map_err(|e| CtlError::Failed(e.into()))?;
    let verb = match mode {
        WriteMode::Apply => "configured",
        WriteMode::Create => "created",
        WriteMode::Replace => "replaced",
    };
    Ok(objects
        .iter()
        .map(|o| {
            format!(
                "{} {} {verb}\n",
                o.kind.name().to_ascii_lowercase(),
                describe(o)
            )
        })
        .collect())
}

/// A policy in a tier that does not exist would never be evaluated: refuse it.
async fn check_tiers_exist(client: &ResourceClient, objects: &[Object]) -> CtlResult<()> {
    let mut errors = Vec::new();
    let policies = objects
        .iter()
        .filter(|o| matches!(o.kind, Kind::NetworkPolicy | Kind::GlobalNetworkPolicy));
    for o in policies {
        let Some(tier) = o
            .spec
            .get("tier")
            .and_then(|t| t.as_str())
            .filter(|t| *t != "default")
        else {
            continue;
        };
        let in_batch = objects
            .iter()
            .any(|t| t.kind == Kind::Tier && t.metadata.name == tier);
        let target = Target {
            kind: Kind::Tier,
            namespace: None,
            name: tier.to_string(),
        };
        if !in_batch
            && client
                .get(&target)
                .await
                .map_err(|e| CtlError::Failed(e.into()))?
                .is_none()
        {
            errors.push(format!(
                "{} {}: tier {tier:?} does not exist; create the Tier first or in the same apply",
                o.kind,
                describe(o)
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(CtlError::Invalid(errors))
    }
}

pub fn validate(args: &FileArgs) -> CtlResult<String> {
    let objects = load_all(args)?;
    Ok(format!("{} documents valid\n", objects.len()))
}
