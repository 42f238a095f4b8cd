//! The difference between two states of `inet terrace` as data ([`Delta`]),
//! computed either against a dump of the kernel ([`full_delta`]) or from the
//! compiler's own before/after of the objects a change touched; and its
//! rendering as one `nft -f` transaction. Pure.
//!
//! Order inside the transaction, so every reference is valid at each step:
//! create missing sets and chains; delete then add set and map elements;
//! rewrite changed chains (flush + refill); flush, then delete, chains that
//! are no longer wanted; delete unwanted sets last. The kernel applies the
//! whole transaction atomically or not at all.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::TABLE_REF;
use super::model::{Chain, Table};
use crate::sets::{Elem, SetDef, SetKind};

/// What felix found of one chain: the content-hash comment of its first
/// rule and its rule count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActualChain {
    /// Comment of the first rule (`th:<hash>`), if any.
    pub hash: Option<String>,
    /// Number of rules.
    pub rules: usize,
    /// Rule handles, in order (for restart-safety checks and logs).
    pub handles: Vec<u64>,
}

/// The kernel's `inet terrace`, as far as the diff needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actual {
    /// Whether the table exists.
    pub exists: bool,
    /// Sets and maps: name → elements.
    pub sets: BTreeMap<String, BTreeSet<Elem>>,
    /// Names of the entries of `sets` that are maps.
    pub maps: BTreeSet<String>,
    /// Chains by name.
    pub chains: BTreeMap<String, ActualChain>,
}

/// A chain whose rules are (re)written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainWrite {
    /// Chain name.
    pub name: String,
    /// Its new content.
    pub chain: Chain,
    /// It exists already and is flushed first.
    pub flush: bool,
}

/// Everything a transaction changes, in the order it is applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta {
    /// The table itself is missing.
    pub create_table: bool,
    /// Sets and maps to create (empty).
    pub sets_created: Vec<(String, SetKind)>,
    /// Chains to create (empty), with the base-chain declaration if any.
    pub chains_created: Vec<(String, Option<String>)>,
    /// Elements to delete, per set.
    pub elements_deleted: Vec<(String, Vec<Elem>)>,
    /// Elements to add, per set.
    pub elements_added: Vec<(String, Vec<Elem>)>,
    /// Chains to fill, or to flush and refill.
    pub chains_written: Vec<ChainWrite>,
    /// Chains to flush and delete.
    pub chains_deleted: Vec<String>,
    /// Sets and maps to delete (`true` for a map).
    pub sets_deleted: Vec<(String, bool)>,
}

/// Counts of what a delta does (for logs, metrics and tests).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeltaSummary {
    /// Sets or maps created.
    pub sets_created: usize,
    /// Sets or maps deleted.
    pub sets_deleted: usize,
    /// Elements added.
    pub elements_added: usize,
    /// Elements deleted.
    pub elements_deleted: usize,
    /// Chains created, or rewritten because their content changed.
    pub chains_written: Vec<String>,
    /// Chains deleted.
    pub chains_deleted: Vec<String>,
}

impl DeltaSummary {
    /// True when the delta changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == DeltaSummary::default()
    }
}

impl Delta {
    /// True when the delta changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Delta::default()
    }

    /// Its counts.
    pub fn summary(&self) -> DeltaSummary {
        let count = |v: &[(String, Vec<Elem>)]| v.iter().map(|(_, e)| e.len()).sum();
        DeltaSummary {
            sets_created: self.sets_created.len(),
            sets_deleted: self.sets_deleted.len(),
            elements_added: count(&self.elements_added),
            elements_deleted: count(&self.elements_deleted),
            chains_written: self.chains_written.iter().map(|w| w.name.clone()).collect(),
            chains_deleted: self.chains_deleted.clone(),
        }
    }

    /// The transaction as `nft -f` text; empty when there is nothing to do.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if self.create_table {
            let _ = writeln!(out, "add table {TABLE_REF}");
        }
        for (name, kind) in &self.sets_created {
            let (kw, decl) = (kind.keyword(), kind.decl());
            let _ = writeln!(out, "add {kw} {TABLE_REF} {name} {{ {decl} }}");
        }
        for (name, base) in &self.chains_created {
            let _ = match base {
                Some(b) => writeln!(out, "add chain {TABLE_REF} {name} {{ {b} }}"),
                None => writeln!(out, "add chain {TABLE_REF} {name}"),
            };
        }
        for (set, elems) in &self.elements_deleted {
            elements_cmd(&mut out, "delete", set, elems);
        }
        for (set, elems) in &self.elements_added {
            elements_cmd(&mut out, "add", set, elems);
        }
        for w in &self.chains_written {
            if w.flush {
                let _ = writeln!(out, "flush chain {TABLE_REF} {}", w.name);
            }
            for rule in w.chain.kernel_rules() {
                let _ = writeln!(out, "add rule {TABLE_REF} {} {rule}", w.name);
            }
        }
        for name in &self.chains_deleted {
            let _ = writeln!(out, "flush chain {TABLE_REF} {name}");
        }
        for name in &self.chains_deleted {
            let _ = writeln!(out, "delete chain {TABLE_REF} {name}");
        }
        for (name, is_map) in &self.sets_deleted {
            let kw = if *is_map { "map" } else { "set" };
            let _ = writeln!(out, "delete {kw} {TABLE_REF} {name}");
        }
        out
    }
}

/// A first programming (the table does not exist yet) in three steps, so
/// that its elements can go over netlink instead of through nft's parser:
/// the table, sets and regular chains; then every element; then the base
/// chains. Nothing is hooked before the last step, so no packet meets a
/// table whose sets are still empty. `None` for any other delta, which must
/// stay one transaction.
pub fn staged_creation(delta: &Delta) -> Option<[Delta; 3]> {
    if !delta.create_table || !delta.elements_deleted.is_empty() {
        return None;
    }
    let is_base = |name: &str| {
        delta
            .chains_created
            .iter()
            .any(|(n, base)| n == name && base.is_some())
    };
    let structure = Delta {
        create_table: true,
        sets_created: delta.sets_created.clone(),
        chains_created: delta
            .chains_created
            .iter()
            .filter(|(_, base)| base.is_none())
            .cloned()
            .collect(),
        chains_written: delta
            .chains_written
            .iter()
            .filter(|w| !is_base(&w.name))
            .cloned()
            .collect(),
        ..Delta::default()
    };
    let elements = Delta {
        elements_added: delta.elements_added.clone(),
        ..Delta::default()
    };
    let hooks = Delta {
        chains_created: delta
            .chains_created
            .iter()
            .filter(|(_, base)| base.is_some())
            .cloned()
            .collect(),
        chains_written: delta
            .chains_written
            .iter()
            .filter(|w| is_base(&w.name))
            .cloned()
            .collect(),
        ..Delta::default()
    };
    Some([structure, elements, hooks])
}

/// Elements per `add element` command (keeps lines reasonable).
const CHUNK: usize = 2000;

fn elements_cmd(out: &mut String, verb: &str, set: &str, elems: &[Elem]) {
    for chunk in elems.chunks(CHUNK) {
        let list: Vec<String> = chunk.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            out,
            "{verb} element {TABLE_REF} {set} {{ {} }}",
            list.join(", ")
        );
    }
}

impl Actual {
    /// What the kernel holds right after `table` was applied successfully.
    pub fn from_table(table: &Table) -> Self {
        Self {
            exists: true,
            sets: table
                .sets
                .iter()
                .map(|(n, s)| (n.clone(), s.elements.clone()))
                .collect(),
            maps: table
                .sets
                .iter()
                .filter(|(_, s)| s.kind == SetKind::IfaceVerdictMap)
                .map(|(n, _)| n.clone())
                .collect(),
            chains: table
                .chains
                .iter()
                .map(|(n, c)| {
                    let chain = ActualChain {
                        hash: (!c.rules.is_empty()).then(|| c.content_hash()),
                        rules: c.rules.len(),
                        handles: Vec::new(),
                    };
                    (n.clone(), chain)
                })
                .collect(),
        }
    }
}

fn chain_current(desired: &Chain, actual: Option<&ActualChain>) -> bool {
    actual.is_some_and(|a| {
        a.rules == desired.rules.len()
            && (desired.rules.is_empty() || a.hash.as_deref() == Some(&desired.content_hash()))
    })
}

/// The delta turning the kernel's `actual` into `desired`.
pub fn full_delta(desired: &Table, actual: &Actual) -> Delta {
    let mut d = Delta {
        create_table: !actual.exists,
        ..Delta::default()
    };
    let empty = BTreeSet::new();
    for (name, def) in &desired.sets {
        if !actual.sets.contains_key(name) {
            d.sets_created.push((name.clone(), def.kind));
        }
        let have = actual.sets.get(name).unwrap_or(&empty);
        push_elements(&mut d, name, have, &def.elements);
    }
    for (name, chain) in &desired.chains {
        let have = actual.chains.get(name);
        if have.is_none() {
            d.chains_created.push((name.clone(), chain.base.clone()));
        }
        if !chain_current(chain, have) {
            d.chains_written.push(ChainWrite {
                name: name.clone(),
                chain: chain.clone(),
                flush: have.is_some(),
            });
        }
    }
    d.chains_deleted = actual
        .chains
        .keys()
        .filter(|n| !desired.chains.contains_key(*n))
        .cloned()
        .collect();
    d.sets_deleted = actual
        .sets
        .keys()
        .filter(|n| !desired.sets.contains_key(*n))
        .map(|n| (n.clone(), actual.maps.contains(n)))
        .collect();
    d
}

/// Appends the element changes turning `have` into `want` for set `name`.
fn push_elements(d: &mut Delta, name: &str, have: &BTreeSet<Elem>, want: &BTreeSet<Elem>) {
    let gone: Vec<Elem> = have.difference(want).cloned().collect();
    let new: Vec<Elem> = want.difference(have).cloned().collect();
    if !gone.is_empty() {
        d.elements_deleted.push((name.to_string(), gone));
    }
    if !new.is_empty() {
        d.elements_added.push((name.to_string(), new));
    }
}

/// The delta between the previous versions of the objects a change touched
/// (`None`: did not exist) and their versions in `now`.
pub fn touched_delta(
    sets_before: &BTreeMap<String, Option<SetDef>>,
    chains_before: &BTreeMap<String, Option<Chain>>,
    now: &Table,
) -> Delta {
    let mut d = Delta::default();
    let empty = BTreeSet::new();
    for (name, before) in sets_before {
        let after = now.sets.get(name);
        match (before, after) {
            (None, None) => {}
            (Some(b), None) => d.sets_deleted.push((name.clone(), is_map(b))),
            // A set's name determines its kind, so an existing set only
            // ever changes elements.
            (before, Some(a)) => {
                if before.is_none() {
                    d.sets_created.push((name.clone(), a.kind));
                }
                let have = before.as_ref().map_or(&empty, |b| &b.elements);
                push_elements(&mut d, name, have, &a.elements);
            }
        }
    }
    for (name, before) in chains_before {
        match (before, now.chains.get(name)) {
            (None, None) => {}
            (Some(_), None) => d.chains_deleted.push(name.clone()),
            (before, Some(a)) if before.as_ref() != Some(a) => {
                if before.is_none() {
                    d.chains_created.push((name.clone(), a.base.clone()));
                }
                d.chains_written.push(ChainWrite {
                    name: name.clone(),
                    chain: a.clone(),
                    flush: before.is_some(),
                });
            }
            _ => {}
        }
    }
    d
}

fn is_map(def: &SetDef) -> bool {
    def.kind == SetKind::IfaceVerdictMap
}
