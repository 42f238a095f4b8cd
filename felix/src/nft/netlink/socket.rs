//! Sends an encoded batch to nf_tables in the current network namespace and
//! waits for every acknowledgement. The kernel applies the whole batch or
//! none of it.

use netlink_sys::{Socket, protocols::NETLINK_NETFILTER};
use terrace_netlink::socket::{self, AckError};

use super::encode::Batch;

/// Why a batch was not applied.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The socket could not be opened or used.
    #[error("nf_tables netlink socket: {0}")]
    Io(#[from] std::io::Error),
    /// The kernel refused a message (the batch was rolled back).
    #[error("nf_tables refused message {index} of the batch: {source}")]
    Refused {
        /// Position of the refused message in the batch.
        index: u32,
        /// The kernel's errno.
        source: std::io::Error,
    },
    /// The kernel's answer was not netlink.
    #[error("nf_tables sent a malformed answer")]
    Malformed,
}

/// A netlink socket to nf_tables.
#[derive(Debug)]
pub struct NfSocket {
    socket: Socket,
}

impl NfSocket {
    /// Opens a socket in the current network namespace.
    pub fn open() -> Result<Self, BatchError> {
        // Large element batches: let the kernel buffer all the answers.
        let socket = socket::open(NETLINK_NETFILTER, 4 << 20)?;
        Ok(Self { socket })
    }

    /// Opens a socket in the network namespace at `netns` (for example
    /// `/var/run/netns/<name>`), from a thread that enters it: the socket
    /// stays in that namespace, the calling thread stays in its own.
    pub fn open_in(netns: &std::path::Path) -> Result<Self, BatchError> {
        let file = std::fs::File::open(netns)?;
        let opened = std::thread::spawn(move || {
            nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET)
                .map_err(std::io::Error::from)?;
            Self::open()
        })
        .join();
        opened.unwrap_or_else(|_| {
            Err(BatchError::Io(std::io::Error::other(
                "namespace thread panicked",
            )))
        })
    }

    /// Sends `batch` and waits until every message is acknowledged; the
    /// first refusal is returned (the kernel then applied nothing).
    pub fn apply(&self, batch: &Batch) -> Result<(), BatchError> {
        // A batch is one message to the kernel and must fit the socket's
        // send buffer (212 KB by default); a first programming is larger.
        if batch.bytes.len() > 128 * 1024 {
            let size = batch.bytes.len() + 64 * 1024;
            nix::sys::socket::setsockopt(
                &self.socket,
                nix::sys::socket::sockopt::SndBufForce,
                &size,
            )
            .map_err(std::io::Error::from)?;
        }
        let mut refused = None;
        let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
        socket::send_acked(&self.socket, &batch.bytes, batch.acks, &mut buf, |ack| {
            if ack.error != 0 && refused.is_none() {
                refused = Some(BatchError::Refused {
                    index: ack.seq.wrapping_sub(batch.first_seq),
                    source: std::io::Error::from_raw_os_error(-ack.error),
                });
            }
        })
        .map_err(|e| match e {
            AckError::Io(e) => BatchError::Io(e),
            AckError::Malformed => BatchError::Malformed,
        })?;
        refused.map_or(Ok(()), Err)
    }
}
