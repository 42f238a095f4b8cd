//! The Adj-RIB-Out is derived, not stored: what the RIB says a peer was told
//! (`advertised_paths`, `advertised_count`) must be exactly what replaying every
//! advertisement it sent that peer gives, and the FIB deltas replayed must give the
//! selected next hops — through a long random sequence of updates, withdrawals,
//! session flaps with Graceful Restart, filter and policy changes, route-reflector
//! client changes, route refresh, soft resets, next-hop tables, IGP costs and
//! origination changes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use bgpd::rib::nexthop::MAIN_TABLE;
use bgpd::rib::policy::{Filter, Match, PrefixMatch, Rule, RuleAction, Verdict};
use bgpd::rib::{Advert, FibDelta, KernelRoute, NextHopTable, PeerId, Rib, RibAttrs, RibOutput};
use bgpd::wire::{AddPathFamily, Afi, AsPath, MpReach, Nlri, Origin, PathAttrs, Update};
use common::rib::{A, B, TOR, TOR2, ip, net, policy, rib, session};
use ipnet::IpNet;

const PEERS: [(PeerId, u32); 4] = [(TOR, 65100), (TOR2, 65200), (A, 65001), (B, 65001)];

/// xorshift64*: a fixed sequence, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.below(from.len())]
    }
}

fn prefixes() -> Vec<IpNet> {
    let mut v: Vec<IpNet> = (0..6).map(|i| net(&format!("10.{i}.0.0/24"))).collect();
    v.push(net("10.9.0.0/24"));
    v.push(net("2001:db8:1::/48"));
    v.push(net("2001:db8:2::/48"));
    v
}

fn next_hop(peer: PeerId, v6: bool) -> IpAddr {
    let IpAddr::V4(a) = peer.0 else {
        unreachable!()
    };
    if v6 {
        format!("2001:db8::{}", a.octets()[3]).parse().unwrap()
    } else {
        peer.0
    }
}

/// An UPDATE from `peer` for `prefix`, attributes drawn from `rng`.
fn announcement(rng: &mut Rng, peer: PeerId, asn: u32, prefix: IpNet) -> Update {
    let mut path = if asn == 65001 { vec![] } else { vec![asn] };
    path.extend((0..rng.below(3)).map(|i| 65300 + i as u32));
    let attrs = PathAttrs {
        origin: Some(Origin::Igp),
        as_path: AsPath::sequence(path),
        local_pref: (asn == 65001).then(|| rng.pick(&[100, 200])),
        med: rng.pick(&[None, Some(5), Some(10)]),
        // None, one that filters match, NO_EXPORT.
        communities: rng
            .pick(&[None, Some(0xFDE8_0001), Some(0xFFFF_FF01)])
            .into_iter()
            .collect(),
        ..PathAttrs::default()
    };
    let nlri = vec![Nlri {
        prefix,
        path_id: None,
    }];
    match prefix {
        IpNet::V4(_) => {
            let IpAddr::V4(nh) = next_hop(peer, false) else {
                unreachable!()
            };
            Update {
                attrs: PathAttrs {
                    next_hop: Some(nh),
                    ..attrs
                },
                nlri,
                ..Update::default()
            }
        }
        IpNet::V6(_) => Update {
            attrs,
            mp_reach: Some(MpReach {
                afi: Afi::Ipv6,
                next_hop: next_hop(peer, true),
                link_local: None,
                nlri,
            }),
            ..Update::default()
        },
    }
}

fn withdrawal(prefix: IpNet) -> Update {
    let nlri = vec![Nlri {
        prefix,
        path_id: None,
    }];
    match prefix {
        IpNet::V4(_) => Update {
            withdrawn: nlri,
            ..Update::default()
        },
        IpNet::V6(_) => Update {
            mp_unreach: Some(bgpd::wire::MpUnreach {
                afi: Afi::Ipv6,
                withdrawn: nlri,
            }),
            ..Update::default()
        },
    }
}

fn filter(rng: &mut Rng) -> Filter {
    match rng.below(4) {
        0 => Filter::accept_all(),
        1 => Filter {
            rules: vec![Rule {
                when: Match {
                    prefix: Some(PrefixMatch::up_to(net("10.0.0.0/14"), 24)),
                    ..Match::default()
                },
                then: RuleAction {
                    verdict: Verdict::Reject,
                    ..RuleAction::default()
                },
            }],
            default: Verdict::Accept,
        },
        2 => Filter {
            rules: vec![Rule {
                when: Match {
                    community: Some(0xFDE8_0001),
                    ..Match::default()
                },
                then: RuleAction {
                    add_communities: vec![0xFDE8_0002],
                    prepend: 1,
                    ..RuleAction::default()
                },
            }],
            default: Verdict::Accept,
        },
        _ => Filter {
            rules: vec![],
            default: Verdict::Reject,
        },
    }
}

fn next_hop_table(rng: &mut Rng) -> Option<Arc<NextHopTable>> {
    let route = |prefix: &str| KernelRoute {
        prefix: net(prefix),
        gateways: vec![],
        oif: None,
        unicast: true,
        protocol: 2,
        table: MAIN_TABLE,
        metric: 0,
    };
    let routes = match rng.below(3) {
        0 => return None,
        1 => vec![route("192.0.2.0/24"), route("10.0.0.0/29")],
        _ => vec![route("192.0.2.0/25"), route("2001:db8::/64")],
    };
    Some(Arc::new(NextHopTable::new(
        routes,
        bgpd::fib::ROUTE_PROTOCOL,
    )))
}

/// What each peer holds after the advertisements it was sent, and the kernel table.
#[derive(Default)]
struct Replay {
    told: HashMap<PeerId, BTreeMap<(IpNet, u32), Arc<RibAttrs>>>,
    fib: BTreeMap<IpNet, Vec<IpAddr>>,
}

impl Replay {
    fn apply(&mut self, out: &RibOutput, up: &HashMap<PeerId, bool>, step: usize) {
        for (peer, a) in &out.adverts {
            assert!(
                up[peer],
                "step {step}: advertisement to {peer:?} whose session is down"
            );
            let t = self.told.entry(*peer).or_default();
            match a {
                Advert::Announce {
                    prefix,
                    path_id,
                    attrs,
                } => {
                    t.insert((*prefix, *path_id), Arc::clone(attrs));
                }
                Advert::Withdraw { prefix, path_id } => {
                    t.remove(&(*prefix, *path_id));
                }
                Advert::EndOfRib(_) => {}
            }
        }
        for d in &out.fib {
            match d {
                FibDelta::Add { prefix, next_hops } | FibDelta::Replace { prefix, next_hops } => {
                    self.fib.insert(*prefix, next_hops.clone());
                }
                FibDelta::Remove { prefix } => {
                    self.fib.remove(prefix);
                }
            }
        }
    }

    fn check(&self, r: &Rib, up: &HashMap<PeerId, bool>, step: usize, what: &str) {
        for (peer, _) in PEERS {
            let empty = BTreeMap::new();
            let held = self.told.get(&peer).unwrap_or(&empty);
            let mut claimed = BTreeMap::new();
            for p in prefixes() {
                for (id, attrs) in r.advertised_paths(peer, &p) {
                    claimed.insert((p, id), attrs);
                }
            }
            let held_values: BTreeMap<(IpNet, u32), RibAttrs> =
                held.iter().map(|(k, v)| (*k, RibAttrs::clone(v))).collect();
            assert_eq!(
                claimed, held_values,
                "step {step} ({what}): told to {peer:?}"
            );
            let prefixes_held = held
                .keys()
                .map(|(p, _)| *p)
                .collect::<std::collections::BTreeSet<_>>();
            let want = if up[&peer] { prefixes_held.len() } else { 0 };
            assert_eq!(
                r.advertised_count(peer),
                want,
                "step {step} ({what}): count for {peer:?}"
            );
        }
        let mut selected = BTreeMap::new();
        for (p, cands) in r.best_routes() {
            if cands[0].peer == PeerId::LOCAL {
                continue;
            }
            let mut nhs: Vec<IpAddr> = cands.iter().map(|c| c.attrs.next_hop).collect();
            nhs.sort();
            nhs.dedup();
            selected.insert(p, nhs);
        }
        assert_eq!(self.fib, selected, "step {step} ({what}): kernel table");
    }
}

#[test]
fn what_each_peer_was_told_is_what_the_rib_derives_through_a_random_history() {
    let cluster = Ipv4Addr::new(10, 0, 0, 100);
    let mut r = rib(Some(cluster));
    let mut rng = Rng(0x0DDB_1A5E_5BAD_5EED);
    let mut replay = Replay::default();
    let mut up: HashMap<PeerId, bool> = PEERS.iter().map(|(p, _)| (*p, true)).collect();
    let mut rr_client: HashMap<PeerId, bool> = HashMap::new();
    // The fixture's sessions came up before anything was in the table: nothing told.
    for step in 0..3_000 {
        let (peer, asn) = rng.pick(&PEERS);
        let prefix = rng.pick(&prefixes());
        let (what, out) = match rng.below(20) {
            0..=6 if up[&peer] => (
                "announce",
                r.apply_update(peer, &announcement(&mut rng, peer, asn, prefix)),
            ),
            7..=9 if up[&peer] => ("withdraw", r.apply_update(peer, &withdrawal(prefix))),
            10 if up[&peer] => {
                up.insert(peer, false);
                replay.told.remove(&peer);
                ("down", r.peer_down(peer, rng.below(2) == 0))
            }
            11 if !up[&peer] => {
                up.insert(peer, true);
                let mut s = session(peer, asn, true);
                if rng.below(2) == 0 {
                    s.add_path = vec![AddPathFamily {
                        afi: Afi::Ipv4,
                        send: true,
                        receive: false,
                    }];
                }
                ("up", r.peer_up(peer, &s))
            }
            12 => (
                "filters",
                r.set_filters(peer, filter(&mut rng), filter(&mut rng)),
            ),
            13 if asn == 65001 => {
                let client = !rr_client.get(&peer).copied().unwrap_or(false);
                rr_client.insert(peer, client);
                let mut p = policy(peer, asn);
                p.rr_client = client;
                ("rr client", r.set_policy(peer, p))
            }
            14 if up[&peer] => (
                "refresh",
                r.route_refresh(peer, rng.pick(&[Afi::Ipv4, Afi::Ipv6])),
            ),
            15 => ("soft reset out", r.soft_reset_outbound(peer).0),
            16 => ("next hops", r.set_next_hop_table(next_hop_table(&mut rng))),
            17 => {
                let costs = [(ip("10.0.0.2"), rng.pick(&[1, 20])), (ip("10.0.0.3"), 10)];
                ("igp", r.set_igp_costs(costs.into_iter().collect()))
            }
            18 if up[&peer] => (
                "end of rib",
                r.apply_update(peer, &Update::end_of_rib_marker(Afi::Ipv4)),
            ),
            19 => {
                let own: Vec<IpNet> = [net("10.3.0.0/24"), net("10.9.0.0/24")]
                    .into_iter()
                    .filter(|_| rng.below(2) == 0)
                    .collect();
                ("originate", r.set_originated(own))
            }
            _ => ("stale timer", r.stale_timer_expired(peer)),
        };
        replay.apply(&out, &up, step);
        replay.check(&r, &up, step, what);
    }
}
