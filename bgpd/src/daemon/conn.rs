//! TCP connections of one neighbor: dialing with MD5/GTSM set before `connect()`,
//! preparing accepted sockets, and a reader task per connection that forwards bytes.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::mpsc;

use crate::config::PeerConfig;
use crate::sockopt;

/// Connection events for the neighbor task.
#[derive(Debug)]
pub enum ConnEvent {
    /// Bytes read on connection `id`.
    Bytes(u64, Vec<u8>),
    /// Connection `id` was closed by the peer or failed.
    Closed(u64),
    /// The dial attempt finished.
    Dialed(io::Result<TcpStream>),
}

/// A task handle that aborts the task when dropped (tasks are owned, never leaked);
/// `detach()` lets the task run to its own end (e.g. to send a last NOTIFICATION).
pub type AbortOnDrop = tokio_util::task::AbortOnDropHandle<()>;

/// One open TCP connection: the write half here, the read half in a reader task.
#[derive(Debug)]
pub struct Conn {
    /// Identifies the connection's events.
    pub id: u64,
    /// We dialed it (for collision resolution).
    pub outgoing: bool,
    /// Our address on it.
    pub local: IpAddr,
    writer: OwnedWriteHalf,
    _reader: AbortOnDrop,
}

impl Conn {
    /// Start reading `stream`, sending its bytes as events tagged with `id`.
    pub fn start(
        stream: TcpStream,
        id: u64,
        outgoing: bool,
        events: mpsc::Sender<ConnEvent>,
    ) -> io::Result<Conn> {
        stream.set_nodelay(true)?;
        let local = stream.local_addr()?.ip().to_canonical();
        let (mut rd, writer) = stream.into_split();
        let reader = tokio::spawn(async move {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match rd.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if events
                            .send(ConnEvent::Bytes(id, buf[..n].to_vec()))
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                }
            }
            let _ = events.send(ConnEvent::Closed(id)).await;
        });
        Ok(Conn {
            id,
            outgoing,
            local,
            writer,
            _reader: AbortOnDrop::new(reader),
        })
    }

    /// Write all of `bytes`.
    pub async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes).await
    }
}

/// Dial the peer in a task; the result arrives as [`ConnEvent::Dialed`].
/// `bind`: our source address (the listen address when it is a specific one).
pub fn dial(
    cfg: &PeerConfig,
    bind: Option<IpAddr>,
    events: mpsc::Sender<ConnEvent>,
) -> AbortOnDrop {
    let addr = SocketAddr::new(cfg.address, cfg.port);
    let password = cfg.password.clone();
    let ttl = cfg.ttl_security;
    // Give up well before the next retry so attempts never pile up.
    let timeout = Duration::from_secs(u64::from(cfg.connect_retry_time.max(1)));
    AbortOnDrop::new(tokio::spawn(async move {
        let result = async {
            let socket = if addr.is_ipv4() {
                TcpSocket::new_v4()?
            } else {
                TcpSocket::new_v6()?
            };
            if let Some(pw) = &password {
                sockopt::set_md5(&socket, addr.is_ipv6(), addr.ip(), pw.expose())?;
            }
            if let Some(ip) = bind.filter(|b| b.is_ipv4() == addr.is_ipv4()) {
                socket.bind(SocketAddr::new(ip, 0))?;
            }
            if let Some(hops) = ttl {
                sockopt::set_gtsm(&socket, addr.is_ipv6(), hops)?;
            }
            tokio::time::timeout(timeout, socket.connect(addr))
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))?
        }
        .await;
        let _ = events.send(ConnEvent::Dialed(result)).await;
    }))
}

/// Per-peer options on an accepted socket (GTSM minimum TTL; MD5 is already enforced by
/// the key on the listening socket).
pub fn prepare_accepted(stream: &TcpStream, cfg: &PeerConfig) -> io::Result<()> {
    if let Some(hops) = cfg.ttl_security {
        let v6 = stream.local_addr()?.is_ipv6();
        sockopt::set_gtsm(stream, v6, hops)?;
    }
    Ok(())
}
