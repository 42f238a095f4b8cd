//! docs/netctl-reference.md is exactly what netctl's clap definitions render.
#![allow(clippy::unwrap_used, clippy::expect_used)]

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/netctl-reference.md");

#[test]
fn the_command_reference_in_docs_is_current() {
    let rendered = netctl::reference::render();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(PATH, &rendered).unwrap();
    }
    let committed = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        committed == rendered,
        "docs/netctl-reference.md is stale: run `UPDATE_DOCS=1 cargo test -p netctl --test reference` and review the diff"
    );
}

#[test]
fn every_subcommand_has_a_section() {
    let rendered = netctl::reference::render();
    for path in [
        "netctl apply",
        "netctl get",
        "netctl policy trace",
        "netctl ipam check",
        "netctl node status",
        "netctl selector match",
    ] {
        assert!(rendered.contains(&format!("## `{path}`")), "{path} missing");
    }
    assert!(!rendered.contains("## `netctl help`"));
}

/// Splits a shell command line into words: single and double quotes group, no
/// escapes or expansions (the docs use none).
fn shell_words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut quote, mut in_word) = (Vec::new(), String::new(), None, false);
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, ' ' | '\t') => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// A usage synopsis (`netctl ipam show [--ip IP]`), not a command to run.
fn is_synopsis(words: &[String]) -> bool {
    words.iter().any(|w| {
        w.contains(['[', '|'])
            || w == "..."
            || (w.len() > 1 && w.chars().all(|c| c.is_ascii_uppercase()))
    })
}

#[test]
fn every_netctl_command_in_the_docs_is_one_netctl_accepts() {
    use clap::Parser;
    let docs = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs");
    let mut checked = 0;
    let mut rejected = Vec::new();
    for entry in std::fs::read_dir(docs).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // Code blocks are every other piece between fences; only shell ones hold commands.
        for block in text.split("```").skip(1).step_by(2) {
            let Some(("sh", body)) = block.split_once('\n') else {
                continue;
            };
            for line in body.lines() {
                let line = line.split(" #").next().unwrap_or_default();
                let line = line.split(" > ").next().unwrap_or_default().trim();
                let words = shell_words(line);
                if words.first().is_none_or(|w| !w.ends_with("netctl")) || is_synopsis(&words) {
                    continue;
                }
                checked += 1;
                if let Err(e) = netctl::cli::Cli::try_parse_from(&words) {
                    rejected.push(format!("{}: {line}\n{e}", path.display()));
                }
            }
        }
    }
    eprintln!("{checked} netctl commands in docs/ parsed");
    assert!(rejected.is_empty(), "{}", rejected.join("\n"));
    assert!(
        checked >= 10,
        "only {checked} commands found: is the extraction broken?"
    );
}
