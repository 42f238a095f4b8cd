//! How `netctl node status` words a peer: its type in Calico's terms and how long it
//! has been in its state. Shared by the table and the detail view.

/// Type column: the kinds bgpd reports, in Calico's words.
pub(crate) fn peer_type(kind: &str) -> &str {
    match kind {
        "node-to-node mesh" => "mesh",
        "node specific" => "node-specific",
        other => other,
    }
}

/// `3d4h`, `2h5m`, `7m12s`, `42s`.
pub(crate) fn duration(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m{s}s"),
        (0, _, _) => format!("{h}h{m}m"),
        _ => format!("{d}d{h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_at_a_glance() {
        let table = [
            (0, "0s"),
            (59, "59s"),
            (61, "1m1s"),
            (3600, "1h0m"),
            (90_061, "1d1h"),
        ];
        for (secs, want) in table {
            assert_eq!(duration(secs), want, "{secs}");
        }
    }
}
