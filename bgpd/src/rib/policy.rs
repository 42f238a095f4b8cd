//! Per-peer import/export filters: an ordered rule list, first match decides.
//!
//! A rule matches on prefix (with a length range), community, large community and
//! AS_PATH prefix, and then accepts (optionally adding communities and prepending) or
//! rejects. Routes that match no rule get the filter's default verdict.

use ipnet::IpNet;

use crate::wire::{LargeCommunity, PathAttrs};

/// Accept or reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verdict {
    /// Let the route through.
    #[default]
    Accept,
    /// Drop the route.
    Reject,
}

/// A prefix with an allowed length range, like `10.65.0.0/16 le 26`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrefixMatch {
    /// Covering prefix.
    pub net: IpNet,
    /// Shortest matching length (defaults to the covering prefix's length).
    pub ge: u8,
    /// Longest matching length.
    pub le: u8,
}

impl PrefixMatch {
    /// Exactly `net`.
    pub fn exact(net: IpNet) -> PrefixMatch {
        PrefixMatch {
            net,
            ge: net.prefix_len(),
            le: net.prefix_len(),
        }
    }

    /// `net` or any more-specific up to length `le`.
    pub fn up_to(net: IpNet, le: u8) -> PrefixMatch {
        PrefixMatch {
            net,
            ge: net.prefix_len(),
            le,
        }
    }

    fn matches(&self, p: &IpNet) -> bool {
        let len = p.prefix_len();
        self.net.contains(p) && len >= self.ge && len <= self.le
    }
}

/// Conditions of a rule; all that are set must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Match {
    /// Prefix range.
    pub prefix: Option<PrefixMatch>,
    /// A standard community the route must carry.
    pub community: Option<u32>,
    /// A large community the route must carry.
    pub large_community: Option<LargeCommunity>,
    /// The AS_PATH must start with these ASes (leftmost first).
    pub as_path_prefix: Option<Vec<u32>>,
}

impl Match {
    fn matches(&self, prefix: &IpNet, attrs: &PathAttrs) -> bool {
        self.prefix.is_none_or(|m| m.matches(prefix))
            && self
                .community
                .is_none_or(|c| attrs.communities.contains(&c))
            && self
                .large_community
                .is_none_or(|c| attrs.large_communities.contains(&c))
            && self.as_path_prefix.as_ref().is_none_or(|want| {
                let have: Vec<u32> = attrs.as_path.asns().take(want.len()).collect();
                have == *want
            })
    }
}

/// What a matching rule does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuleAction {
    /// Accept or reject.
    pub verdict: Verdict,
    /// Standard communities to add on accept.
    pub add_communities: Vec<u32>,
    /// Large communities to add on accept.
    pub add_large_communities: Vec<LargeCommunity>,
    /// Prepend our AS this many extra times (export) or the peer's AS (import).
    pub prepend: u8,
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rule {
    /// Conditions.
    pub when: Match,
    /// Action.
    pub then: RuleAction,
}

/// An ordered filter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    /// Rules, first match wins.
    pub rules: Vec<Rule>,
    /// Verdict for routes no rule matches.
    pub default: Verdict,
}

impl Filter {
    /// Accept everything.
    pub fn accept_all() -> Filter {
        Filter::default()
    }

    /// True if some rule looks at the prefix; otherwise one verdict serves every prefix
    /// sharing an attribute set (the RIB caches it per UPDATE).
    pub fn depends_on_prefix(&self) -> bool {
        self.rules.iter().any(|r| r.when.prefix.is_some())
    }

    /// Apply to a route: `None` if rejected, else the (possibly modified) attributes.
    /// `prepend_as` is the AS a rule's `prepend` repeats.
    pub fn apply(&self, prefix: &IpNet, attrs: &PathAttrs, prepend_as: u32) -> Option<PathAttrs> {
        let Some(rule) = self.rules.iter().find(|r| r.when.matches(prefix, attrs)) else {
            return (self.default == Verdict::Accept).then(|| attrs.clone());
        };
        if rule.then.verdict == Verdict::Reject {
            return None;
        }
        let mut out = attrs.clone();
        for c in &rule.then.add_communities {
            if !out.communities.contains(c) {
                out.communities.push(*c);
            }
        }
        for c in &rule.then.add_large_communities {
            if !out.large_communities.contains(c) {
                out.large_communities.push(*c);
            }
        }
        out.as_path
            .prepend(prepend_as, usize::from(rule.then.prepend));
        Some(out)
    }
}
