//! Messages captured from a real BIRD 2.0.12 <-> GoBGP 3.10.0 session (see
//! tests/vectors/README.md): every one must decode cleanly, and re-encoding must give
//! back the same octets (or, where the encoder legitimately chooses differently, the
//! same message).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bgpd::wire::{self, Capability, CodecContext, Message, Open};
use common::hex;

fn load(name: &str) -> Vec<Vec<u8>> {
    let path = format!(
        "{}/tests/vectors/bird-gobgp/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
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

/// The codec context both sides agreed on, from the two OPENs (RFC 6793, RFC 8654).
fn agreed(a: &Open, b: &Open) -> CodecContext {
    let both = |f: &dyn Fn(&Capability) -> bool| {
        a.capabilities.iter().any(f) && b.capabilities.iter().any(f)
    };
    CodecContext {
        four_octet_as: both(&|c| matches!(c, Capability::FourOctetAs(_))),
        extended_message: both(&|c| *c == Capability::ExtendedMessage),
        ebgp: true,
        ..CodecContext::default()
    }
}

/// Terrace keeps only the code of capabilities it does not use (BIRD sends 70, Enhanced
/// Route Refresh, and 71, Long-Lived Graceful Restart) and never sends them itself.
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

/// (file, peer file) pairs; each direction of each session.
const SESSIONS: [(&str, &str); 4] = [
    ("bird-to-gobgp-ipv4.hex", "gobgp-to-bird-ipv4.hex"),
    ("gobgp-to-bird-ipv4.hex", "bird-to-gobgp-ipv4.hex"),
    ("bird-to-gobgp-ipv6.hex", "gobgp-to-bird-ipv6.hex"),
    ("gobgp-to-bird-ipv6.hex", "bird-to-gobgp-ipv6.hex"),
];

#[test]
fn captured_messages_decode_without_errors_and_round_trip() {
    let mut identical = 0;
    let mut total = 0;
    for (file, peer_file) in SESSIONS {
        let msgs = load(file);
        let ctx = agreed(&open_of(&msgs), &open_of(&load(peer_file)));
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
    eprintln!("captured vectors: {identical} of {total} re-encode byte-identical");
    // All but five re-encode byte for byte: the four OPENs (capability grouping, and
    // BIRD's capabilities 70/71 that Terrace does not send), and one BIRD IPv6 UPDATE
    // because BIRD puts MP_REACH_NLRI first while Terrace (like GoBGP) orders by type.
    assert_eq!((identical, total), (15, 20));
}

#[test]
fn bird_announces_its_large_as_and_communities_over_the_four_octet_session() {
    let msgs = load("bird-to-gobgp-ipv4.hex");
    let open = open_of(&msgs);
    assert_eq!(open.my_as, 23456, "AS_TRANS in My AS");
    assert_eq!(open.asn(), 4_200_000_002);
    let ctx = agreed(&open, &open_of(&load("gobgp-to-bird-ipv4.hex")));
    let with_communities = msgs
        .iter()
        .filter_map(|m| match wire::decode(m, &ctx).unwrap() {
            Message::Update(u) if !u.attrs.communities.is_empty() => Some(u),
            _ => None,
        })
        .next()
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
        vec![bgpd::wire::LargeCommunity(4_200_000_002, 1, 2)]
    );
    assert_eq!(
        with_communities.nlri[0].prefix,
        "10.65.11.0/26".parse().unwrap()
    );
}

fn hexs(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
