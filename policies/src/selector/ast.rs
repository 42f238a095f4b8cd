//! The selector syntax tree and its canonical printed form.
//!
//! The parser produces *normalised* trees: runs of `!` are collapsed (an
//! even number cancels, as in Calico), nested `&&` inside `&&` and `||`
//! inside `||` are flattened, and set members are sorted and de-duplicated
//! (a `BTreeSet`). Printing a normalised tree and parsing it back yields the
//! same tree.
//!
//! Canonical text: binary operators surrounded by one space, `!` directly
//! before its operand, `in {"a", "b"}` with `", "` between members, and
//! strings in double quotes unless they contain a double quote (then single
//! quotes; a string cannot contain both because there are no escapes).
//! `||` inside `&&` and any `&&`/`||` under `!` are parenthesised.

use std::collections::BTreeSet;
use std::fmt;

/// A selector expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expr {
    /// `all()`: matches everything.
    All,
    /// `global()`: only meaningful as a whole namespaceSelector, where it
    /// selects non-namespaced resources.
    Global,
    /// `has(k)`.
    Has(String),
    /// `k == "v"`.
    Eq(String, String),
    /// `k != "v"` (true when `k` is absent).
    Ne(String, String),
    /// `k in {...}`.
    In(String, BTreeSet<String>),
    /// `k not in {...}` (true when `k` is absent).
    NotIn(String, BTreeSet<String>),
    /// `k contains "s"`.
    Contains(String, String),
    /// `k starts with "s"`.
    StartsWith(String, String),
    /// `k ends with "s"`.
    EndsWith(String, String),
    /// `!e`.
    Not(Box<Expr>),
    /// `a && b && ...` (two or more terms).
    And(Vec<Expr>),
    /// `a || b || ...` (two or more terms).
    Or(Vec<Expr>),
}

impl Expr {
    fn is_compound(&self) -> bool {
        matches!(self, Expr::And(_) | Expr::Or(_))
    }

    fn fmt_child(&self, f: &mut fmt::Formatter<'_>, parens: bool) -> fmt::Result {
        if parens {
            write!(f, "({self})")
        } else {
            write!(f, "{self}")
        }
    }
}

/// Writes `s` quoted, choosing the quote character it does not contain.
fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    if s.contains('"') {
        write!(f, "'{s}'")
    } else {
        write!(f, "\"{s}\"")
    }
}

fn write_set(f: &mut fmt::Formatter<'_>, set: &BTreeSet<String>) -> fmt::Result {
    f.write_str("{")?;
    for (i, v) in set.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write_quoted(f, v)?;
    }
    f.write_str("}")
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::All => f.write_str("all()"),
            Expr::Global => f.write_str("global()"),
            Expr::Has(k) => write!(f, "has({k})"),
            Expr::Eq(k, v) => {
                write!(f, "{k} == ")?;
                write_quoted(f, v)
            }
            Expr::Ne(k, v) => {
                write!(f, "{k} != ")?;
                write_quoted(f, v)
            }
            Expr::Contains(k, v) => {
                write!(f, "{k} contains ")?;
                write_quoted(f, v)
            }
            Expr::StartsWith(k, v) => {
                write!(f, "{k} starts with ")?;
                write_quoted(f, v)
            }
            Expr::EndsWith(k, v) => {
                write!(f, "{k} ends with ")?;
                write_quoted(f, v)
            }
            Expr::In(k, set) => {
                write!(f, "{k} in ")?;
                write_set(f, set)
            }
            Expr::NotIn(k, set) => {
                write!(f, "{k} not in ")?;
                write_set(f, set)
            }
            Expr::Not(inner) => {
                f.write_str("!")?;
                inner.fmt_child(f, inner.is_compound())
            }
            Expr::And(terms) => {
                for (i, t) in terms.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" && ")?;
                    }
                    t.fmt_child(f, t.is_compound())?;
                }
                Ok(())
            }
            Expr::Or(terms) => {
                for (i, t) in terms.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" || ")?;
                    }
                    t.fmt_child(f, matches!(t, Expr::Or(_)))?;
                }
                Ok(())
            }
        }
    }
}
