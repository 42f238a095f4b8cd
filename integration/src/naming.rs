//! Unique per-run names for namespaces, so labs run in parallel with each
//! other and beside other users of the machine.
//!
//! A namespace is named `tlab-<pid>-<n>-<role>`: `pid` is the process that
//! owns the lab (garbage collection uses it to tell live runs from dead
//! ones), `n` counts labs within that process, `role` is the topology node
//! name. Interfaces are created directly inside their namespaces, so their
//! names (limited to 15 bytes) never meet the host namespace and need no
//! prefix.

use std::sync::atomic::{AtomicU32, Ordering};

/// Prefix shared by every namespace the harness creates.
pub const NS_PREFIX: &str = "tlab-";

/// Longest interface name the kernel accepts (IFNAMSIZ minus the NUL).
pub const IFNAME_MAX: usize = 15;

static LAB_COUNTER: AtomicU32 = AtomicU32::new(0);

/// The name prefix of one lab: `tlab-<pid>-<n>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPrefix {
    pid: u32,
    n: u32,
}

impl RunPrefix {
    /// A fresh prefix owned by the current process.
    pub fn next() -> Self {
        Self {
            pid: std::process::id(),
            n: LAB_COUNTER.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The owning process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The full namespace name for a topology node.
    pub fn namespace(&self, role: &str) -> String {
        format!("{self}-{role}")
    }

    /// Whether `ns` belongs to this lab.
    pub fn owns(&self, ns: &str) -> bool {
        ns.strip_prefix(&self.to_string())
            .is_some_and(|rest| rest.starts_with('-'))
    }
}

impl std::fmt::Display for RunPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{NS_PREFIX}{}-{}", self.pid, self.n)
    }
}

/// The owning pid encoded in a harness namespace name, or `None` when the
/// name was not made by [`RunPrefix`].
pub fn owner_pid(ns: &str) -> Option<u32> {
    let rest = ns.strip_prefix(NS_PREFIX)?;
    let mut parts = rest.splitn(3, '-');
    let pid = parts.next()?.parse().ok()?;
    let _n: u32 = parts.next()?.parse().ok()?;
    let role = parts.next()?;
    (!role.is_empty()).then_some(pid)
}

/// Whether `name` is usable as a node (role) name: lower-case letters,
/// digits and `-`, not empty, at most 32 bytes.
pub fn is_valid_role(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Whether `name` is a valid Linux interface name.
pub fn is_valid_ifname(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= IFNAME_MAX
        && name != "."
        && name != ".."
        && !name
            .bytes()
            .any(|b| b == b'/' || b == b':' || b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_pid_reads_back_the_pid_of_a_generated_name() {
        let p = RunPrefix::next();
        assert_eq!(owner_pid(&p.namespace("host1")), Some(std::process::id()));
    }

    #[test]
    fn owner_pid_rejects_names_not_made_by_the_harness() {
        for name in [
            "host1",
            "tlab-",
            "tlab-x-1-a",
            "tlab-12-x-a",
            "tlab-12-3",
            "tlab-12-3-",
            "fz-1-2-a",
        ] {
            assert_eq!(owner_pid(name), None, "{name}");
        }
    }

    #[test]
    fn two_prefixes_in_one_process_differ_and_own_only_their_namespaces() {
        let a = RunPrefix::next();
        let b = RunPrefix::next();
        assert_ne!(a, b);
        assert!(a.owns(&a.namespace("tor")));
        assert!(!a.owns(&b.namespace("tor")));
        // `tlab-1-1` must not own `tlab-1-10-x`.
        let short = RunPrefix { pid: 1, n: 1 };
        assert!(!short.owns("tlab-1-10-x"));
    }

    #[test]
    fn interface_names_longer_than_fifteen_bytes_are_rejected() {
        let cases = [
            ("eth0", true),
            ("h1-tor", true),
            ("abcdefghijklmno", true),
            ("abcdefghijklmnop", false),
            ("", false),
            ("a/b", false),
            ("a b", false),
        ];
        for (name, ok) in cases {
            assert_eq!(is_valid_ifname(name), ok, "{name}");
        }
    }
}
