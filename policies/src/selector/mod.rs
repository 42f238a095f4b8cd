//! Calico's label selector language: parse, evaluate, print canonically.
//!
//! ```
//! use std::collections::BTreeMap;
//! use policies::selector::Selector;
//!
//! let sel: Selector = "app in {'web', 'api'} && !has(legacy)".parse().unwrap();
//! let labels = BTreeMap::from([("app".to_string(), "web".to_string())]);
//! assert!(sel.matches(&labels));
//! assert_eq!(sel.to_string(), r#"app in {"api", "web"} && !has(legacy)"#);
//! ```
//!
//! Layout: `lexer` (characters → tokens), `parser` (tokens → normalised
//! [`Expr`]), `ast` (the tree and its canonical `Display`), `eval`
//! (matching a label map), `error` (column + expectation + caret).

mod ast;
mod error;
mod eval;
mod lexer;
mod parser;

use std::fmt;
use std::str::FromStr;

use crate::hash;

pub use ast::Expr;
pub use error::SelectorError;
pub use eval::{Labels, NAMESPACE_LABEL};
pub use parser::{MAX_DEPTH, MAX_LABEL_LEN};

/// True for the characters Calico allows in a label key: `[A-Za-z0-9_./-]`.
pub fn is_label_key_char(c: char) -> bool {
    lexer::is_label_char(c)
}

/// A parsed selector.
///
/// Equality and hashing are on the normalised tree, so two selectors that
/// differ only in spacing, quoting or set order are equal and share an
/// [`id`](Selector::id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Selector {
    expr: Expr,
}

impl Selector {
    /// Parses selector text. Empty (or all-whitespace) text is `all()`.
    pub fn parse(text: &str) -> Result<Self, SelectorError> {
        parser::parse_expr(text).map(|expr| Self { expr })
    }

    /// The selector that matches everything.
    pub fn all() -> Self {
        Self { expr: Expr::All }
    }

    /// Wraps an expression. Printing and re-parsing gives back the same
    /// expression when it is normalised (see [`Expr`]'s module docs).
    pub fn from_expr(expr: Expr) -> Self {
        Self { expr }
    }

    /// The syntax tree.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// True when the whole selector is `global()`.
    pub fn is_global(&self) -> bool {
        self.expr == Expr::Global
    }

    /// True when `global()` appears anywhere in the selector.
    pub fn mentions_global(&self) -> bool {
        eval::mentions_global(&self.expr)
    }

    /// True when the whole selector is `all()`.
    pub fn is_all(&self) -> bool {
        self.expr == Expr::All
    }

    /// Evaluates the selector against a label set.
    pub fn matches<L: Labels + ?Sized>(&self, labels: &L) -> bool {
        eval::eval(&self.expr, labels)
    }

    /// The canonical text (same as `to_string()`).
    pub fn canonical(&self) -> String {
        self.expr.to_string()
    }

    /// A stable identifier: `s` followed by the 64-bit FNV-1a hash of the
    /// canonical text as 16 lower-case hex digits (17 characters, safe as
    /// part of an nftables set name). Equal selectors have equal IDs on
    /// every platform and release, because the canonical form is fixed.
    pub fn id(&self) -> String {
        format!("s{}", hash::short(&self.canonical()))
    }
}

impl Default for Selector {
    fn default() -> Self {
        Self::all()
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.expr.fmt(f)
    }
}

impl FromStr for Selector {
    type Err = SelectorError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Serialises as the canonical text.
impl serde::Serialize for Selector {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.canonical())
    }
}

/// Deserialises from selector text; a parse error becomes a serde error
/// carrying the one-line message (column and expectation).
impl<'de> serde::Deserialize<'de> for Selector {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Selector::parse(&text)
            .map_err(|e| serde::de::Error::custom(format!("invalid selector: {e}")))
    }
}

#[cfg(test)]
mod tests;
