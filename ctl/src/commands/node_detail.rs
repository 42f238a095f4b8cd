//! `netctl node status --detail` (one block per peer) and the soft reset summary: pure
//! renderings of bgpd's answers.

use std::fmt::Write as _;
use std::net::IpAddr;

use bgpd_api::pb::{ListPeersResponse, Peer, SoftResetResponse};

use super::peer_text::{duration, peer_type};

/// One block per peer, then the Loc-RIB size.
pub fn detail(reply: &ListPeersResponse) -> String {
    let mut out = String::new();
    for p in &reply.peers {
        block(&mut out, p);
        out.push('\n');
    }
    if reply.peers.is_empty() {
        out.push_str("(no BGP peers configured)\n\n");
    }
    let _ = writeln!(out, "Loc-RIB prefixes: {}", reply.loc_rib_prefixes);
    out
}

fn block(out: &mut String, p: &Peer) {
    let _ = writeln!(
        out,
        "{} AS {} ({}, {})",
        p.address,
        p.remote_as,
        peer_type(&p.kind),
        p.name
    );
    let mut field = |name: &str, value: String| {
        let _ = writeln!(out, "  {:<14}{value}", format!("{name}:"));
    };
    field(
        "state",
        format!("{} for {}", p.state, duration(p.since_seconds)),
    );
    if p.state == "Established" {
        field("uptime", duration(p.uptime_seconds));
        field(
            "session",
            format!(
                "router id {}, hold time {} s, keepalive {} s",
                p.router_id, p.hold_time, p.keepalive
            ),
        );
        field("capabilities", p.capabilities.join(", "));
    }
    field(
        "prefixes",
        format!(
            "{} received, {} accepted, {} advertised",
            p.prefixes_received, p.prefixes_accepted, p.prefixes_advertised
        ),
    );
    field(
        "messages",
        format!(
            "{} updates received, {} sent; {} session flaps",
            p.updates_received, p.updates_sent, p.flaps
        ),
    );
    let last = p.last_error.as_ref().map_or_else(
        || "none".to_owned(),
        |e| format!("{}: {} ({} ago)", e.kind, e.text, duration(e.seconds_ago)),
    );
    field("last error", last);
}

/// What a soft reset did, in one or two lines.
pub fn soft_reset_summary(peer: IpAddr, done: &SoftResetResponse) -> String {
    let mut out = String::new();
    if done.route_refresh_sent {
        let _ = writeln!(
            out,
            "{peer}: inbound: ROUTE-REFRESH sent, the peer re-sends its routes"
        );
    } else if done.reimported > 0 {
        let _ = writeln!(
            out,
            "{peer}: inbound: {} received routes through import policy again",
            done.reimported
        );
    }
    if done.readvertised > 0 {
        let _ = writeln!(
            out,
            "{peer}: outbound: {} prefixes advertised again",
            done.readvertised
        );
    }
    if out.is_empty() {
        let _ = writeln!(out, "{peer}: soft reset done (nothing to re-send)");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bgpd_api::pb::PeerError;

    #[test]
    fn detail_shows_session_capabilities_counts_and_the_last_error() {
        let mut reply = super::super::node::tests::reply();
        let up = &mut reply.peers[0];
        up.uptime_seconds = 4000;
        up.router_id = "10.0.1.1".into();
        up.hold_time = 90;
        up.keepalive = 30;
        up.capabilities = vec!["4-octet AS".into(), "route refresh".into()];
        up.prefixes_advertised = 3;
        up.updates_received = 7;
        up.updates_sent = 2;
        reply.peers[1].last_error = Some(PeerError {
            kind: "notification received".into(),
            text: "Cease / Administrative Reset (6/4)".into(),
            seconds_ago: 42,
        });
        let want = "\
10.0.1.1 AS 65000 (global, peer-10.0.1.1)
  state:        Established for 1h6m
  uptime:       1h6m
  session:      router id 10.0.1.1, hold time 90 s, keepalive 30 s
  capabilities: 4-octet AS, route refresh
  prefixes:     12 received, 10 accepted, 3 advertised
  messages:     7 updates received, 2 sent; 0 session flaps
  last error:   none

10.0.2.2 AS 64512 (mesh, peer-10.0.2.2)
  state:        Active for 42s
  prefixes:     0 received, 0 accepted, 0 advertised
  messages:     0 updates received, 0 sent; 0 session flaps
  last error:   notification received: Cease / Administrative Reset (6/4) (42s ago)

Loc-RIB prefixes: 11
";
        assert_eq!(detail(&reply), want);
    }

    #[test]
    fn soft_reset_summary_says_what_happened_in_each_direction() {
        let peer: IpAddr = "10.0.1.1".parse().unwrap();
        let cases = [
            (
                SoftResetResponse {
                    route_refresh_sent: true,
                    reimported: 0,
                    readvertised: 5,
                },
                "10.0.1.1: inbound: ROUTE-REFRESH sent, the peer re-sends its routes\n\
                 10.0.1.1: outbound: 5 prefixes advertised again\n",
            ),
            (
                SoftResetResponse {
                    route_refresh_sent: false,
                    reimported: 12,
                    readvertised: 0,
                },
                "10.0.1.1: inbound: 12 received routes through import policy again\n",
            ),
            (
                SoftResetResponse::default(),
                "10.0.1.1: soft reset done (nothing to re-send)\n",
            ),
        ];
        for (done, want) in cases {
            assert_eq!(soft_reset_summary(peer, &done), want);
        }
    }
}
