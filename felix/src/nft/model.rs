//! The nft table as data: what felix wants (or found) in `inet terrace`.

use std::collections::{BTreeMap, BTreeSet};

use crate::hash;

/// A named set or verdict map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetDef {
    /// `set` or `map`.
    pub is_map: bool,
    /// Body declaration, e.g. `type ipv4_addr; flags interval;`.
    pub decl: String,
    /// Elements in canonical text (`10.0.0.1`, `10.0.0.0/24`,
    /// `10.0.0.1 . tcp . 80`, `"tra1" : jump wo-tra1`).
    pub elements: BTreeSet<String>,
}

/// A chain: an optional base-chain declaration and its rules in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chain {
    /// `type filter hook forward priority filter; policy accept;` for base chains.
    pub base: Option<String>,
    /// Rule text, one rule per entry, without the content-hash comment.
    pub rules: Vec<String>,
}

impl Chain {
    /// A regular chain with `rules`.
    pub fn regular(rules: Vec<String>) -> Self {
        Self { base: None, rules }
    }

    /// Hash of the declaration and every rule: the chain's identity for the
    /// diff. Stored in a comment on the first rule so a later run (or a
    /// restarted felix) can tell whether the kernel's chain is current.
    pub fn content_hash(&self) -> String {
        let mut text = self.base.clone().unwrap_or_default();
        for r in &self.rules {
            text.push('\n');
            text.push_str(r);
        }
        format!("th:{}", hash::short(&text))
    }

    /// The rules as written to the kernel: the first carries the hash comment.
    pub fn kernel_rules(&self) -> Vec<String> {
        let hash = self.content_hash();
        self.rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                if i == 0 {
                    format!("{r} comment \"{hash}\"")
                } else {
                    r.clone()
                }
            })
            .collect()
    }
}

/// The whole desired table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// Sets and maps by name.
    pub sets: BTreeMap<String, SetDef>,
    /// Chains by name.
    pub chains: BTreeMap<String, Chain>,
}

impl Table {
    /// Number of rules over all chains.
    pub fn rule_count(&self) -> usize {
        self.chains.values().map(|c| c.rules.len()).sum()
    }

    /// Number of set elements over all sets and maps.
    pub fn element_count(&self) -> usize {
        self.sets.values().map(|s| s.elements.len()).sum()
    }
}
