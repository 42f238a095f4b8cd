//! Opening a netlink socket and sending a buffer of requests whose
//! acknowledgements are then read back: the loop nf_tables batches and
//! rtnetlink route batches share.

use netlink_sys::{Socket, SocketAddr};

use crate::msg::{Ack, parse_acks};

/// Why a buffer's acknowledgements could not all be read.
#[derive(Debug, thiserror::Error)]
pub enum AckError {
    /// Sending or receiving failed.
    #[error("netlink socket: {0}")]
    Io(#[from] std::io::Error),
    /// The kernel's answer was not well-formed netlink.
    #[error("malformed netlink answer")]
    Malformed,
}

/// A socket of `protocol` (`NETLINK_ROUTE`, `NETLINK_NETFILTER`, ...) in the
/// current network namespace, talking to the kernel, with a receive buffer of
/// `rx_buf` bytes so the answers to a large buffer of requests are not lost.
pub fn open(protocol: isize, rx_buf: usize) -> std::io::Result<Socket> {
    let mut socket = Socket::new(protocol)?;
    socket.bind_auto()?;
    socket.connect(&SocketAddr::new(0, 0))?;
    socket.set_rx_buf_sz(rx_buf)?;
    Ok(socket)
}

/// Sends `bytes`, in which `acks` messages asked for an acknowledgement, and
/// hands each acknowledgement (or error) to `on_ack` until all have arrived.
/// `buf` is the receive buffer, reused across calls; its capacity bounds one
/// read.
pub fn send_acked(
    socket: &Socket,
    bytes: &[u8],
    acks: u32,
    buf: &mut Vec<u8>,
    mut on_ack: impl FnMut(Ack),
) -> Result<(), AckError> {
    socket.send(bytes, 0)?;
    let mut answered = 0;
    while answered < acks {
        buf.clear();
        let n = socket.recv(buf, 0)?;
        for ack in parse_acks(&buf[..n]).ok_or(AckError::Malformed)? {
            answered += 1;
            on_ack(ack);
        }
    }
    Ok(())
}
