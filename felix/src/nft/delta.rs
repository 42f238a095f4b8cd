//! Desired vs actual table → one `nft -f` transaction with only the delta.
//! Pure: the actual table comes in as data (see `reconcile::nft` for the
//! dump), the transaction goes out as text.
//!
//! Order inside the transaction, so every reference is valid at each step:
//! create missing sets and chains; delete then add set and map elements;
//! rewrite changed chains (flush + refill); flush, then delete, chains that
//! are no longer wanted; delete unwanted sets last. The kernel applies the
//! whole file atomically or not at all.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::TABLE_REF;
use super::model::Table;

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
    /// Sets and maps: name → canonical elements.
    pub sets: BTreeMap<String, BTreeSet<String>>,
    /// Names of the entries of `sets` that are maps.
    pub maps: BTreeSet<String>,
    /// Chains by name.
    pub chains: BTreeMap<String, ActualChain>,
}

impl Actual {
    /// What the kernel holds right after `table` was applied successfully:
    /// lets event-driven reconciles skip the (slow) dump; the periodic
    /// resync still dumps and repairs drift.
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
                .filter(|(_, s)| s.is_map)
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

/// Elements per `add element` command (keeps lines reasonable).
const CHUNK: usize = 2000;

fn elements_cmd(out: &mut String, verb: &str, set: &str, elems: &[&String]) {
    for chunk in elems.chunks(CHUNK) {
        let list: Vec<&str> = chunk.iter().map(|s| s.as_str()).collect();
        let _ = writeln!(
            out,
            "{verb} element {TABLE_REF} {set} {{ {} }}",
            list.join(", ")
        );
    }
}

fn chain_current(desired: &super::Chain, actual: Option<&ActualChain>) -> bool {
    actual.is_some_and(|a| {
        a.rules == desired.rules.len()
            && (desired.rules.is_empty() || a.hash.as_deref() == Some(&desired.content_hash()))
    })
}

/// The transaction turning `actual` into `desired`; empty text when they agree.
pub fn render_delta(desired: &Table, actual: &Actual) -> (String, DeltaSummary) {
    let mut out = String::new();
    let mut sum = DeltaSummary::default();
    create(&mut out, &mut sum, desired, actual);
    elements(&mut out, &mut sum, desired, actual);
    rewrite_chains(&mut out, &mut sum, desired, actual);
    remove(&mut out, &mut sum, desired, actual);
    (out, sum)
}

/// The table, sets and chains that do not exist yet (chains empty).
fn create(out: &mut String, sum: &mut DeltaSummary, desired: &Table, actual: &Actual) {
    if !actual.exists {
        let _ = writeln!(out, "add table {TABLE_REF}");
    }
    for (name, def) in &desired.sets {
        if !actual.sets.contains_key(name) {
            let kind = if def.is_map { "map" } else { "set" };
            let _ = writeln!(out, "add {kind} {TABLE_REF} {name} {{ {} }}", def.decl);
            sum.sets_created += 1;
        }
    }
    for (name, chain) in &desired.chains {
        if actual.chains.contains_key(name) {
            continue;
        }
        let _ = match &chain.base {
            Some(b) => writeln!(out, "add chain {TABLE_REF} {name} {{ {b} }}"),
            None => writeln!(out, "add chain {TABLE_REF} {name}"),
        };
    }
}

/// Element deletions first (an interval may be replaced by an overlapping
/// one), then additions.
fn elements(out: &mut String, sum: &mut DeltaSummary, desired: &Table, actual: &Actual) {
    let empty = BTreeSet::new();
    for (name, def) in &desired.sets {
        let have = actual.sets.get(name).unwrap_or(&empty);
        let gone: Vec<&String> = have.difference(&def.elements).collect();
        elements_cmd(out, "delete", name, &gone);
        sum.elements_deleted += gone.len();
    }
    for (name, def) in &desired.sets {
        let have = actual.sets.get(name).unwrap_or(&empty);
        let new: Vec<&String> = def.elements.difference(have).collect();
        elements_cmd(out, "add", name, &new);
        sum.elements_added += new.len();
    }
}

/// Flush and refill every chain whose content differs.
fn rewrite_chains(out: &mut String, sum: &mut DeltaSummary, desired: &Table, actual: &Actual) {
    for (name, chain) in &desired.chains {
        let have = actual.chains.get(name);
        if chain_current(chain, have) {
            continue;
        }
        if have.is_some() {
            let _ = writeln!(out, "flush chain {TABLE_REF} {name}");
        }
        for rule in chain.kernel_rules() {
            let _ = writeln!(out, "add rule {TABLE_REF} {name} {rule}");
        }
        sum.chains_written.push(name.clone());
    }
}

/// Chains no longer wanted (all flushed before any is deleted, so references
/// between them are gone), then sets.
fn remove(out: &mut String, sum: &mut DeltaSummary, desired: &Table, actual: &Actual) {
    let stale: Vec<&String> = actual
        .chains
        .keys()
        .filter(|n| !desired.chains.contains_key(*n))
        .collect();
    for name in &stale {
        let _ = writeln!(out, "flush chain {TABLE_REF} {name}");
    }
    for name in &stale {
        let _ = writeln!(out, "delete chain {TABLE_REF} {name}");
        sum.chains_deleted.push((*name).clone());
    }
    for name in actual
        .sets
        .keys()
        .filter(|n| !desired.sets.contains_key(*n))
    {
        let kind = if actual.maps.contains(name) {
            "map"
        } else {
            "set"
        };
        let _ = writeln!(out, "delete {kind} {TABLE_REF} {name}");
        sum.sets_deleted += 1;
    }
}
