//! Dialling a local bgpd's API over its unix socket, for netctl and confd.

use std::path::{Path, PathBuf};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint, Uri};

use crate::pb::bgpd_client::BgpdClient;

/// A connected client of the management API.
pub type Client = BgpdClient<Channel>;

/// Why a local bgpd could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum DialError {
    /// Nothing at the socket path: bgpd is not running (or runs without `--api-socket`).
    #[error("bgpd is not running on this host: no socket at {0}")]
    NoSocket(PathBuf),
    /// The path exists but nobody answers on it (a stale socket).
    #[error("bgpd is not running on this host: cannot connect to {path}: {source}")]
    Connect {
        /// The socket path.
        path: PathBuf,
        /// What the transport said.
        source: tonic::transport::Error,
    },
}

/// A client of the bgpd listening on `socket`; each request is bounded by `timeout`.
pub async fn connect(socket: &Path, timeout: Duration) -> Result<Client, DialError> {
    if !socket.exists() {
        return Err(DialError::NoSocket(socket.to_path_buf()));
    }
    let path = socket.to_path_buf();
    // tonic wants a URI; the connector ignores it and dials the socket.
    let channel = Endpoint::from_static("http://[::]:50051")
        .timeout(timeout)
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let path = path.clone();
            async move { Ok::<_, std::io::Error>(TokioIo::new(UnixStream::connect(path).await?)) }
        }))
        .await
        .map_err(|source| DialError::Connect {
            path: socket.to_path_buf(),
            source,
        })?;
    Ok(BgpdClient::new(channel))
}
