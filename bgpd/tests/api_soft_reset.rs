//! The management API's session detail and SoftReset between two in-process speakers on
//! loopback: negotiated capabilities, uptime, prefix counts and counters; inbound soft
//! reset by ROUTE-REFRESH and outbound soft reset keep the session; a reload that only
//! changes an import filter applies it without a new session; the peer's NOTIFICATION
//! becomes the last error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bgpd::daemon::ControlMsg;
use common::speaker::speaker;
use std::time::Duration;

use bgpd_api::pb::bgpd_client::BgpdClient;
use bgpd_api::pb::{ListPeersRequest, Peer, ReloadRequest, SoftResetDirection, SoftResetRequest};
use tokio::net::TcpListener;
use tonic::transport::Channel;

const A_FILE_TAIL: &str = "[[peers]]\nname = \"b\"\naddress = \"127.0.0.2\"\nremote_as = 65002\n\
    hold_time = 9\nconnect_retry_time = 1\n";

fn a_config(port: u16, peer_port: u16, import: &str) -> String {
    format!(
        "router_id = \"10.0.0.1\"\nasn = 65001\nlisten_address = \"127.0.0.1\"\nlisten_port = {port}\n\
         [[originate]]\nprefix = \"10.65.1.0/26\"\n{A_FILE_TAIL}port = {peer_port}\n{import}"
    )
}

fn b_config(port: u16, peer_port: u16, with_peer: bool) -> String {
    // B only listens, so the one session is A's and no collision races the checks.
    let mut s = format!(
        "router_id = \"10.0.0.2\"\nasn = 65002\nlisten_address = \"127.0.0.2\"\nlisten_port = {port}\n\
         [[originate]]\nprefix = \"10.66.1.0/24\"\n[[originate]]\nprefix = \"10.66.2.0/24\"\n"
    );
    if with_peer {
        s.push_str(&format!(
            "[[peers]]\nname = \"a\"\naddress = \"127.0.0.1\"\nport = {peer_port}\nremote_as = 65001\n\
             hold_time = 9\nconnect_retry_time = 1\npassive = true\n"
        ));
    }
    s
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

async fn peer_b(api: &BgpdClient<Channel>) -> Option<Peer> {
    let r = api.clone().list_peers(ListPeersRequest {}).await.ok()?;
    r.into_inner().peers.into_iter().next()
}

/// Waits until B's entry satisfies `ok` and returns it.
async fn wait_peer(api: &BgpdClient<Channel>, ok: impl Fn(&Peer) -> bool) -> Peer {
    poll(|| async { peer_b(api).await.filter(|p| ok(p)) }).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_detail_soft_resets_and_filter_reloads_keep_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let la = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let lb = TcpListener::bind("127.0.0.2:0").await.unwrap();
    let (pa, pb) = (
        la.local_addr().unwrap().port(),
        lb.local_addr().unwrap().port(),
    );
    let (fa, fb) = (dir.path().join("a.toml"), dir.path().join("b.toml"));
    std::fs::write(&fa, a_config(pa, pb, "")).unwrap();
    std::fs::write(&fb, b_config(pb, pa, true)).unwrap();
    let sock = dir.path().join("a.sock");
    speaker(&fa, la, Some(sock.clone()));
    let b_ctl = speaker(&fb, lb, None);
    let api = poll(|| {
        let sock = sock.clone();
        async move {
            bgpd_api::client::connect(&sock, Duration::from_secs(5))
                .await
                .ok()
        }
    })
    .await;

    let up = wait_peer(&api, |p| {
        p.state == "Established" && p.prefixes_accepted == 2 && p.prefixes_advertised == 1
    })
    .await;
    assert_eq!(
        up.capabilities,
        [
            "4-octet AS",
            "MP IPv4 unicast",
            "MP IPv6 unicast",
            "route refresh",
            "graceful restart (120 s)"
        ],
        "{up:?}"
    );
    assert_eq!(
        (up.router_id.as_str(), up.hold_time, up.keepalive),
        ("10.0.0.2", 9, 3)
    );
    assert_eq!((up.prefixes_received, up.flaps), (2, 0));
    assert!(up.updates_received >= 1 && up.updates_sent >= 1, "{up:?}");
    assert!(up.last_error.is_none(), "{up:?}");

    // Inbound: B supports route refresh, so it is asked and sends its table again.
    let mut client = api.clone();
    let done = client
        .soft_reset(SoftResetRequest {
            peer: "127.0.0.2".into(),
            direction: SoftResetDirection::In.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(done.route_refresh_sent, "{done:?}");
    let refreshed = wait_peer(&api, |p| p.updates_received > up.updates_received).await;
    assert_eq!(refreshed.flaps, 0);

    // Outbound: our one prefix is announced again.
    let done = client
        .soft_reset(SoftResetRequest {
            peer: "127.0.0.2".into(),
            direction: SoftResetDirection::Out.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((done.readvertised, done.route_refresh_sent), (1, false));
    wait_peer(&api, |p| p.updates_sent > refreshed.updates_sent).await;

    // A reload that only tightens the import filter applies to the stored routes.
    let import = "[peers.import]\ndefault = \"accept\"\n[[peers.import.rules]]\n\
                  prefix = \"10.66.2.0/24\"\naction = \"reject\"\n";
    std::fs::write(&fa, a_config(pa, pb, import)).unwrap();
    client.reload(ReloadRequest {}).await.unwrap();
    let filtered = wait_peer(&api, |p| p.prefixes_accepted == 1).await;
    assert_eq!(
        (
            filtered.state.as_str(),
            filtered.prefixes_received,
            filtered.flaps
        ),
        ("Established", 2, 0),
        "{filtered:?}"
    );
    assert!(filtered.uptime_seconds >= up.uptime_seconds, "{filtered:?}");

    // Refusals: unknown peer, bad address.
    let unknown = client
        .soft_reset(SoftResetRequest {
            peer: "127.0.0.9".into(),
            direction: SoftResetDirection::Both.into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), tonic::Code::NotFound, "{unknown:?}");
    let bad = client
        .soft_reset(SoftResetRequest {
            peer: "nope".into(),
            direction: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), tonic::Code::InvalidArgument);

    // B drops A from its configuration: Cease / Peer De-configured is A's last error,
    // and a soft reset of the now idle session is refused.
    let b_new = bgpd::config::parse(&b_config(pb, pa, false)).unwrap();
    b_ctl
        .send(ControlMsg::Reload(Box::new(b_new)))
        .await
        .unwrap();
    let down = wait_peer(&api, |p| {
        p.flaps == 1
            && p.last_error
                .as_ref()
                .is_some_and(|e| e.kind == "notification received")
    })
    .await;
    let e = down.last_error.clone().unwrap();
    assert_eq!(e.text, "Cease / Peer De-configured (6/3)");
    assert!(
        down.capabilities.is_empty() && down.uptime_seconds == 0,
        "{down:?}"
    );
    let idle = client
        .soft_reset(SoftResetRequest {
            peer: "127.0.0.2".into(),
            direction: SoftResetDirection::In.into(),
        })
        .await
        .unwrap_err();
    assert_eq!(idle.code(), tonic::Code::FailedPrecondition, "{idle:?}");
}
