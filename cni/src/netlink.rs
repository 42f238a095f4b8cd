//! Thin rtnetlink helpers: each does one kernel request and turns failures into
//! `std::io::Error`s that say what was being done.

use futures::TryStreamExt;
use rtnetlink::packet_route::address::{AddressAttribute, AddressFlags};
use rtnetlink::packet_route::link::{InfoData, InfoVeth, LinkAttribute, LinkFlags, LinkMessage};
use rtnetlink::packet_route::route::{RouteAttribute, RouteMessage, RouteProtocol};
use rtnetlink::{Handle, LinkMessageBuilder, LinkUnspec, LinkVeth, RouteMessageBuilder};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::RawFd;

/// The route protocol number of routes the plugin installs (`ip route ... proto 87`): next to
/// felix's 86 and away from the numbers iproute2 names, Calico's 80, BIRD's 12 and zebra's.
pub const CNI_ROUTE_PROTOCOL: u8 = 87;

const ENODEV: i32 = 19;

/// Wraps a netlink error with what was being done.
fn fail(what: String) -> impl FnOnce(rtnetlink::Error) -> io::Error {
    move |err| {
        let kind = match &err {
            rtnetlink::Error::NetlinkError(msg) => msg.to_io().kind(),
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, format!("{what}: {err}"))
    }
}

fn errno(err: &rtnetlink::Error) -> i32 {
    match err {
        rtnetlink::Error::NetlinkError(msg) => msg.raw_code().abs(),
        _ => 0,
    }
}

/// Opens a netlink socket in the calling thread's namespace, served by a task on the current
/// runtime.
pub fn connect() -> io::Result<Handle> {
    let (connection, handle, _) = rtnetlink::new_connection()?;
    tokio::spawn(connection);
    Ok(handle)
}

/// The link called `name`, if any.
pub async fn link_by_name(h: &Handle, name: &str) -> io::Result<Option<LinkMessage>> {
    let mut links = h.link().get().match_name(name.to_owned()).execute();
    match links.try_next().await {
        Ok(link) => Ok(link),
        Err(err) if errno(&err) == ENODEV => Ok(None),
        Err(err) => Err(fail(format!("looking up link {name}"))(err)),
    }
}

/// The link's hardware address.
pub fn mac_of(link: &LinkMessage) -> Option<&[u8]> {
    link.attributes.iter().find_map(|a| match a {
        LinkAttribute::Address(mac) => Some(mac.as_slice()),
        _ => None,
    })
}

/// Whether the link is administratively up.
pub fn is_up(link: &LinkMessage) -> bool {
    link.header.flags.contains(LinkFlags::Up)
}

/// Creates a veth pair: `host` here with `host_mac`, `peer` directly inside the namespace
/// open as `peer_netns` (so no temporary name is ever visible on the host).
pub async fn create_veth(
    h: &Handle,
    host: &str,
    host_mac: &[u8],
    peer: &str,
    peer_netns: RawFd,
    mtu: u32,
) -> io::Result<()> {
    let peer_msg = LinkMessageBuilder::<LinkUnspec>::new()
        .name(peer.to_owned())
        .mtu(mtu)
        .setns_by_fd(peer_netns)
        .build();
    let message = LinkVeth::new(host, peer)
        .set_info_data(InfoData::Veth(InfoVeth::Peer(peer_msg)))
        .mtu(mtu)
        .address(host_mac.to_vec())
        .build();
    h.link().add(message).execute().await.map_err(fail(format!(
        "creating veth {host} (peer {peer} in the container)"
    )))
}

/// Sets a link up.
pub async fn set_up(h: &Handle, index: u32, name: &str) -> io::Result<()> {
    h.link()
        .set(LinkUnspec::new_with_index(index).up().build())
        .execute()
        .await
        .map_err(fail(format!("setting {name} up")))
}

/// Deletes the link called `name`; returns false when there was none.
pub async fn delete_link(h: &Handle, name: &str) -> io::Result<bool> {
    let Some(link) = link_by_name(h, name).await? else {
        return Ok(false);
    };
    match h.link().del(link.header.index).execute().await {
        Ok(()) => Ok(true),
        // Deleted meanwhile (e.g. the container's namespace went away): already gone.
        Err(err) if errno(&err) == ENODEV => Ok(false),
        Err(err) => Err(fail(format!("deleting link {name}"))(err)),
    }
}

/// Adds `ip` as a single address (/32 or /128) on the link; IPv6 without duplicate address
/// detection so it is usable at once.
pub async fn add_host_address(h: &Handle, index: u32, ip: IpAddr) -> io::Result<()> {
    let prefix = if ip.is_ipv4() { 32 } else { 128 };
    let mut request = h.address().add(index, ip, prefix).replace();
    if ip.is_ipv6() {
        request
            .message_mut()
            .attributes
            .push(AddressAttribute::Flags(AddressFlags::Nodad));
    }
    request
        .execute()
        .await
        .map_err(fail(format!("adding address {ip}/{prefix}")))
}

/// Addresses on the link.
pub async fn addresses(h: &Handle, index: u32) -> io::Result<Vec<IpAddr>> {
    let messages: Vec<_> = h
        .address()
        .get()
        .set_link_index_filter(index)
        .execute()
        .try_collect()
        .await
        .map_err(fail(format!("listing addresses of link {index}")))?;
    Ok(messages
        .iter()
        .filter(|m| m.header.index == index)
        .flat_map(|m| &m.attributes)
        .filter_map(|a| match a {
            AddressAttribute::Address(ip) => Some(*ip),
            _ => None,
        })
        .collect())
}

/// A route to a single address (or `0.0.0.0/0` / `::/0` with `default`) out of `index`,
/// optionally via `gateway`, tagged with [`CNI_ROUTE_PROTOCOL`].
pub fn route(
    dst: Option<IpAddr>,
    default_v6: bool,
    index: u32,
    gateway: Option<IpAddr>,
) -> RouteMessage {
    use rtnetlink::packet_route::route::RouteScope;
    let protocol = RouteProtocol::Other(CNI_ROUTE_PROTOCOL);
    match (dst, default_v6) {
        (Some(IpAddr::V4(d)), _) => {
            let b = RouteMessageBuilder::<Ipv4Addr>::new()
                .destination_prefix(d, 32)
                .output_interface(index)
                .protocol(protocol);
            match gateway {
                Some(IpAddr::V4(g)) => b.gateway(g).build(),
                _ => b.scope(RouteScope::Link).build(),
            }
        }
        (Some(IpAddr::V6(d)), _) => RouteMessageBuilder::<Ipv6Addr>::new()
            .destination_prefix(d, 128)
            .output_interface(index)
            .protocol(protocol)
            .build(),
        (None, false) => {
            let b = RouteMessageBuilder::<Ipv4Addr>::new()
                .output_interface(index)
                .protocol(protocol);
            match gateway {
                Some(IpAddr::V4(g)) => b.gateway(g).build(),
                _ => b.build(),
            }
        }
        (None, true) => {
            let b = RouteMessageBuilder::<Ipv6Addr>::new()
                .output_interface(index)
                .protocol(protocol);
            match gateway {
                Some(IpAddr::V6(g)) => b.gateway(g).build(),
                _ => b.build(),
            }
        }
    }
}

/// Adds (or replaces) a route.
pub async fn add_route(h: &Handle, message: RouteMessage, what: &str) -> io::Result<()> {
    h.route()
        .add(message)
        .replace()
        .execute()
        .await
        .map_err(fail(format!("adding route {what}")))
}

/// Main-table routes of one family whose output interface is `index`, as
/// (destination, prefix length, gateway).
pub async fn routes_via(
    h: &Handle,
    ipv6: bool,
    index: u32,
) -> io::Result<Vec<(Option<IpAddr>, u8, Option<IpAddr>)>> {
    let filter = if ipv6 {
        RouteMessageBuilder::<Ipv6Addr>::new().build()
    } else {
        RouteMessageBuilder::<Ipv4Addr>::new().build()
    };
    let messages: Vec<RouteMessage> = h
        .route()
        .get(filter)
        .execute()
        .try_collect()
        .await
        .map_err(fail("listing routes".to_owned()))?;
    let ip_of = |a: &rtnetlink::packet_route::route::RouteAddress| match a {
        rtnetlink::packet_route::route::RouteAddress::Inet(v4) => Some(IpAddr::V4(*v4)),
        rtnetlink::packet_route::route::RouteAddress::Inet6(v6) => Some(IpAddr::V6(*v6)),
        _ => None,
    };
    Ok(messages
        .iter()
        .filter(|m| {
            m.attributes
                .iter()
                .any(|a| matches!(a, RouteAttribute::Oif(i) if *i == index))
        })
        .map(|m| {
            let dst = m.attributes.iter().find_map(|a| match a {
                RouteAttribute::Destination(d) => ip_of(d),
                _ => None,
            });
            let gw = m.attributes.iter().find_map(|a| match a {
                RouteAttribute::Gateway(g) => ip_of(g),
                _ => None,
            });
            (dst, m.header.destination_prefix_length, gw)
        })
        .collect())
}
