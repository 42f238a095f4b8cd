//! Mutation run over the decoders: deterministic seed, bounded count (BGPD_MUTATIONS,
//! default 20,000) so it runs in seconds in CI. Each mutated message goes through
//! netgauze's own decoder and through Terrace's adapter, under `catch_unwind`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use bgpd::wire::{self, Afi, CodecContext};
use common::hex;
use netgauze_bgp_pkt::BgpMessage;
use netgauze_bgp_pkt::wire::deserializer::BgpParsingContext;
use netgauze_parse_utils::reader::SliceReader;
use netgauze_parse_utils::traits::ParseFromWithOneInput;

/// xorshift64*: tiny, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap()
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let m = "ffffffffffffffffffffffffffffffff";
    [
        format!("{m} 002b 01 04 fde9 005a 0a000001 0e 02 0c 01 04 0001 00 01 41 04 0000fde9"),
        format!("{m} 0034 02 0000 0018 400101 00 40020a 02 02 0000fde9 fa56ea00 400304 0a000001 1a 0a410000"),
        format!("{m} 003d 02 0000 0021 400101 00 400206 02 02 fde9 5ba0 400304 0a000001 c0110a 02 02 0000fde9 fa56ea00 1a 0a410000"),
        format!("{m} 0043 02 0000 002c 400101 00 400206 02 01 0000fde9 800e1c 0002 01 10 20010db8000000000000000000000001 00 30 20010db80001"),
        format!("{m} 0039 02 0004 18 0a0001 0021 400101 02 400200 400304 0a000002 c00808 ffffff01 0000fde9 80040400000005 10 0a01"),
        format!("{m} 0015 03 06 02"),
        format!("{m} 0017 05 0002 00 01"),
    ]
    .iter()
    .map(|s| hex(s))
    .collect()
}

fn mutate(rng: &mut Rng, msg: &mut Vec<u8>) {
    for _ in 0..=rng.below(4) {
        let pos = rng.below(msg.len());
        match rng.below(6) {
            0 => msg[pos] ^= 1 << rng.below(8),
            1 => msg[pos] = u8::try_from(rng.below(256)).unwrap(),
            2 => msg.truncate(pos.max(19)),
            3 => msg.insert(pos, u8::try_from(rng.below(256)).unwrap()),
            4 => {
                msg.remove(pos);
            }
            // Interesting values where lengths live.
            _ => msg[pos] = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff][rng.below(6)],
        }
    }
    // Most of the time keep the header length honest so mutations reach the body parsers.
    if rng.below(5) != 0 && msg.len() >= 19 {
        let len = u16::try_from(msg.len()).unwrap_or(u16::MAX).to_be_bytes();
        msg[16..18].copy_from_slice(&len);
    }
}

fn contexts() -> Vec<CodecContext> {
    vec![
        CodecContext::default(),
        CodecContext {
            four_octet_as: true,
            add_path_receive: vec![Afi::Ipv4, Afi::Ipv6],
            extended_message: true,
            ebgp: true,
            ..CodecContext::default()
        },
    ]
}

#[test]
fn mutated_messages_never_panic_either_decoder() {
    let count: usize = std::env::var("BGPD_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let seeds = seeds();
    let ctxs = contexts();
    let mut rng = Rng(0x7e77_ace0_b69d_0001);
    std::panic::set_hook(Box::new(|_| {}));
    let (mut ng_panics, mut adapter_panics, mut accepted) = (0usize, 0usize, 0usize);
    for i in 0..count {
        let mut msg = seeds[i % seeds.len()].clone();
        mutate(&mut rng, &mut msg);
        let asn4 = i % 2 == 0;
        let ng = catch_unwind(AssertUnwindSafe(|| {
            let mut ctx = BgpParsingContext::default();
            ctx.set_asn4(asn4);
            BgpMessage::parse(&mut SliceReader::new(&msg), &mut ctx).is_ok()
        }));
        ng_panics += usize::from(ng.is_err());
        let ours = catch_unwind(AssertUnwindSafe(|| {
            wire::decode(&msg, &ctxs[i % 2]).is_ok()
        }));
        match ours {
            Ok(ok) => accepted += usize::from(ok),
            Err(_) => adapter_panics += 1,
        }
    }
    let _ = std::panic::take_hook();
    eprintln!(
        "mutations={count} netgauze_panics={ng_panics} adapter_panics={adapter_panics} accepted={accepted}"
    );
    assert_eq!((ng_panics, adapter_panics), (0, 0));
    // The run must exercise both outcomes, or the mutator is broken.
    assert!(accepted > 0 && accepted < count);
}
