//! Property and robustness tests for the selector parser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use policies::selector::{Expr, Selector};
use proptest::prelude::*;

fn label() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_./-]{1,12}"
}

/// Values with no quote of one kind, so they can be printed without escapes.
fn value() -> impl Strategy<Value = String> {
    prop_oneof!["[ -~&&[^\"]]{0,8}", "[ -~&&[^']]{0,8}", "[\\PC]{0,4}"]
        .prop_filter("no value holds both quote kinds", |v| {
            !(v.contains('"') && v.contains('\''))
        })
}

fn leaf() -> impl Strategy<Value = Expr> {
    let set = || proptest::collection::btree_set(value(), 0..4);
    prop_oneof![
        Just(Expr::All),
        Just(Expr::Global),
        label().prop_map(Expr::Has),
        (label(), value()).prop_map(|(k, v)| Expr::Eq(k, v)),
        (label(), value()).prop_map(|(k, v)| Expr::Ne(k, v)),
        (label(), value()).prop_map(|(k, v)| Expr::Contains(k, v)),
        (label(), value()).prop_map(|(k, v)| Expr::StartsWith(k, v)),
        (label(), value()).prop_map(|(k, v)| Expr::EndsWith(k, v)),
        (label(), set()).prop_map(|(k, s): (String, BTreeSet<String>)| Expr::In(k, s)),
        (label(), set()).prop_map(|(k, s)| Expr::NotIn(k, s)),
    ]
}

/// Generates normalised trees: no `!!`, no `&&` directly under `&&`, no
/// `||` directly under `||`.
fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| match e {
                Expr::Not(x) => *x,
                other => Expr::Not(Box::new(other)),
            }),
            proptest::collection::vec(inner.clone(), 2..4).prop_map(|v| Expr::And(
                v.into_iter()
                    .flat_map(|e| match e {
                        Expr::And(xs) => xs,
                        other => vec![other],
                    })
                    .collect()
            )),
            proptest::collection::vec(inner, 2..4).prop_map(|v| Expr::Or(
                v.into_iter()
                    .flat_map(|e| match e {
                        Expr::Or(xs) => xs,
                        other => vec![other],
                    })
                    .collect()
            )),
        ]
    })
}

proptest! {
    #[test]
    fn printing_then_parsing_gives_back_the_same_tree(e in expr()) {
        let sel = Selector::from_expr(e);
        let text = sel.canonical();
        let parsed = Selector::parse(&text).map_err(|err| TestCaseError::fail(err.render()))?;
        prop_assert_eq!(&parsed, &sel, "text: {}", text);
        prop_assert_eq!(parsed.canonical(), text);
    }

    #[test]
    fn parser_never_panics_on_arbitrary_strings(s in "\\PC{0,40}") {
        let _ = Selector::parse(&s);
    }
}

/// xorshift64*: a tiny deterministic generator so the run is reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SEEDS: &[&str] = &[
    "app == 'web' && tier in {'a', \"b\"}",
    "!(has(x) || y not in {}) && z starts with 'p'",
    "a contains \"q\" || b ends with 'r' && global()",
    "all()",
    "((((k != 'v'))))",
];
const ALPHABET: &[u8] = b" \t(){},=!&|'\"abcdhlnostw_./-09\n\xff";

#[test]
fn parser_survives_300k_random_and_mutated_inputs() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut parsed_ok = 0usize;
    for i in 0..300_000 {
        let mut bytes: Vec<u8> = if i % 2 == 0 {
            SEEDS[rng.below(SEEDS.len())].as_bytes().to_vec()
        } else {
            (0..rng.below(24))
                .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                .collect()
        };
        for _ in 0..rng.below(4) {
            let pos = rng.below(bytes.len() + 1);
            match rng.below(3) {
                0 => bytes.insert(pos, ALPHABET[rng.below(ALPHABET.len())]),
                1 if pos < bytes.len() => {
                    bytes.remove(pos);
                }
                _ if pos < bytes.len() => bytes[pos] = (rng.next() & 0xff) as u8,
                _ => {}
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(sel) = Selector::parse(&text) {
            parsed_ok += 1;
            // Anything that parses must print to text that parses the same.
            assert_eq!(Selector::parse(&sel.canonical()).unwrap(), sel, "{text:?}");
        } else if let Err(e) = Selector::parse(&text) {
            assert!(
                e.column() >= 1 && e.column() <= text.chars().count() + 1,
                "{text:?}"
            );
        }
    }
    // Sanity check that the mutator is not producing only garbage.
    assert!(parsed_ok > 1_000, "only {parsed_ok} inputs parsed");
}
