//! The gRPC service: status from the daemon's watch channel, RIB queries and reloads
//! through its control channel.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use tokio::net::UnixListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_stream::wrappers::UnixListenerStream;
use tonic::{Request, Response, Status as RpcStatus};

use crate::daemon::{
    ControlMsg, PeerDetail, PeerStatus, SoftResetDirection, SoftResetError, Status,
};
use bgpd_api::pb;

/// Why the API server stopped.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The socket could not be bound.
    #[error("failed to bind the api socket {path}")]
    Bind {
        /// Socket path.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The gRPC server failed.
    #[error("api server failed")]
    Serve(#[from] tonic::transport::Error),
}

/// The service state.
#[derive(Debug, Clone)]
pub struct ApiService {
    status: watch::Receiver<Status>,
    control: mpsc::Sender<ControlMsg>,
    config_path: PathBuf,
}

impl ApiService {
    /// A service reading `status`, sending requests on `control`, reloading `config_path`.
    pub fn new(
        status: watch::Receiver<Status>,
        control: mpsc::Sender<ControlMsg>,
        config_path: PathBuf,
    ) -> Self {
        ApiService {
            status,
            control,
            config_path,
        }
    }
}

/// Serve on a unix socket at `path` (a stale socket file is replaced) until `shutdown`.
pub async fn serve(
    path: &Path,
    service: ApiService,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), ApiError> {
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path).map_err(|source| ApiError::Bind {
        path: path.to_path_buf(),
        source,
    })?;
    tonic::transport::Server::builder()
        .add_service(pb::bgpd_server::BgpdServer::new(service))
        .serve_with_incoming_shutdown(UnixListenerStream::new(listener), shutdown)
        .await?;
    Ok(())
}

/// One peer as the API shows it.
fn peer(addr: IpAddr, p: &PeerStatus, d: PeerDetail) -> pb::Peer {
    let session = d.session.as_ref();
    pb::Peer {
        address: addr.to_string(),
        name: p.name.clone(),
        kind: p.kind.to_string(),
        state: format!("{:?}", p.state),
        since_seconds: p.since.elapsed().as_secs(),
        prefixes_received: p.received as u64,
        remote_as: d.remote_as,
        prefixes_accepted: d.accepted as u64,
        uptime_seconds: session.map_or(0, |s| s.established.elapsed().as_secs()),
        prefixes_advertised: d.advertised as u64,
        capabilities: session.map(|s| s.capabilities.clone()).unwrap_or_default(),
        last_error: d.last_error.map(|e| pb::PeerError {
            kind: e.error.kind().to_owned(),
            text: e.error.to_string(),
            seconds_ago: e.at.elapsed().as_secs(),
        }),
        router_id: session.map(|s| s.peer_id.to_string()).unwrap_or_default(),
        hold_time: session.map_or(0, |s| u32::from(s.hold_time)),
        keepalive: session.map_or(0, |s| u32::from(s.keepalive)),
        updates_received: d.counters.updates_in,
        updates_sent: d.counters.updates_out,
        flaps: d.counters.flaps,
    }
}

fn parse<T: std::str::FromStr>(field: &str, s: &str) -> Result<Option<T>, RpcStatus> {
    if s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|_| RpcStatus::invalid_argument(format!("{field}: {s:?} is not valid")))
}

#[tonic::async_trait]
impl pb::bgpd_server::Bgpd for ApiService {
    async fn list_peers(
        &self,
        _req: Request<pb::ListPeersRequest>,
    ) -> Result<Response<pb::ListPeersResponse>, RpcStatus> {
        let status = self.status.borrow().clone();
        let peers = status
            .peers
            .iter()
            .map(|(addr, p)| {
                let d = status.details.get(addr).cloned().unwrap_or_default();
                peer(*addr, p, d)
            })
            .collect();
        Ok(Response::new(pb::ListPeersResponse {
            peers,
            loc_rib_prefixes: status.loc_rib as u64,
        }))
    }

    async fn get_routes(
        &self,
        req: Request<pb::GetRoutesRequest>,
    ) -> Result<Response<pb::GetRoutesResponse>, RpcStatus> {
        let req = req.into_inner();
        let prefix = parse::<ipnet::IpNet>("prefix", &req.prefix)?;
        let peer = parse::<IpAddr>("peer", &req.peer)?;
        let (reply, answer) = oneshot::channel();
        self.control
            .send(ControlMsg::Routes {
                prefix,
                peer,
                reply,
            })
            .await
            .map_err(|_| RpcStatus::unavailable("bgpd is stopping"))?;
        let routes = answer
            .await
            .map_err(|_| RpcStatus::unavailable("bgpd is stopping"))?;
        let show = |a: IpAddr| {
            if a.is_unspecified() {
                String::new()
            } else {
                a.to_string()
            }
        };
        let routes = routes
            .into_iter()
            .map(|r| pb::Route {
                prefix: r.prefix.to_string(),
                peer: if r.peer.is_unspecified() {
                    "local".into()
                } else {
                    r.peer.to_string()
                },
                next_hop: show(r.next_hop),
                as_path: r.as_path,
                best: r.best,
            })
            .collect();
        Ok(Response::new(pb::GetRoutesResponse { routes }))
    }

    async fn reload(
        &self,
        _req: Request<pb::ReloadRequest>,
    ) -> Result<Response<pb::ReloadResponse>, RpcStatus> {
        let config = crate::config::load(&self.config_path)
            .map_err(|e| RpcStatus::invalid_argument(e.to_string()))?;
        self.control
            .send(ControlMsg::Reload(Box::new(config)))
            .await
            .map_err(|_| RpcStatus::unavailable("bgpd is stopping"))?;
        Ok(Response::new(pb::ReloadResponse {}))
    }

    async fn soft_reset(
        &self,
        req: Request<pb::SoftResetRequest>,
    ) -> Result<Response<pb::SoftResetResponse>, RpcStatus> {
        let req = req.into_inner();
        let peer = parse::<IpAddr>("peer", &req.peer)?
            .ok_or_else(|| RpcStatus::invalid_argument("peer: an address is required"))?;
        let direction = match pb::SoftResetDirection::try_from(req.direction) {
            Ok(pb::SoftResetDirection::Both) => SoftResetDirection::Both,
            Ok(pb::SoftResetDirection::In) => SoftResetDirection::In,
            Ok(pb::SoftResetDirection::Out) => SoftResetDirection::Out,
            Err(_) => {
                return Err(RpcStatus::invalid_argument(format!(
                    "direction: {} is not a soft reset direction",
                    req.direction
                )));
            }
        };
        let (reply, answer) = oneshot::channel();
        self.control
            .send(ControlMsg::SoftReset {
                peer,
                direction,
                reply,
            })
            .await
            .map_err(|_| RpcStatus::unavailable("bgpd is stopping"))?;
        let done = answer
            .await
            .map_err(|_| RpcStatus::unavailable("bgpd is stopping"))?
            .map_err(|e| match e {
                SoftResetError::UnknownPeer(_) => RpcStatus::not_found(e.to_string()),
                SoftResetError::NotEstablished(_) => RpcStatus::failed_precondition(e.to_string()),
            })?;
        Ok(Response::new(pb::SoftResetResponse {
            route_refresh_sent: done.route_refresh_sent,
            reimported: done.reimported as u64,
            readvertised: done.readvertised as u64,
        }))
    }
}
