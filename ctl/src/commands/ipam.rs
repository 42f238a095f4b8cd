//! `netctl ipam`: address usage per pool and block, consistency checks, and manual release.
//!
//! - `show [--show-blocks] [--ip IP]`: per pool (and with `--show-blocks` per block) the
//!   total, used and free addresses; `--ip` shows who holds one address.
//! - `check`: lists every inconsistency that `resources::ipam::audit` finds and fails (exit 1)
//!   when there is any, so scripts and tests can use it as a leak detector.
//! - `release --ip IP`: frees one address whoever holds it (clean-up of a leak).
//!
//! The reports are pure functions of the records read, tested without a store.

use crate::args::GlobalArgs;
use crate::context::connect;
use crate::error::{CtlError, CtlResult};
use anyhow::Context as _;
use clap::Subcommand;
use datastore::ipam::IpamClient;
use resources::ipam::{Block, audit};
use resources::{IPPoolSpec, Kind, WorkloadEndpointSpec};
use std::fmt::Write as _;
use std::net::IpAddr;

/// `netctl ipam ...`
#[derive(Debug, Subcommand)]
pub enum IpamCommand {
    /// Addresses per pool (and block): total, in use, free; or who holds one address.
    #[command(
        after_help = "Examples:\n  netctl ipam show --show-blocks\n  netctl ipam show --ip 10.65.0.4"
    )]
    Show {
        /// Also list every block with its host.
        #[arg(long)]
        show_blocks: bool,
        /// Show the handle and attributes holding this address.
        #[arg(long, value_name = "IP")]
        ip: Option<IpAddr>,
    },
    /// Report leaked or orphaned allocations and blocks without a host; exit 1 if any.
    #[command(after_help = "Example:\n  netctl ipam check")]
    Check,
    /// Free one address, whoever holds it.
    #[command(after_help = "Example:\n  netctl ipam release --ip 10.65.0.4")]
    Release {
        /// The address to free.
        #[arg(long, value_name = "IP")]
        ip: IpAddr,
    },
}

/// Runs one `netctl ipam` command.
pub async fn run(global: &GlobalArgs, cmd: &IpamCommand) -> CtlResult<String> {
    let client = connect(global).await?;
    let ipam = IpamClient::new(client.store().clone());
    let blocks: Vec<Block> = ipam
        .blocks()
        .await
        .context("cannot read IPAM blocks")?
        .into_iter()
        .map(|s| s.block)
        .collect();
    match cmd {
        IpamCommand::Show { show_blocks, ip } => {
            if let Some(ip) = ip {
                return Ok(show_ip(&blocks, *ip));
            }
            let mut pools = Vec::new();
            for object in client
                .list(Kind::IPPool, None)
                .await
                .context("cannot list IP pools")?
            {
                let spec: IPPoolSpec = object.spec_as().context("stored IPPool does not decode")?;
                pools.push((object.metadata.name.clone(), spec));
            }
            Ok(show(&pools, &blocks, *show_blocks))
        }
        IpamCommand::Check => {
            let handles = ipam.handles().await.context("cannot read IPAM handles")?;
            let mut endpoints = Vec::new();
            for object in client
                .list(Kind::WorkloadEndpoint, None)
                .await
                .context("cannot list workload endpoints")?
            {
                let spec: WorkloadEndpointSpec = object
                    .spec_as()
                    .context("stored WorkloadEndpoint does not decode")?;
                let ns = object.metadata.namespace.clone().unwrap_or_default();
                endpoints.push((format!("{ns}/{}", object.metadata.name), spec));
            }
            let problems = audit(&blocks, &handles, &endpoints);
            if problems.is_empty() {
                Ok(format!(
                    "IPAM is consistent: {} blocks, {} handles, {} workload endpoints\n",
                    blocks.len(),
                    handles.len(),
                    endpoints.len()
                ))
            } else {
                let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
                Err(CtlError::Failed(anyhow::anyhow!(
                    "{} IPAM problem(s) found:\n{}",
                    problems.len(),
                    lines.join("\n")
                )))
            }
        }
        IpamCommand::Release { ip } => match ipam.release_ip(*ip).await {
            Ok(Some(handle)) => Ok(format!("released {ip} (held by handle {handle})\n")),
            // Like any other not-found resource: the operation failed (exit 1).
            Ok(None) => Err(CtlError::Failed(anyhow::anyhow!(
                "{ip} is not allocated; nothing released"
            ))),
            Err(datastore::ipam::IpamError::NotAllocated { .. }) => Err(CtlError::Failed(
                anyhow::anyhow!("{ip} is not in any allocated block; nothing released"),
            )),
            Err(err) => Err(CtlError::Failed(
                anyhow::Error::new(err).context(format!("cannot release {ip}")),
            )),
        },
    }
}

/// Addresses in a network of prefix length `len` out of `max` bits (saturating for huge IPv6
/// pools).
fn size_of(max: u8, len: u8) -> u128 {
    let bits = u32::from(max.saturating_sub(len));
    1u128.checked_shl(bits).unwrap_or(u128::MAX)
}

/// The usage table.
pub fn show(pools: &[(String, IPPoolSpec)], blocks: &[Block], show_blocks: bool) -> String {
    let mut out = String::from("POOL\tCIDR\tBLOCKS\tTOTAL\tIN USE\tFREE\n");
    for (name, pool) in pools {
        let inside: Vec<&Block> = blocks
            .iter()
            .filter(|b| pool.cidr.contains(&b.cidr))
            .collect();
        let used: u128 = inside.iter().map(|b| b.allocations.len() as u128).sum();
        let total = size_of(pool.cidr.max_prefix_len(), pool.cidr.prefix_len());
        let _ = writeln!(
            out,
            "{name}\t{}\t{}\t{total}\t{used}\t{}",
            pool.cidr,
            inside.len(),
            total.saturating_sub(used)
        );
    }
    if show_blocks {
        out.push_str("\nBLOCK\tHOST\tTOTAL\tIN USE\tFREE\n");
        for b in blocks {
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}",
                b.cidr,
                b.affinity.as_deref().unwrap_or("<none>"),
                b.size(),
                b.allocations.len(),
                b.free_count()
            );
        }
    }
    out
}

/// Who holds `ip`.
pub fn show_ip(blocks: &[Block], ip: IpAddr) -> String {
    let Some(block) = blocks.iter().find(|b| b.cidr.contains(&ip)) else {
        return format!("{ip} is not in any allocated block\n");
    };
    let host = block.affinity.as_deref().unwrap_or("<none>");
    match block.ordinal(ip).and_then(|o| block.allocations.get(&o)) {
        None => format!("{ip} is free (block {} of host {host})\n", block.cidr),
        Some(a) => {
            let mut out = format!(
                "{ip} is allocated\n  block: {} (host {host})\n  handle: {}\n",
                block.cidr, a.handle
            );
            for (k, v) in &a.attributes {
                let _ = writeln!(out, "  {k}: {v}");
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use resources::ipam::Allocation;

    fn block(cidr: &str, host: Option<&str>, handles: &[&str]) -> Block {
        let mut b = Block::new(cidr.parse().unwrap(), host.map(str::to_string));
        for h in handles {
            b.allocate(
                1,
                &Allocation {
                    handle: h.to_string(),
                    attributes: [("pod".to_string(), "web".to_string())].into(),
                },
            );
        }
        b
    }

    #[test]
    fn show_counts_per_pool_and_block() {
        let pool: IPPoolSpec =
            serde_json::from_str(r#"{"cidr":"10.65.0.0/24","blockSize":26}"#).unwrap();
        let blocks = [
            block("10.65.0.0/26", Some("h1"), &["a", "b"]),
            block("10.65.0.64/26", Some("h2"), &["c"]),
            block("10.99.0.0/26", Some("h2"), &["d"]),
        ];
        let out = show(&[("default".into(), pool)], &blocks, true);
        assert!(
            out.contains("default\t10.65.0.0/24\t2\t256\t3\t253"),
            "{out}"
        );
        assert!(out.contains("10.65.0.64/26\th2\t64\t1\t63"), "{out}");
        let who = show_ip(&blocks, "10.65.0.1".parse().unwrap());
        assert!(
            who.contains("handle: b") && who.contains("pod: web"),
            "{who}"
        );
        assert!(show_ip(&blocks, "10.65.0.9".parse().unwrap()).contains("free"));
        assert!(show_ip(&blocks, "10.1.0.1".parse().unwrap()).contains("not in any"));
    }

    #[tokio::test]
    async fn commands_run_against_a_store() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/store.db", dir.path().display());
        let global = GlobalArgs {
            datastore: Some(url.clone()),
            config: dir.path().join("none.toml"),
        };
        let store = datastore::open(&url.parse().unwrap()).await.unwrap();
        let ipam = IpamClient::new(store);
        let request = datastore::ipam::AssignRequest {
            node: "h1".into(),
            handle: "c1.eth0".into(),
            attributes: Default::default(),
            ipv4: true,
            ipv6: false,
            pools: vec![resources::ipam::PoolView {
                cidr: "10.65.0.0/24".parse().unwrap(),
                block_prefix_len: 26,
                usable: true,
            }],
            strict_affinity: false,
        };
        let ip = ipam.assign(&request).await.unwrap()[0];
        let err = run(&global, &IpamCommand::Check).await.unwrap_err();
        assert!(err.to_string().contains("c1.eth0"), "{err}");
        let shown = run(
            &global,
            &IpamCommand::Show {
                show_blocks: true,
                ip: Some(ip),
            },
        )
        .await
        .unwrap();
        assert!(shown.contains("handle: c1.eth0"), "{shown}");
        let released = run(&global, &IpamCommand::Release { ip }).await.unwrap();
        assert!(released.contains("c1.eth0"), "{released}");
        let ok = run(&global, &IpamCommand::Check).await.unwrap();
        assert!(ok.contains("consistent"), "{ok}");
        assert!(run(&global, &IpamCommand::Release { ip }).await.is_err());
    }
}
