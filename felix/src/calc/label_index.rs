//! An inverted index from label pairs to groups of entities with equal
//! labels, so a rebuild evaluates a selector only on the groups that can
//! match it: most selectors require a `key == value` (or `key in {...}`),
//! alone or as a term of a top-level `&&`. Pure.

use std::collections::{BTreeMap, BTreeSet};

use policies::selector::{Expr, Selector};

use super::entities::Labels;

/// Groups (by index) that carry each label pair.
#[derive(Debug, Default)]
pub struct LabelIndex<'a> {
    by_pair: BTreeMap<&'a str, BTreeMap<&'a str, Vec<usize>>>,
    groups: usize,
}

impl<'a> LabelIndex<'a> {
    /// Indexes groups given by their labels, in order.
    pub fn new(groups: impl IntoIterator<Item = &'a Labels>) -> Self {
        let mut index = LabelIndex::default();
        for (i, labels) in groups.into_iter().enumerate() {
            for (k, v) in labels {
                let values = index.by_pair.entry(k.as_str()).or_default();
                values.entry(v.as_str()).or_default().push(i);
            }
            index.groups = i + 1;
        }
        index
    }

    /// The groups that can match `sel`: those carrying one of its required
    /// pairs, or every group when it has none. Ascending.
    pub fn candidates(&self, sel: Option<&Selector>) -> Vec<usize> {
        match sel.and_then(|s| self.narrowed(s.expr())) {
            Some(set) => set.into_iter().collect(),
            None => (0..self.groups).collect(),
        }
    }

    fn with(&self, k: &str, v: &str) -> &[usize] {
        self.by_pair
            .get(k)
            .and_then(|values| values.get(v))
            .map_or(&[], Vec::as_slice)
    }

    /// The groups carrying a pair `e` requires: for `k == v` and
    /// `k in {...}` directly, for a `&&` its most selective such term;
    /// `None` when `e` requires no pair.
    fn narrowed(&self, e: &Expr) -> Option<BTreeSet<usize>> {
        match e {
            Expr::Eq(k, v) => Some(self.with(k, v).iter().copied().collect()),
            Expr::In(k, vs) => Some(
                vs.iter()
                    .flat_map(|v| self.with(k, v).iter().copied())
                    .collect(),
            ),
            Expr::And(terms) => terms
                .iter()
                .filter_map(|t| self.narrowed(t))
                .min_by_key(BTreeSet::len),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn only_groups_with_a_required_pair_are_candidates() {
        let groups = [
            labels(&[("app", "a"), ("role", "x")]),
            labels(&[("app", "b"), ("role", "x")]),
            labels(&[("app", "c")]),
        ];
        let index = LabelIndex::new(groups.iter());
        let cases = [
            ("app == 'a'", vec![0]),
            ("app in {'a', 'c'}", vec![0, 2]),
            ("has(role) && app == 'b'", vec![1]),
            ("role == 'x' && app == 'c'", vec![2]),
            ("app == 'a' && role == 'x'", vec![0]),
            ("has(app)", vec![0, 1, 2]),
            ("app == 'a' || app == 'b'", vec![0, 1, 2]),
            ("app != 'a'", vec![0, 1, 2]),
        ];
        for (text, want) in cases {
            let sel = Selector::parse(text).unwrap();
            assert_eq!(index.candidates(Some(&sel)), want, "{text}");
            // Candidates always include every group that matches.
            for (i, g) in groups.iter().enumerate() {
                if sel.matches(g) {
                    assert!(want.contains(&i), "{text} matches group {i}");
                }
            }
        }
        assert_eq!(index.candidates(None), vec![0, 1, 2]);
    }
}
