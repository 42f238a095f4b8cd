//! The two halves of `lab-probe`: a server (TCP listener plus UDP echo on
//! one port) and one-shot TCP/UDP clients that print a JSON
//! [`ProbeOutcome`]. Plain blocking std networking.

use std::io::{ErrorKind, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use super::ProbeOutcome;

/// Printed by the server once both sockets are bound.
pub const READY_LINE: &str = "lab-probe: listening";

/// Longest gap between UDP retransmissions.
const UDP_RESEND: Duration = Duration::from_millis(200);

/// Binds TCP and UDP on `port` (all IPv4 addresses), prints [`READY_LINE`]
/// and serves until killed: TCP connections get a greeting and are closed,
/// UDP datagrams are echoed.
pub fn serve(port: u16) -> std::io::Result<()> {
    let addr = SocketAddr::from((Ipv4Addr::UNSPECIFIED, port));
    let tcp = TcpListener::bind(addr)?;
    let udp = UdpSocket::bind(addr)?;
    // The ready line is the agent's protocol with the lab, not a log.
    let mut out = std::io::stdout().lock();
    writeln!(out, "{READY_LINE} on {addr} (tcp, udp)")?;
    out.flush()?;
    drop(out);
    std::thread::spawn(move || {
        for mut conn in tcp.incoming().flatten() {
            // The client may already be gone; nothing to do about it.
            let _ = conn.write_all(b"lab-probe\n");
        }
    });
    let mut buf = [0u8; 1500];
    loop {
        let (n, from) = udp.recv_from(&mut buf)?;
        udp.send_to(&buf[..n], from)?;
    }
}

/// One TCP connect attempt.
pub fn probe_tcp(target: SocketAddr, timeout: Duration) -> ProbeOutcome {
    match TcpStream::connect_timeout(&target, timeout) {
        Ok(_) => ProbeOutcome::Connected,
        Err(e) => io_outcome(&e),
    }
}

/// Sends a nonce to `target` and waits for it to be echoed, resending every
/// 200 ms until `timeout`.
pub fn probe_udp(target: SocketAddr, timeout: Duration) -> ProbeOutcome {
    match udp_exchange(target, timeout) {
        Ok(outcome) => outcome,
        Err(e) => io_outcome(&e),
    }
}

fn udp_exchange(target: SocketAddr, timeout: Duration) -> std::io::Result<ProbeOutcome> {
    let sock = UdpSocket::bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)))?;
    sock.connect(target)?;
    let nonce = format!("lab-probe {} {:?}", std::process::id(), Instant::now());
    let start = Instant::now();
    let mut buf = [0u8; 1500];
    while start.elapsed() < timeout {
        sock.send(nonce.as_bytes())?;
        let left = timeout
            .saturating_sub(start.elapsed())
            .max(Duration::from_millis(1));
        sock.set_read_timeout(Some(left.min(UDP_RESEND)))?;
        match sock.recv(&mut buf) {
            Ok(n) if &buf[..n] == nonce.as_bytes() => return Ok(ProbeOutcome::Connected),
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(ProbeOutcome::TimedOut)
}

/// Classifies a socket error.
pub fn io_outcome(e: &std::io::Error) -> ProbeOutcome {
    match e.kind() {
        ErrorKind::ConnectionRefused => ProbeOutcome::Refused,
        ErrorKind::TimedOut | ErrorKind::WouldBlock => ProbeOutcome::TimedOut,
        _ => ProbeOutcome::Error(e.to_string()),
    }
}

/// The JSON line a client prints.
pub fn report(outcome: &ProbeOutcome) -> String {
    serde_json::to_string(outcome)
        .unwrap_or_else(|e| format!(r#"{{"result":"error","detail":"{e}"}}"#))
}

/// Reads a client's JSON line back; anything else becomes an error outcome
/// carrying stderr.
pub fn parse_report(stdout: &str, stderr: &str) -> ProbeOutcome {
    let line = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|_| {
        ProbeOutcome::Error(format!(
            "lab-probe printed no result: {} {}",
            stdout.trim(),
            stderr.trim()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_round_trip_through_json() {
        for o in [
            ProbeOutcome::Connected,
            ProbeOutcome::Refused,
            ProbeOutcome::TimedOut,
            ProbeOutcome::Error("no route".into()),
        ] {
            assert_eq!(parse_report(&report(&o), ""), o);
        }
    }

    #[test]
    fn garbage_output_becomes_an_error_with_stderr() {
        let o = parse_report("", "exec failed");
        assert!(
            matches!(o, ProbeOutcome::Error(ref m) if m.contains("exec failed")),
            "{o:?}"
        );
    }

    /// A closed loopback port below the ephemeral range, so that a client
    /// socket can never connect to itself on it.
    ///
    /// Each test passes its own range: two tests probing one candidate port
    /// while the other briefly binds it would see a connection.
    fn closed_port(range: std::ops::Range<u16>) -> SocketAddr {
        range
            .map(|p| SocketAddr::from(([127, 0, 0, 1], p)))
            .find(|a| TcpListener::bind(a).is_ok() && UdpSocket::bind(a).is_ok())
            .unwrap()
    }

    #[test]
    fn probes_on_loopback_see_connected_then_refused() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        assert_eq!(
            probe_tcp(addr, Duration::from_secs(5)),
            ProbeOutcome::Connected
        );
        assert_eq!(
            probe_tcp(closed_port(20000..25000), Duration::from_secs(5)),
            ProbeOutcome::Refused
        );
    }

    #[test]
    fn udp_probe_sees_an_echo_and_a_refusal() {
        let echo = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = echo.local_addr().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 256];
            if let Ok((n, from)) = echo.recv_from(&mut buf) {
                let _ = echo.send_to(&buf[..n], from);
            }
        });
        assert_eq!(
            probe_udp(addr, Duration::from_secs(5)),
            ProbeOutcome::Connected
        );
        assert_eq!(
            probe_udp(closed_port(25000..30000), Duration::from_secs(5)),
            ProbeOutcome::Refused
        );
    }
}
