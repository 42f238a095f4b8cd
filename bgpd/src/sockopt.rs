//! Socket options the standard library does not offer: TCP MD5 signatures (RFC 2385,
//! `TCP_MD5SIG`), GTSM (RFC 5082: send with TTL 255, drop below a minimum TTL) and
//! classic BPF socket filters (`SO_ATTACH_FILTER`).
//!
//! Both must be set before `connect()` / on the listening socket, so they work on raw
//! file descriptors of tokio sockets.
#![allow(unsafe_code)]

use std::io;
use std::net::IpAddr;
use std::os::fd::AsRawFd;

/// `TCP_MD5SIG_MAXKEYLEN` in linux/tcp.h.
const MAX_KEY_LEN: usize = 80;

/// `struct tcp_md5sig` from linux/tcp.h: the peer address as a `sockaddr_storage`, flags,
/// prefix length, key length, interface index, key.
#[repr(C)]
struct TcpMd5Sig {
    addr: libc::sockaddr_storage,
    flags: u8,
    prefixlen: u8,
    keylen: u16,
    ifindex: u32,
    key: [u8; MAX_KEY_LEN],
}

/// Install (or with an empty `key`, remove) the MD5 key for segments to and from `peer`.
/// On an IPv6 socket an IPv4 peer is keyed by its v4-mapped address, as the kernel sees it.
pub fn set_md5(fd: &impl AsRawFd, v6_socket: bool, peer: IpAddr, key: &[u8]) -> io::Result<()> {
    if key.len() > MAX_KEY_LEN {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "md5 key longer than 80 octets",
        ));
    }
    // SAFETY: sockaddr_storage and the rest of TcpMd5Sig are plain integers and arrays,
    // for which all-zero bytes are a valid value.
    let mut sig: TcpMd5Sig = unsafe { std::mem::zeroed() };
    write_sockaddr(&mut sig.addr, v6_socket, peer);
    sig.keylen = key.len() as u16; // at most 80, checked above
    sig.key[..key.len()].copy_from_slice(key);
    setsockopt(fd, libc::IPPROTO_TCP, libc::TCP_MD5SIG, &sig)
}

fn write_sockaddr(storage: &mut libc::sockaddr_storage, v6_socket: bool, peer: IpAddr) {
    let as_v6 = match peer {
        IpAddr::V4(a) if v6_socket => Some(a.to_ipv6_mapped()),
        IpAddr::V4(_) => None,
        IpAddr::V6(a) => Some(a),
    };
    match (as_v6, peer) {
        (Some(a6), _) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: 0,
                sin6_flowinfo: 0,
                sin6_addr: libc::in6_addr {
                    s6_addr: a6.octets(),
                },
                sin6_scope_id: 0,
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
            unsafe { std::ptr::write((storage as *mut libc::sockaddr_storage).cast(), sin6) };
        }
        (None, IpAddr::V4(a4)) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: 0,
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a4.octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
            unsafe { std::ptr::write((storage as *mut libc::sockaddr_storage).cast(), sin) };
        }
        (None, IpAddr::V6(_)) => {} // as_v6 is always Some for an IPv6 peer
    }
}

/// GTSM on an IPv4 or IPv6 socket: outgoing TTL / hop limit 255, and drop incoming
/// segments whose TTL is below `256 - hops` (RFC 5082 §3).
pub fn set_gtsm(fd: &impl AsRawFd, v6_socket: bool, hops: u8) -> io::Result<()> {
    let min: libc::c_int = 256 - libc::c_int::from(hops);
    let max: libc::c_int = 255;
    if v6_socket {
        setsockopt(fd, libc::IPPROTO_IPV6, libc::IPV6_UNICAST_HOPS, &max)?;
        setsockopt(fd, libc::IPPROTO_IPV6, libc::IPV6_MINHOPCOUNT, &min)?;
        // A dual-stack socket talking IPv4 uses the IPv4 options.
    }
    setsockopt(fd, libc::IPPROTO_IP, libc::IP_TTL, &max)?;
    setsockopt(fd, libc::IPPROTO_IP, libc::IP_MINTTL, &min)
}

/// Send with TTL 255 only (a listener serving GTSM peers; the per-peer minimum is set on
/// each accepted socket).
pub fn set_ttl_255(fd: &impl AsRawFd, v6_socket: bool) -> io::Result<()> {
    let max: libc::c_int = 255;
    if v6_socket {
        setsockopt(fd, libc::IPPROTO_IPV6, libc::IPV6_UNICAST_HOPS, &max)?;
    }
    setsockopt(fd, libc::IPPROTO_IP, libc::IP_TTL, &max)
}

/// Attach a classic BPF program that the kernel runs on every message queued to the
/// socket: a message it returns 0 for is dropped before it is copied to us.
pub(crate) fn attach_filter(fd: &impl AsRawFd, program: &[libc::sock_filter]) -> io::Result<()> {
    let len = u16::try_from(program.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "BPF program too long"))?;
    let prog = libc::sock_fprog {
        len,
        // The kernel copies the program during the call and never writes through it.
        filter: program.as_ptr().cast_mut(),
    };
    setsockopt(fd, libc::SOL_SOCKET, libc::SO_ATTACH_FILTER, &prog)
}

/// Ask for a receive buffer of `bytes`: `SO_RCVBUFFORCE` (CAP_NET_ADMIN) may exceed
/// `net.core.rmem_max`; without the capability `SO_RCVBUF` gets what that allows.
pub(crate) fn set_receive_buffer(fd: &impl AsRawFd, bytes: libc::c_int) -> io::Result<()> {
    setsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, &bytes)
        .or_else(|_| setsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, &bytes))
}

fn setsockopt<T>(
    fd: &impl AsRawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: &T,
) -> io::Result<()> {
    let len = libc::socklen_t::try_from(std::mem::size_of::<T>())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "option too large"))?;
    // SAFETY: `value` points to a live, initialised T of `len` bytes for the duration of
    // the call, and the kernel only reads it; the fd is open (borrowed from its owner).
    let rc =
        unsafe { libc::setsockopt(fd.as_raw_fd(), level, name, (value as *const T).cast(), len) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
