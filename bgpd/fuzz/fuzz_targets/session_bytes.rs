//! Fuzz `bgpd::session::Session::receive_bytes` on an established session: arbitrary
//! bytes in arbitrary chunks must never panic and must end in a sane state.
#![no_main]

use std::net::Ipv4Addr;

use bgpd::fsm::{Input, SessionConfig, State};
use bgpd::session::Session;
use bgpd::wire::{Capability, Message, Open};
use libfuzzer_sys::fuzz_target;

fn established() -> Session {
    let mut s = Session::new(SessionConfig::new(65001, Ipv4Addr::new(10, 0, 0, 1), 65002));
    s.handle(Input::ManualStart);
    s.handle(Input::TcpCrAcked);
    let open = Open {
        version: 4,
        my_as: 65002,
        hold_time: 9,
        bgp_id: Ipv4Addr::new(10, 0, 0, 2),
        capabilities: vec![Capability::FourOctetAs(65002)],
    };
    s.handle(Input::Received(Message::Open(open)));
    s.handle(Input::Received(Message::Keepalive));
    s
}

fuzz_target!(|data: &[u8]| {
    let mut s = established();
    let step = usize::from(data.first().copied().unwrap_or(1)).max(1);
    for chunk in data.chunks(step) {
        s.receive_bytes(chunk);
        if s.fsm().state() != State::Established {
            break;
        }
    }
});
