//! Where the workspace's binaries are when the lab runs them: beside the
//! running executable (`target/<profile>/`; test and bench binaries live one
//! level down, in `deps/`), or in `$TERRACE_BIN_DIR` when it is set (e.g. to
//! run debug-built tests against release daemons).

use std::path::PathBuf;

/// The workspace binary `name`, if it has been built.
pub fn find(name: &str) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("TERRACE_BIN_DIR") {
        let p = PathBuf::from(dir).join(name);
        return p.is_file().then_some(p);
    }
    let exe = std::env::current_exe().ok()?;
    exe.ancestors()
        .skip(1)
        .take(2)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Finds `lab-probe`: `$TLAB_PROBE_BIN`, else next to the current
/// executable or one directory up (test binaries live in `deps/`).
pub fn locate_probe_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("TLAB_PROBE_BIN") {
        return p.into();
    }
    find("lab-probe").unwrap_or_else(|| "lab-probe".into())
}
