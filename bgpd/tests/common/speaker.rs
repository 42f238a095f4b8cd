//! A bgpd speaker in the test process: the daemon core on a pre-bound
//! listener, no FIB, optionally its management API on a unix socket.

use std::path::{Path, PathBuf};

use bgpd::api::{ApiService, serve};
use bgpd::daemon::{ControlMsg, FibMode, Options, Status, run_with};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

/// Starts the speaker configured by `file` on the current runtime; its API
/// on `api` if given. Returns its control channel.
pub fn speaker(
    file: &Path,
    listener: TcpListener,
    api: Option<PathBuf>,
) -> mpsc::Sender<ControlMsg> {
    let config = bgpd::config::load(file).unwrap();
    let (ctl_tx, ctl_rx) = mpsc::channel(4);
    let (status_tx, status_rx) = watch::channel(Status::default());
    if let Some(sock) = api {
        let service = ApiService::new(status_rx, ctl_tx.clone(), file.to_path_buf());
        tokio::spawn(async move { serve(&sock, service, std::future::pending()).await.unwrap() });
    }
    let opts = Options {
        fib: FibMode::Off,
        control: Some(ctl_rx),
        status: Some(status_tx),
    };
    tokio::spawn(async move {
        run_with(config, listener, std::future::pending(), opts)
            .await
            .unwrap()
    });
    ctl_tx
}
