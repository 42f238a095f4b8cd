//! Small pieces the benchmark sections share.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// Starts the felix binary as `name` in node `host` against the SQLite
/// store at `db`, as node `host`, with resyncs out of the way.
pub fn spawn_felix(
    lab: &integration::Lab,
    host: &str,
    name: &str,
    db: &Path,
) -> integration::Daemon {
    let url = format!("sqlite://{}", db.display());
    let args = [
        env!("CARGO_BIN_EXE_felix"),
        "--datastore",
        &url,
        "--node",
        host,
        "--config",
        "/nonexistent/terrace.toml",
        "--metrics-addr",
        "127.0.0.1:19191",
        "--resync-seconds",
        "3600",
    ];
    lab.spawn(host, name, &args).expect("felix starts")
}

/// Milliseconds since `t`.
pub fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// `p50 / p90 / p99 / max` of `samples` (ms), with the count.
pub fn stats(samples: &[f64]) -> String {
    let mut v = samples.to_vec();
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    format!(
        "n={} p50 {:.1} / p90 {:.1} / p99 {:.1} / max {:.1} ms",
        v.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        v[v.len() - 1]
    )
}

/// A command's output lines, each stamped with when it was read.
pub struct Monitor {
    child: Child,
    lines: Receiver<(Instant, String)>,
}

impl Monitor {
    /// Starts `argv` (e.g. `nft monitor` in a namespace).
    pub fn start(argv: &[&str]) -> Self {
        let mut child = Command::new(argv[0])
            .args(&argv[1..])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("monitor starts");
        let out = child.stdout.take().expect("piped stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send((Instant::now(), line)).is_err() {
                    return;
                }
            }
        });
        Self { child, lines }
    }

    /// Forgets every line read so far.
    pub fn drain(&self) {
        while self.lines.try_recv().is_ok() {}
    }

    /// When the first line matching `pred` arrives (60 s deadline).
    pub fn wait_for(&self, pred: impl Fn(&str) -> bool) -> Instant {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((t, line)) if pred(&line) => return t,
                Ok(_) => {}
                Err(_) => panic!("monitor saw no matching line within 60 s"),
            }
        }
    }

    /// Waits until no line arrives for `quiet`.
    pub fn settle(&self, quiet: Duration) {
        while self.lines.recv_timeout(quiet).is_ok() {}
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
