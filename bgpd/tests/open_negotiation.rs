//! OPEN validation (RFC 4271 §6.2) and capability negotiation (RFC 5492, 6793, 4760,
//! 7911, 4724, 8654) table tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::Ipv4Addr;

use bgpd::fsm::{SessionConfig, local_open, negotiate};
use bgpd::wire::{AddPathFamily, Afi, Capability, GracefulRestartCap, Open};

fn cfg(peer_as: u32) -> SessionConfig {
    SessionConfig::new(65001, Ipv4Addr::new(10, 0, 0, 1), peer_as)
}

fn open(my_as: u16, hold: u16, id: [u8; 4], caps: Vec<Capability>) -> Open {
    Open {
        version: 4,
        my_as,
        hold_time: hold,
        bgp_id: id.into(),
        capabilities: caps,
    }
}

#[test]
fn invalid_opens_get_the_right_open_message_error() {
    let table: Vec<(&str, SessionConfig, Open, u8)> = vec![
        (
            "version 3 is unsupported version",
            cfg(65002),
            Open {
                version: 3,
                ..open(65002, 90, [10, 0, 0, 2], vec![])
            },
            1,
        ),
        (
            "wrong peer as is bad peer as",
            cfg(65002),
            open(65003, 90, [10, 0, 0, 2], vec![]),
            2,
        ),
        (
            "as_trans without the capability is bad peer as",
            cfg(23456),
            open(23456, 90, [10, 0, 0, 2], vec![]),
            2,
        ),
        (
            "4-octet capability naming another as is bad peer as",
            cfg(4_200_000_000),
            open(
                23456,
                90,
                [10, 0, 0, 2],
                vec![Capability::FourOctetAs(4_200_000_001)],
            ),
            2,
        ),
        (
            "hold time 2 is unacceptable",
            cfg(65002),
            open(65002, 2, [10, 0, 0, 2], vec![]),
            6,
        ),
        (
            "hold time 1 is unacceptable",
            cfg(65002),
            open(65002, 1, [10, 0, 0, 2], vec![]),
            6,
        ),
        (
            "identifier 0.0.0.0 is bad identifier",
            cfg(65002),
            open(65002, 90, [0, 0, 0, 0], vec![]),
            3,
        ),
        (
            "our own identifier on ibgp is bad identifier",
            cfg(65001),
            open(65001, 90, [10, 0, 0, 1], vec![]),
            3,
        ),
    ];
    for (name, c, o, subcode) in table {
        let err = negotiate(&c, &o).expect_err(name);
        assert_eq!((err.code, err.subcode), (2, subcode), "{name}");
    }
}

#[test]
fn valid_opens_negotiate_hold_time_and_as() {
    let table: Vec<(&str, SessionConfig, Open, u32, u16, u16)> = vec![
        (
            "smaller peer hold time wins",
            cfg(65002),
            open(65002, 30, [10, 0, 0, 2], vec![]),
            65002,
            30,
            10,
        ),
        (
            "smaller local hold time wins",
            cfg(65002),
            open(65002, 180, [10, 0, 0, 2], vec![]),
            65002,
            90,
            30,
        ),
        (
            "hold time 0 disables keepalives",
            cfg(65002),
            open(65002, 0, [10, 0, 0, 2], vec![]),
            65002,
            0,
            0,
        ),
        (
            "hold time 3 gives keepalive 1",
            cfg(65002),
            open(65002, 3, [10, 0, 0, 2], vec![]),
            65002,
            3,
            1,
        ),
        (
            "large as via the 4-octet capability",
            cfg(4_200_000_000),
            open(
                23456,
                90,
                [10, 0, 0, 2],
                vec![Capability::FourOctetAs(4_200_000_000)],
            ),
            4_200_000_000,
            90,
            30,
        ),
        (
            "same identifier is fine on ebgp",
            cfg(65002),
            open(65002, 90, [10, 0, 0, 1], vec![]),
            65002,
            90,
            30,
        ),
    ];
    for (name, c, o, peer_as, hold, keepalive) in table {
        let n = negotiate(&c, &o).expect(name);
        assert_eq!(
            (n.peer_as, n.hold_time, n.keepalive),
            (peer_as, hold, keepalive),
            "{name}"
        );
    }
}

#[test]
fn capabilities_negotiate_to_the_intersection() {
    let mut c = cfg(65002);
    c.extended_message = true;
    c.add_path = vec![AddPathFamily {
        afi: Afi::Ipv4,
        receive: true,
        send: true,
    }];
    let gr = GracefulRestartCap {
        restarting: true,
        restart_time: 90,
        families: vec![(Afi::Ipv4, true)],
    };
    let peer = open(
        65002,
        90,
        [10, 0, 0, 2],
        vec![
            Capability::MultiProtocol(Afi::Ipv6),
            Capability::FourOctetAs(65002),
            Capability::ExtendedMessage,
            Capability::AddPath(vec![AddPathFamily {
                afi: Afi::Ipv4,
                receive: true,
                send: false,
            }]),
            Capability::GracefulRestart(gr.clone()),
            Capability::Unknown { code: 200 },
        ],
    );
    let n = negotiate(&c, &peer).unwrap();
    assert_eq!(n.families, vec![Afi::Ipv6]);
    assert!(n.four_octet_as && n.extended_message && !n.route_refresh);
    assert_eq!(
        n.add_path,
        vec![AddPathFamily {
            afi: Afi::Ipv4,
            receive: false,
            send: true
        }]
    );
    assert_eq!(n.graceful_restart, Some(gr));
    let ctx = n.codec_context();
    assert_eq!(
        (ctx.add_path_send, ctx.add_path_receive),
        (vec![Afi::Ipv4], vec![])
    );
}

#[test]
fn a_peer_without_multiprotocol_capabilities_gets_ipv4_only() {
    let n = negotiate(
        &cfg(65002),
        &open(65002, 90, [10, 0, 0, 2], vec![Capability::RouteRefresh]),
    )
    .unwrap();
    assert_eq!(n.families, vec![Afi::Ipv4]);
    assert!(n.route_refresh && !n.four_octet_as);
}

#[test]
fn extended_message_and_graceful_restart_need_both_sides() {
    let mut c = cfg(65002);
    c.graceful_restart = None;
    let gr = GracefulRestartCap {
        restarting: false,
        restart_time: 120,
        families: vec![],
    };
    let n = negotiate(
        &c,
        &open(
            65002,
            90,
            [10, 0, 0, 2],
            vec![Capability::ExtendedMessage, Capability::GracefulRestart(gr)],
        ),
    )
    .unwrap();
    assert!(!n.extended_message);
    assert_eq!(n.graceful_restart, None);
}

#[test]
fn local_open_puts_as_trans_in_my_as_for_a_large_as() {
    let mut c = cfg(65002);
    c.local_as = 4_200_000_000;
    let o = local_open(&c);
    assert_eq!(o.my_as, 23456);
    assert_eq!(o.asn(), 4_200_000_000);
    assert!(
        o.capabilities
            .contains(&Capability::MultiProtocol(Afi::Ipv6))
    );
}
