//! Checks on `apiVersion`, names, namespaces and labels.

use std::collections::BTreeMap;

use crate::raw::RawMetadata;
use crate::selector::MAX_LABEL_LEN;
use crate::validate::{FieldPath, ValidationErrors};

/// Name rule: lower-case alphanumerics and `-`, optionally `.`-separated
/// (`dots` false forbids dots, as for tiers and namespaces), `max` chars.
pub(crate) fn check_name(
    name: &str,
    dots: bool,
    max: usize,
    path: &FieldPath,
    errs: &mut ValidationErrors,
) {
    if name.is_empty() {
        errs.push(path, "name is required");
        return;
    }
    let part_ok = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !p.starts_with('-')
            && !p.ends_with('-')
    };
    let ok = if dots {
        name.split('.').all(part_ok)
    } else {
        part_ok(name)
    };
    if !ok {
        let what = if dots {
            "lower-case alphanumerics, '-' or '.'"
        } else {
            "lower-case alphanumerics or '-'"
        };
        errs.push(path, format!("invalid name {name:?}: must consist of {what}, starting and ending with an alphanumeric"));
    }
    if name.len() > max {
        errs.push(path, format!("name is longer than {max} characters"));
    }
}

/// Label keys must be usable in selectors.
pub(crate) fn check_labels(
    labels: &BTreeMap<String, String>,
    path: &FieldPath,
    errs: &mut ValidationErrors,
) {
    for key in labels.keys() {
        let ok = !key.is_empty()
            && key.len() <= MAX_LABEL_LEN
            && key.chars().all(crate::selector::is_label_key_char);
        if !ok {
            errs.push(
                &path.field(key),
                "label keys must be 1-512 characters of [A-Za-z0-9_./-] to be selectable",
            );
        }
    }
}

/// Namespaced kinds: the namespace defaults to `default` (as kubectl and
/// calicoctl do). Global kinds: a namespace is an error.
pub(crate) fn namespace_of(
    meta: &RawMetadata,
    namespaced: bool,
    errs: &mut ValidationErrors,
) -> Option<String> {
    let path = FieldPath::root("metadata").field("namespace");
    match (&meta.namespace, namespaced) {
        (Some(ns), true) => {
            check_name(ns, false, 63, &path, errs);
            Some(ns.clone())
        }
        (None, true) => Some("default".to_string()),
        (Some(_), false) => {
            errs.push(
                &path,
                "this kind is not namespaced; remove metadata.namespace",
            );
            None
        }
        (None, false) => None,
    }
}
