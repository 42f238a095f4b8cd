//! `bgpd --check-config FILE`: exit status and messages of the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn check(text: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bgpd.toml");
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bgpd"))
        .arg("--check-config")
        .arg(&path)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_config_exits_zero_for_valid_and_two_for_invalid_files() {
    let table = [
        (
            "minimal valid file",
            "router_id = \"10.0.0.1\"\nasn = 64512\n",
            0,
            "ok",
        ),
        (
            "bad field value",
            "router_id = \"10.0.0\"\nasn = 64512\n",
            2,
            "router_id",
        ),
        (
            "unknown key",
            "router_id = \"10.0.0.1\"\nasn = 1\nfoo = 1\n",
            2,
            "foo",
        ),
        ("not toml", "router_id = ", 2, "syntax"),
    ];
    for (name, text, code, needle) in table {
        let (got, stderr) = check(text);
        assert_eq!(got, code, "{name}: {stderr}");
        assert!(stderr.contains(needle), "{name}: {stderr}");
    }
}

#[test]
fn check_config_reports_an_unreadable_file() {
    let out = Command::new(env!("CARGO_BIN_EXE_bgpd"))
        .args(["--check-config", "/nonexistent/bgpd.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
