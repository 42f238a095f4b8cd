//! Prints bgpd's peers as JSON, read over its management API:
//! `list_peers <api-socket>`. The lab tests (integration/tests/cluster.rs)
//! use it to read session state and time in state without linking them to bgpd.
//!
//! Output: `{"loc_rib_prefixes": N, "peers": [{"address", "name", "kind",
//! "state", "since_seconds", "prefixes_received"}]}`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use bgpd_api::pb::ListPeersRequest;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let sock: PathBuf = std::env::args()
        .nth(1)
        .context("usage: list_peers <api-socket>")?
        .into();
    let reply = bgpd_api::client::connect(&sock, Duration::from_secs(10))
        .await?
        .list_peers(ListPeersRequest {})
        .await
        .context("ListPeers failed")?
        .into_inner();
    let peers: Vec<_> = reply
        .peers
        .iter()
        .map(|p| {
            serde_json::json!({
                "address": p.address,
                "name": p.name,
                "kind": p.kind,
                "state": p.state,
                "since_seconds": p.since_seconds,
                "prefixes_received": p.prefixes_received,
            })
        })
        .collect();
    let out = serde_json::json!({"loc_rib_prefixes": reply.loc_rib_prefixes, "peers": peers});
    println!("{out}");
    Ok(())
}
