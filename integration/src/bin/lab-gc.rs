//! `lab-gc`: removes namespaces (and temp dirs) left by killed lab runs.
//! Namespaces whose owning process is still alive are kept.

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let report = integration::gc::gc().context("failed to list namespaces")?;
    let dirs = integration::gc::gc_temp_dirs();
    for ns in &report.removed {
        println!("removed {ns}");
    }
    for (ns, err) in &report.failed {
        eprintln!("failed to remove {ns}: {err}");
    }
    println!(
        "lab-gc: {} namespaces removed, {} of live runs kept, {} temp dirs removed",
        report.removed.len(),
        report.kept.len(),
        dirs
    );
    anyhow::ensure!(
        report.failed.is_empty(),
        "{} namespaces could not be removed",
        report.failed.len()
    );
    Ok(())
}
