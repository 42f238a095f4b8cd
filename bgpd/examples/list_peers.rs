//! Prints bgpd's peers as JSON, read over its management API:
//! `list_peers <api-socket>`. The lab tests (integration/tests/cluster.rs)
//! use it to read session state and time in state without linking bgpd.
//!
//! Output: `{"loc_rib_prefixes": N, "peers": [{"address", "name", "kind",
//! "state", "since_seconds", "prefixes_received"}]}`.

use anyhow::Context;
use bgpd::api::pb::ListPeersRequest;
use bgpd::api::pb::bgpd_client::BgpdClient;
use hyper_util::rt::TokioIo;
use tokio::net::UnixStream;
use tonic::transport::{Endpoint, Uri};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let sock = std::env::args()
        .nth(1)
        .context("usage: list_peers <api-socket>")?;
    let path = sock.clone();
    // The URI is required by tonic but unused: the connector dials the socket.
    let channel = Endpoint::try_from("http://[::]:50051")?
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let path = path.clone();
            async move { Ok::<_, std::io::Error>(TokioIo::new(UnixStream::connect(path).await?)) }
        }))
        .await
        .with_context(|| format!("failed to connect to {sock}"))?;
    let reply = BgpdClient::new(channel)
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
