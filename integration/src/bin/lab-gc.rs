//! `lab-gc`: removes namespaces, temp dirs (with the podman containers of a
//! lab's private installation) and podman cgroups left by killed lab runs.
//! What belongs to a live process is kept.

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let report = integration::gc::gc().context("failed to list namespaces")?;
    let dirs = integration::gc::gc_temp_dirs();
    let cgroups = integration::gc::gc_cgroups();
    for ns in &report.removed {
        println!("removed {ns}");
    }
    for (ns, err) in &report.failed {
        eprintln!("failed to remove {ns}: {err}");
    }
    println!(
        "lab-gc: {} namespaces removed, {} of live runs kept, {} temp dirs removed, \
         {} podman cgroups removed",
        report.removed.len(),
        report.kept.len(),
        dirs,
        cgroups
    );
    anyhow::ensure!(
        report.failed.is_empty(),
        "{} namespaces could not be removed",
        report.failed.len()
    );
    Ok(())
}
