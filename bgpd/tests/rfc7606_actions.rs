//! RFC 7606 table: each malformed attribute leads to its documented action.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bgpd::wire::rfc7606::Action;
use bgpd::wire::{self, CodecContext, Message};
use common::{BASE_ATTRS_AS4, NLRI_10_65_0_0_26, hex, update};

const ORIGIN: &str = "40 01 01 00";
const AS_PATH: &str = "40 02 06 02 01 00 00 fd e9";
const NEXT_HOP: &str = "40 03 04 0a 00 00 01";

#[derive(Debug, PartialEq)]
enum Outcome {
    Clean,
    Action(Action),
    Reset { subcode: u8 },
}

fn outcome(attrs: &str, ctx: &CodecContext) -> Outcome {
    let msg = update(&[], &hex(attrs), &hex(NLRI_10_65_0_0_26));
    match wire::decode(&msg, ctx) {
        Ok(Message::Update(u)) => match u.errors.iter().map(|e| e.action).max() {
            None => Outcome::Clean,
            Some(a) => Outcome::Action(a),
        },
        Ok(other) => panic!("decoded {other:?}"),
        Err(e) => {
            assert_eq!(e.notification.code, 3, "{e:?}");
            Outcome::Reset {
                subcode: e.notification.subcode,
            }
        }
    }
}

fn ctx4() -> CodecContext {
    CodecContext {
        four_octet_as: true,
        ..CodecContext::default()
    }
}

#[test]
fn malformed_attributes_get_the_rfc7606_action() {
    use Action::*;
    let with = |extra: &str| format!("{BASE_ATTRS_AS4} {extra}");
    let table: Vec<(&str, String, Outcome)> = vec![
        (
            "well formed update is clean",
            BASE_ATTRS_AS4.to_string(),
            Outcome::Clean,
        ),
        (
            "origin value 5 is treat-as-withdraw (7.1)",
            format!("40 01 01 05 {AS_PATH} {NEXT_HOP}"),
            Outcome::Action(TreatAsWithdraw),
        ),
        (
            "origin length 2 is treat-as-withdraw (7.1)",
            format!("40 01 02 00 00 {AS_PATH} {NEXT_HOP}"),
            Outcome::Action(TreatAsWithdraw),
        ),
        (
            "as_path segment type 9 is treat-as-withdraw (7.2)",
            format!("{ORIGIN} 40 02 06 09 01 00 00 fd e9 {NEXT_HOP}"),
            Outcome::Action(TreatAsWithdraw),
        ),
        (
            "as_path segment overrunning is treat-as-withdraw (7.2)",
            format!("{ORIGIN} 40 02 06 02 05 00 00 fd e9 {NEXT_HOP}"),
            Outcome::Action(TreatAsWithdraw),
        ),
        (
            "next_hop length 5 is treat-as-withdraw (7.3)",
            format!("{ORIGIN} {AS_PATH} 40 03 05 0a 00 00 01 00"),
            Outcome::Action(TreatAsWithdraw),
        ),
        (
            "next_hop 0.0.0.0 is treat-as-withdraw (7.3)",
            format!("{ORIGIN} {AS_PATH} 40 03 04 00 00 00 00"),
            Outcome::Action(TreatAsWithdraw),
        ),
        (
            "med length 3 is treat-as-withdraw (7.4)",
            with("80 04 03 00 00 01"),
            Outcome::Action(TreatAsWithdraw),
        ),
        (
            "local_pref length 2 is treat-as-withdraw (7.5)",
            with("40 05 02 00 64"),
            Outcome::Action(TreatAsWithdraw),
        ),
        (
            "atomic_aggregate length 1 is attribute discard (7.6)",
            with("40 06 01 00"),
            Outcome::Action(AttributeDiscard),
        ),
        (
            "aggregator length 5 is attribute discard (7.7)",
            with("c0 07 05 00 00 fd e9 0a"),
            Outcome::Action(AttributeDiscard),
        ),
        (
            "communities length 3 is treat-as-withdraw (7.8)",
            with("c0 08 03 00 00 01"),
            Outcome::Action(TreatAsWithdraw),
        ),
        (
            "originator_id length 3 is treat-as-withdraw (7.9)",
            with("80 09 03 0a 00 00"),
            Outcome::Action(TreatAsWithdraw),
        ),
        (
            "cluster_list length 5 is treat-as-withdraw (7.10)",
            with("80 0a 05 0a 00 00 01 02"),
            Outcome::Action(TreatAsWithdraw),
        ),
        (
            "large_community length 10 is treat-as-withdraw (rfc 8092)",
            with("c0 20 0a 00 00 00 01 00 00 00 02 00 00"),
            Outcome::Action(TreatAsWithdraw),
        ),
        (
            "mp_reach with bad next hop length resets the session (7.11)",
            with("90 0e 00 08 00 02 01 05 20 01 0d b8"),
            Outcome::Reset { subcode: 9 },
        ),
        (
            "duplicate mp_unreach resets the session (3 g)",
            with("90 0f 00 03 00 02 01 90 0f 00 03 00 02 01"),
            Outcome::Reset { subcode: 1 },
        ),
        (
            "duplicate origin is discarded (3 g)",
            with("40 01 01 01"),
            Outcome::Action(AttributeDiscard),
        ),
        (
            "missing next_hop is treat-as-withdraw (3 d)",
            format!("{ORIGIN} {AS_PATH}"),
            Outcome::Action(TreatAsWithdraw),
        ),
        (
            "missing as_path is treat-as-withdraw (3 d)",
            format!("{ORIGIN} {NEXT_HOP}"),
            Outcome::Action(TreatAsWithdraw),
        ),
        (
            "origin flagged optional is treat-as-withdraw (3 c)",
            format!("c0 01 01 00 {AS_PATH} {NEXT_HOP}"),
            Outcome::Action(TreatAsWithdraw),
        ),
        (
            "unrecognized well-known attribute resets the session",
            with("40 63 01 00"),
            Outcome::Reset { subcode: 2 },
        ),
        (
            "unknown optional transitive attribute is accepted",
            with("c0 63 02 ab cd"),
            Outcome::Clean,
        ),
        (
            "attribute overrunning the list is treat-as-withdraw (4)",
            with("c0 08 08 00 00 00 01"),
            Outcome::Action(TreatAsWithdraw),
        ),
    ];
    for (name, attrs, expected) in table {
        assert_eq!(outcome(&attrs, &ctx4()), expected, "{name}");
    }
}

#[test]
fn malformed_as4_path_on_a_two_octet_session_is_discarded() {
    let attrs = "40 01 01 00 40 02 04 02 01 fd e9 40 03 04 0a 00 00 01 c0 11 03 02 01 00";
    assert_eq!(
        outcome(attrs, &CodecContext::default()),
        Outcome::Action(Action::AttributeDiscard)
    );
}

#[test]
fn local_pref_from_an_external_peer_is_discarded() {
    let ctx = CodecContext {
        ebgp: true,
        ..ctx4()
    };
    let attrs = format!("{BASE_ATTRS_AS4} 40 05 04 00 00 00 64");
    assert_eq!(
        outcome(&attrs, &ctx),
        Outcome::Action(Action::AttributeDiscard)
    );
}

#[test]
fn treat_as_withdraw_keeps_the_nlri_so_the_rib_can_withdraw_it() {
    let msg = update(
        &[],
        &hex(&format!("40 01 01 05 {AS_PATH} {NEXT_HOP}")),
        &hex(NLRI_10_65_0_0_26),
    );
    let Ok(Message::Update(u)) = wire::decode(&msg, &ctx4()) else {
        panic!("expected an update");
    };
    assert!(u.treat_as_withdraw());
    assert_eq!(u.nlri.len(), 1);
}

#[test]
fn discarded_attribute_leaves_the_rest_usable() {
    let msg = update(
        &[],
        &hex(&format!(
            "{BASE_ATTRS_AS4} 40 06 01 00 c0 08 04 ff ff ff 01"
        )),
        &hex(NLRI_10_65_0_0_26),
    );
    let Ok(Message::Update(u)) = wire::decode(&msg, &ctx4()) else {
        panic!("expected an update");
    };
    assert!(!u.treat_as_withdraw());
    assert!(!u.attrs.atomic_aggregate);
    assert_eq!(u.attrs.communities, vec![0xFFFF_FF01]);
}

#[test]
fn total_attribute_length_past_the_message_resets_the_session() {
    let mut msg = update(&[], &hex(BASE_ATTRS_AS4), &[]);
    // Total Path Attribute Length sits after the 2-octet withdrawn length.
    msg[21] = 0;
    msg[22] = 0xFF;
    let err = wire::decode(&msg, &ctx4()).unwrap_err();
    assert_eq!((err.notification.code, err.notification.subcode), (3, 1));
}
