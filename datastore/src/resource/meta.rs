//! Object metadata shared by every kind, and the resource name rules.

/// `metadata:` of a document. One definition serves every kind: the policy
/// kinds' metadata type from the `policies` crate. Server-managed fields
/// (`resourceVersion`, `uid`, `creationTimestamp`, `generation`) are accepted so
/// that `get -o yaml` output applies again.
pub use policies::raw::RawMetadata as ObjectMeta;

/// Longest resource name accepted (a DNS subdomain, as Calico and Kubernetes use).
pub const MAX_NAME_LEN: usize = 253;

/// Checks a resource name: lower-case alphanumerics, `-` and `.`, starting and
/// ending alphanumeric.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.';
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if name.is_empty() {
        return Err("name must not be empty".into());
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!("name is longer than {MAX_NAME_LEN} characters"));
    }
    if !name.chars().all(ok_char) || !edge(name.chars().next()) || !edge(name.chars().last()) {
        return Err(format!(
            "{name:?} is not a valid name (lower-case letters, digits, '-' and '.', \
             starting and ending with a letter or digit)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_dns_subdomain_rules() {
        for good in ["a", "node-1", "rack1.host2", "0abc"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", "-a", "a-", "A", "a_b", "a b", &"x".repeat(254)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
