//! Process liveness and signals by pid, for processes the harness did not
//! necessarily start itself (daemons left in namespaces of a killed run).

use std::time::Duration;

use crate::cmd::{self, CmdError};
use crate::wait::{WaitError, wait_until};

/// Whether `pid` names a running (not zombie) process.
pub fn is_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state letter follows the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with(['Z', 'X'])),
        Err(_) => false,
    }
}

/// Sends `signal` (e.g. "TERM", "KILL") to `pid`; a process already gone is
/// success.
pub fn signal(pid: u32, signal: &str) -> Result<(), CmdError> {
    match cmd::run(&["kill", &format!("-{signal}"), &pid.to_string()]) {
        Ok(_) => Ok(()),
        Err(_) if !is_alive(pid) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Kills every pid with SIGKILL and waits until none is alive.
pub fn kill_all(pids: &[u32], timeout: Duration) -> Result<(), KillError> {
    for &pid in pids {
        signal(pid, "KILL")?;
    }
    wait_until(timeout, "killed processes to exit", || {
        pids.iter().all(|&p| !is_alive(p))
    })?;
    Ok(())
}

/// Killing processes failed.
#[derive(Debug, thiserror::Error)]
pub enum KillError {
    /// The signal could not be sent.
    #[error(transparent)]
    Signal(#[from] CmdError),
    /// A process outlived the deadline.
    #[error(transparent)]
    Wait(#[from] WaitError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_process_is_alive_and_a_killed_child_is_not() {
        assert!(is_alive(std::process::id()));
        let mut child = std::process::Command::new("cat")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        assert!(is_alive(pid));
        kill_all(&[pid], Duration::from_secs(10)).unwrap();
        child.wait().unwrap();
        assert!(!is_alive(pid));
    }
}
