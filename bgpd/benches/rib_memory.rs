//! Memory and time for 1,000,000 routes sharing a few attribute sets.
//!
//! Run: `cargo bench -p bgpd --bench rib_memory`. One eBGP peer sends 1,000,000 IPv4
//! /32 routes in full-size UPDATEs carrying 4 distinct attribute sets; the routes land in
//! the Loc-RIB (which holds the Adj-RIB-In too) and are exported to one iBGP peer (whose
//! Adj-RIB-Out is derived, not stored). VmRSS is read from /proc/self/status before and
//! after.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use bgpd::fsm::NegotiatedSession;
use bgpd::rib::{PeerId, PeerPolicy, Rib, RibConfig};
use bgpd::wire::{Afi, AsPath, Nlri, Origin, PathAttrs, Update};
use ipnet::{IpNet, Ipv4Net};

const ROUTES: u32 = 1_000_000;

fn vm_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// User + system CPU seconds of this process (/proc/self/stat fields 14 and 15, in
/// clock ticks of 1/100 s): wall time is meaningless on the shared, loaded machine.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}

fn session(id: Ipv4Addr, peer_as: u32) -> NegotiatedSession {
    NegotiatedSession {
        peer_as,
        peer_id: id,
        hold_time: 90,
        keepalive: 30,
        four_octet_as: true,
        families: vec![Afi::Ipv4],
        route_refresh: true,
        extended_message: false,
        add_path: vec![],
        graceful_restart: None,
        ebgp: peer_as != 65001,
    }
}

fn main() {
    let tor = PeerId(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
    let mesh = PeerId(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)));
    let mut rib = Rib::new(RibConfig {
        router_id: Ipv4Addr::new(10, 0, 0, 1),
        local_as: 65001,
        cluster_id: None,
        max_paths: 4,
    });
    rib.add_peer(
        tor,
        PeerPolicy::new(65100, 65001, vec!["192.0.2.10".parse().unwrap()]),
    );
    rib.add_peer(
        mesh,
        PeerPolicy::new(65001, 65001, vec!["10.0.0.1".parse().unwrap()]),
    );
    rib.peer_up(tor, &session(Ipv4Addr::new(192, 0, 2, 1), 65100));
    rib.peer_up(mesh, &session(Ipv4Addr::new(10, 0, 0, 2), 65001));

    let before = vm_rss_kib();
    let start = Instant::now();
    let cpu_start = cpu_secs();
    let mut adverts = 0usize;
    let per_update = 800u32;
    for batch in 0..ROUTES.div_ceil(per_update) {
        let attrs = PathAttrs {
            origin: Some(Origin::Igp),
            as_path: AsPath::sequence(vec![65100, 65200 + batch % 4]),
            next_hop: Some(Ipv4Addr::new(192, 0, 2, 1)),
            communities: vec![0xFDE8_0001],
            ..PathAttrs::default()
        };
        let nlri = (batch * per_update..((batch + 1) * per_update).min(ROUTES))
            .map(|i| {
                Nlri::new(IpNet::V4(
                    Ipv4Net::new(Ipv4Addr::from(0x0A00_0000 + i), 32).unwrap(),
                ))
            })
            .collect();
        let out = rib.apply_update(
            tor,
            &Update {
                attrs,
                nlri,
                ..Update::default()
            },
        );
        adverts += out.adverts.len();
    }
    let elapsed = start.elapsed();
    let cpu = cpu_secs() - cpu_start;
    let after = vm_rss_kib();
    let delta_bytes = (after.saturating_sub(before)) * 1024;
    println!(
        "rib_memory: {} routes, {} loc-rib prefixes, {} interned attribute sets, {} adverts",
        ROUTES,
        rib.loc_rib_len(),
        rib.interned_sets(),
        adverts
    );
    println!(
        "rib_memory: VmRSS {} MiB -> {} MiB (+{} MiB, {} bytes/route, Adj-RIB-In and Loc-RIB, one peer exported to)",
        before / 1024,
        after / 1024,
        delta_bytes / (1024 * 1024),
        delta_bytes / u64::from(ROUTES)
    );
    println!(
        "rib_memory: inserted in {:.2} s wall, {:.2} s cpu ({:.0} routes per cpu second)",
        elapsed.as_secs_f64(),
        cpu,
        f64::from(ROUTES) / cpu
    );
}
