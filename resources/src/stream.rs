//! Splits a multi-document YAML (or JSON) stream into documents that remember
//! where they start, so every error can say `file:line:column`. The splitting
//! itself is [`policies::stream`]'s.

use policies::stream;
use serde::de::DeserializeOwned;
use std::fmt;

/// One document of a stream, with the line (1-based) it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDoc {
    /// File name, or `-` for standard input.
    pub source: String,
    /// Line of the stream on which this document's text starts.
    pub first_line: usize,
    /// The document's text.
    pub text: String,
}

/// An error located in a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocError {
    pub source: String,
    pub line: usize,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for DocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(col) => write!(f, "{}:{}:{}: {}", self.source, self.line, col, self.message),
            None => write!(f, "{}:{}: {}", self.source, self.line, self.message),
        }
    }
}

impl std::error::Error for DocError {}

/// Splits `text` at `---` lines; empty and comment-only documents are dropped.
pub fn split_documents(source: &str, text: &str) -> Vec<SourceDoc> {
    stream::split(text)
        .into_iter()
        .filter(|section| !section.is_blank_or_comment())
        .map(|section| SourceDoc {
            source: source.to_string(),
            first_line: section.first_line,
            text: section.text,
        })
        .collect()
}

impl SourceDoc {
    /// An error about this document as a whole (no column).
    pub fn error(&self, message: impl Into<String>) -> DocError {
        DocError {
            source: self.source.clone(),
            line: self.first_line,
            column: None,
            message: message.into(),
        }
    }

    /// Deserializes the document, mapping the parser's position back to the stream.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, DocError> {
        serde_yaml_ng::from_str(&self.text).map_err(|e| {
            let (line, column) = match e.location() {
                Some(loc) => (
                    self.first_line + loc.line().saturating_sub(1),
                    Some(loc.column()),
                ),
                None => (self.first_line, None),
            };
            DocError {
                source: self.source.clone(),
                line,
                column,
                message: strip_position(&e.to_string()),
            }
        })
    }
}

/// serde_yaml_ng appends "at line X column Y" relative to the document; we
/// report the stream position instead, so that suffix is removed.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn splits_at_separators_and_keeps_start_lines() {
        let text =
            "# leading comment\n---\na: 1\n--- # second\nb: 2\n---\n# only a comment\n---\nc: 3\n";
        let docs = split_documents("f.yaml", text);
        let starts: Vec<usize> = docs.iter().map(|d| d.first_line).collect();
        assert_eq!(starts, vec![3, 5, 9]);
        assert_eq!(docs[1].text, "b: 2\n");
    }

    #[test]
    fn a_key_starting_with_dashes_is_not_a_separator() {
        let docs = split_documents("f", "---a: 1\n");
        assert_eq!(docs.len(), 1);
    }

    #[test]
    fn errors_point_into_the_stream() {
        let text = "a: 1\n---\nx: 1\ny: [unclosed\n";
        let docs = split_documents("f.yaml", text);
        let err = docs[1]
            .parse::<BTreeMap<String, serde_yaml_ng::Value>>()
            .unwrap_err();
        assert_eq!((err.source.as_str(), err.line), ("f.yaml", 5));
        assert!(err.to_string().starts_with("f.yaml:5:"), "{err}");
    }

    #[test]
    fn json_documents_parse_too() {
        let docs = split_documents("f.json", "{\"a\": 1}");
        let map: BTreeMap<String, i32> = docs[0].parse().unwrap();
        assert_eq!(map["a"], 1);
    }
}
