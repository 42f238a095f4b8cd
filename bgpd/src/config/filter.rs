//! Raw filter rules → [`Filter`], with prefix-length ranges checked against the family.

use super::community::{parse_community, parse_large_community};
use super::values::{Errors, communities, large_communities, parse_prefix};
use crate::rib::policy::{Filter, Match, PrefixMatch, Rule, RuleAction, Verdict};
use bgpd_api::schema;

/// Convert a filter; `None` if any rule is invalid (errors recorded).
pub fn filter(field: &str, raw: &schema::Filter, errs: &mut Errors) -> Option<Filter> {
    let before = errs.0.len();
    let rules: Vec<Rule> = raw
        .rules
        .iter()
        .enumerate()
        .filter_map(|(i, r)| rule(&format!("{field}.rules[{i}]"), r, errs))
        .collect();
    (errs.0.len() == before).then(|| Filter {
        rules,
        default: verdict(raw.default.unwrap_or(schema::Verdict::Accept)),
    })
}

fn verdict(v: schema::Verdict) -> Verdict {
    match v {
        schema::Verdict::Accept => Verdict::Accept,
        schema::Verdict::Reject => Verdict::Reject,
    }
}

fn rule(field: &str, r: &schema::Rule, errs: &mut Errors) -> Option<Rule> {
    let f = |n: &str| format!("{field}.{n}");
    let prefix = match &r.prefix {
        Some(p) => Some(prefix_match(field, p, r.ge, r.le, errs)?),
        None => {
            for (name, v) in [("ge", r.ge), ("le", r.le)] {
                if v.is_some() {
                    errs.push(f(name), "needs a prefix to apply to");
                }
            }
            None
        }
    };
    let community = r
        .community
        .as_deref()
        .and_then(|c| errs.check(&f("community"), parse_community(c)));
    let large_community = r
        .large_community
        .as_deref()
        .and_then(|c| errs.check(&f("large_community"), parse_large_community(c)));
    if r.as_path_prefix.as_ref().is_some_and(Vec::is_empty) {
        errs.push(f("as_path_prefix"), "must list at least one AS");
    }
    let rejects = r.action == schema::Verdict::Reject;
    if rejects
        && (r.prepend > 0 || !r.add_communities.is_empty() || !r.add_large_communities.is_empty())
    {
        errs.push(
            f("action"),
            "a reject rule cannot add communities or prepend",
        );
    }
    Some(Rule {
        when: Match {
            prefix,
            community,
            large_community,
            as_path_prefix: r.as_path_prefix.clone(),
        },
        then: RuleAction {
            verdict: verdict(r.action),
            add_communities: communities(&f("add_communities"), &r.add_communities, errs),
            add_large_communities: large_communities(
                &f("add_large_communities"),
                &r.add_large_communities,
                errs,
            ),
            prepend: r.prepend,
        },
    })
}

fn prefix_match(
    field: &str,
    p: &str,
    ge: Option<u8>,
    le: Option<u8>,
    errs: &mut Errors,
) -> Option<PrefixMatch> {
    let net = errs.check(&format!("{field}.prefix"), parse_prefix(p))?;
    let max = net.max_prefix_len();
    let ge_v = ge.unwrap_or(net.prefix_len());
    let le_v = le.unwrap_or(ge_v.max(net.prefix_len()));
    let before = errs.0.len();
    for (name, v) in [("ge", ge_v), ("le", le_v)] {
        if v > max {
            errs.push(
                format!("{field}.{name}"),
                format!("{v} is longer than the {max}-bit family allows"),
            );
        } else if v < net.prefix_len() {
            errs.push(
                format!("{field}.{name}"),
                format!("{v} is shorter than the prefix {net} itself"),
            );
        }
    }
    if ge_v > le_v {
        errs.push(
            format!("{field}.ge"),
            format!("{ge_v} is greater than le {le_v}"),
        );
    }
    (errs.0.len() == before).then_some(PrefixMatch {
        net,
        ge: ge_v,
        le: le_v,
    })
}
