//! Evaluating a selector against a label set.

use std::collections::{BTreeMap, HashMap};

use super::ast::Expr;

/// Label key that marks namespaced entities; `global()` selects entities
/// without it (Calico's convention).
pub const NAMESPACE_LABEL: &str = "projectcalico.org/namespace";

/// Anything that can answer "what is the value of label `k`?".
pub trait Labels {
    /// The value of `key`, if present.
    fn label(&self, key: &str) -> Option<&str>;
}

impl Labels for BTreeMap<String, String> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl<S: std::hash::BuildHasher> Labels for HashMap<String, String, S> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

pub(crate) fn eval<L: Labels + ?Sized>(e: &Expr, labels: &L) -> bool {
    match e {
        Expr::All => true,
        Expr::Global => labels.label(NAMESPACE_LABEL).is_none(),
        Expr::Has(k) => labels.label(k).is_some(),
        Expr::Eq(k, v) => labels.label(k) == Some(v.as_str()),
        // Absent labels satisfy the negative operators, as in Calico.
        Expr::Ne(k, v) => labels.label(k) != Some(v.as_str()),
        Expr::In(k, set) => labels.label(k).is_some_and(|x| set.contains(x)),
        Expr::NotIn(k, set) => !labels.label(k).is_some_and(|x| set.contains(x)),
        Expr::Contains(k, v) => labels.label(k).is_some_and(|x| x.contains(v.as_str())),
        Expr::StartsWith(k, v) => labels.label(k).is_some_and(|x| x.starts_with(v.as_str())),
        Expr::EndsWith(k, v) => labels.label(k).is_some_and(|x| x.ends_with(v.as_str())),
        Expr::Not(inner) => !eval(inner, labels),
        Expr::And(terms) => terms.iter().all(|t| eval(t, labels)),
        Expr::Or(terms) => terms.iter().any(|t| eval(t, labels)),
    }
}

pub(crate) fn mentions_global(e: &Expr) -> bool {
    match e {
        Expr::Global => true,
        Expr::Not(inner) => mentions_global(inner),
        Expr::And(terms) | Expr::Or(terms) => terms.iter().any(mentions_global),
        _ => false,
    }
}
