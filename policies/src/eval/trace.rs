//! What the evaluator reports: per-direction verdicts and why.

use std::fmt;

use serde::Serialize;

use super::endpoint::EndpointKey;
use crate::model::Action;

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The packet passes this direction.
    Allow,
    /// The packet is dropped.
    Deny,
}

/// Traffic direction relative to the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Arriving at the endpoint.
    Ingress,
    /// Leaving the endpoint.
    Egress,
}

/// A policy the walk looked at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRef {
    /// Tier name.
    pub tier: String,
    /// `namespace/name` or `name`.
    pub policy: String,
}

/// What decided a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum DecidedBy {
    /// An Allow or Deny rule of a policy.
    Rule {
        /// Tier name.
        tier: String,
        /// `namespace/name` or `name`.
        policy: String,
        /// 0-based rule index in the direction's rule list.
        rule: usize,
        /// Allow or Deny.
        #[serde(serialize_with = "ser_action")]
        action: Action,
    },
    /// A tier had applicable policies and none decided.
    TierDefault {
        /// Tier name.
        tier: String,
    },
    /// An Allow or Deny rule of a profile.
    Profile {
        /// Profile name.
        profile: String,
        /// 0-based rule index.
        rule: usize,
        /// Allow or Deny.
        #[serde(serialize_with = "ser_action")]
        action: Action,
    },
    /// Nothing allowed the packet.
    DefaultDeny,
}

fn ser_action<S: serde::Serializer>(a: &Action, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(a.as_str())
}

impl fmt::Display for DecidedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecidedBy::Rule {
                tier,
                policy,
                rule,
                action,
            } => {
                write!(
                    f,
                    "tier {tier} policy {policy} rule {rule} ({})",
                    action.as_str()
                )
            }
            DecidedBy::TierDefault { tier } => {
                write!(f, "tier {tier}: end of tier, default action Deny")
            }
            DecidedBy::Profile {
                profile,
                rule,
                action,
            } => {
                write!(f, "profile {profile} rule {rule} ({})", action.as_str())
            }
            DecidedBy::DefaultDeny => f.write_str("no policy allowed: default deny"),
        }
    }
}

/// The verdict for one direction at one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// The endpoint whose policy was evaluated.
    pub endpoint: EndpointKey,
    /// Ingress (at the destination) or egress (at the source).
    pub direction: Direction,
    /// Allow or deny.
    pub decision: Decision,
    /// Why.
    pub decided_by: DecidedBy,
    /// Applicable policies the walk looked at, in evaluation order.
    pub considered: Vec<PolicyRef>,
    /// Log rules that matched on the way, as "tier/policy rule n".
    pub logged: Vec<String>,
}

/// Both verdicts of a flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Trace {
    /// Allow when every present verdict allows.
    pub verdict: Decision,
    /// Egress at the source endpoint (none for a bare-IP source).
    pub egress: Option<Verdict>,
    /// Ingress at the destination endpoint (none for a bare-IP destination).
    pub ingress: Option<Verdict>,
    /// Source and destination are the same endpoint: the packet never
    /// leaves it (it loops back inside the workload), so no policy applies.
    pub loopback: bool,
    /// Things the caller should know (missing profiles or tiers).
    pub warnings: Vec<String>,
}

impl Trace {
    /// True when the packet would be delivered.
    pub fn allowed(&self) -> bool {
        self.verdict == Decision::Allow
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dir = match self.direction {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        };
        let decision = match self.decision {
            Decision::Allow => "allow",
            Decision::Deny => "deny",
        };
        writeln!(
            f,
            "{dir} at {}: {decision} by {}",
            self.endpoint, self.decided_by
        )?;
        for p in &self.considered {
            writeln!(f, "  considered: tier {} policy {}", p.tier, p.policy)?;
        }
        for l in &self.logged {
            writeln!(f, "  logged: {l}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Trace {
    /// A readable multi-line summary (what `netctl policy trace` prints).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.allowed() { "allow" } else { "deny" };
        writeln!(f, "verdict: {verdict}")?;
        if self.loopback {
            writeln!(
                f,
                "source and destination are the same endpoint: loopback, not policed"
            )?;
        }
        match &self.egress {
            Some(v) => write!(f, "{v}")?,
            None if !self.loopback => writeln!(f, "egress: source is not an endpoint, no verdict")?,
            None => {}
        }
        match &self.ingress {
            Some(v) => write!(f, "{v}")?,
            None if !self.loopback => {
                writeln!(f, "ingress: destination is not an endpoint, no verdict")?
            }
            None => {}
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        Ok(())
    }
}
