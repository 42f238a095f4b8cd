//! The evaluator's entry point: a flow in, a [`Trace`] out. Resolves both ends
//! (endpoint, address, the entities carrying it) and walks the tiers at each
//! endpoint ([`super::walk`]).

use std::net::IpAddr;

use super::endpoint::{Endpoint, EndpointKey};
use super::flow::{Flow, FlowEnd};
use super::matching::{EndCtx, PacketCtx};
use super::store::Evaluator;
use super::trace::{Decision, Direction, Trace};
use super::walk;

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

impl Evaluator {
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
                .endpoint(key)
                .map(Some)
                .ok_or_else(|| EvalError::UnknownEndpoint(key.clone())),
            FlowEnd::Ip(_) => Ok(None),
        }
    }

    /// The endpoint that owns `addr`, so a bare IP of a known endpoint still
    /// matches selectors (it is in the endpoint's IP sets).
    fn owner_of(&self, addr: IpAddr) -> Option<&Endpoint> {
        self.endpoints().find(|e| e.ips.contains(&addr))
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
