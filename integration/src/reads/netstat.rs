//! `/proc/net/netstat` and `/proc/net/snmp` counters of a namespace
//! (the kernel's per-namespace MIB counters, e.g. `TcpExt.TCPMD5NotFound`).

use std::collections::BTreeMap;

/// Parses the header/value line pairs of `/proc/net/netstat` or
/// `/proc/net/snmp` into `Group.Counter -> value`.
pub fn parse(text: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let lines: Vec<&str> = text.lines().collect();
    for pair in lines.chunks(2) {
        let [names, values] = pair else { continue };
        let (Some((group, names)), Some((group2, values))) =
            (names.split_once(':'), values.split_once(':'))
        else {
            continue;
        };
        if group != group2 {
            continue;
        }
        for (n, v) in names.split_whitespace().zip(values.split_whitespace()) {
            // Some snmp values are negative (e.g. Tcp MaxConn -1); skip them.
            if let Ok(v) = v.parse() {
                out.insert(format!("{group}.{n}"), v);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_keyed_by_group_and_name() {
        let text = "TcpExt: SyncookiesSent TCPMD5NotFound TCPMD5Unexpected\nTcpExt: 0 3 1\nIpExt: InNoRoutes\nIpExt: 7\nTcp: RtoAlgorithm MaxConn\nTcp: 1 -1\n";
        let c = parse(text);
        assert_eq!(c.get("TcpExt.TCPMD5NotFound"), Some(&3));
        assert_eq!(c.get("IpExt.InNoRoutes"), Some(&7));
        assert_eq!(c.get("Tcp.MaxConn"), None);
        assert_eq!(c.len(), 5);
    }
}
