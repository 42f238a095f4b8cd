//! Reading what a benchmark measures: peak RSS of a process, kernel route counts,
//! the machine's load.

use std::process::Command;

/// Peak resident set size of `pid` in KiB (VmHWM from /proc/<pid>/status).
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmHWM:")
}

/// Resident set size of `pid` now, KiB (VmRSS).
pub fn rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS:")
}

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// CPU time (user + system) `pid` has used so far, seconds (/proc/<pid>/stat; the
/// kernel's clock tick is 100 Hz on Linux x86-64).
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are the 14th and
    // 15th fields of the whole line.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// IPv4 routes of `protocol` (`89`, `bird`) in the main table of namespace `ns`,
/// counted from one `ip route show` dump.
pub fn kernel_routes(ns: &str, protocol: &str) -> Option<u64> {
    let out = Command::new("ip")
        .args(["-n", ns, "-4", "route", "show", "proto", protocol])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| out.stdout.iter().filter(|b| **b == b'\n').count() as u64)
}

/// The 1-minute load average.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

/// `MiB` with one decimal.
pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}
