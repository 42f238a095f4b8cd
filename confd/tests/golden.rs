#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Golden files: each directory under tests/golden holds resources
//! (`input.yaml`), optional IPAM blocks (`blocks.yaml`) and one
//! `expected-<node>.toml` per node whose bgpd file is checked. Regenerate with
//! `UPDATE_GOLDEN=1 cargo test -p confd --test golden` and review the diff.

use confd::model::{Inputs, build};
use confd::render::render;
use resources::ipam::Block;
use resources::{Object, load::load_document, stream::split_documents};
use std::path::{Path, PathBuf};

fn scenarios() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn inputs(dir: &Path, node: &str) -> Inputs {
    let text = std::fs::read_to_string(dir.join("input.yaml")).unwrap();
    let objects: Vec<Object> = split_documents("input.yaml", &text)
        .iter()
        .map(|d| load_document(d, None).unwrap())
        .collect();
    let blocks: Vec<Block> = match std::fs::read_to_string(dir.join("blocks.yaml")) {
        Ok(text) => serde_yaml_ng::from_str(&text).unwrap(),
        Err(_) => Vec::new(),
    };
    Inputs::from_objects(node, &objects, blocks).unwrap()
}

#[test]
fn rendered_configs_match_the_golden_files() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for dir in scenarios() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            let Some(node) = file
                .strip_prefix("expected-")
                .and_then(|f| f.strip_suffix(".toml"))
            else {
                continue;
            };
            let rendered = render(&build(&inputs(&dir, node)).unwrap()).unwrap();
            checked += 1;
            if update {
                std::fs::write(&path, &rendered).unwrap();
            } else if std::fs::read_to_string(&path).unwrap() != rendered {
                mismatches.push(format!("{}:\n{rendered}", path.display()));
            }
        }
    }
    assert!(checked >= 10, "only {checked} golden files found");
    assert!(
        mismatches.is_empty(),
        "rendered output differs (UPDATE_GOLDEN=1 to regenerate):\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn rendering_is_deterministic() {
    for dir in scenarios() {
        let once = render(&build(&inputs(&dir, "a")).unwrap()).unwrap();
        let twice = render(&build(&inputs(&dir, "a")).unwrap()).unwrap();
        assert_eq!(once, twice, "{}", dir.display());
    }
}

/// Every golden file is a configuration bgpd itself accepts. Secrets are
/// pointed at a scratch file, since the referenced ones exist only on real hosts.
#[test]
fn bgpd_accepts_every_golden_file() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("password");
    std::fs::write(&secret, "s3cret\n").unwrap();
    let mut parsed = 0;
    for scenario in scenarios() {
        for entry in std::fs::read_dir(&scenario).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let text: String = std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .map(|l| {
                    if l.starts_with("password_file = ") || l.starts_with("password_env = ") {
                        format!("password_file = {:?}\n", secret.display().to_string())
                    } else {
                        format!("{l}\n")
                    }
                })
                .collect();
            bgpd::config::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            parsed += 1;
        }
    }
    assert!(parsed >= 10);
}
