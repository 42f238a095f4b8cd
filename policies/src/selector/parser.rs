//! Recursive-descent parser from tokens to a normalised [`Expr`].
//!
//! Grammar (precedence `||` < `&&` < `!` < comparisons):
//!
//! ```text
//! selector := ε | or EOF
//! or       := and ( "||" and )*
//! and      := unary ( "&&" unary )*
//! unary    := "!"* primary
//! primary  := "(" or ")" | "has(" LABEL ")" | "all(" ")" | "global(" ")"
//!           | LABEL ( "==" STR | "!=" STR | "contains" STR
//!                   | "starts" "with" STR | "ends" "with" STR
//!                   | "in" SET | "not" "in" SET )
//! SET      := "{" [ STR ( "," STR )* [ "," ] ] "}"
//! ```
//!
//! `has`, `all` and `global` are functions only when the `(` follows with
//! no space (Calico's tokenizer matches `has(` as one unit); otherwise they
//! are ordinary labels.

use std::collections::BTreeSet;

use super::ast::Expr;
use super::error::SelectorError;
use super::lexer::{Spanned, Tok, tokenize};

/// Longest label key Calico accepts.
pub const MAX_LABEL_LEN: usize = 512;

/// Deepest parenthesis nesting accepted. Bounds the parser's (and the
/// evaluator's) recursion so hostile input cannot overflow the stack.
pub const MAX_DEPTH: usize = 128;

const EXPECT_TERM: &str = "a label, '(', '!', has(), all() or global()";
const EXPECT_OP: &str = "an operator (==, !=, in, not in, contains, starts with, ends with)";
const EXPECT_STR: &str = "a quoted string";

/// Parses selector text into a normalised expression; empty input is `all()`.
pub fn parse_expr(input: &str) -> Result<Expr, SelectorError> {
    let toks = tokenize(input)?;
    let mut p = Parser {
        input,
        toks,
        pos: 0,
        depth: 0,
    };
    if p.peek() == &Tok::Eof {
        return Ok(Expr::All);
    }
    let expr = p.or()?;
    if p.peek() != &Tok::Eof {
        return Err(p.error_here("'&&', '||' or end of input"));
    }
    Ok(expr)
}

struct Parser<'a> {
    input: &'a str,
    toks: Vec<Spanned>,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn cur(&self) -> &Spanned {
        // The token list always ends with Eof and `pos` never moves past it.
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn peek(&self) -> &Tok {
        &self.cur().tok
    }

    fn bump(&mut self) -> Spanned {
        let t = self.cur().clone();
        if t.tok != Tok::Eof {
            self.pos += 1;
        }
        t
    }

    fn describe(tok: &Tok) -> String {
        match tok {
            Tok::Word(w) => format!("'{w}'"),
            Tok::Str(s) => format!("string {s:?}"),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::LBrace => "'{'".into(),
            Tok::RBrace => "'}'".into(),
            Tok::Comma => "','".into(),
            Tok::EqEq => "'=='".into(),
            Tok::NotEq => "'!='".into(),
            Tok::Bang => "'!'".into(),
            Tok::AndAnd => "'&&'".into(),
            Tok::OrOr => "'||'".into(),
            Tok::Eof => "end of input".into(),
        }
    }

    fn error_here(&self, expected: &str) -> SelectorError {
        let cur = self.cur();
        SelectorError::new(self.input, cur.start, expected, Self::describe(&cur.tok))
    }

    fn expect(&mut self, tok: &Tok, expected: &str) -> Result<Spanned, SelectorError> {
        if self.peek() == tok {
            Ok(self.bump())
        } else {
            Err(self.error_here(expected))
        }
    }

    fn or(&mut self) -> Result<Expr, SelectorError> {
        let mut terms = vec![self.and()?];
        while self.peek() == &Tok::OrOr {
            self.bump();
            terms.push(self.and()?);
        }
        Ok(flatten(terms, true))
    }

    fn and(&mut self) -> Result<Expr, SelectorError> {
        let mut terms = vec![self.unary()?];
        while self.peek() == &Tok::AndAnd {
            self.bump();
            terms.push(self.unary()?);
        }
        Ok(flatten(terms, false))
    }

    fn unary(&mut self) -> Result<Expr, SelectorError> {
        let mut negated = false;
        while self.peek() == &Tok::Bang {
            self.bump();
            negated = !negated;
        }
        let e = self.primary()?;
        Ok(if negated { negate(e) } else { e })
    }

    fn primary(&mut self) -> Result<Expr, SelectorError> {
        let cur = self.cur().clone();
        match &cur.tok {
            Tok::LParen => {
                if self.depth >= MAX_DEPTH {
                    return Err(self.error_here("at most 128 nested parentheses"));
                }
                self.bump();
                self.depth += 1;
                let e = self.or()?;
                self.depth -= 1;
                self.expect(&Tok::RParen, "')'")?;
                Ok(e)
            }
            Tok::Word(w) => {
                // A Word is never the last token (Eof always follows), so
                // `pos + 1` is in bounds.
                let next = &self.toks[self.pos + 1];
                let call = next.tok == Tok::LParen && next.start == cur.end;
                match w.as_str() {
                    "has" if call => self.has(),
                    "all" if call => self.nullary(Expr::All),
                    "global" if call => self.nullary(Expr::Global),
                    _ => self.comparison(),
                }
            }
            _ => Err(self.error_here(EXPECT_TERM)),
        }
    }

    fn nullary(&mut self, e: Expr) -> Result<Expr, SelectorError> {
        self.bump();
        self.bump();
        self.expect(&Tok::RParen, "')'")?;
        Ok(e)
    }

    fn has(&mut self) -> Result<Expr, SelectorError> {
        self.bump();
        self.bump();
        let label = self.label("a label name")?;
        self.expect(&Tok::RParen, "')'")?;
        Ok(Expr::Has(label))
    }

    fn label(&mut self, expected: &str) -> Result<String, SelectorError> {
        let cur = self.cur().clone();
        match cur.tok {
            Tok::Word(w) if w.chars().count() > MAX_LABEL_LEN => Err(SelectorError::new(
                self.input,
                cur.start,
                "a label of at most 512 characters",
                format!("a label of {} characters", w.chars().count()),
            )),
            Tok::Word(w) => {
                self.bump();
                Ok(w)
            }
            _ => Err(self.error_here(expected)),
        }
    }

    fn string(&mut self) -> Result<String, SelectorError> {
        match self.peek().clone() {
            Tok::Str(s) => {
                self.bump();
                Ok(s)
            }
            _ => Err(self.error_here(EXPECT_STR)),
        }
    }

    fn word_is(&self, word: &str) -> bool {
        matches!(self.peek(), Tok::Word(w) if w == word)
    }

    fn comparison(&mut self) -> Result<Expr, SelectorError> {
        let label = self.label(EXPECT_TERM)?;
        let op = self.bump();
        let two_word = |p: &mut Self, second: &str| -> Result<(), SelectorError> {
            if p.word_is(second) {
                p.bump();
                Ok(())
            } else {
                Err(p.error_here(&format!("'{second}'")))
            }
        };
        match &op.tok {
            Tok::EqEq => Ok(Expr::Eq(label, self.string()?)),
            Tok::NotEq => Ok(Expr::Ne(label, self.string()?)),
            Tok::Word(w) => match w.as_str() {
                "contains" => Ok(Expr::Contains(label, self.string()?)),
                "starts" => {
                    two_word(self, "with")?;
                    Ok(Expr::StartsWith(label, self.string()?))
                }
                "ends" => {
                    two_word(self, "with")?;
                    Ok(Expr::EndsWith(label, self.string()?))
                }
                // Calico's tokenizer also accepts the two-word operators
                // written without the space.
                "startswith" => Ok(Expr::StartsWith(label, self.string()?)),
                "endswith" => Ok(Expr::EndsWith(label, self.string()?)),
                "notin" => Ok(Expr::NotIn(label, self.set()?)),
                "in" => Ok(Expr::In(label, self.set()?)),
                "not" => {
                    two_word(self, "in")?;
                    Ok(Expr::NotIn(label, self.set()?))
                }
                _ => Err(self.error_at(&op, EXPECT_OP)),
            },
            _ => Err(self.error_at(&op, EXPECT_OP)),
        }
    }

    fn error_at(&self, tok: &Spanned, expected: &str) -> SelectorError {
        SelectorError::new(self.input, tok.start, expected, Self::describe(&tok.tok))
    }

    fn set(&mut self) -> Result<BTreeSet<String>, SelectorError> {
        self.expect(&Tok::LBrace, "'{'")?;
        let mut set = BTreeSet::new();
        while let Tok::Str(s) = self.peek().clone() {
            self.bump();
            set.insert(s);
            if self.peek() == &Tok::Comma {
                self.bump();
            } else {
                break;
            }
        }
        self.expect(&Tok::RBrace, "a quoted string, ',' or '}'")?;
        Ok(set)
    }
}

/// Negation that keeps trees normalised: `!!e` is `e`.
pub(crate) fn negate(e: Expr) -> Expr {
    match e {
        Expr::Not(inner) => *inner,
        other => Expr::Not(Box::new(other)),
    }
}

/// Builds an `||` (or `&&`) node, splicing in same-kind children.
fn flatten(terms: Vec<Expr>, or: bool) -> Expr {
    let mut out = Vec::with_capacity(terms.len());
    for t in terms {
        match t {
            Expr::Or(inner) if or => out.extend(inner),
            Expr::And(inner) if !or => out.extend(inner),
            other => out.push(other),
        }
    }
    if out.len() == 1 {
        // Exactly one element, checked just above.
        out.pop().unwrap_or(Expr::All)
    } else if or {
        Expr::Or(out)
    } else {
        Expr::And(out)
    }
}
