//! Messages captured from real sessions (see tests/vectors/README.md): BIRD 2.0.12 <->
//! GoBGP 3.10.0 and FRR 8.4.4 <-> BIRD 2.0.12. Every one must decode cleanly, and
//! re-encoding must give back the same octets (or, where the encoder legitimately chooses
//! differently, the same message).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::{IpAddr, Ipv6Addr};

use bgpd::fsm::{SessionConfig, negotiate};
use bgpd::wire::{
    self, AddPathFamily, Afi, Capability, CodecContext, GracefulRestartCap, LargeCommunity,
    Message, MpReach, Open, RawAttr, RouteRefresh, Update,
};
use common::hex;

/// One captured session pair: its directory under tests/vectors and, per direction of
/// each session, (what one speaker sent, what its peer sent).
struct Capture {
    dir: &'static str,
    sessions: [(&'static str, &'static str); 4],
}

const BIRD_GOBGP: Capture = Capture {
    dir: "bird-gobgp",
    sessions: [
        ("bird-to-gobgp-ipv4.hex", "gobgp-to-bird-ipv4.hex"),
        ("gobgp-to-bird-ipv4.hex", "bird-to-gobgp-ipv4.hex"),
        ("bird-to-gobgp-ipv6.hex", "gobgp-to-bird-ipv6.hex"),
        ("gobgp-to-bird-ipv6.hex", "bird-to-gobgp-ipv6.hex"),
    ],
};

const FRR_BIRD: Capture = Capture {
    dir: "frr-bird",
    sessions: [
        ("frr-to-bird-ipv4.hex", "bird-to-frr-ipv4.hex"),
        ("bird-to-frr-ipv4.hex", "frr-to-bird-ipv4.hex"),
        ("frr-to-bird-ipv6.hex", "bird-to-frr-ipv6.hex"),
        ("bird-to-frr-ipv6.hex", "frr-to-bird-ipv6.hex"),
    ],
};

fn load(dir: &str, name: &str) -> Vec<Vec<u8>> {
    let path = format!("{}/tests/vectors/{dir}/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(hex)
        .collect()
}

fn open_of(msgs: &[Vec<u8>]) -> Open {
    match wire::decode(&msgs[0], &CodecContext::default()).unwrap() {
        Message::Open(o) => o,
        other => panic!("first message is {other:?}"),
    }
}

fn add_path_families(open: &Open) -> Vec<AddPathFamily> {
    open.capabilities
        .iter()
        .filter_map(|c| match c {
            Capability::AddPath(fams) => Some(fams.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The codec context of one direction, from the two OPENs: what `sender` writes and its
/// peer reads (RFC 6793, RFC 8654; RFC 7911 §4: path identifiers flow where the sender
/// can send and the receiver can receive).
fn agreed(sender: &Open, receiver: &Open) -> CodecContext {
    let both = |f: &dyn Fn(&Capability) -> bool| {
        sender.capabilities.iter().any(f) && receiver.capabilities.iter().any(f)
    };
    let receives = add_path_families(receiver);
    let add_path: Vec<Afi> = add_path_families(sender)
        .iter()
        .filter(|s| s.send && receives.iter().any(|r| r.afi == s.afi && r.receive))
        .map(|s| s.afi)
        .collect();
    CodecContext {
        four_octet_as: both(&|c| matches!(c, Capability::FourOctetAs(_))),
        extended_message: both(&|c| *c == Capability::ExtendedMessage),
        add_path_receive: add_path.clone(),
        add_path_send: add_path,
        ebgp: true,
    }
}

/// Terrace keeps only the code of capabilities it does not use (BIRD sends 70, Enhanced
/// Route Refresh, and 71, Long-Lived Graceful Restart; FRR also 66/67, dynamic capability,
/// 73, FQDN, and 128, the pre-standard route refresh) and never sends them itself.
fn without_unknown(msg: Message) -> Message {
    match msg {
        Message::Open(mut o) => {
            o.capabilities
                .retain(|c| !matches!(c, Capability::Unknown { .. }));
            Message::Open(o)
        }
        other => other,
    }
}

/// Decodes every message of every direction, checks the round trip, and returns
/// (byte-identical re-encodes, messages).
fn round_trip(capture: &Capture) -> (usize, usize) {
    let mut identical = 0;
    let mut total = 0;
    for (file, peer_file) in capture.sessions {
        let msgs = load(capture.dir, file);
        let ctx = agreed(&open_of(&msgs), &open_of(&load(capture.dir, peer_file)));
        assert!(
            ctx.four_octet_as,
            "{file}: both speakers support 4-octet AS"
        );
        for (i, octets) in msgs.iter().enumerate() {
            let msg = wire::decode(octets, &ctx).unwrap_or_else(|e| panic!("{file} #{i}: {e}"));
            if let Message::Update(u) = &msg {
                assert!(u.errors.is_empty(), "{file} #{i}: {:?}", u.errors);
            }
            let again = wire::encode(&msg, &ctx).unwrap();
            assert_eq!(
                wire::decode(&again, &ctx).unwrap(),
                without_unknown(msg.clone()),
                "{file} #{i} round trip"
            );
            if again != *octets && !matches!(msg, Message::Open(_)) {
                eprintln!(
                    "{file} #{i} differs:\n  wire {}\n  ours {}",
                    hexs(octets),
                    hexs(&again)
                );
            }
            identical += usize::from(again == *octets);
            total += 1;
        }
    }
    eprintln!(
        "{}: {identical} of {total} re-encode byte-identical",
        capture.dir
    );
    (identical, total)
}

#[test]
fn bird_gobgp_messages_decode_without_errors_and_round_trip() {
    // All but five re-encode byte for byte: the four OPENs (capability grouping, and
    // BIRD's capabilities 70/71 that Terrace does not send), and one BIRD IPv6 UPDATE
    // because BIRD puts MP_REACH_NLRI first while Terrace (like GoBGP) orders by type.
    assert_eq!(round_trip(&BIRD_GOBGP), (15, 20));
}

#[test]
fn frr_bird_messages_decode_without_errors_and_round_trip() {
    // 79 messages; all but 29 re-encode byte for byte:
    // - the four OPENs: FRR puts each capability in its own optional parameter, and both
    //   send capabilities Terrace keeps only as codes (see `without_unknown`);
    // - FRR's 22 announcements (13 IPv4, 9 IPv6): FRR sets the Extended Length bit on
    //   AS_PATH however short it is, where Terrace uses the one-octet length when the
    //   value fits (RFC 4271 §4.3 allows both); FRR also writes LARGE_COMMUNITY (32)
    //   before EXTENDED COMMUNITIES (16), and MP_REACH_NLRI first, where Terrace orders
    //   attributes by type code as RFC 4271 §5 recommends;
    // - FRR's IPv6 withdrawal: MP_UNREACH_NLRI with the Extended Length bit as well;
    // - BIRD's two IPv6 announcements: MP_REACH_NLRI first (as in the GoBGP capture).
    // The rest are identical: BIRD's IPv4 UPDATEs, FRR's IPv4 withdrawal (path identifier
    // included), every End-of-RIB marker, ROUTE-REFRESH with the RFC 7313
    // subtypes, KEEPALIVE and the shutdown NOTIFICATION.
    assert_eq!(round_trip(&FRR_BIRD), (50, 79));
}

#[test]
fn bird_announces_its_large_as_and_communities_over_the_four_octet_session() {
    let msgs = load(BIRD_GOBGP.dir, "bird-to-gobgp-ipv4.hex");
    let open = open_of(&msgs);
    assert_eq!(open.my_as, 23456, "AS_TRANS in My AS");
    assert_eq!(open.asn(), 4_200_000_002);
    let ctx = agreed(
        &open,
        &open_of(&load(BIRD_GOBGP.dir, "gobgp-to-bird-ipv4.hex")),
    );
    let with_communities = updates(&msgs, &ctx)
        .into_iter()
        .find(|u| !u.attrs.communities.is_empty())
        .expect("an update with communities");
    assert_eq!(
        with_communities.attrs.as_path.asns().collect::<Vec<_>>(),
        vec![4_200_000_002]
    );
    assert_eq!(
        with_communities.attrs.communities,
        vec![(65002 << 16) | 100]
    );
    assert_eq!(
        with_communities.attrs.large_communities,
        vec![LargeCommunity(4_200_000_002, 1, 2)]
    );
    assert_eq!(
        with_communities.nlri[0].prefix,
        "10.65.11.0/26".parse().unwrap()
    );
}

/// FRR's messages on one session, decoded with the context FRR and BIRD agreed on.
fn frr_session(family: &str) -> (Vec<Message>, CodecContext) {
    let msgs = load(FRR_BIRD.dir, &format!("frr-to-bird-{family}.hex"));
    let peer = load(FRR_BIRD.dir, &format!("bird-to-frr-{family}.hex"));
    let ctx = agreed(&open_of(&msgs), &open_of(&peer));
    let decoded = msgs
        .iter()
        .map(|m| wire::decode(m, &ctx).unwrap())
        .collect();
    (decoded, ctx)
}

fn updates(msgs: &[Vec<u8>], ctx: &CodecContext) -> Vec<Update> {
    msgs.iter()
        .filter_map(|m| match wire::decode(m, ctx).unwrap() {
            Message::Update(u) => Some(u),
            _ => None,
        })
        .collect()
}

fn frr_updates(family: &str) -> Vec<Update> {
    frr_session(family)
        .0
        .into_iter()
        .filter_map(|m| match m {
            Message::Update(u) => Some(u),
            _ => None,
        })
        .collect()
}

#[test]
fn frr_open_capabilities_are_typed_or_kept_as_codes_in_wire_order() {
    let (msgs, _) = frr_session("ipv4");
    let Message::Open(open) = &msgs[0] else {
        panic!("first message is {:?}", msgs[0]);
    };
    assert_eq!((open.my_as, open.hold_time), (65001, 9));
    assert_eq!(
        open.bgp_id,
        "10.205.1.1".parse::<std::net::Ipv4Addr>().unwrap()
    );
    let unknown = |code| Capability::Unknown { code };
    assert_eq!(
        open.capabilities,
        vec![
            Capability::MultiProtocol(Afi::Ipv4),
            unknown(128), // route refresh, pre-standard code
            Capability::RouteRefresh,
            unknown(70), // enhanced route refresh
            Capability::FourOctetAs(65001),
            Capability::ExtendedMessage,
            Capability::AddPath(vec![AddPathFamily {
                afi: Afi::Ipv4,
                receive: true,
                send: true,
            }]),
            unknown(66), // dynamic capability, pre-standard code
            unknown(67), // dynamic capability
            unknown(73), // FQDN
            // FRR sets the Restart State bit in the OPENs of its start-up window, even on
            // a cold start; no F bit (no forwarding preserved).
            Capability::GracefulRestart(GracefulRestartCap {
                restarting: true,
                restart_time: 120,
                families: vec![(Afi::Ipv4, false)],
            }),
            unknown(71), // long-lived graceful restart
        ]
    );
}

#[test]
fn terrace_negotiates_with_frr_and_ignores_what_it_does_not_know() {
    let (msgs, _) = frr_session("ipv6");
    let Message::Open(frr) = &msgs[0] else {
        panic!("first message is {:?}", msgs[0]);
    };
    // Terrace in BIRD's place: AS 65002, ADD-PATH both ways for IPv6.
    let mut cfg = SessionConfig::new(65002, "10.205.1.2".parse().unwrap(), 65001);
    cfg.add_path = vec![AddPathFamily {
        afi: Afi::Ipv6,
        receive: true,
        send: true,
    }];
    cfg.extended_message = true;
    let s = negotiate(&cfg, frr).expect("FRR's OPEN is acceptable (RFC 5492 §3)");
    assert_eq!((s.peer_as, s.hold_time, s.keepalive), (65001, 9, 3));
    assert!(s.four_octet_as && s.route_refresh && s.extended_message);
    assert_eq!(s.families, vec![Afi::Ipv6], "FRR offers IPv6 only here");
    assert_eq!(s.add_path, cfg.add_path);
    let gr = s
        .graceful_restart
        .as_ref()
        .expect("both advertise graceful restart");
    assert_eq!(gr.families, vec![(Afi::Ipv6, false)]);
    let ctx = s.codec_context();
    assert_eq!(
        (ctx.add_path_receive, ctx.add_path_send),
        (vec![Afi::Ipv6], vec![Afi::Ipv6])
    );
}

/// The one UPDATE of a list that announces `prefix`, after any earlier withdrawal.
fn announcing<'a>(updates: &'a [Update], prefix: &str) -> &'a Update {
    let prefix = prefix.parse().unwrap();
    updates
        .iter()
        .find(|u| u.announced().any(|(n, _)| n.prefix == prefix))
        .unwrap_or_else(|| panic!("no UPDATE announces {prefix}"))
}

#[test]
fn frr_ipv6_next_hop_decodes_to_the_global_and_the_link_local_address() {
    let updates = frr_updates("ipv6");
    let u = announcing(&updates, "fd00:65:20::/122");
    let Some(MpReach {
        afi,
        next_hop,
        link_local,
        nlri,
    }) = &u.mp_reach
    else {
        panic!("no MP_REACH_NLRI in {u:?}");
    };
    assert_eq!(*afi, Afi::Ipv6);
    assert_eq!(*next_hop, "fd00:205:1::1".parse::<IpAddr>().unwrap());
    let ll = link_local.expect("a 32-octet next hop: global and link-local (RFC 2545 §3)");
    assert!(ll.is_unicast_link_local(), "{ll}");
    assert_eq!(nlri.len(), 1);
    assert!(nlri[0].path_id.is_some(), "ADD-PATH: a path identifier");
    assert_eq!(u.attrs.communities, vec![(65001 << 16) | 600]);
    assert_eq!(u.attrs.large_communities, vec![LargeCommunity(65001, 6, 6)]);
    // Every FRR announcement on the session names the same interface address.
    let lls: Vec<Option<Ipv6Addr>> = updates
        .iter()
        .filter_map(|u| u.mp_reach.as_ref().map(|r| r.link_local))
        .collect();
    assert!(
        lls.len() > 1 && lls.iter().all(|l| *l == Some(ll)),
        "{lls:?}"
    );
}

#[test]
fn frr_ipv4_announcement_carries_its_route_map_attributes_and_the_aggregate() {
    let updates = frr_updates("ipv4");
    let tagged = announcing(&updates, "10.65.20.0/26");
    let a = &tagged.attrs;
    assert_eq!(a.med, Some(50));
    assert_eq!(
        a.communities,
        vec![(65001 << 16) | 100, (65001 << 16) | 200]
    );
    assert_eq!(a.large_communities, vec![LargeCommunity(65001, 1, 2)]);
    // Extended communities travel as raw bytes: route target 65001:7 (RFC 4360 §4).
    assert_eq!(
        a.other,
        vec![RawAttr {
            flags: 0xC0,
            code: 16,
            value: vec![0x00, 0x02, 0xFD, 0xE9, 0, 0, 0, 7],
        }]
    );
    let aggregate = announcing(&updates, "10.65.21.0/24");
    assert!(aggregate.attrs.atomic_aggregate);
    assert_eq!(
        aggregate.attrs.aggregator,
        Some((65001, "10.205.1.1".parse().unwrap()))
    );
    // summary-only: the component route is never announced.
    let component: ipnet::IpNet = "10.65.21.0/26".parse().unwrap();
    assert!(
        updates
            .iter()
            .all(|u| u.announced().all(|(n, _)| n.prefix != component))
    );
}

#[test]
fn frr_withdraws_by_prefix_and_path_id_in_both_fields_and_marks_end_of_rib() {
    for (family, afi, prefix) in [
        ("ipv4", Afi::Ipv4, "10.65.20.64/26"),
        ("ipv6", Afi::Ipv6, "fd00:65:21::/64"),
    ] {
        let updates = frr_updates(family);
        let prefix: ipnet::IpNet = prefix.parse().unwrap();
        let announced = announcing(&updates, &prefix.to_string())
            .announced()
            .find(|(n, _)| n.prefix == prefix)
            .unwrap()
            .0;
        let withdrawal = updates
            .iter()
            .find(|u| u.all_withdrawn().next().is_some())
            .unwrap_or_else(|| panic!("{family}: no withdrawal"));
        assert_eq!(
            withdrawal.all_withdrawn().collect::<Vec<_>>(),
            vec![announced]
        );
        match afi {
            Afi::Ipv4 => assert_eq!(withdrawal.withdrawn, vec![announced]),
            Afi::Ipv6 => assert_eq!(
                withdrawal.mp_unreach.as_ref().unwrap().withdrawn,
                vec![announced]
            ),
        }
        let eor: Vec<Afi> = updates.iter().filter_map(Update::end_of_rib).collect();
        assert_eq!(eor, vec![afi], "{family}: one End-of-RIB marker");
    }
}

#[test]
fn frr_answers_a_refresh_request_with_borr_and_eorr_and_says_why_it_closes() {
    let (msgs, _) = frr_session("ipv4");
    let refreshes: Vec<RouteRefresh> = msgs
        .iter()
        .filter_map(|m| match m {
            Message::RouteRefresh(rr) => Some(*rr),
            _ => None,
        })
        .collect();
    // RFC 7313 §4: Beginning of Route Refresh, End of Route Refresh, then FRR's own request.
    let subtypes: Vec<(Afi, u8)> = refreshes.iter().map(|r| (r.afi, r.subtype)).collect();
    assert_eq!(
        subtypes,
        vec![(Afi::Ipv4, 1), (Afi::Ipv4, 2), (Afi::Ipv4, 0)]
    );
    let Some(Message::Notification(n)) = msgs.last() else {
        panic!("FRR's last message is {:?}", msgs.last());
    };
    // Cease / Administrative Shutdown with a shutdown communication (RFC 9003 §2).
    assert_eq!((n.code, n.subcode), (6, 2));
    let text = b"capture finished";
    assert_eq!(
        n.data.first().copied(),
        Some(u8::try_from(text.len()).unwrap())
    );
    assert_eq!(n.data.get(1..), Some(&text[..]));
}

fn hexs(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
