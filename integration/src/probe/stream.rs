//! A continuous ping (`ping -O -i <interval>`) from a lab node, for tests that check
//! traffic keeps flowing while something restarts: how many echoes went out, how many
//! came back, and the longest run of consecutive unanswered ones.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Duration;

use crate::error::LabError;
use crate::lab::Lab;
use crate::process::Daemon;
use crate::wait::wait_for;

/// What a stopped ping stream saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PingStats {
    /// Echo requests sent (ping's "packets transmitted").
    pub sent: u32,
    /// Distinct requests answered.
    pub received: u32,
    /// Longest run of consecutive unanswered requests, the last request left out (it
    /// may have been in flight when the stream stopped).
    pub longest_gap: u32,
}

impl PingStats {
    /// Requests that got no answer.
    pub fn lost(&self) -> u32 {
        self.sent.saturating_sub(self.received)
    }
}

/// The highest sequence number `ping -O` has reported so far, answered or not: how
/// many requests have gone out.
pub fn highest_seq(log: &str) -> u32 {
    log.lines().filter_map(seq_of).max().unwrap_or(0)
}

/// Reads a finished `ping -O` log (with its summary); `None` without a summary line.
pub fn parse(log: &str) -> Option<PingStats> {
    let summary = log.lines().find(|l| l.contains("packets transmitted"))?;
    let sent: u32 = summary.split_whitespace().next()?.parse().ok()?;
    let answered: BTreeSet<u32> = log
        .lines()
        .filter(|l| l.contains(" bytes from ") && !l.contains("DUP!"))
        .filter_map(seq_of)
        .collect();
    let mut longest_gap = 0;
    let mut gap = 0;
    for seq in 1..sent {
        if answered.contains(&seq) {
            gap = 0;
        } else {
            gap += 1;
            longest_gap = longest_gap.max(gap);
        }
    }
    Some(PingStats {
        sent,
        received: u32::try_from(answered.len()).unwrap_or(u32::MAX),
        longest_gap,
    })
}

fn seq_of(line: &str) -> Option<u32> {
    let rest = line.split("icmp_seq=").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A running continuous ping; [`PingStream::stop`] ends it and reads the result.
#[derive(Debug)]
pub struct PingStream {
    daemon: Daemon,
}

impl PingStream {
    /// Requests sent so far.
    pub fn sent(&self) -> u32 {
        highest_seq(&self.daemon.log())
    }

    /// Stops the ping (SIGINT, so it prints its summary) and reads what it saw.
    pub fn stop(self) -> Result<PingStats, LabError> {
        crate::pids::signal(self.daemon.pid(), "INT")?;
        Ok(wait_for(
            Duration::from_secs(10),
            "the ping summary",
            || parse(&self.daemon.log()),
        )?)
    }
}

impl Lab {
    /// Starts pinging `addr` from node `role` every `interval` (as root, ping allows
    /// intervals down to a few milliseconds) until [`PingStream::stop`].
    pub fn ping_stream(
        &self,
        role: &str,
        addr: IpAddr,
        interval: Duration,
    ) -> Result<PingStream, LabError> {
        let i = format!("{:.3}", interval.as_secs_f64());
        let a = addr.to_string();
        // -O reports each unanswered request, -W 1: a reply later than 1 s counts as lost.
        let daemon = self.spawn(
            role,
            &format!("ping-stream-{role}-{a}"),
            &["ping", "-n", "-O", "-W", "1", "-i", &i, &a],
        )?;
        Ok(PingStream { daemon })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from iputils ping 20221126 (`ping -n -O -W 1 -i 0.100 10.65.2.2`,
    // SIGINT at the end) while a blackhole route came and went twice on the far side.
    const LOG: &str = "PING 10.65.2.2 (10.65.2.2) 56(84) bytes of data.
64 bytes from 10.65.2.2: icmp_seq=1 ttl=64 time=0.515 ms
64 bytes from 10.65.2.2: icmp_seq=2 ttl=64 time=0.061 ms
64 bytes from 10.65.2.2: icmp_seq=3 ttl=64 time=0.060 ms
no answer yet for icmp_seq=4
no answer yet for icmp_seq=5
no answer yet for icmp_seq=6
64 bytes from 10.65.2.2: icmp_seq=7 ttl=64 time=0.060 ms
64 bytes from 10.65.2.2: icmp_seq=8 ttl=64 time=0.065 ms
no answer yet for icmp_seq=9
64 bytes from 10.65.2.2: icmp_seq=10 ttl=64 time=0.064 ms
64 bytes from 10.65.2.2: icmp_seq=11 ttl=64 time=0.071 ms
64 bytes from 10.65.2.2: icmp_seq=12 ttl=64 time=0.062 ms

--- 10.65.2.2 ping statistics ---
12 packets transmitted, 8 received, 33.3333% packet loss, time 1181ms
rtt min/avg/max/mdev = 0.060/0.119/0.515/0.149 ms
";

    #[test]
    fn losses_and_the_longest_gap_are_counted() {
        let s = parse(LOG).unwrap();
        assert_eq!(
            s,
            PingStats {
                sent: 12,
                received: 8,
                longest_gap: 3
            }
        );
        assert_eq!(s.lost(), 4);
        assert_eq!(highest_seq(LOG), 12);
    }

    #[test]
    fn a_duplicate_reply_does_not_answer_a_lost_request() {
        // iputils marks a second reply to one request with "(DUP!)".
        let dup = LOG.replace(
            "no answer yet for icmp_seq=9",
            "64 bytes from 10.65.2.2: icmp_seq=8 ttl=64 time=0.065 ms (DUP!)",
        );
        assert_eq!(parse(&dup).unwrap().received, 8);
    }

    #[test]
    fn the_last_request_may_be_in_flight_and_is_not_a_gap() {
        let cut = LOG.replace(
            "64 bytes from 10.65.2.2: icmp_seq=12 ttl=64 time=0.062 ms\n",
            "",
        );
        let s = parse(&cut).unwrap();
        assert_eq!((s.received, s.longest_gap), (7, 3));
    }

    #[test]
    fn without_a_summary_the_stream_has_not_finished() {
        let running = LOG.split("\n---").next().unwrap();
        assert_eq!(parse(running), None);
        assert_eq!(highest_seq(running), 12);
    }
}
