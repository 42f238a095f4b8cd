//! The nft table as data: what felix wants (or found) in `inet terrace`.

use std::collections::BTreeMap;

use super::mark_rule::MarkRule;
use super::matches::NftRule;
use crate::hash;
use crate::sets::SetDef;

/// A chain: an optional base-chain declaration and its rules in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chain {
    /// `type filter hook forward priority filter; policy accept;` for base chains.
    pub base: Option<String>,
    /// Rule text, one rule per entry, without the content-hash comment.
    pub rules: Vec<String>,
    /// The same rules as data when they are all mark rules (policy-group
    /// chains): such a chain can be written over netlink directly.
    pub marks: Option<Vec<MarkRule>>,
    /// The same rules as data for policy and profile chains (what the
    /// simulator runs packets through).
    pub compiled: Option<Vec<NftRule>>,
}

impl Chain {
    /// A regular chain with `rules`.
    pub fn regular(rules: Vec<String>) -> Self {
        Self {
            base: None,
            rules,
            marks: None,
            compiled: None,
        }
    }

    /// A regular chain of mark rules.
    pub fn of_marks(marks: Vec<MarkRule>) -> Self {
        Self {
            rules: marks.iter().map(ToString::to_string).collect(),
            marks: Some(marks),
            ..Self::default()
        }
    }

    /// A regular chain of compiled policy rules.
    pub fn of_rules(rules: Vec<NftRule>) -> Self {
        Self {
            rules: rules.iter().map(ToString::to_string).collect(),
            compiled: Some(rules),
            ..Self::default()
        }
    }

    /// Hash of the declaration and every rule: the chain's identity for the
    /// diff. Stored in a comment on the first rule so a later run (or a
    /// restarted felix) can tell whether the kernel's chain is current.
    pub fn content_hash(&self) -> String {
        format!("th:{}", hash::short(&self.content_text()))
    }

    fn content_text(&self) -> String {
        let mut text = self.base.clone().unwrap_or_default();
        for r in &self.rules {
            text.push('\n');
            text.push_str(r);
        }
        text
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
