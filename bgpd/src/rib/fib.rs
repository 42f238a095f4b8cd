//! Best-path changes as FIB operations for the kernel shell to apply (rtnetlink later).

use std::net::IpAddr;

use ipnet::IpNet;

/// One change to the forwarding table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FibDelta {
    /// A prefix became reachable: install it with these next hops (ECMP if several).
    Add {
        /// Destination.
        prefix: IpNet,
        /// Next hops, sorted, deduplicated.
        next_hops: Vec<IpAddr>,
    },
    /// The next-hop set of an installed prefix changed.
    Replace {
        /// Destination.
        prefix: IpNet,
        /// New next hops, sorted, deduplicated.
        next_hops: Vec<IpAddr>,
    },
    /// The prefix is no longer reachable through BGP.
    Remove {
        /// Destination.
        prefix: IpNet,
    },
}

impl FibDelta {
    fn prefix(&self) -> IpNet {
        match self {
            FibDelta::Add { prefix, .. }
            | FibDelta::Replace { prefix, .. }
            | FibDelta::Remove { prefix } => *prefix,
        }
    }

    fn next_hops(&self) -> &[IpAddr] {
        match self {
            FibDelta::Add { next_hops, .. } | FibDelta::Replace { next_hops, .. } => next_hops,
            FibDelta::Remove { .. } => &[],
        }
    }
}

/// Folds a batch into one delta per prefix, from the state before the batch to
/// the state after it, in order of each prefix's first change. A batch that
/// touches a prefix several times (reimporting every peer after a cost or
/// policy change) must not depend on the order peers were visited in.
pub fn coalesce(deltas: Vec<FibDelta>) -> Vec<FibDelta> {
    let mut order: Vec<IpNet> = Vec::new();
    let mut first_last: std::collections::HashMap<IpNet, (bool, Vec<IpAddr>)> =
        std::collections::HashMap::new();
    for d in deltas {
        let prefix = d.prefix();
        let installed_before = !matches!(d, FibDelta::Add { .. });
        let entry = first_last.entry(prefix).or_insert_with(|| {
            order.push(prefix);
            (installed_before, Vec::new())
        });
        entry.1 = d.next_hops().to_vec();
    }
    order
        .into_iter()
        .filter_map(|prefix| {
            let (installed_before, after) = first_last.remove(&prefix)?;
            match (installed_before, after.is_empty()) {
                (false, true) => None,
                (false, false) => Some(FibDelta::Add {
                    prefix,
                    next_hops: after,
                }),
                (true, true) => Some(FibDelta::Remove { prefix }),
                (true, false) => Some(FibDelta::Replace {
                    prefix,
                    next_hops: after,
                }),
            }
        })
        .collect()
}

/// The delta taking `prefix` from `old` to `new` next hops (empty = not installed).
pub fn delta(prefix: IpNet, old: &[IpAddr], new: &[IpAddr]) -> Option<FibDelta> {
    match (old.is_empty(), new.is_empty()) {
        (true, true) => None,
        (true, false) => Some(FibDelta::Add {
            prefix,
            next_hops: new.to_vec(),
        }),
        (false, true) => Some(FibDelta::Remove { prefix }),
        (false, false) if old == new => None,
        (false, false) => Some(FibDelta::Replace {
            prefix,
            next_hops: new.to_vec(),
        }),
    }
}

#[cfg(test)]
mod coalesce_tests {
    use super::*;

    fn p(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn hops(v: &[&str]) -> Vec<IpAddr> {
        v.iter().map(|h| h.parse().unwrap()).collect()
    }

    #[test]
    fn a_batch_becomes_one_delta_per_prefix_from_before_to_after() {
        let a = p("10.0.0.0/24");
        let b = p("10.0.1.0/24");
        let c = p("10.0.2.0/24");
        let batch = vec![
            FibDelta::Replace {
                prefix: a,
                next_hops: hops(&["10.9.0.2"]),
            },
            FibDelta::Add {
                prefix: b,
                next_hops: hops(&["10.9.0.2"]),
            },
            FibDelta::Replace {
                prefix: a,
                next_hops: hops(&["10.9.0.3"]),
            },
            FibDelta::Remove { prefix: b },
            FibDelta::Remove { prefix: c },
            FibDelta::Add {
                prefix: c,
                next_hops: hops(&["10.9.0.4"]),
            },
        ];
        assert_eq!(
            coalesce(batch),
            vec![
                FibDelta::Replace {
                    prefix: a,
                    next_hops: hops(&["10.9.0.3"])
                },
                FibDelta::Replace {
                    prefix: c,
                    next_hops: hops(&["10.9.0.4"])
                },
            ],
            "b came and went within the batch; c was installed before and after"
        );
    }
}
