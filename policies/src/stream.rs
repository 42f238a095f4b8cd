//! Splitting a multi-document YAML (or JSON) stream at its `---` markers,
//! keeping the line each piece starts on so errors can point into the stream.
//!
//! The one splitter of the workspace: the datastore's document loading
//! (netctl, confd, felix) and [`crate::document`]'s line numbers both use it.

/// One piece of a stream between document markers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// 1-based line of the stream on which this piece's text starts.
    pub first_line: usize,
    /// The piece's lines, each ended by `\n`; the markers are not included.
    pub text: String,
}

impl Section {
    /// True when the piece holds no document: only blank lines, comments and
    /// `...` end markers.
    pub fn is_blank_or_comment(&self) -> bool {
        self.text.lines().all(|l| {
            let t = l.trim();
            t.is_empty() || t.starts_with('#') || t == "..."
        })
    }

    /// 1-based stream line of the first line that is neither blank nor a comment.
    fn first_content_line(&self) -> Option<usize> {
        self.text
            .lines()
            .position(|l| {
                let t = l.trim();
                !t.is_empty() && !t.starts_with('#')
            })
            .map(|offset| self.first_line + offset)
    }
}

/// True for a document start marker: `---` alone or followed by a blank or
/// a comment (`---a` is a plain scalar, not a marker).
pub fn is_marker(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '#']))
}

/// Splits `text` at marker lines: the piece before the first marker, then
/// one piece after each marker. Empty pieces are kept; callers decide.
pub fn split(text: &str) -> Vec<Section> {
    let mut sections = Vec::new();
    let mut current = Section {
        first_line: 1,
        text: String::new(),
    };
    for (index, line) in text.lines().enumerate() {
        if is_marker(line) {
            let next = Section {
                first_line: index + 2,
                text: String::new(),
            };
            sections.push(std::mem::replace(&mut current, next));
        } else {
            current.text.push_str(line);
            current.text.push('\n');
        }
    }
    sections.push(current);
    sections
}

/// 1-based first line of each document as a YAML parser numbers them: the
/// first content line when it comes before any marker, then the line after
/// every marker.
pub fn document_start_lines(text: &str) -> Vec<usize> {
    split(text)
        .iter()
        .enumerate()
        .filter_map(|(k, s)| match k {
            0 => s.first_content_line(),
            _ => Some(s.first_line),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_three_dashes_then_nothing_a_blank_or_a_comment() {
        let cases = [
            ("---", true),
            ("--- ", true),
            ("--- # second", true),
            ("---\t", true),
            ("---# c", true),
            ("---a: 1", false),
            (" ---", false),
            ("--", false),
            ("...", false),
        ];
        for (line, want) in cases {
            assert_eq!(is_marker(line), want, "{line:?}");
        }
    }

    #[test]
    fn split_keeps_empty_pieces_and_start_lines() {
        let sections = split("# c\n---\na: 1\n---\n");
        let starts: Vec<usize> = sections.iter().map(|s| s.first_line).collect();
        assert_eq!(starts, vec![1, 3, 5]);
        assert_eq!(sections[1].text, "a: 1\n");
        assert!(sections[0].is_blank_or_comment());
        assert!(!sections[1].is_blank_or_comment());
        assert!(sections[2].is_blank_or_comment());
    }

    #[test]
    fn documents_start_at_the_first_content_line_then_after_each_marker() {
        assert_eq!(document_start_lines("\n# c\na: 1\n---\nb: 2\n"), vec![3, 5]);
        assert_eq!(document_start_lines("# c\n---\na: 1\n"), vec![3]);
        assert_eq!(document_start_lines("---\na: 1\n--- \nb: 2\n"), vec![2, 4]);
    }
}
