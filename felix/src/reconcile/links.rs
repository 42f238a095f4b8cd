//! The link reconciler: per-interface sysctls (proxy_arp, proxy_delay,
//! forwarding, proxy_ndp) under `/proc/sys`, written only when they differ.
//! Interfaces that do not exist yet are skipped and picked up by a later
//! pass.

use std::collections::BTreeMap;
use std::path::Path;

/// Outcome of one pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkSummary {
    /// Settings written.
    pub written: usize,
    /// Settings whose interface is missing.
    pub missing: usize,
    /// Settings that could not be written (path and error).
    pub failed: Vec<(String, String)>,
}

/// The settings of `desired` that differ from `actual` (pure).
pub fn diff<'a>(
    desired: &'a BTreeMap<String, String>,
    actual: &BTreeMap<String, Option<String>>,
) -> Vec<(&'a String, &'a String)> {
    desired
        .iter()
        .filter(|(k, v)| matches!(actual.get(*k), Some(Some(cur)) if cur.trim() != v.as_str()))
        .collect()
}

/// Reads each setting under `root` (normally `/proc/sys`); `None` when absent.
pub fn read(root: &Path, desired: &BTreeMap<String, String>) -> BTreeMap<String, Option<String>> {
    desired
        .keys()
        .map(|k| (k.clone(), std::fs::read_to_string(root.join(k)).ok()))
        .collect()
}

/// The settings of `desired` that are new or differ from `previous`, or
/// that belong to interface `iface` (one that just appeared). Pure.
pub fn to_check(
    desired: &BTreeMap<String, String>,
    previous: &BTreeMap<String, String>,
    ifaces: &std::collections::BTreeSet<String>,
) -> BTreeMap<String, String> {
    desired
        .iter()
        .filter(|(k, v)| {
            previous.get(*k) != Some(*v) || k.split('/').any(|part| ifaces.contains(part))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Brings the settings under `root` to `desired`.
pub fn reconcile(root: &Path, desired: &BTreeMap<String, String>) -> LinkSummary {
    let actual = read(root, desired);
    let mut sum = LinkSummary {
        missing: actual.values().filter(|v| v.is_none()).count(),
        ..LinkSummary::default()
    };
    for (path, value) in diff(desired, &actual) {
        match std::fs::write(root.join(path), value) {
            Ok(()) => sum.written += 1,
            Err(e) => sum.failed.push((path.clone(), e.to_string())),
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_present_and_different_settings_are_written() {
        let desired = BTreeMap::from([
            ("a/proxy_arp".to_string(), "1".to_string()),
            ("b/proxy_arp".to_string(), "1".to_string()),
            ("c/proxy_arp".to_string(), "1".to_string()),
        ]);
        let actual = BTreeMap::from([
            ("a/proxy_arp".to_string(), Some("0\n".to_string())),
            ("b/proxy_arp".to_string(), Some("1\n".to_string())),
            ("c/proxy_arp".to_string(), None),
        ]);
        let got: Vec<&str> = diff(&desired, &actual)
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(got, ["a/proxy_arp"]);
    }

    #[test]
    fn only_new_changed_or_reappeared_settings_are_checked() {
        let desired = BTreeMap::from([
            ("net/ipv4/conf/tra/proxy_arp".to_string(), "1".to_string()),
            ("net/ipv4/conf/trb/proxy_arp".to_string(), "1".to_string()),
            ("net/ipv4/conf/trc/proxy_arp".to_string(), "1".to_string()),
        ]);
        let mut previous = desired.clone();
        previous.remove("net/ipv4/conf/tra/proxy_arp");
        let appeared = std::collections::BTreeSet::from(["trc".to_string()]);
        let got: Vec<String> = to_check(&desired, &previous, &appeared)
            .into_keys()
            .collect();
        assert_eq!(
            got,
            ["net/ipv4/conf/tra/proxy_arp", "net/ipv4/conf/trc/proxy_arp"]
        );
    }

    #[test]
    fn reconcile_writes_files_under_the_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("x")).unwrap();
        std::fs::write(dir.path().join("x/proxy_arp"), "0\n").unwrap();
        let desired = BTreeMap::from([
            ("x/proxy_arp".to_string(), "1".to_string()),
            ("y/proxy_arp".to_string(), "1".to_string()),
        ]);
        let sum = reconcile(dir.path(), &desired);
        assert_eq!((sum.written, sum.missing), (1, 1));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("x/proxy_arp")).unwrap(),
            "1"
        );
        assert_eq!(reconcile(dir.path(), &desired).written, 0);
    }
}
