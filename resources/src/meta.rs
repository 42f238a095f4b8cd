//! Object metadata shared by every kind, and the resource name rules.

/// `metadata:` of a document. One definition serves every kind: the policy
/// kinds' metadata type from the `policies` crate. Server-managed fields
/// (`resourceVersion`, `uid`, `creationTimestamp`, `generation`) are accepted so
/// that `get -o yaml` output applies again.
pub use policies::raw::RawMetadata as ObjectMeta;

/// Longest resource name accepted (a DNS subdomain, as Calico and Kubernetes use).
pub const MAX_NAME_LEN: usize = 253;

/// Why a resource name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The empty string.
    #[error("name must not be empty")]
    Empty,
    /// Over [`MAX_NAME_LEN`].
    #[error("name is longer than {MAX_NAME_LEN} characters")]
    TooLong,
    /// A character or an edge outside the rules.
    #[error(
        "{0:?} is not a valid name (lower-case letters, digits, '-' and '.', \
         starting and ending with a letter or digit)"
    )]
    Invalid(String),
}

/// Checks a resource name: lower-case alphanumerics, `-` and `.`, starting and
/// ending alphanumeric.
pub fn check_name(name: &str) -> Result<(), NameError> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.';
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong);
    }
    if !name.chars().all(ok_char) || !edge(name.chars().next()) || !edge(name.chars().last()) {
        return Err(NameError::Invalid(name.to_owned()));
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
