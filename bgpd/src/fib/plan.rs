//! Pure FIB bookkeeping: what the kernel holds of ours, and what to delete after a
//! restart once the RIB has re-converged.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use ipnet::IpNet;

use crate::rib::FibDelta;

/// Our routes as the kernel holds them: prefix → next hops (sorted).
pub type Installed = BTreeMap<IpNet, Vec<IpAddr>>;

/// Record a delta in `installed`.
pub fn record(installed: &mut Installed, d: &FibDelta) {
    match d {
        FibDelta::Add { prefix, next_hops } | FibDelta::Replace { prefix, next_hops } => {
            installed.insert(*prefix, next_hops.clone());
        }
        FibDelta::Remove { prefix } => {
            installed.remove(prefix);
        }
    }
}

/// Routes found at start that the RIB did not (re)install since: delete these once the
/// RIB has re-converged after a restart.
pub fn leftovers(found_at_start: &Installed, touched: &BTreeSet<IpNet>) -> Vec<IpNet> {
    found_at_start
        .keys()
        .filter(|p| !touched.contains(p))
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn only_routes_nobody_reannounced_are_left_over() {
        let found: Installed = [
            (net("10.65.1.0/26"), vec!["10.0.0.1".parse().unwrap()]),
            (net("10.65.2.0/26"), vec!["10.0.0.2".parse().unwrap()]),
        ]
        .into();
        let table = [
            (
                "nothing relearned: all go",
                vec![],
                vec![net("10.65.1.0/26"), net("10.65.2.0/26")],
            ),
            (
                "one relearned: the other goes",
                vec![net("10.65.1.0/26")],
                vec![net("10.65.2.0/26")],
            ),
            (
                "all relearned: none go",
                vec![net("10.65.1.0/26"), net("10.65.2.0/26")],
                vec![],
            ),
        ];
        for (name, touched, want) in table {
            let touched: BTreeSet<IpNet> = touched.into_iter().collect();
            assert_eq!(leftovers(&found, &touched), want, "{name}");
        }
    }

    #[test]
    fn deltas_update_the_installed_table() {
        let mut t = Installed::new();
        let p = net("10.65.1.0/26");
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        record(
            &mut t,
            &FibDelta::Add {
                prefix: p,
                next_hops: vec![a],
            },
        );
        record(
            &mut t,
            &FibDelta::Replace {
                prefix: p,
                next_hops: vec![a, b],
            },
        );
        assert_eq!(t.get(&p), Some(&vec![a, b]));
        record(&mut t, &FibDelta::Remove { prefix: p });
        assert!(t.is_empty());
    }
}
