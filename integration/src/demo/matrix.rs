//! The connectivity matrix: what the policy says (expected) beside what real
//! packets did (measured), rendered as a table. Pure.

use std::fmt::Write;

use crate::ProbeOutcome;

/// Something that sends probes: a container or the ToR (outside the cluster).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Row label.
    pub label: String,
    /// Where it runs, shown after the label (`host1`, `outside`).
    pub place: String,
}

/// A probed destination: a container's address and its tier's port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dest {
    /// Column label.
    pub label: String,
    /// TCP port probed.
    pub port: u16,
}

/// One probed pair. Cells of a container to itself are not probed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Index into the sources.
    pub from: usize,
    /// Index into the destinations.
    pub to: usize,
    /// The policy's verdict (`netctl policy trace`): allow?
    pub expected: bool,
    /// What a TCP connect did.
    pub measured: ProbeOutcome,
}

impl Cell {
    /// Whether the connection was made.
    pub fn allowed(&self) -> bool {
        self.measured == ProbeOutcome::Connected
    }

    /// Whether packets did what the policy says.
    pub fn matches(&self) -> bool {
        self.allowed() == self.expected
    }
}

/// Counts over a measured matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Cells that connected.
    pub allowed: usize,
    /// Cells that did not.
    pub denied: usize,
    /// Cells that disagree with the policy.
    pub mismatches: usize,
}

/// Counts allowed, denied and mismatching cells.
pub fn summarize(cells: &[Cell]) -> Summary {
    let mut s = Summary::default();
    for c in cells {
        if c.allowed() {
            s.allowed += 1;
        } else {
            s.denied += 1;
        }
        s.mismatches += usize::from(!c.matches());
    }
    s
}

const COL: usize = 12;

/// The table: one row per source, one column per destination. `✔` connected,
/// `✘` not; a cell that disagrees with the policy is marked `!` and listed
/// below the table with the expected verdict and the measured outcome.
pub fn render(sources: &[Source], dests: &[Dest], cells: &[Cell]) -> String {
    let row_w = sources
        .iter()
        .map(|s| s.label.chars().count() + s.place.len() + 3)
        .max()
        .unwrap_or(0)
        .max(9);
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write!(out, "  {:<row_w$}", "from \\ to");
    for d in dests {
        let _ = write!(out, " {:<COL$}", d.label);
    }
    out = out.trim_end().to_owned();
    let _ = write!(out, "\n  {:<row_w$}", "");
    for d in dests {
        let _ = write!(out, " {:<COL$}", format!("tcp/{}", d.port));
    }
    out = out.trim_end().to_owned() + "\n";
    for (i, s) in sources.iter().enumerate() {
        let _ = write!(out, "  {:<row_w$}", format!("{} ({})", s.label, s.place));
        for j in 0..dests.len() {
            let mark = match cells.iter().find(|c| c.from == i && c.to == j) {
                None => "·",
                Some(c) if c.matches() && c.allowed() => "✔",
                Some(c) if c.matches() => "✘",
                Some(c) if c.allowed() => "✔ !",
                Some(_) => "✘ !",
            };
            let _ = write!(out, " {mark:<COL$}");
        }
        out = out.trim_end().to_owned() + "\n";
    }
    for c in cells.iter().filter(|c| !c.matches()) {
        let _ = writeln!(
            out,
            "  ! {} -> {} tcp/{}: policy says {}, packets: {}",
            sources[c.from].label,
            dests[c.to].label,
            dests[c.to].port,
            if c.expected { "allow" } else { "deny" },
            c.measured
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(from: usize, to: usize, expected: bool, measured: ProbeOutcome) -> Cell {
        Cell {
            from,
            to,
            expected,
            measured,
        }
    }

    fn fixture() -> (Vec<Source>, Vec<Dest>) {
        let src = |l: &str, p: &str| Source {
            label: l.into(),
            place: p.into(),
        };
        let dst = |l: &str, port| Dest {
            label: l.into(),
            port,
        };
        (
            vec![src("web", "host1"), src("tor", "outside")],
            vec![dst("web", 80), dst("db", 5432)],
        )
    }

    #[test]
    fn matching_cells_show_plain_marks_and_self_is_a_dot() {
        let (s, d) = fixture();
        let cells = [
            cell(0, 1, false, ProbeOutcome::TimedOut),
            cell(1, 0, true, ProbeOutcome::Connected),
            cell(1, 1, false, ProbeOutcome::TimedOut),
        ];
        let text = render(&s, &d, &cells);
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(rows.len(), 4, "{text}");
        assert!(rows[0].contains("from \\ to") && rows[0].contains("web"));
        assert!(rows[1].contains("tcp/80") && rows[1].contains("tcp/5432"));
        assert!(
            rows[2].starts_with("  web (host1)") && rows[2].contains('·') && rows[2].ends_with('✘')
        );
        assert!(rows[3].contains('✔') && rows[3].ends_with('✘'));
        assert!(!text.contains('!'));
        assert_eq!(
            summarize(&cells),
            Summary {
                allowed: 1,
                denied: 2,
                mismatches: 0
            }
        );
    }

    #[test]
    fn mismatches_are_marked_and_explained_both_ways() {
        let (s, d) = fixture();
        let cells = [
            cell(0, 1, false, ProbeOutcome::Connected),
            cell(1, 0, true, ProbeOutcome::TimedOut),
        ];
        let text = render(&s, &d, &cells);
        assert!(text.contains("✔ !") && text.contains("✘ !"), "{text}");
        assert!(text.contains("! web -> db tcp/5432: policy says deny, packets: connected"));
        assert!(text.contains("! tor -> web tcp/80: policy says allow, packets: timed out"));
        assert_eq!(summarize(&cells).mismatches, 2);
    }

    #[test]
    fn a_refused_connection_counts_as_denied() {
        let c = cell(0, 0, false, ProbeOutcome::Refused);
        assert!(!c.allowed() && c.matches());
    }
}
