//! Table tests written from the grammar in the parser's module docs.

use std::collections::BTreeMap;

use super::*;
use crate::hash::fnv1a64;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// (name, selector, labels, expected match)
type MatchRow = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    bool,
);
const MATCH_TABLE: &[MatchRow] = &[
    ("empty_selector_matches_everything", "", &[], true),
    (
        "whitespace_only_selector_matches_everything",
        " \t ",
        &[("a", "b")],
        true,
    ),
    ("all_matches_empty_labels", "all()", &[], true),
    ("eq_matches_equal_value", "a == 'x'", &[("a", "x")], true),
    ("eq_rejects_other_value", "a == 'x'", &[("a", "y")], false),
    ("eq_rejects_absent_label", "a == 'x'", &[], false),
    ("ne_rejects_equal_value", "a != 'x'", &[("a", "x")], false),
    ("ne_matches_other_value", "a != 'x'", &[("a", "y")], true),
    ("ne_matches_absent_label", "a != 'x'", &[], true),
    ("in_matches_member", "a in {'x', 'y'}", &[("a", "y")], true),
    (
        "in_rejects_non_member",
        "a in {'x', 'y'}",
        &[("a", "z")],
        false,
    ),
    ("in_rejects_absent_label", "a in {'x'}", &[], false),
    (
        "in_empty_set_matches_nothing",
        "a in {}",
        &[("a", "")],
        false,
    ),
    (
        "not_in_rejects_member",
        "a not in {'x'}",
        &[("a", "x")],
        false,
    ),
    (
        "not_in_matches_non_member",
        "a not in {'x'}",
        &[("a", "q")],
        true,
    ),
    ("not_in_matches_absent_label", "a not in {'x'}", &[], true),
    ("has_matches_present_label", "has(a)", &[("a", "")], true),
    ("has_rejects_absent_label", "has(a)", &[("b", "")], false),
    (
        "contains_matches_substring",
        "a contains 'ell'",
        &[("a", "hello")],
        true,
    ),
    ("contains_rejects_absent_label", "a contains ''", &[], false),
    (
        "starts_with_matches_prefix",
        "a starts with 'he'",
        &[("a", "hello")],
        true,
    ),
    (
        "starts_with_rejects_non_prefix",
        "a starts with 'lo'",
        &[("a", "hello")],
        false,
    ),
    (
        "ends_with_matches_suffix",
        "a ends with 'lo'",
        &[("a", "hello")],
        true,
    ),
    (
        "ends_with_rejects_absent_label",
        "a ends with 'lo'",
        &[],
        false,
    ),
    ("not_negates", "!has(a)", &[], true),
    ("double_not_cancels", "!!has(a)", &[], false),
    ("triple_not_negates", "!!!has(a)", &[], true),
    ("and_needs_both", "has(a) && has(b)", &[("a", "")], false),
    ("or_needs_either", "has(a) || has(b)", &[("b", "")], true),
    (
        "and_binds_tighter_than_or",
        "has(a) || has(b) && has(c)",
        &[("a", "")],
        true,
    ),
    (
        "parens_override_precedence",
        "(has(a) || has(b)) && has(c)",
        &[("a", "")],
        false,
    ),
    (
        "not_binds_tighter_than_and",
        "!has(a) && has(b)",
        &[("b", "")],
        true,
    ),
    (
        "not_applies_to_whole_comparison",
        "!a == 'x'",
        &[("a", "y")],
        true,
    ),
    (
        "not_before_parens_negates_group",
        "!(has(a) || has(b))",
        &[("b", "")],
        false,
    ),
    ("double_quotes_work", "a == \"x\"", &[("a", "x")], true),
    (
        "single_quote_inside_double_quotes",
        "a == \"it's\"",
        &[("a", "it's")],
        true,
    ),
    (
        "double_quote_inside_single_quotes",
        "a == 'say \"hi\"'",
        &[("a", "say \"hi\"")],
        true,
    ),
    (
        "backslash_is_not_an_escape",
        r"a == 'x\'",
        &[("a", r"x\")],
        true,
    ),
    ("tabs_are_whitespace", "a\t==\t'x'", &[("a", "x")], true),
    (
        "label_with_every_allowed_char",
        "Ab9_./-z == 'v'",
        &[("Ab9_./-z", "v")],
        true,
    ),
    ("keyword_named_label_in", "in == 'x'", &[("in", "x")], true),
    (
        "has_with_space_before_paren_is_a_label",
        "has == 'x'",
        &[("has", "x")],
        true,
    ),
    ("has_allows_spaces_inside", "has( a )", &[("a", "1")], true),
    (
        "trailing_comma_in_set_is_allowed",
        "a in {'x',}",
        &[("a", "x")],
        true,
    ),
    (
        "global_matches_non_namespaced",
        "global()",
        &[("a", "b")],
        true,
    ),
    (
        "global_rejects_namespaced",
        "global()",
        &[("projectcalico.org/namespace", "default")],
        false,
    ),
];

#[test]
fn selector_match_table() {
    for (name, text, pairs, want) in MATCH_TABLE {
        let sel = Selector::parse(text).unwrap_or_else(|e| panic!("{name}: {}", e.render()));
        assert_eq!(sel.matches(&labels(pairs)), *want, "{name}: {text}");
    }
}

/// (name, selector, 1-based column, fragment of the expectation)
const ERROR_TABLE: &[(&str, &str, usize, &str)] = &[
    ("unquoted_value_is_rejected", "a == b", 6, "quoted string"),
    ("single_equals_is_rejected", "a = 'b'", 3, "'=='"),
    ("single_ampersand_is_rejected", "has(a) & has(b)", 8, "'&&'"),
    ("single_pipe_is_rejected", "has(a) | has(b)", 8, "'||'"),
    (
        "unterminated_string_points_at_quote",
        "a == 'b",
        6,
        "closing '",
    ),
    ("missing_operator_after_label", "a", 2, "an operator"),
    ("unknown_operator_word", "a is 'b'", 3, "an operator"),
    ("starts_without_with", "a starts 'b'", 10, "'with'"),
    ("not_without_in", "a not {'b'}", 7, "'in'"),
    ("in_without_brace", "a in 'b'", 6, "'{'"),
    ("unclosed_set", "a in {'b' 'c'}", 11, "'}'"),
    ("unclosed_paren", "(has(a)", 8, "')'"),
    ("has_without_label", "has()", 5, "a label name"),
    ("trailing_garbage", "has(a) has(b)", 8, "end of input"),
    (
        "newline_is_not_whitespace",
        "has(a)\n",
        7,
        "a label, operator",
    ),
    ("dangling_and", "has(a) &&", 10, "a label, '('"),
    ("lone_bang", "!", 2, "a label, '('"),
    ("non_label_character", "a$b == 'c'", 2, "a label, operator"),
    ("empty_parens", "()", 2, "a label, '('"),
    ("comma_only_set", "a in {,}", 7, "'}'"),
    (
        "literal_on_the_left_is_rejected",
        "'v' == a",
        1,
        "a label, '('",
    ),
    ("bare_label_is_rejected", "b", 2, "an operator"),
    ("two_labels_are_rejected", "a b", 3, "an operator"),
    ("lone_closing_paren_is_rejected", ")", 1, "a label, '('"),
    (
        "set_needs_closing_before_operator",
        "a in {'x', ||",
        12,
        "'}'",
    ),
    (
        "operator_glued_to_label_text_is_rejected",
        "a inx {'x'}",
        3,
        "an operator",
    ),
];

#[test]
fn selector_error_table() {
    for (name, text, column, expected) in ERROR_TABLE {
        let err = Selector::parse(text).expect_err(name);
        assert_eq!(err.column(), *column, "{name}: {}", err.render());
        assert!(err.expected().contains(expected), "{name}: {err}");
    }
}

#[test]
fn label_key_of_512_chars_is_accepted_and_513_rejected() {
    let ok = format!("has({})", "k".repeat(512));
    assert!(Selector::parse(&ok).is_ok());
    let bad = format!("has({})", "k".repeat(513));
    let err = Selector::parse(&bad).expect_err("513 chars");
    assert_eq!(err.column(), 5);
    assert!(err.found().contains("513"));
}

#[test]
fn error_render_puts_caret_under_the_column() {
    let err = Selector::parse("app == web").expect_err("unquoted");
    let rendered = err.render();
    let lines: Vec<&str> = rendered.lines().collect();
    assert_eq!(lines.len(), 3, "{rendered}");
    assert_eq!(lines[1], "  app == web");
    assert_eq!(lines[2], "         ^");
    assert!(lines[0].contains("column 8"), "{rendered}");
}

/// (input, canonical form)
const CANONICAL_TABLE: &[(&str, &str)] = &[
    ("", "all()"),
    ("  a=='x'  ", r#"a == "x""#),
    ("a in {'z','y', \"z\" , 'x'}", r#"a in {"x", "y", "z"}"#),
    ("a not in{}", "a not in {}"),
    ("a == 'say \"hi\"'", r#"a == 'say "hi"'"#),
    ("has( k )", "has(k)"),
    ("!  !has(k)", "has(k)"),
    ("! has(k)", "!has(k)"),
    (
        "(a=='1'&&b=='2')&&c=='3'",
        r#"a == "1" && b == "2" && c == "3""#,
    ),
    (
        "a=='1'||(b=='2'||c=='3')",
        r#"a == "1" || b == "2" || c == "3""#,
    ),
    (
        "(a=='1'||b=='2')&&c=='3'",
        r#"(a == "1" || b == "2") && c == "3""#,
    ),
    (
        "a=='1'||b=='2'&&c=='3'",
        r#"a == "1" || b == "2" && c == "3""#,
    ),
    ("!(a=='1'&&b=='2')", r#"!(a == "1" && b == "2")"#),
    ("a startswith 'p'", r#"a starts with "p""#),
    ("a notin {'p'}", r#"a not in {"p"}"#),
    ("((has(a)))", "has(a)"),
    (
        "k starts  with 'p' && k ends\twith 's' && k contains 'm'",
        r#"k starts with "p" && k ends with "s" && k contains "m""#,
    ),
];

#[test]
fn canonical_form_table_round_trips() {
    for (input, want) in CANONICAL_TABLE {
        let sel = Selector::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(sel.canonical(), *want, "input {input:?}");
        let again = Selector::parse(want).unwrap_or_else(|e| panic!("{want}: {e}"));
        assert_eq!(
            again, sel,
            "canonical text of {input:?} parses to the same tree"
        );
        assert_eq!(again.canonical(), *want);
    }
}

#[test]
fn equivalent_spellings_share_an_id_and_different_selectors_do_not() {
    let a = Selector::parse("x in {'b','a'} && has(y)").unwrap();
    let b = Selector::parse("x in {\"a\", \"b\", \"a\"}&&has( y )").unwrap();
    let c = Selector::parse("x in {'a'} && has(y)").unwrap();
    assert_eq!(a.id(), b.id());
    assert_ne!(a.id(), c.id());
    assert_eq!(a.id().len(), 17);
    assert!(a.id().starts_with('s'));
}

#[test]
fn id_of_all_is_the_fnv1a_hash_of_its_text() {
    // Independent check of the documented scheme against the FNV test
    // vector for the empty string, then for "all()".
    assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(Selector::all().id(), format!("s{:016x}", fnv1a64(b"all()")));
    // Pinned: felix names nftables sets after these IDs.
    assert_eq!(Selector::all().id(), "s68f9c1bb7305fd57");
}

#[test]
fn global_is_detected_only_as_the_whole_selector() {
    assert!(Selector::parse("global()").unwrap().is_global());
    let mixed = Selector::parse("global() && has(a)").unwrap();
    assert!(!mixed.is_global());
    assert!(mixed.mentions_global());
    assert!(!Selector::parse("has(global)").unwrap().mentions_global());
}

#[test]
fn serde_uses_the_canonical_text_and_rejects_bad_selectors() {
    let sel: Selector = serde_json::from_str(r#""a in {'y','x'}""#).unwrap();
    assert_eq!(
        serde_json::to_string(&sel).unwrap(),
        r#""a in {\"x\", \"y\"}""#
    );
    let err = serde_json::from_str::<Selector>(r#""a = 'b'""#).unwrap_err();
    assert!(err.to_string().contains("column 3"), "{err}");
}

#[test]
fn nesting_is_bounded_so_hostile_input_cannot_overflow_the_stack() {
    let ok = format!("{}has(a){}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert!(Selector::parse(&ok).is_ok());
    let deep = format!("{}has(a){}", "(".repeat(100_000), ")".repeat(100_000));
    let err = Selector::parse(&deep).expect_err("too deep");
    assert_eq!(err.column(), MAX_DEPTH + 1);
    assert!(err.expected().contains("nested"), "{err}");
    // Long runs of `!` are iterative and fine.
    assert!(Selector::parse(&format!("{}has(a)", "!".repeat(100_000))).is_ok());
}
