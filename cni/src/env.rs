//! The `CNI_*` environment variables of one invocation (spec 1.0.0, section 2 "Parameters"),
//! parsed from a lookup function so tests need no process environment.

use crate::error::{CniError, INVALID_ENV};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The operation requested by `CNI_COMMAND`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Attach the container.
    Add,
    /// Detach it; idempotent.
    Del,
    /// Verify the attachment.
    Check,
    /// Report supported versions.
    Version,
}

/// Everything the runtime passed in the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The operation.
    pub command: Command,
    /// `CNI_CONTAINERID`.
    pub container_id: String,
    /// `CNI_NETNS`: a path to the container's network namespace (optional for DEL).
    pub netns: Option<PathBuf>,
    /// `CNI_IFNAME`: the interface to create inside the container.
    pub ifname: String,
    /// `CNI_ARGS`, as key-value pairs.
    pub args: BTreeMap<String, String>,
}

fn invalid(var: &str, why: impl std::fmt::Display) -> CniError {
    CniError::new(
        INVALID_ENV,
        format!("invalid environment variable {var}"),
        format!("{var} {why}"),
    )
}

/// Parses the environment through `get` (e.g. `|k| std::env::var(k).ok()`).
pub fn parse(get: impl Fn(&str) -> Option<String>) -> Result<Invocation, CniError> {
    let command = match get("CNI_COMMAND").as_deref() {
        Some("ADD") => Command::Add,
        Some("DEL") => Command::Del,
        Some("CHECK") => Command::Check,
        Some("VERSION") => Command::Version,
        Some(other) => {
            return Err(invalid(
                "CNI_COMMAND",
                format!("is {other:?}; expected ADD, DEL, CHECK or VERSION"),
            ));
        }
        None => return Err(invalid("CNI_COMMAND", "is not set")),
    };
    if command == Command::Version {
        return Ok(Invocation {
            command,
            container_id: String::new(),
            netns: None,
            ifname: String::new(),
            args: BTreeMap::new(),
        });
    }
    let required = |var: &str| get(var).filter(|v| !v.is_empty());
    let container_id =
        required("CNI_CONTAINERID").ok_or_else(|| invalid("CNI_CONTAINERID", "is not set"))?;
    check_container_id(&container_id)?;
    let ifname = required("CNI_IFNAME").ok_or_else(|| invalid("CNI_IFNAME", "is not set"))?;
    check_ifname(&ifname)?;
    let netns = required("CNI_NETNS").map(PathBuf::from);
    if netns.is_none() && command != Command::Del {
        return Err(invalid(
            "CNI_NETNS",
            "is not set (required for ADD and CHECK)",
        ));
    }
    let args = parse_args(&get("CNI_ARGS").unwrap_or_default())?;
    Ok(Invocation {
        command,
        container_id,
        netns,
        ifname,
        args,
    })
}

/// Spec: alphanumeric first, then alphanumerics, `_`, `.` or `-`.
fn check_container_id(id: &str) -> Result<(), CniError> {
    let first_ok = id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    // Handles and endpoint names embed the ID; the key layout allows 253 characters.
    if first_ok && rest_ok && id.len() <= 200 {
        Ok(())
    } else {
        Err(invalid(
            "CNI_CONTAINERID",
            format!(
                "{id:?} is not a container ID (alphanumeric first, then alphanumerics, \
                 '_', '.' or '-'; at most 200 characters)"
            ),
        ))
    }
}

/// A Linux interface name: 1-15 visible characters, no `/` or `:`.
fn check_ifname(name: &str) -> Result<(), CniError> {
    let ok = name.len() <= 15
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'/' && b != b':');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "CNI_IFNAME",
            format!("{name:?} is not a Linux interface name (1-15 characters, no '/' or ':')"),
        ))
    }
}

/// `K1=V1;K2=V2`; empty pairs are skipped.
fn parse_args(text: &str) -> Result<BTreeMap<String, String>, CniError> {
    let mut args = BTreeMap::new();
    for pair in text.split(';').filter(|p| !p.is_empty()) {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| invalid("CNI_ARGS", format!("pair {pair:?} has no '='")))?;
        args.insert(key.to_owned(), value.to_owned());
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const FULL: [(&str, &str); 5] = [
        ("CNI_COMMAND", "ADD"),
        ("CNI_CONTAINERID", "c1"),
        ("CNI_NETNS", "/run/netns/x"),
        ("CNI_IFNAME", "eth0"),
        ("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAME=web"),
    ];

    #[test]
    fn a_complete_add_environment_parses() {
        let inv = parse(env(&FULL)).unwrap();
        assert_eq!(inv.command, Command::Add);
        assert_eq!(inv.args["K8S_POD_NAME"], "web");
        assert_eq!(inv.netns, Some(PathBuf::from("/run/netns/x")));
    }

    #[test]
    fn each_bad_variable_is_named_in_the_error() {
        let without = |var: &str| -> Vec<(&str, &str)> {
            FULL.iter().copied().filter(|(k, _)| *k != var).collect()
        };
        let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
            ("CNI_COMMAND", without("CNI_COMMAND")),
            ("CNI_CONTAINERID", without("CNI_CONTAINERID")),
            ("CNI_IFNAME", without("CNI_IFNAME")),
            ("CNI_NETNS", without("CNI_NETNS")),
            (
                "CNI_COMMAND",
                [&without("CNI_COMMAND")[..], &[("CNI_COMMAND", "GO")]].concat(),
            ),
            (
                "CNI_CONTAINERID",
                [
                    &without("CNI_CONTAINERID")[..],
                    &[("CNI_CONTAINERID", "-x")],
                ]
                .concat(),
            ),
            (
                "CNI_IFNAME",
                [&without("CNI_IFNAME")[..], &[("CNI_IFNAME", "a/b")]].concat(),
            ),
            (
                "CNI_ARGS",
                [&without("CNI_ARGS")[..], &[("CNI_ARGS", "novalue")]].concat(),
            ),
        ];
        for (var, pairs) in cases {
            let err = parse(env(&pairs)).unwrap_err();
            assert_eq!(err.code, INVALID_ENV, "{var}");
            assert!(err.details.contains(var), "{var}: {}", err.details);
        }
    }

    #[test]
    fn del_needs_no_netns_and_version_needs_nothing_else() {
        let del: Vec<(&str, &str)> = FULL
            .iter()
            .copied()
            .filter(|(k, _)| *k != "CNI_NETNS")
            .map(|(k, v)| {
                if k == "CNI_COMMAND" {
                    (k, "DEL")
                } else {
                    (k, v)
                }
            })
            .collect();
        assert_eq!(parse(env(&del)).unwrap().netns, None);
        let version = parse(env(&[("CNI_COMMAND", "VERSION")])).unwrap();
        assert_eq!(version.command, Command::Version);
    }
}
