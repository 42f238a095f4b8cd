//! `sd_notify(3)` without libsystemd: one datagram of `KEY=VALUE` lines to the
//! unix socket named by `$NOTIFY_SOCKET`. A name starting with `@` is a Linux
//! abstract socket. Without the variable (not started by systemd) nothing is
//! sent and that is not an error.

use std::io;
use std::os::unix::net::UnixDatagram;

/// The environment variable systemd sets for `Type=notify` services.
pub const NOTIFY_SOCKET: &str = "NOTIFY_SOCKET";

/// Sends `state` (newline-separated `KEY=VALUE` assignments) to the service
/// manager. Ok(false) when no manager listens.
pub fn notify(state: &str) -> io::Result<bool> {
    match std::env::var_os(NOTIFY_SOCKET) {
        Some(target) => notify_to(&target, state),
        None => Ok(false),
    }
}

/// Sends `state` to the socket named `target` (a path, or `@name` for an
/// abstract socket). Ok(false) when `target` is empty.
pub fn notify_to(target: &std::ffi::OsStr, state: &str) -> io::Result<bool> {
    use std::os::unix::ffi::OsStrExt;
    let bytes = target.as_bytes();
    if bytes.is_empty() {
        return Ok(false);
    }
    let sock = UnixDatagram::unbound()?;
    match bytes.strip_prefix(b"@") {
        Some(name) => send_abstract(&sock, name, state.as_bytes())?,
        None => {
            sock.send_to(state.as_bytes(), target)?;
        }
    }
    Ok(true)
}

#[cfg(target_os = "linux")]
fn send_abstract(sock: &UnixDatagram, name: &[u8], msg: &[u8]) -> io::Result<()> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
    sock.send_to_addr(msg, &addr).map(|_| ())
}

#[cfg(not(target_os = "linux"))]
fn send_abstract(_: &UnixDatagram, _: &[u8], _: &[u8]) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "abstract notify sockets exist only on Linux",
    ))
}

/// Tells the manager start-up is finished (`READY=1`), with a status line.
pub fn ready(status: &str) {
    send_logged(&format!("READY=1\nSTATUS={}", one_line(status)));
}

/// Tells the manager we are shutting down (`STOPPING=1`).
pub fn stopping() {
    send_logged("STOPPING=1\nSTATUS=stopping");
}

/// Updates the free-form status line `systemctl status` shows.
pub fn status(status: &str) {
    send_logged(&format!("STATUS={}", one_line(status)));
}

fn one_line(s: &str) -> String {
    s.replace('\n', " ")
}

fn send_logged(state: &str) {
    if let Err(e) = notify(state) {
        // The service still works; systemd will time the start out and say so.
        tracing::warn!(error = %e, "sd_notify failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::NotifyReceiver;
    use std::time::Duration;

    #[test]
    fn reaches_path_and_abstract_sockets() {
        let dir = tempfile::tempdir().unwrap();
        let by_path = NotifyReceiver::bind_path(&dir.path().join("notify")).unwrap();
        let name = format!("terrace-svc-test-{}", std::process::id());
        let by_name = NotifyReceiver::bind_abstract(&name).unwrap();
        for mut rx in [by_path, by_name] {
            let target = std::ffi::OsString::from(rx.env_value());
            assert!(notify_to(&target, "READY=1\nSTATUS=up").unwrap());
            rx.wait_for("READY=1", Duration::from_secs(5)).unwrap();
            assert_eq!(rx.seen(), ["READY=1", "STATUS=up"]);
        }
    }

    #[test]
    fn an_empty_target_sends_nothing_and_a_missing_one_fails() {
        assert!(!notify_to(std::ffi::OsStr::new(""), "READY=1").unwrap());
        assert!(notify_to(std::ffi::OsStr::new("/nonexistent/notify"), "READY=1").is_err());
    }
}
