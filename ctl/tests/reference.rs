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
