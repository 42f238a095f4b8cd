//! What this host originates: its address blocks as aggregates, plus borrowed single
//! addresses that lie outside every owned block (Calico's model, see docs/architecture.md).

use ipnet::IpNet;

/// Prefixes to originate from the host's `blocks` and single `addresses` (/32 or /128).
///
/// Blocks are advertised as they are. An address inside an owned block is suppressed:
/// the block already covers it. An address outside all blocks (an IP borrowed from
/// another host's block) is advertised as a host route so traffic finds it.
pub fn originated(blocks: &[IpNet], addresses: &[IpNet]) -> Vec<IpNet> {
    let mut out: Vec<IpNet> = blocks.iter().map(IpNet::trunc).collect();
    out.extend(
        addresses
            .iter()
            .filter(|a| !blocks.iter().any(|b| b.contains(*a)))
            .copied(),
    );
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::originated;
    use ipnet::IpNet;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn blocks_are_aggregates_and_covered_addresses_are_suppressed() {
        type Row = (&'static str, Vec<IpNet>, Vec<IpNet>, Vec<IpNet>);
        let table: Vec<Row> = vec![
            (
                "block alone",
                nets(&["10.65.1.0/26"]),
                vec![],
                nets(&["10.65.1.0/26"]),
            ),
            (
                "address inside a block is suppressed",
                nets(&["10.65.1.0/26"]),
                nets(&["10.65.1.7/32"]),
                nets(&["10.65.1.0/26"]),
            ),
            (
                "borrowed address outside blocks is advertised",
                nets(&["10.65.1.0/26"]),
                nets(&["10.65.2.9/32"]),
                nets(&["10.65.1.0/26", "10.65.2.9/32"]),
            ),
            (
                "ipv6 borrowed /128",
                nets(&["fd00:1::/122"]),
                nets(&["fd00:2::5/128", "fd00:1::3/128"]),
                nets(&["fd00:1::/122", "fd00:2::5/128"]),
            ),
            (
                "duplicates collapse",
                nets(&["10.65.1.0/26", "10.65.1.0/26"]),
                vec![],
                nets(&["10.65.1.0/26"]),
            ),
        ];
        for (name, blocks, addrs, want) in table {
            assert_eq!(originated(&blocks, &addrs), want, "{name}");
        }
    }
}
