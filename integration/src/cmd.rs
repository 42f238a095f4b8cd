//! Running external commands (`ip`, `sysctl`, `birdc`...) with errors that
//! carry the command line and its stderr.

use std::process::{Command, Output};

/// A command could not be run or exited unsuccessfully.
#[derive(Debug, thiserror::Error)]
pub enum CmdError {
    /// The program could not be started.
    #[error("failed to start `{cmdline}`")]
    Spawn {
        /// The command line.
        cmdline: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The program ran and exited with a failure status.
    #[error("`{cmdline}` failed ({status}): {stderr}")]
    Failed {
        /// The command line.
        cmdline: String,
        /// The exit status as text.
        status: String,
        /// Its standard error, trimmed.
        stderr: String,
    },
}

/// Quotes a command line for messages and logs.
pub fn cmdline<S: AsRef<str>>(args: &[S]) -> String {
    args.iter()
        .map(|a| {
            let a = a.as_ref();
            if a.is_empty() || a.contains([' ', '"', '\'', '{', '}', ';']) {
                format!("'{}'", a.replace('\'', r"'\''"))
            } else {
                a.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `args[0]` with the rest as arguments and returns its output,
/// whatever the exit status.
pub fn output<S: AsRef<str>>(args: &[S]) -> Result<Output, CmdError> {
    let line = cmdline(args);
    let (prog, rest) = args.split_first().ok_or_else(|| CmdError::Spawn {
        cmdline: line.clone(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty command"),
    })?;
    tracing::debug!(cmd = %line, "run");
    Command::new(prog.as_ref())
        .args(rest.iter().map(AsRef::as_ref))
        .output()
        .map_err(|source| CmdError::Spawn {
            cmdline: line,
            source,
        })
}

/// Runs a command and returns its stdout; a non-zero exit is an error.
pub fn run<S: AsRef<str>>(args: &[S]) -> Result<String, CmdError> {
    let out = output(args)?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(CmdError::Failed {
            cmdline: cmdline(args),
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

/// The argument vector that runs `args` inside namespace `ns`.
pub fn in_netns<S: AsRef<str>>(ns: &str, args: &[S]) -> Vec<String> {
    let mut v = vec![
        "ip".to_owned(),
        "netns".to_owned(),
        "exec".to_owned(),
        ns.to_owned(),
    ];
    v.extend(args.iter().map(|a| a.as_ref().to_owned()));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmdline_quotes_arguments_with_spaces_and_quotes() {
        assert_eq!(cmdline(&["ip", "route", "add"]), "ip route add");
        assert_eq!(cmdline(&["sh", "-c", "echo it's"]), r"sh -c 'echo it'\''s'");
        assert_eq!(cmdline(&["x", ""]), "x ''");
    }

    #[test]
    fn run_returns_stdout_of_a_successful_command() {
        assert_eq!(run(&["echo", "hi"]).unwrap(), "hi\n");
    }

    #[test]
    fn run_reports_stderr_and_status_of_a_failing_command() {
        let err = run(&["sh", "-c", "echo boom >&2; exit 3"]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("boom") && msg.contains('3'), "{msg}");
    }

    #[test]
    fn in_netns_prefixes_ip_netns_exec() {
        assert_eq!(
            in_netns("n1", &["ip", "-j", "route"]),
            ["ip", "netns", "exec", "n1", "ip", "-j", "route"]
        );
    }
}
