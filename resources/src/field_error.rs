//! Validation errors that name the offending field by its path in the document.

use std::fmt;

/// One invalid field: `spec.peerIP: "10.0.0.300" is not an IP address`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path from the document root, e.g. `spec.ports[1].port`.
    pub path: String,
    /// What is wrong, lower-case, no trailing period.
    pub message: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Collects every error of a document so the user sees them all at once.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    pub fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(path, message));
    }

    /// Records the error of a check, if any.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        path: impl Into<String>,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.push(path, e.to_string());
                None
            }
        }
    }

    pub fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}
