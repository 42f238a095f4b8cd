//! The tier walk for one endpoint and direction.

use super::endpoint::Endpoint;
use super::matching::{PacketCtx, rule_matches};
use super::ordering::{policy_applies, policy_order};
use super::store::Evaluator;
use super::trace::{DecidedBy, Decision, Direction, PolicyRef, Verdict};
use crate::model::{Action, Policy, Rule, Tier, TierDefaultAction};

/// What a list of rules did with the packet.
enum Outcome {
    /// An Allow or Deny rule at this index.
    Final(usize, Action),
    /// A Pass rule: go to the next tier (or, in a profile, the next profile).
    Pass,
    /// No rule decided.
    NoMatch,
}

fn run_rules(
    ev: &Evaluator,
    rules: &[Rule],
    pkt: &PacketCtx<'_>,
    policy_ns: Option<&str>,
    log_name: &str,
    logged: &mut Vec<String>,
) -> Outcome {
    for (i, rule) in rules.iter().enumerate() {
        if !rule_matches(ev, rule, pkt, policy_ns) {
            continue;
        }
        match rule.action {
            Action::Allow | Action::Deny => return Outcome::Final(i, rule.action),
            Action::Log => logged.push(format!("{log_name} rule {i}")),
            Action::Pass => return Outcome::Pass,
        }
    }
    Outcome::NoMatch
}

/// True when `policy` applies to `ep` in direction `dir`.
pub(crate) fn applies(ev: &Evaluator, policy: &Policy, ep: &Endpoint, dir: Direction) -> bool {
    policy_applies(
        policy,
        ep.key.namespace.as_deref(),
        &ev.effective_labels(ep),
        |ns| ev.namespace_labels(ns),
        dir,
    )
}

/// Applicable policies of one tier, in order.
fn tier_policies<'a>(
    ev: &'a Evaluator,
    tier: &str,
    ep: &Endpoint,
    dir: Direction,
) -> Vec<&'a Policy> {
    let mut pols: Vec<&Policy> = ev
        .policies()
        .filter(|p| p.tier == tier && applies(ev, p, ep, dir))
        .collect();
    pols.sort_by(|a, b| policy_order(a, b));
    pols
}

/// Pushes `msg` once.
fn warn(warnings: &mut Vec<String>, msg: String) {
    if !warnings.contains(&msg) {
        warnings.push(msg);
    }
}

/// State of one endpoint/direction walk.
struct Walk<'a, 'p> {
    ev: &'a Evaluator,
    ep: &'a Endpoint,
    dir: Direction,
    pkt: &'a PacketCtx<'p>,
    considered: Vec<PolicyRef>,
    logged: Vec<String>,
}

impl Walk<'_, '_> {
    fn rules<'r>(&self, ingress: &'r [Rule], egress: &'r [Rule]) -> &'r [Rule] {
        if self.dir == Direction::Ingress {
            ingress
        } else {
            egress
        }
    }

    /// Walks the tiers; `None` when every tier passed or had no policies.
    fn tiers(&mut self, tiers: &[Tier]) -> Option<(Decision, DecidedBy)> {
        'tiers: for tier in tiers {
            let pols = tier_policies(self.ev, &tier.name, self.ep, self.dir);
            if pols.is_empty() {
                continue;
            }
            for pol in pols {
                let name = pol.qualified_name();
                self.considered.push(PolicyRef {
                    tier: tier.name.clone(),
                    policy: name.clone(),
                });
                let rules = self.rules(&pol.ingress, &pol.egress);
                let log_name = format!("{}/{name}", tier.name);
                let ns = pol.namespace.as_deref();
                match run_rules(self.ev, rules, self.pkt, ns, &log_name, &mut self.logged) {
                    Outcome::Final(rule, action) => {
                        let by = DecidedBy::Rule {
                            tier: tier.name.clone(),
                            policy: name,
                            rule,
                            action,
                        };
                        return Some((decision_of(action), by));
                    }
                    Outcome::Pass => continue 'tiers,
                    Outcome::NoMatch => {}
                }
            }
            if tier.default_action == TierDefaultAction::Deny {
                return Some((
                    Decision::Deny,
                    DecidedBy::TierDefault {
                        tier: tier.name.clone(),
                    },
                ));
            }
        }
        None
    }

    /// Walks the endpoint's profiles in order.
    fn profiles(&mut self, warnings: &mut Vec<String>) -> Option<(Decision, DecidedBy)> {
        for name in &self.ep.profiles {
            let Some(profile) = self.ev.profile(name) else {
                warn(
                    warnings,
                    format!(
                        "endpoint {} uses profile {name} which does not exist",
                        self.ep.key
                    ),
                );
                continue;
            };
            let rules = self.rules(&profile.ingress, &profile.egress);
            let log_name = format!("profile {name}");
            if let Outcome::Final(rule, action) =
                run_rules(self.ev, rules, self.pkt, None, &log_name, &mut self.logged)
            {
                return Some((
                    decision_of(action),
                    DecidedBy::Profile {
                        profile: name.clone(),
                        rule,
                        action,
                    },
                ));
            }
        }
        None
    }
}

/// The verdict at `ep` for direction `dir`.
pub(crate) fn verdict(
    ev: &Evaluator,
    ep: &Endpoint,
    dir: Direction,
    pkt: &PacketCtx<'_>,
    warnings: &mut Vec<String>,
) -> Verdict {
    let tiers = ev.ordered_tiers();
    for p in ev
        .policies()
        .filter(|p| !tiers.iter().any(|t| t.name == p.tier))
    {
        let msg = format!(
            "policy {} is in tier {} which does not exist; ignored",
            p.qualified_name(),
            p.tier
        );
        warn(warnings, msg);
    }
    let mut walk = Walk {
        ev,
        ep,
        dir,
        pkt,
        considered: Vec::new(),
        logged: Vec::new(),
    };
    let (decision, decided_by) = walk
        .tiers(&tiers)
        .or_else(|| walk.profiles(warnings))
        .unwrap_or((Decision::Deny, DecidedBy::DefaultDeny));
    Verdict {
        endpoint: ep.key.clone(),
        direction: dir,
        decision,
        decided_by,
        considered: walk.considered,
        logged: walk.logged,
    }
}

fn decision_of(action: Action) -> Decision {
    if action == Action::Allow {
        Decision::Allow
    } else {
        Decision::Deny
    }
}
