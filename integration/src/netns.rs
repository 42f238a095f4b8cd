//! Network namespaces by name: create, list, find their processes, delete, and open
//! a TCP connection from inside one.

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use nix::sched::{CloneFlags, setns};

use crate::cmd::{self, CmdError};

/// Creates namespace `name` and brings its loopback up. An existing
/// namespace of that name is an error, never silently adopted.
pub fn add(name: &str) -> Result<(), CmdError> {
    if let Err(e) = cmd::run(&["ip", "netns", "add", name]) {
        // The first `ip netns add` on a machine makes /run/netns a shared
        // mount; two of them racing can fail once without creating anything.
        if exists(name) || !e.to_string().contains("mount") {
            return Err(e);
        }
        tracing::debug!(error = %e, "retrying ip netns add");
        cmd::run(&["ip", "netns", "add", name])?;
    }
    cmd::run(&["ip", "-n", name, "link", "set", "lo", "up"])?;
    // Lab addresses are unique by construction: no IPv6 duplicate address detection on
    // the interfaces made later, so their addresses, link-local ones too, are usable at
    // once instead of "tentative" for a second or more (FRR waits for a link-local
    // address before it brings up an IPv6 session).
    cmd::run(&[
        "ip",
        "netns",
        "exec",
        name,
        "sysctl",
        "-q",
        "-w",
        "net.ipv6.conf.all.accept_dad=0",
        "net.ipv6.conf.default.accept_dad=0",
    ])?;
    Ok(())
}

/// Deletes namespace `name`; one already gone is success.
pub fn delete(name: &str) -> Result<(), CmdError> {
    match cmd::run(&["ip", "netns", "delete", name]) {
        Err(_) if !exists(name) => Ok(()),
        other => other.map(|_| ()),
    }
}

/// Whether namespace `name` exists.
pub fn exists(name: &str) -> bool {
    std::path::Path::new("/run/netns").join(name).exists()
}

/// Names of all named namespaces.
pub fn list() -> Result<Vec<String>, CmdError> {
    let out = cmd::run(&["ip", "netns", "list"])?;
    Ok(parse_list(&out))
}

/// Pids of the processes inside namespace `name`.
pub fn pids(name: &str) -> Result<Vec<u32>, CmdError> {
    let out = cmd::run(&["ip", "netns", "pids", name])?;
    Ok(out
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect())
}

/// Runs `f` on a fresh thread inside namespace `name` and returns what it returns.
/// `setns` moves only the calling thread, so the caller stays where it is; sockets `f`
/// creates stay in the namespace, and processes it spawns start there.
pub fn run_in<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<T> {
    let file = std::fs::File::open(std::path::Path::new("/run/netns").join(name))?;
    std::thread::spawn(move || {
        setns(&file, CloneFlags::CLONE_NEWNET).map_err(std::io::Error::from)?;
        Ok(f())
    })
    .join()
    .unwrap_or_else(|_| {
        Err(std::io::Error::other(
            "the thread in the namespace panicked",
        ))
    })
}

/// Connects to `addr` from inside namespace `name`; the socket can be used from any
/// thread.
pub fn tcp_connect(name: &str, addr: SocketAddr, timeout: Duration) -> std::io::Result<TcpStream> {
    run_in(name, move || TcpStream::connect_timeout(&addr, timeout))?
}

/// Parses `ip netns list` output: `name` or `name (id: 3)` per line.
pub fn parse_list(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_list_keeps_only_the_names() {
        let out = "tlab-1-0-tor (id: 2)\ntlab-1-0-host1\n\n";
        assert_eq!(parse_list(out), ["tlab-1-0-tor", "tlab-1-0-host1"]);
    }
}
