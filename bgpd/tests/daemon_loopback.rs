//! Two in-process daemons on loopback addresses: sessions come up, originated prefixes
//! reach the other side's FIB, and a reload changes only what it must.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use bgpd::config::{Config, parse};
use bgpd::daemon::{ControlMsg, FibMode, Options, Status, run_with};
use bgpd::fsm::State;
use bgpd::rib::FibDelta;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};

/// One side's identity: (router id, AS, listen address, port).
type Side<'a> = (&'a str, u32, &'a str, u16);

struct Speaker {
    status: watch::Receiver<Status>,
    fib: mpsc::UnboundedReceiver<FibDelta>,
    control: mpsc::Sender<ControlMsg>,
    _stop: oneshot::Sender<()>,
}

fn config(me: Side<'_>, peer: Side<'_>, extra: &str) -> Config {
    let (id, asn, listen, port) = me;
    let (_, peer_as, peer_addr, peer_port) = peer;
    parse(&format!(
        "router_id = \"{id}\"\nasn = {asn}\nlisten_address = \"{listen}\"\nlisten_port = {port}\n{extra}\
         [[peers]]\nname = \"p\"\naddress = \"{peer_addr}\"\nport = {peer_port}\nremote_as = {peer_as}\n\
         hold_time = 9\nconnect_retry_time = 1\n"
    ))
    .unwrap()
}

async fn start(config: Config, listener: TcpListener) -> Speaker {
    let (fib_tx, fib) = mpsc::unbounded_channel();
    let (status_tx, status) = watch::channel(Status::default());
    let (control, control_rx) = mpsc::channel(4);
    let (stop, stop_rx) = oneshot::channel::<()>();
    let opts = Options {
        fib: FibMode::Channel(fib_tx),
        control: Some(control_rx),
        status: Some(status_tx),
    };
    tokio::spawn(async move {
        run_with(
            config,
            listener,
            async {
                let _ = stop_rx.await;
            },
            opts,
        )
        .await
        .unwrap();
    });
    Speaker {
        status,
        fib,
        control,
        _stop: stop,
    }
}

async fn wait_state(s: &mut Speaker, want: State) {
    tokio::time::timeout(
        Duration::from_secs(60),
        s.status
            .wait_for(|st| st.peers.values().all(|p| p.state == want) && !st.peers.is_empty()),
    )
    .await
    .expect("state reached in time")
    .unwrap();
}

async fn next_fib(s: &mut Speaker) -> FibDelta {
    tokio::time::timeout(Duration::from_secs(60), s.fib.recv())
        .await
        .expect("fib delta in time")
        .unwrap()
}

#[tokio::test]
async fn two_daemons_establish_exchange_routes_and_reload_without_reset() {
    let la = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let lb = TcpListener::bind("127.0.0.2:0").await.unwrap();
    let (pa, pb) = (
        la.local_addr().unwrap().port(),
        lb.local_addr().unwrap().port(),
    );
    let orig = "[[originate]]\nprefix = \"10.65.1.0/26\"\n";
    let side_a = ("10.0.0.1", 65001, "127.0.0.1", pa);
    let side_b = ("10.0.0.2", 65002, "127.0.0.2", pb);
    let ca = config(side_a, side_b, orig);
    let cb = config(side_b, side_a, "");
    let mut a = start(ca.clone(), la).await;
    let mut b = start(cb, lb).await;
    wait_state(&mut a, State::Established).await;
    wait_state(&mut b, State::Established).await;
    assert_eq!(
        next_fib(&mut b).await,
        FibDelta::Add {
            prefix: "10.65.1.0/26".parse().unwrap(),
            next_hops: vec!["127.0.0.1".parse().unwrap()]
        }
    );

    // Reload A with one more originated prefix: the session stays, the route arrives.
    let since = a.status.borrow().peers.values().next().unwrap().since;
    let more = format!("{orig}[[originate]]\nprefix = \"10.65.2.0/26\"\n");
    let ca2 = config(side_a, side_b, &more);
    a.control
        .send(ControlMsg::Reload(Box::new(ca2)))
        .await
        .unwrap();
    assert_eq!(
        next_fib(&mut b).await,
        FibDelta::Add {
            prefix: "10.65.2.0/26".parse().unwrap(),
            next_hops: vec!["127.0.0.1".parse().unwrap()]
        }
    );
    let peer = a.status.borrow().peers.values().next().unwrap().clone();
    assert_eq!(
        (peer.state, peer.since),
        (State::Established, since),
        "session kept across reload"
    );

    // Reload back to one prefix: the other is withdrawn.
    a.control
        .send(ControlMsg::Reload(Box::new(ca)))
        .await
        .unwrap();
    assert_eq!(
        next_fib(&mut b).await,
        FibDelta::Remove {
            prefix: "10.65.2.0/26".parse().unwrap()
        }
    );
}

#[tokio::test]
async fn two_daemons_exchange_ipv6_prefixes_over_an_ipv6_session() {
    let la = TcpListener::bind("[::1]:0").await.unwrap();
    let lb = TcpListener::bind("[::1]:0").await.unwrap();
    let (pa, pb) = (
        la.local_addr().unwrap().port(),
        lb.local_addr().unwrap().port(),
    );
    // Both listen on ::1: each has one peer, so the source address still names it.
    let side_a = ("10.0.0.1", 65001, "::1", pa);
    let side_b = ("10.0.0.2", 65002, "::1", pb);
    let ca = config(
        side_a,
        side_b,
        "[[originate]]\nprefix = \"fd00:65:1::/64\"\n",
    );
    let cb = config(side_b, side_a, "");
    let mut a = start(ca, la).await;
    let mut b = start(cb, lb).await;
    wait_state(&mut a, State::Established).await;
    wait_state(&mut b, State::Established).await;
    assert_eq!(
        next_fib(&mut b).await,
        FibDelta::Add {
            prefix: "fd00:65:1::/64".parse().unwrap(),
            next_hops: vec!["::1".parse().unwrap()]
        }
    );
}
