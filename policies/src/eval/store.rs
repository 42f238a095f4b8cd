//! The evaluator's view of the world and its entry point.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::endpoint::{Endpoint, EndpointKey};
use super::flow::{Flow, FlowEnd};
use super::matching::{EndCtx, PacketCtx};
use super::ordering::order_tiers;
use super::resources::Resources;
use super::trace::{Decision, Direction, Trace};
use super::walk;
use crate::model::{Namespace, NetworkSet, Policy, Profile, Resource, Tier};

/// Why a flow could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// The flow names an endpoint the evaluator does not know.
    #[error("unknown endpoint {0}")]
    UnknownEndpoint(EndpointKey),
    /// The endpoint has no address of the flow's IP family.
    #[error("endpoint {endpoint} has no {family} address")]
    NoAddress {
        /// The endpoint.
        endpoint: EndpointKey,
        /// "IPv4" or "IPv6".
        family: &'static str,
    },
    /// The two ends are of different IP families.
    #[error("source {src} and destination {dst} are of different IP families")]
    MixedFamilies {
        /// Source address.
        src: IpAddr,
        /// Destination address.
        dst: IpAddr,
    },
}

/// All resources and endpoints, ready to judge flows.
#[derive(Debug, Clone, Default)]
pub struct Evaluator {
    resources: Resources,
    endpoints: BTreeMap<EndpointKey, Endpoint>,
}

impl Evaluator {
    /// An empty world (only the implicit `default` tier).
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a world from resources and endpoints.
    pub fn from_parts(
        resources: impl IntoIterator<Item = Resource>,
        endpoints: impl IntoIterator<Item = Endpoint>,
    ) -> Self {
        let mut ev = Self::new();
        resources.into_iter().for_each(|r| ev.insert(r));
        endpoints.into_iter().for_each(|e| ev.insert_endpoint(e));
        ev
    }

    /// Builds a world from resources already filed and endpoints.
    pub fn from_resources(
        resources: Resources,
        endpoints: impl IntoIterator<Item = Endpoint>,
    ) -> Self {
        let mut ev = Self {
            resources,
            endpoints: BTreeMap::new(),
        };
        endpoints.into_iter().for_each(|e| ev.insert_endpoint(e));
        ev
    }

    /// Adds or replaces a resource (same kind, namespace and name).
    pub fn insert(&mut self, r: Resource) {
        self.resources.insert(r);
    }

    /// Adds or replaces an endpoint.
    pub fn insert_endpoint(&mut self, ep: Endpoint) {
        self.endpoints.insert(ep.key.clone(), ep);
    }

    /// Looks up an endpoint.
    pub fn endpoint(&self, key: &EndpointKey) -> Option<&Endpoint> {
        self.endpoints.get(key)
    }

    /// Every endpoint, by key.
    pub fn endpoints(&self) -> impl Iterator<Item = &Endpoint> {
        self.endpoints.values()
    }

    /// Every network set (global and namespaced).
    pub fn network_sets(&self) -> impl Iterator<Item = &NetworkSet> {
        self.resources.network_sets.values()
    }

    /// Every policy.
    pub fn policies(&self) -> impl Iterator<Item = &Policy> {
        self.resources.policies.values()
    }

    /// A profile by name.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.resources.profiles.get(name)
    }

    /// A namespace by name.
    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.resources.namespaces.get(name)
    }

    /// A tier by name; `default` exists even when no Tier resource does.
    pub fn tier(&self, name: &str) -> Option<Tier> {
        self.resources
            .tiers
            .get(name)
            .cloned()
            .or_else(|| (name == crate::model::DEFAULT_TIER).then(Tier::default_tier))
    }

    /// Tiers in evaluation order: by order (unset last), then name.
    pub fn ordered_tiers(&self) -> Vec<Tier> {
        order_tiers(self.resources.tiers.values())
    }

    /// Judges a flow: egress at the source endpoint, ingress at the
    /// destination endpoint (bare-IP ends get no verdict).
    pub fn evaluate(&self, flow: &Flow) -> Result<Trace, EvalError> {
        let (src_ep, dst_ep) = (
            self.end_endpoint(&flow.source)?,
            self.end_endpoint(&flow.destination)?,
        );
        if let (Some(s), Some(d)) = (src_ep, dst_ep)
            && s.key == d.key
        {
            // Traffic to itself stays inside the workload (loopback) and
            // never reaches the host-side interface where policy applies.
            let (egress, ingress, warnings) = (None, None, Vec::new());
            return Ok(Trace {
                verdict: Decision::Allow,
                egress,
                ingress,
                loopback: true,
                warnings,
            });
        }
        let (src_addr, dst_addr) = pick_addresses(&flow.source, src_ep, &flow.destination, dst_ep)?;
        let ctx = PacketCtx {
            flow,
            src: EndCtx {
                addr: src_addr,
                endpoint: src_ep.or_else(|| self.owner_of(src_addr)),
                entities: self.entities_at(src_ep.or_else(|| self.owner_of(src_addr)), src_addr),
                port: flow.src_port,
            },
            dst: EndCtx {
                addr: dst_addr,
                endpoint: dst_ep.or_else(|| self.owner_of(dst_addr)),
                entities: self.entities_at(dst_ep.or_else(|| self.owner_of(dst_addr)), dst_addr),
                port: flow.dst_port,
            },
        };
        let mut warnings = Vec::new();
        let egress =
            src_ep.map(|ep| walk::verdict(self, ep, Direction::Egress, &ctx, &mut warnings));
        let ingress =
            dst_ep.map(|ep| walk::verdict(self, ep, Direction::Ingress, &ctx, &mut warnings));
        let denied = [&egress, &ingress]
            .iter()
            .any(|v| v.as_ref().is_some_and(|v| v.decision == Decision::Deny));
        let verdict = if denied {
            Decision::Deny
        } else {
            Decision::Allow
        };
        Ok(Trace {
            verdict,
            egress,
            ingress,
            loopback: false,
            warnings,
        })
    }

    fn end_endpoint(&self, end: &FlowEnd) -> Result<Option<&Endpoint>, EvalError> {
        match end {
            FlowEnd::Endpoint(key) => self
                .endpoints
                .get(key)
                .map(Some)
                .ok_or_else(|| EvalError::UnknownEndpoint(key.clone())),
            FlowEnd::Ip(_) => Ok(None),
        }
    }

    /// The endpoint that owns `addr`, so a bare IP of a known endpoint still
    /// matches selectors (it is in the endpoint's IP sets).
    fn owner_of(&self, addr: IpAddr) -> Option<&Endpoint> {
        self.endpoints.values().find(|e| e.ips.contains(&addr))
    }
}

/// Chooses the addresses of both ends, of one IP family.
fn pick_addresses(
    src: &FlowEnd,
    src_ep: Option<&Endpoint>,
    dst: &FlowEnd,
    dst_ep: Option<&Endpoint>,
) -> Result<(IpAddr, IpAddr), EvalError> {
    let want_v4 = match (src, dst) {
        (FlowEnd::Ip(a), _) | (_, FlowEnd::Ip(a)) => a.is_ipv4(),
        _ => {
            // Both endpoints: the first source address the destination
            // also has a family for.
            let d_has =
                |v4: bool| dst_ep.is_some_and(|d| d.ips.iter().any(|ip| ip.is_ipv4() == v4));
            src_ep
                .and_then(|s| s.ips.iter().find(|ip| d_has(ip.is_ipv4())))
                .is_none_or(IpAddr::is_ipv4)
        }
    };
    let pick = |end: &FlowEnd, ep: Option<&Endpoint>| -> Result<IpAddr, EvalError> {
        match (end, ep) {
            (FlowEnd::Ip(a), _) => Ok(*a),
            (FlowEnd::Endpoint(key), Some(ep)) => ep
                .ips
                .iter()
                .copied()
                .find(|ip| ip.is_ipv4() == want_v4)
                .ok_or_else(|| EvalError::NoAddress {
                    endpoint: key.clone(),
                    family: if want_v4 { "IPv4" } else { "IPv6" },
                }),
            (FlowEnd::Endpoint(key), None) => Err(EvalError::UnknownEndpoint(key.clone())),
        }
    };
    let (s, d) = (pick(src, src_ep)?, pick(dst, dst_ep)?);
    if s.is_ipv4() != d.is_ipv4() {
        return Err(EvalError::MixedFamilies { src: s, dst: d });
    }
    Ok((s, d))
}
