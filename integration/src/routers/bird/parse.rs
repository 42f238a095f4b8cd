//! Parsers for `birdc show protocols` and `birdc show route`. Pure.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::routers::{RibRoute, SessionState};

/// One row of `show protocols`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolRow {
    /// Protocol name.
    pub name: String,
    /// Protocol type (`BGP`, `Static`...).
    pub proto: String,
    /// `up`, `down`, `start`.
    pub state: String,
    /// The BGP FSM state from the info column, for BGP rows.
    pub bgp_state: Option<SessionState>,
}

const BGP_STATES: [&str; 6] = [
    "Idle",
    "Connect",
    "Active",
    "OpenSent",
    "OpenConfirm",
    "Established",
];

/// Parses `birdc show protocols`.
pub fn protocols(text: &str) -> Vec<ProtocolRow> {
    let rows = text.lines().skip_while(|l| !l.starts_with("Name")).skip(1);
    rows.filter_map(|line| {
        let mut it = line.split_whitespace();
        let (name, proto, _table, state) = (it.next()?, it.next()?, it.next()?, it.next()?);
        // The "since" column may be one or two tokens; the FSM state is the
        // first known state word after it.
        let bgp_state = (proto == "BGP")
            .then(|| it.find(|w| BGP_STATES.contains(w)).map(SessionState::parse))
            .flatten();
        Some(ProtocolRow {
            name: name.into(),
            proto: proto.into(),
            state: state.into(),
            bgp_state,
        })
    })
    .collect()
}

/// Parses `birdc show route` (IPv4 or IPv6 tables).
pub fn routes(text: &str) -> Vec<RibRoute> {
    let mut out: Vec<RibRoute> = Vec::new();
    let mut current: Option<IpNet> = None;
    for line in text.lines() {
        let first = line.split_whitespace().next().unwrap_or_default();
        if let Ok(prefix) = first.parse::<IpNet>() {
            current = Some(prefix);
            out.push(RibRoute {
                prefix,
                next_hop: None,
                best: is_best(line),
            });
        } else if line.starts_with(char::is_whitespace) {
            let rest = line.trim_start();
            if let Some(via) = rest.strip_prefix("via ") {
                if let Some(last) = out.last_mut() {
                    last.next_hop = via
                        .split_whitespace()
                        .next()
                        .and_then(|a| a.parse::<IpAddr>().ok());
                }
            } else if rest.contains('[') {
                // Another route for the same prefix.
                if let Some(prefix) = current {
                    out.push(RibRoute {
                        prefix,
                        next_hop: None,
                        best: is_best(line),
                    });
                }
            }
        } else {
            current = None;
        }
    }
    out
}

fn is_best(line: &str) -> bool {
    line.split(']')
        .nth(1)
        .is_some_and(|rest| rest.trim_start().starts_with('*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from BIRD 2.0.12 (`birdc -s ... show protocols`).
    const PROTOCOLS: &str = "BIRD 2.0.12 ready.
Name       Proto      Table      State  Since         Info
device1    Device     ---        up     11:02:03.114
kernel1    Kernel     master4    up     11:02:03.114
announced  Static     master4    up     11:02:03.114
peer_10_0_1_1 BGP        ---        up     11:02:05.334  Established
peer_10_0_2_1 BGP        ---        start  11:02:03.114  Active        Socket: Connection refused
";

    // Captured from BIRD 2.0.12 (`birdc -s ... show route`).
    const ROUTES: &str = "BIRD 2.0.12 ready.
Table master4:
10.66.100.0/24       unicast [peer_10_0_1_1 11:02:05.412] * (100) [AS65000i]
\tvia 10.0.1.1 on eth0
                     unicast [peer_10_0_2_1 11:02:06.000] (100) [AS65002i]
\tvia 10.0.2.1 on eth1
10.66.1.0/24         blackhole [announced 11:02:03.114] * (200)
";

    #[test]
    fn protocol_rows_carry_the_bgp_state_of_bgp_protocols_only() {
        let rows = protocols(PROTOCOLS);
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[0].bgp_state, None);
        assert_eq!(rows[3].bgp_state, Some(SessionState::Established));
        assert_eq!(
            (rows[4].state.as_str(), &rows[4].bgp_state),
            ("start", &Some(SessionState::Active))
        );
    }

    #[test]
    fn routes_keep_next_hops_and_the_best_mark_of_alternatives() {
        let r = routes(ROUTES);
        let p100: IpNet = "10.66.100.0/24".parse().unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(
            r[0],
            RibRoute {
                prefix: p100,
                next_hop: Some("10.0.1.1".parse().unwrap()),
                best: true
            }
        );
        assert_eq!(
            r[1],
            RibRoute {
                prefix: p100,
                next_hop: Some("10.0.2.1".parse().unwrap()),
                best: false
            }
        );
        assert_eq!(
            r[2],
            RibRoute {
                prefix: "10.66.1.0/24".parse().unwrap(),
                next_hop: None,
                best: true
            }
        );
    }
}
