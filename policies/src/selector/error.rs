//! Selector parse errors that say where and what was expected.

use std::fmt;

/// A selector that failed to parse.
///
/// `Display` gives one line (`column 7: expected ..., found ...`), suitable
/// inside a validation message; [`SelectorError::render`] adds the input and
/// a caret line under the offending column for command-line output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorError {
    input: String,
    column: usize,
    expected: String,
    found: String,
}

impl SelectorError {
    /// Builds an error at 0-based character offset `offset` of `input`.
    pub(crate) fn new(input: &str, offset: usize, expected: &str, found: String) -> Self {
        Self {
            input: input.to_string(),
            column: offset + 1,
            expected: expected.to_string(),
            found,
        }
    }

    /// The 1-based character column of the offending token.
    pub fn column(&self) -> usize {
        self.column
    }

    /// What the parser expected at that column.
    pub fn expected(&self) -> &str {
        &self.expected
    }

    /// What it found instead.
    pub fn found(&self) -> &str {
        &self.found
    }

    /// The selector text that failed.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// Three lines: the message, the input, and a caret under the column.
    pub fn render(&self) -> String {
        // Tabs are kept in the padding so the caret lines up in a terminal.
        let pad: String = self
            .input
            .chars()
            .take(self.column - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        format!("invalid selector: {self}\n  {}\n  {pad}^", self.input)
    }
}

impl fmt::Display for SelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "column {}: expected {}, found {}",
            self.column, self.expected, self.found
        )
    }
}

impl std::error::Error for SelectorError {}
