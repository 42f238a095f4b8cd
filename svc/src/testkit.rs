//! Helpers for the daemons' service tests (used from their `tests/`): a
//! stand-in for systemd's notify socket, a blocking HTTP GET, a parser for
//! the text exposition and `promtool check metrics`. Every wait polls a
//! condition until a deadline; nothing here sleeps to let time pass.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Why a step of a service test failed; tests print it and fail.
#[derive(Debug, thiserror::Error)]
pub enum KitError {
    /// The notify socket failed.
    #[error("notify socket: {0}")]
    Notify(io::Error),
    /// The daemon did not send `line` in time.
    #[error("no {line} within {within:?}; got {seen:?}")]
    NotNotified {
        /// The assignment waited for.
        line: String,
        /// How long.
        within: Duration,
        /// What arrived instead.
        seen: Vec<String>,
    },
    /// The endpoint never gave the status code waited for.
    #[error("GET {path} on {addr} never answered {code}; last: {last}")]
    NoAnswer {
        /// The path asked for.
        path: String,
        /// Where.
        addr: SocketAddr,
        /// The status code waited for.
        code: u16,
        /// The last answer or error.
        last: String,
    },
    /// A line of a text exposition is malformed.
    #[error("line {line}: {problem}")]
    Exposition {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        problem: String,
    },
    /// promtool could not be run.
    #[error("cannot run promtool (scripts/install-deps installs prometheus): {0}")]
    NoPromtool(io::Error),
    /// promtool found problems.
    #[error("promtool check metrics ({status}): {said}")]
    Promtool {
        /// Its exit status.
        status: std::process::ExitStatus,
        /// What it printed.
        said: String,
    },
    /// Stopping a daemon failed.
    #[error("stopping pid {pid}: {problem}")]
    Stop {
        /// The daemon's pid.
        pid: u32,
        /// What went wrong.
        problem: String,
    },
    /// A workspace binary the test runs is missing.
    #[error("{0} is not built: run `cargo build --workspace --bins`")]
    NotBuilt(String),
}

/// The receiving end of `$NOTIFY_SOCKET`, owned by a test.
#[derive(Debug)]
pub struct NotifyReceiver {
    sock: UnixDatagram,
    env: String,
    seen: Vec<String>,
}

impl NotifyReceiver {
    /// Binds a socket file at `path`.
    pub fn bind_path(path: &Path) -> io::Result<NotifyReceiver> {
        let sock = UnixDatagram::bind(path)?;
        Ok(NotifyReceiver {
            sock,
            env: path.display().to_string(),
            seen: Vec::new(),
        })
    }

    /// Binds an abstract socket (only visible in this network namespace);
    /// `$NOTIFY_SOCKET` is then `@name`.
    #[cfg(target_os = "linux")]
    pub fn bind_abstract(name: &str) -> io::Result<NotifyReceiver> {
        use std::os::linux::net::SocketAddrExt;
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
        let sock = UnixDatagram::bind_addr(&addr)?;
        Ok(NotifyReceiver {
            sock,
            env: format!("@{name}"),
            seen: Vec::new(),
        })
    }

    /// The value to give the daemon as `NOTIFY_SOCKET`.
    pub fn env_value(&self) -> &str {
        &self.env
    }

    /// Every assignment received so far, in order.
    pub fn seen(&self) -> &[String] {
        &self.seen
    }

    /// Receives until an assignment equal to `line` (e.g. `READY=1`) arrives.
    pub fn wait_for(&mut self, line: &str, within: Duration) -> Result<(), KitError> {
        let deadline = Instant::now() + within;
        let mut buf = vec![0u8; 4096];
        loop {
            if self.seen.iter().any(|l| l == line) {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(KitError::NotNotified {
                    line: line.to_owned(),
                    within,
                    seen: self.seen.clone(),
                });
            }
            self.sock
                .set_read_timeout(Some(left))
                .map_err(KitError::Notify)?;
            match self.sock.recv(&mut buf) {
                Ok(n) => {
                    let text = String::from_utf8_lossy(buf.get(..n).unwrap_or_default());
                    self.seen.extend(text.lines().map(str::to_string));
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => return Err(KitError::Notify(e)),
            }
        }
    }
}

/// `GET path` on `addr`: the status code and body.
pub fn http_get(addr: SocketAddr, path: &str) -> io::Result<(u16, String)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    // One write: the whole request, then read until the server closes (connection: close).
    let request = format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n");
    s.write_all(request.as_bytes())?;
    let mut raw = String::new();
    s.read_to_string(&mut raw)?;
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .ok_or_else(|| io::Error::other(format!("no header end in {raw:?}")))?;
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| io::Error::other(format!("bad status line in {head:?}")))?;
    Ok((code, body.to_string()))
}

/// Polls `GET path` until it answers `code`; the last body.
pub fn wait_http(
    addr: SocketAddr,
    path: &str,
    code: u16,
    within: Duration,
) -> Result<String, KitError> {
    let deadline = Instant::now() + within;
    let mut last = String::from("no answer yet");
    while Instant::now() < deadline {
        match http_get(addr, path) {
            Ok((c, body)) if c == code => return Ok(body),
            Ok((c, body)) => last = format!("{c}: {body}"),
            Err(e) => last = e.to_string(),
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(KitError::NoAnswer {
        path: path.to_owned(),
        addr,
        code,
        last,
    })
}

/// Parses a text exposition into `series -> value` (series = name plus
/// label set as written), checking every sample belongs to a declared family.
pub fn parse_metrics(text: &str) -> Result<BTreeMap<String, f64>, KitError> {
    let mut families: Vec<String> = Vec::new();
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let bad = |problem: String| KitError::Exposition { line: n, problem };
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let name = rest
                .split_whitespace()
                .next()
                .ok_or_else(|| bad("empty TYPE".to_owned()))?;
            families.push(name.to_string());
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .ok_or_else(|| bad(format!("no value: {line}")))?;
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().map_err(|_| bad(format!("bad value: {line}")))?,
        };
        let name = series.split('{').next().unwrap_or(series);
        let declared = families.iter().any(|f| {
            name == f
                || ["_bucket", "_sum", "_count"]
                    .iter()
                    .any(|s| name.strip_suffix(s) == Some(f.as_str()))
        });
        if !declared {
            return Err(bad(format!("{name} has no # TYPE")));
        }
        if out.insert(series.to_string(), value).is_some() {
            return Err(bad(format!("duplicate series {series}")));
        }
    }
    Ok(out)
}

/// Runs `promtool check metrics` on `text`: Ok, or promtool's complaints.
/// A missing promtool is an error: `scripts/install-deps` installs it.
pub fn promtool_check(text: &str) -> Result<(), KitError> {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(KitError::NoPromtool)?;
    // stdin was asked for as a pipe just above.
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(text.as_bytes())
            .map_err(KitError::NoPromtool)?;
    }
    let out = child.wait_with_output().map_err(KitError::NoPromtool)?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // promtool exits 0 for warnings-free input and prints lint findings otherwise.
    if out.status.success() && said.trim().is_empty() {
        Ok(())
    } else {
        Err(KitError::Promtool {
            status: out.status,
            said,
        })
    }
}

/// A daemon started by a test; killed when dropped, so a failing test
/// leaves nothing running.
#[derive(Debug)]
pub struct ServiceProcess {
    child: Option<std::process::Child>,
    log: std::path::PathBuf,
}

impl ServiceProcess {
    /// Starts `cmd` with stdout and stderr going to `log`.
    pub fn start(mut cmd: Command, log: &Path) -> io::Result<ServiceProcess> {
        let out = std::fs::File::create(log)?;
        let err = out.try_clone()?;
        let child = cmd.stdin(Stdio::null()).stdout(out).stderr(err).spawn()?;
        Ok(ServiceProcess {
            child: Some(child),
            log: log.to_path_buf(),
        })
    }

    /// Process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, std::process::Child::id)
    }

    /// What it logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM (as `systemctl stop` does) and waits for the exit.
    pub fn terminate(&mut self, within: Duration) -> Result<std::process::ExitStatus, KitError> {
        let pid = self.pid();
        let stop = |problem: String| KitError::Stop { pid, problem };
        let sent = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .map_err(|e| stop(format!("cannot run kill: {e}")))?;
        if !sent.success() {
            return Err(stop("kill -TERM failed".to_owned()));
        }
        let child = self
            .child
            .as_mut()
            .ok_or_else(|| stop("already reaped".to_owned()))?;
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = child.try_wait().map_err(|e| stop(e.to_string()))? {
                self.child = None;
                return Ok(status);
            }
            if Instant::now() >= deadline {
                return Err(stop(format!("still running {within:?} after SIGTERM")));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A loopback port free right now (the daemon binds it a moment later).
pub fn free_port() -> io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A workspace binary next to the running test's executable (`cargo test
/// --workspace` builds them all; `cargo build --bins` otherwise).
pub fn workspace_bin(name: &str) -> Result<std::path::PathBuf, KitError> {
    let not_built = || KitError::NotBuilt(name.to_owned());
    let exe = std::env::current_exe().map_err(|_| not_built())?;
    exe.ancestors()
        .skip(1)
        .take(2)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or_else(not_built)
}

/// Metric families in `text` that `doc` (the operations guide) does not
/// name in backquotes.
pub fn undocumented_families(text: &str, doc: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| !doc.contains(&format!("`{name}`")) && !doc.contains(&format!("`{name}{{")))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_declared_families_and_rejects_undeclared_ones() {
        let ok = "# HELP a_total x\n# TYPE a_total counter\na_total{p=\"1\"} 2\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 0.5\nh_count 1\n";
        let m = parse_metrics(ok).unwrap();
        assert_eq!(m.get("a_total{p=\"1\"}"), Some(&2.0));
        assert_eq!(m.get("h_count"), Some(&1.0));
        assert!(parse_metrics("b 1\n").is_err());
        assert!(parse_metrics("# TYPE b gauge\nb x\n").is_err());
        assert!(parse_metrics("# TYPE b gauge\nb 1\nb 2\n").is_err());
    }

    #[test]
    fn notify_reaches_a_path_socket() {
        let dir = tempfile::tempdir().unwrap();
        let mut rx = NotifyReceiver::bind_path(&dir.path().join("n")).unwrap();
        let tx = UnixDatagram::unbound().unwrap();
        tx.send_to(b"READY=1\nSTATUS=x", dir.path().join("n"))
            .unwrap();
        rx.wait_for("READY=1", Duration::from_secs(5)).unwrap();
        assert_eq!(rx.seen(), ["READY=1", "STATUS=x"]);
    }
}
