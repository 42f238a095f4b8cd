//! scripts/install-host and scripts/uninstall-host against a staging root:
//! the layout, configuration that already exists is kept, a second install
//! is harmless, the units pass `systemd-analyze verify`, and uninstall
//! leaves the root exactly as it was (the datastore stays unless --purge).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use terrace_svc::testkit::workspace_bin;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Every path under `root` with its mode and contents.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (u32, Vec<u8>)> {
    let mut out = BTreeMap::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            if meta.is_dir() {
                todo.push(path);
                out.insert(rel, (meta.permissions().mode(), Vec::new()));
            } else {
                out.insert(
                    rel,
                    (meta.permissions().mode(), std::fs::read(&path).unwrap()),
                );
            }
        }
    }
    out
}

fn script(name: &str, args: &[&str]) -> String {
    let out = Command::new(repo().join("scripts").join(name))
        .args(args)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{name} {args:?}: {said}");
    said
}

/// The directory holding the built workspace binaries.
fn bin_dir() -> String {
    for bin in ["felix", "confd", "bgpd", "netctl", "terrace"] {
        workspace_bin(bin).unwrap();
    }
    let felix = workspace_bin("felix").unwrap();
    felix.parent().unwrap().to_str().unwrap().to_string()
}

#[test]
fn install_then_uninstall_leaves_the_root_as_it_was_and_keeps_edited_config() {
    let from = bin_dir();
    let stage = tempfile::tempdir().unwrap();
    let root = stage.path().to_str().unwrap().to_string();
    // An operator's own CNI network file and an unrelated file already exist.
    let conflist = stage.path().join("etc/cni/net.d/10-terrace.conflist");
    std::fs::create_dir_all(conflist.parent().unwrap()).unwrap();
    std::fs::write(&conflist, "{\"edited\": true}\n").unwrap();
    std::fs::write(stage.path().join("etc/hostname"), "h1\n").unwrap();
    let before = snapshot(stage.path());

    let said = script("install-host", &["--root", &root, "--from", &from]);
    assert!(
        said.contains("keeping existing /etc/cni/net.d/10-terrace.conflist"),
        "{said}"
    );
    let installed = [
        "usr/local/bin/felix",
        "usr/local/bin/confd",
        "usr/local/bin/bgpd",
        "usr/local/bin/netctl",
        "opt/cni/bin/terrace",
        "etc/systemd/system/terrace-felix.service",
        "etc/systemd/system/terrace-confd.service",
        "etc/systemd/system/terrace-bgpd.service",
        "etc/terrace/terrace.env",
        "etc/terrace/config.toml",
        "usr/local/share/doc/terrace/operations.md",
        "var/lib/terrace/install-manifest",
    ];
    for p in installed {
        assert!(stage.path().join(p).is_file(), "{p} missing");
    }
    for bin in ["usr/local/bin/felix", "opt/cni/bin/terrace"] {
        let mode = std::fs::metadata(stage.path().join(bin))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755, "{bin}");
    }
    assert!(stage.path().join("var/log/terrace").is_dir());
    assert_eq!(
        std::fs::read_to_string(&conflist).unwrap(),
        "{\"edited\": true}\n"
    );
    let env_path = stage.path().join("etc/terrace/terrace.env");
    let env = std::fs::read_to_string(&env_path).unwrap();
    assert!(
        env.contains("TERRACE_DATASTORE=sqlite:///var/lib/terrace/store.db"),
        "{env}"
    );

    // An edited terrace.env survives a second install (an upgrade).
    std::fs::write(&env_path, "TERRACE_NODE=edited\n").unwrap();
    script("install-host", &["--root", &root, "--from", &from]);
    assert_eq!(
        std::fs::read_to_string(&env_path).unwrap(),
        "TERRACE_NODE=edited\n"
    );

    // Uninstall keeps the edited file and the datastore.
    std::fs::write(stage.path().join("var/lib/terrace/store.db"), "data").unwrap();
    let said = script("uninstall-host", &["--root", &root]);
    assert!(said.contains("keeping /etc/terrace/terrace.env"), "{said}");
    assert!(stage.path().join("var/lib/terrace/store.db").is_file());
    assert!(!stage.path().join("usr").exists());
    assert!(!stage.path().join("opt").exists());
    assert!(!stage.path().join("etc/systemd").exists());
    std::fs::remove_file(&env_path).unwrap();
    std::fs::remove_dir(stage.path().join("etc/terrace")).unwrap();

    // Install over the kept datastore, then --purge: exactly as before.
    script("install-host", &["--root", &root, "--from", &from]);
    script("uninstall-host", &["--root", &root, "--purge"]);
    assert_eq!(snapshot(stage.path()), before);
}

#[test]
fn installed_units_pass_systemd_analyze_verify() {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED: systemd-analyze is not installed (apt-get install systemd)");
        return;
    }
    let from = bin_dir();
    let stage = tempfile::tempdir().unwrap();
    let root = stage.path().to_str().unwrap().to_string();
    script("install-host", &["--root", &root, "--from", &from]);
    // verify resolves ExecStart on this machine, so point the staged units at
    // the staged binaries (a real install needs no rewrite).
    let units = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for unit in ["terrace-felix", "terrace-confd", "terrace-bgpd"] {
        let staged = stage
            .path()
            .join(format!("etc/systemd/system/{unit}.service"));
        let text = std::fs::read_to_string(staged).unwrap();
        assert!(text.contains("Type=notify"), "{unit}");
        let text = text.replace("/usr/local/bin/", &format!("{root}/usr/local/bin/"));
        let path = units.path().join(format!("{unit}.service"));
        std::fs::write(&path, text).unwrap();
        paths.push(path);
    }
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .args(&paths)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && said.trim().is_empty(),
        "systemd-analyze verify: {said}"
    );
}
