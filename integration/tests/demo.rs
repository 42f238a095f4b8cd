//! `lab-demo` (the README's first command) builds, probes and tears down.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn lab_demo_shows_a_full_matrix_of_ticks_and_leaves_nothing() {
    let out = Command::new(env!("CARGO_BIN_EXE_lab-demo"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.matches('✔').count(),
        24,
        "12 pairs x (ping, tcp):\n{stdout}"
    );
    assert!(
        !stdout.contains('✘') && stdout.contains("refused"),
        "{stdout}"
    );
    let prefix = stdout
        .split("(tlab-")
        .nth(1)
        .and_then(|s| s.split("-*)").next())
        .unwrap();
    let left = integration::netns::list().unwrap();
    assert!(
        left.iter()
            .all(|ns| !ns.starts_with(&format!("tlab-{prefix}-"))),
        "{left:?}"
    );
}
