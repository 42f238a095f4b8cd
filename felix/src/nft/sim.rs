//! The first packet of a new flow run through a compiled [`Table`] without
//! a kernel: the forward hook's anti-spoofing and dispatch (as
//! `compile::forward_rules` lays them out), the group chains' mark rules
//! and the policy and profile chains' compiled rules, with nft's semantics
//! (an address match implies its family, an ICMP match its protocol). Tests
//! use it to check the compiled dataplane against the reference evaluator
//! on many more flows than real packets can cover. Pure.

use std::net::IpAddr;

use ipnet::IpNet;

use super::compile::{WL_FROM, WL_TO, src_set, srcnet_set};
use super::mark_rule::MarkRule;
use super::matches::{Action, IcmpField, Match, NftRule, Side};
use super::model::Table;
use super::{MARK_ACCEPT, MARK_PASS};
use crate::sets::{Elem, Family, Verdict};

/// The first packet of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// IP protocol.
    pub proto: u8,
    /// Source port (port-carrying protocols).
    pub sport: u16,
    /// Destination port (port-carrying protocols).
    pub dport: u16,
    /// ICMP type and code (ICMP protocols).
    pub icmp: Option<(u8, u8)>,
}

/// Why a packet could not be simulated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// A jump to a chain the table does not have.
    #[error("chain {0} does not exist")]
    NoChain(String),
    /// A chain the simulator cannot read (text only).
    #[error("chain {0} has no compiled rules")]
    Opaque(String),
    /// Jumps nested deeper than nft allows.
    #[error("jumps nested too deep")]
    TooDeep,
}

/// What a chain did with the packet.
enum Outcome {
    /// It returned (or ran off its end).
    Return,
    /// It dropped the packet.
    Drop,
    /// It accepted the packet for good.
    Accept,
}

fn family_of(ip: IpAddr) -> Family {
    match ip {
        IpAddr::V4(_) => Family::V4,
        IpAddr::V6(_) => Family::V6,
    }
}

fn has_ports(proto: u8) -> bool {
    matches!(proto, 6 | 17 | 132 | 136)
}

struct Run<'a> {
    table: &'a Table,
    pkt: &'a Packet,
    mark: u32,
}

impl Run<'_> {
    fn contains(&self, set: &str, e: &Elem) -> bool {
        self.table
            .sets
            .get(set)
            .is_some_and(|s| s.elements.contains(e))
    }

    fn addr_in(&self, set: &str, ip: IpAddr) -> bool {
        self.table.sets.get(set).is_some_and(|s| {
            s.elements
                .iter()
                .any(|e| matches!(e, Elem::Net(n) if n.contains(&ip)))
        })
    }

    fn side(&self, side: Side) -> (IpAddr, u16) {
        match side {
            Side::Src => (self.pkt.src, self.pkt.sport),
            Side::Dst => (self.pkt.dst, self.pkt.dport),
        }
    }

    fn matches(&self, m: &Match) -> bool {
        let p = self.pkt;
        match m {
            Match::NfProto(f) => family_of(p.src) == *f,
            Match::L4Proto { proto, negate } => (p.proto == *proto) != *negate,
            Match::L4WithPorts => has_ports(p.proto),
            Match::Icmp {
                v6,
                field,
                value,
                negate,
            } => {
                let proto = if *v6 { 58 } else { 1 };
                match p.icmp.filter(|_| p.proto == proto) {
                    None => false,
                    Some((t, c)) => {
                        let v = if *field == IcmpField::Type { t } else { c };
                        (v == *value) != *negate
                    }
                }
            }
            Match::Addr {
                side,
                family,
                set,
                negate,
            } => {
                let (ip, _) = self.side(*side);
                family_of(ip) == *family && self.addr_in(set, ip) != *negate
            }
            Match::Ports {
                side,
                ranges,
                negate,
            } => {
                let (_, port) = self.side(*side);
                has_ports(p.proto)
                    && ranges.iter().any(|(a, b)| (*a..=*b).contains(&port)) != *negate
            }
            Match::NamedPort {
                side,
                family,
                set,
                negate,
            } => {
                let (ip, port) = self.side(*side);
                let hit = has_ports(p.proto)
                    && self.contains(set, &Elem::AddrProtoPort(ip, p.proto, port));
                family_of(ip) == *family && hit != *negate
            }
        }
    }

    fn rules(&mut self, rules: &[NftRule]) -> Outcome {
        for r in rules {
            if !r.matches.iter().all(|m| self.matches(m)) {
                continue;
            }
            match &r.action {
                Action::Allow => {
                    self.mark |= MARK_ACCEPT;
                    return Outcome::Return;
                }
                Action::Deny => return Outcome::Drop,
                Action::PassTier => {
                    self.mark |= MARK_PASS;
                    return Outcome::Return;
                }
                Action::Return => return Outcome::Return,
                Action::Log(_) => {}
            }
        }
        Outcome::Return
    }

    fn chain(&mut self, name: &str, depth: usize) -> Result<Outcome, SimError> {
        if depth > 16 {
            return Err(SimError::TooDeep);
        }
        let chain = self
            .table
            .chains
            .get(name)
            .ok_or_else(|| SimError::NoChain(name.to_string()))?;
        if let Some(rules) = &chain.compiled {
            return Ok(self.rules(rules));
        }
        let marks = chain
            .marks
            .as_ref()
            .ok_or_else(|| SimError::Opaque(name.to_string()))?;
        for rule in marks {
            match rule {
                MarkRule::ClearBits(mask) => self.mark &= mask,
                MarkRule::Verdict(test, v) => {
                    if test.is_some_and(|t| self.mark & t.mask != t.value) {
                        continue;
                    }
                    match self.verdict(v, depth)? {
                        Some(o) => return Ok(o),
                        None => continue,
                    }
                }
            }
        }
        Ok(Outcome::Return)
    }

    /// `None`: carry on with the next rule (after a jump that returned).
    fn verdict(&mut self, v: &Verdict, depth: usize) -> Result<Option<Outcome>, SimError> {
        Ok(match v {
            Verdict::Accept => Some(Outcome::Accept),
            Verdict::Drop => Some(Outcome::Drop),
            Verdict::Return => Some(Outcome::Return),
            Verdict::Jump(c) => match self.chain(c, depth + 1)? {
                Outcome::Return => None,
                other => Some(other),
            },
            Verdict::Goto(c) => Some(self.chain(c, depth + 1)?),
        })
    }

    /// The dispatch map's verdict for `iface`, run; `Ok(false)` on a drop.
    fn dispatch(&mut self, map: &str, iface: &str) -> Result<bool, SimError> {
        let verdict = self.table.sets.get(map).and_then(|s| {
            s.elements.iter().find_map(|e| match e {
                Elem::IfaceVerdict(i, v) if i == iface => Some(v.clone()),
                _ => None,
            })
        });
        let Some(v) = verdict else { return Ok(true) };
        Ok(!matches!(self.verdict(&v, 0)?, Some(Outcome::Drop)))
    }
}

/// True when `hook-forward` lets the first packet of a new flow from
/// interface `iif` to `oif` through; `prefix` is the workload interface
/// prefix.
pub fn forward_allows(
    table: &Table,
    prefix: &str,
    pkt: &Packet,
    iif: &str,
    oif: &str,
) -> Result<bool, SimError> {
    let mut run = Run {
        table,
        pkt,
        mark: 0,
    };
    let from_workload = iif.starts_with(prefix);
    if from_workload {
        let fam = family_of(pkt.src);
        let own = run.contains(&src_set(fam), &Elem::IfaceAddr(iif.to_string(), pkt.src));
        let allowed = table.sets.get(&srcnet_set(fam)).is_some_and(|s| {
            s.elements.iter().any(
                |e| matches!(e, Elem::IfaceNet(i, n) if i == iif && IpNet::contains(n, &pkt.src)),
            )
        });
        if !own && !allowed {
            return Ok(false);
        }
    }
    if !run.dispatch(WL_FROM, iif)? || (from_workload && run.mark & MARK_ACCEPT == 0) {
        return Ok(false);
    }
    run.mark = 0;
    if !run.dispatch(WL_TO, oif)? || (oif.starts_with(prefix) && run.mark & MARK_ACCEPT == 0) {
        return Ok(false);
    }
    Ok(true)
}
