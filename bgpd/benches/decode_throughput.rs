//! Decode throughput of UPDATE messages, in prefixes per second.
//!
//! Run: `cargo bench -p bgpd --bench decode_throughput`. Prints one line per case; the
//! figures go to docs/performance.md. Full-size (4096-octet) UPDATEs as a route server
//! or a BIRD injector sends them: one attribute set, as many /26 (or /64) as fit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use bgpd::wire::{
    self, Afi, AsPath, CodecContext, Message, MpReach, Nlri, Origin, PathAttrs, Update,
};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};

fn attrs() -> PathAttrs {
    PathAttrs {
        origin: Some(Origin::Igp),
        as_path: AsPath::sequence(vec![65001, 65002, 4_200_000_000]),
        med: Some(10),
        communities: vec![0xFDE9_0001],
        ..PathAttrs::default()
    }
}

/// The largest IPv4 UPDATE that fits in 4096 octets.
fn ipv4_update(ctx: &CodecContext) -> (Vec<u8>, usize) {
    let mut u = Update {
        attrs: PathAttrs {
            next_hop: Some(Ipv4Addr::new(192, 0, 2, 1)),
            ..attrs()
        },
        ..Update::default()
    };
    for i in 0u32.. {
        let net = Ipv4Net::new(Ipv4Addr::from(0x0A00_0000 + (i << 6)), 26).unwrap();
        u.nlri.push(Nlri::new(IpNet::V4(net)));
        if wire::encode(&Message::Update(u.clone()), ctx).is_err() {
            u.nlri.pop();
            break;
        }
    }
    let n = u.nlri.len();
    (wire::encode(&Message::Update(u), ctx).unwrap(), n)
}

/// The largest IPv6 UPDATE (MP_REACH_NLRI) that fits in 4096 octets.
fn ipv6_update(ctx: &CodecContext) -> (Vec<u8>, usize) {
    let mut reach = MpReach {
        afi: Afi::Ipv6,
        next_hop: IpAddr::V6("2001:db8::1".parse().unwrap()),
        link_local: None,
        nlri: Vec::new(),
    };
    let encode = |reach: &MpReach| {
        let u = Update {
            attrs: attrs(),
            mp_reach: Some(reach.clone()),
            ..Update::default()
        };
        wire::encode(&Message::Update(u), ctx)
    };
    for i in 0u128.. {
        let net = Ipv6Net::new(Ipv6Addr::from((0x2001_0db8u128 << 96) + (i << 64)), 64).unwrap();
        reach.nlri.push(Nlri::new(IpNet::V6(net)));
        if encode(&reach).is_err() {
            reach.nlri.pop();
            break;
        }
    }
    (encode(&reach).unwrap(), reach.nlri.len())
}

fn run(name: &str, msg: &[u8], prefixes: usize, ctx: &CodecContext) {
    // Warm up, then run for a fixed wall time.
    for _ in 0..100 {
        black_box(wire::decode(black_box(msg), ctx).unwrap());
    }
    let (start, mut iterations) = (Instant::now(), 0u64);
    while start.elapsed() < Duration::from_secs(3) {
        for _ in 0..100 {
            black_box(wire::decode(black_box(msg), ctx).unwrap());
        }
        iterations += 100;
    }
    let secs = start.elapsed().as_secs_f64();
    let per_sec = (iterations as f64 * prefixes as f64) / secs;
    println!(
        "{name}: {prefixes} prefixes/update, {:.0} updates/s, {:.2} M prefixes/s",
        iterations as f64 / secs,
        per_sec / 1e6
    );
}

fn main() {
    let ctx = CodecContext {
        four_octet_as: true,
        ..CodecContext::default()
    };
    let (v4, n4) = ipv4_update(&ctx);
    run("ipv4_unicast_4096_octet_update", &v4, n4, &ctx);
    let (v6, n6) = ipv6_update(&ctx);
    run("ipv6_unicast_mp_reach_4096_octet_update", &v6, n6, &ctx);
}
