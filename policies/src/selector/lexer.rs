//! Tokeniser for the selector language.
//!
//! Only space and tab are whitespace (any other control character is an
//! error, as in Calico). Words are runs of label-key characters
//! `[A-Za-z0-9_./-]`; whether a word is a label, a keyword (`has`, `all`,
//! `global`) or an operator word (`in`, `not`, `contains`, `starts`, `ends`,
//! `with`) is decided by the parser from its position, which is how Calico
//! allows labels named `in` or `has`.

use super::error::SelectorError;

/// One lexical token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A run of label-key characters.
    Word(String),
    /// A quoted string literal, quotes removed.
    Str(String),
    LParen,
    RParen,
    LBrace,
    RBrace,
    Comma,
    EqEq,
    NotEq,
    Bang,
    AndAnd,
    OrOr,
    Eof,
}

/// A token with its position: `start` and `end` are character columns
/// (0-based, end exclusive) so errors can point at them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Spanned {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

/// True for the characters Calico allows in a label key.
pub(crate) fn is_label_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-')
}

/// Splits `input` into tokens, ending with [`Tok::Eof`].
pub(crate) fn tokenize(input: &str) -> Result<Vec<Spanned>, SelectorError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let tok = match c {
            ' ' | '\t' => {
                i += 1;
                continue;
            }
            '(' => single(&mut i, Tok::LParen),
            ')' => single(&mut i, Tok::RParen),
            '{' => single(&mut i, Tok::LBrace),
            '}' => single(&mut i, Tok::RBrace),
            ',' => single(&mut i, Tok::Comma),
            '"' | '\'' => lex_string(input, &chars, &mut i)?,
            '=' => pair(input, &chars, &mut i, '=', Tok::EqEq, "'=='")?,
            '&' => pair(input, &chars, &mut i, '&', Tok::AndAnd, "'&&'")?,
            '|' => pair(input, &chars, &mut i, '|', Tok::OrOr, "'||'")?,
            '!' if chars.get(i + 1) == Some(&'=') => {
                i += 2;
                Tok::NotEq
            }
            '!' => single(&mut i, Tok::Bang),
            c if is_label_char(c) => {
                while i < chars.len() && is_label_char(chars[i]) {
                    i += 1;
                }
                Tok::Word(chars[start..i].iter().collect())
            }
            other => {
                return Err(SelectorError::new(
                    input,
                    start,
                    "a label, operator, quoted string or bracket",
                    format!("{other:?}"),
                ));
            }
        };
        out.push(Spanned { tok, start, end: i });
    }
    out.push(Spanned {
        tok: Tok::Eof,
        start: chars.len(),
        end: chars.len(),
    });
    Ok(out)
}

fn single(i: &mut usize, tok: Tok) -> Tok {
    *i += 1;
    tok
}

/// Lexes a two-character operator whose first character is `chars[*i]`.
fn pair(
    input: &str,
    chars: &[char],
    i: &mut usize,
    second: char,
    tok: Tok,
    what: &str,
) -> Result<Tok, SelectorError> {
    if chars.get(*i + 1) == Some(&second) {
        *i += 2;
        Ok(tok)
    } else {
        let found = chars[*i].to_string();
        Err(SelectorError::new(input, *i, what, format!("'{found}'")))
    }
}

/// Lexes a quoted string starting at `chars[*i]`; there are no escapes, so
/// the literal ends at the next matching quote.
fn lex_string(input: &str, chars: &[char], i: &mut usize) -> Result<Tok, SelectorError> {
    let quote = chars[*i];
    let start = *i;
    let body_start = start + 1;
    match chars[body_start..].iter().position(|&c| c == quote) {
        Some(len) => {
            *i = body_start + len + 1;
            Ok(Tok::Str(
                chars[body_start..body_start + len].iter().collect(),
            ))
        }
        None => Err(SelectorError::new(
            input,
            start,
            &format!("a closing {quote} for the string"),
            "end of input".to_string(),
        )),
    }
}
