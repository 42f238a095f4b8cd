//! The management API over a real unix socket: peers with state and counts, RIB
//! queries by prefix and peer, reload from the file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::speaker::speaker;
use std::path::PathBuf;
use std::time::Duration;

use bgpd_api::pb::{GetRoutesRequest, ListPeersRequest, ReloadRequest};
use tokio::net::TcpListener;

fn text(asn: u32, port: u16, peer: &str, peer_port: u16, peer_as: u32, originate: &str) -> String {
    let listen = if peer == "127.0.0.2" {
        "127.0.0.1"
    } else {
        "127.0.0.2"
    };
    let id = format!("10.0.{}.{}", asn / 256, asn % 256);
    format!(
        "router_id = \"{id}\"\nasn = {asn}\nlisten_address = \"{listen}\"\nlisten_port = {port}\n{originate}\
         [[peers]]\nname = \"p\"\naddress = \"{peer}\"\nport = {peer_port}\nremote_as = {peer_as}\n\
         hold_time = 9\nconnect_retry_time = 1\nkind = \"mesh\"\n"
    )
}

async fn client(sock: PathBuf) -> bgpd_api::client::Client {
    bgpd_api::client::connect(&sock, Duration::from_secs(10))
        .await
        .unwrap()
}

/// Poll `f` until it returns Some, for at most 60 s.
async fn poll<T, F: std::future::Future<Output = Option<T>>>(mut f: impl FnMut() -> F) -> T {
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            if let Some(v) = f().await {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("condition reached in time")
}

#[tokio::test]
async fn api_lists_peers_queries_routes_and_reloads() {
    let dir = tempfile::tempdir().unwrap();
    let la = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let lb = TcpListener::bind("127.0.0.2:0").await.unwrap();
    let (pa, pb) = (
        la.local_addr().unwrap().port(),
        lb.local_addr().unwrap().port(),
    );
    let (fa, fb) = (dir.path().join("a.toml"), dir.path().join("b.toml"));
    let orig = "[[originate]]\nprefix = \"10.65.1.0/26\"\n";
    std::fs::write(&fa, text(65001, pa, "127.0.0.2", pb, 65002, "")).unwrap();
    std::fs::write(&fb, text(65002, pb, "127.0.0.1", pa, 65001, orig)).unwrap();
    let sock = dir.path().join("bgpd.sock");
    speaker(&fa, la, Some(sock.clone()));
    speaker(&fb, lb, None);
    let sock2 = sock.clone();
    let mut api = poll(|| {
        let s = sock2.clone();
        async move {
            if s.exists() {
                Some(client(s).await)
            } else {
                None
            }
        }
    })
    .await;

    let peers = poll(|| {
        let mut api = api.clone();
        async move {
            let r = api.list_peers(ListPeersRequest {}).await.ok()?.into_inner();
            (r.peers.first()?.state == "Established" && r.loc_rib_prefixes == 1).then_some(r)
        }
    })
    .await;
    let p = &peers.peers[0];
    assert_eq!(
        (p.address.as_str(), p.kind.as_str(), p.prefixes_received),
        ("127.0.0.2", "node-to-node mesh", 1)
    );

    let routes = api
        .get_routes(GetRoutesRequest {
            prefix: "10.65.1.0/26".into(),
            peer: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .routes;
    assert_eq!(routes.len(), 1);
    assert_eq!(
        (
            routes[0].next_hop.as_str(),
            routes[0].as_path.clone(),
            routes[0].best
        ),
        ("127.0.0.2", vec![65002], true)
    );
    let none = api
        .get_routes(GetRoutesRequest {
            prefix: String::new(),
            peer: "127.0.0.9".into(),
        })
        .await
        .unwrap();
    assert!(
        none.into_inner().routes.is_empty(),
        "no paths from an unknown peer"
    );
    let bad = api
        .get_routes(GetRoutesRequest {
            prefix: "nope".into(),
            peer: String::new(),
        })
        .await;
    assert_eq!(bad.unwrap_err().code(), tonic::Code::InvalidArgument);

    // Reload from the file: A now originates a prefix of its own; the session stays.
    std::fs::write(
        &fa,
        text(
            65001,
            pa,
            "127.0.0.2",
            pb,
            65002,
            "[[originate]]\nprefix = \"10.65.9.0/26\"\n",
        ),
    )
    .unwrap();
    api.reload(ReloadRequest {}).await.unwrap();
    poll(|| {
        let mut api = api.clone();
        async move {
            let r = api
                .get_routes(GetRoutesRequest {
                    prefix: "10.65.9.0/26".into(),
                    peer: String::new(),
                })
                .await
                .ok()?;
            r.into_inner()
                .routes
                .first()
                .filter(|r| r.peer == "local")
                .map(|_| ())
        }
    })
    .await;
    // A broken file is refused and names the field.
    std::fs::write(&fa, "router_id = \"x\"\nasn = 1\n").unwrap();
    let err = api.reload(ReloadRequest {}).await.unwrap_err();
    assert!(err.message().contains("router_id"), "{}", err.message());
}
