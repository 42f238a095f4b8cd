//! The calculation and the nft writes in this process, step by step: where
//! a cold start's time goes, and one added endpoint without the datastore.

use std::time::Instant;

use felix::daemon::ingest::Ingest;
use felix::nft::Compiler;
use felix::reconcile::nft::{NftRunner, Path};
use integration::Lab;

use super::util::{ms, stats};
use super::world::{self, NODE, Shape};

/// Runs the section.
pub fn run(rt: &tokio::runtime::Runtime, shape: Shape) {
    let records = world::records(&shape);
    let t = Instant::now();
    let mut ingest = Ingest::new(NODE);
    for (k, v) in &records {
        ingest.apply(k, Some(v)).expect("bench records decode");
    }
    let decode = ms(t);
    let t = Instant::now();
    ingest.engine.commit();
    let calc = ms(t);
    let t = Instant::now();
    let mut compiler = Compiler::build(ingest.engine.plan());
    let compile = ms(t);
    let table = compiler.table();
    println!(
        "in-process: {} local endpoints, {} policies in use, {} sets, {} elements, {} rules",
        ingest.engine.plan().endpoints.len(),
        ingest.engine.plan().policies.len(),
        table.sets.len(),
        table.element_count(),
        table.rule_count()
    );
    println!("  decode {decode:.0} ms, calc {calc:.0} ms, compile {compile:.0} ms");
    let mut lab = Lab::new().expect("lab");
    let ns = lab.add_node("nft").expect("namespace");
    let nft = NftRunner::in_netns(&ns);
    let t = Instant::now();
    rt.block_on(nft.reconcile(compiler.table()))
        .expect("first transaction");
    println!(
        "  first transaction into an empty namespace (dump + diff + nft -f) {:.0} ms",
        ms(t)
    );
    let t = Instant::now();
    let sum = rt.block_on(nft.reconcile(compiler.table())).expect("no-op");
    assert!(sum.is_empty(), "{sum:?}");
    println!("  no-op resync (nft -j dump + diff) {:.0} ms", ms(t));
    let (mut samples, mut parts) = (Vec::new(), [Vec::new(), Vec::new(), Vec::new()]);
    for k in 0..200 {
        let (key, value) = world::endpoint(
            &format!("new{k}"),
            NODE,
            &format!("trn{k}"),
            &format!("10.200.{}.{}", k / 256, k % 256),
            &world::labels(&shape, k),
        );
        let t = Instant::now();
        ingest.apply(&key, Some(&value)).expect("decodes");
        let changes = ingest.engine.commit();
        parts[0].push(ms(t));
        let t1 = Instant::now();
        let delta = compiler.update(ingest.engine.plan(), &changes);
        parts[1].push(ms(t1));
        let t2 = Instant::now();
        let path = rt
            .block_on(nft.apply_delta(&delta, compiler.table()))
            .expect("applies");
        parts[2].push(ms(t2));
        samples.push(ms(t));
        assert_eq!(path, Path::Netlink);
    }
    println!(
        "  endpoint added (decode + commit + compile + netlink batch): {}",
        stats(&samples)
    );
    for (what, p) in ["decode + commit", "compile", "netlink batch"]
        .iter()
        .zip(&parts)
    {
        println!("    {what}: {}", stats(p));
    }
}
