//! rtnetlink route helpers felix's and bgpd's route reconcilers share: the
//! dump of every route, reading a route message's destination, and the start
//! of a message for one of our routes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use futures::TryStreamExt;
use ipnet::IpNet;
use rtnetlink::packet_route::AddressFamily;
use rtnetlink::packet_route::route::{RouteAddress, RouteAttribute, RouteMessage, RouteProtocol};
use rtnetlink::{Handle, RouteMessageBuilder};

/// Every IPv4 and IPv6 route the kernel lists (all tables, all protocols);
/// callers keep the ones they own.
pub async fn dump(handle: &Handle) -> Result<Vec<RouteMessage>, rtnetlink::Error> {
    let mut out = Vec::new();
    let v4 = RouteMessageBuilder::<Ipv4Addr>::new().build();
    let v6 = RouteMessageBuilder::<Ipv6Addr>::new().build();
    for query in [v4, v6] {
        let msgs: Vec<RouteMessage> = handle.route().get(query).execute().try_collect().await?;
        out.extend(msgs);
    }
    Ok(out)
}

/// An IPv4 or IPv6 address attribute's address.
pub fn address(a: &RouteAddress) -> Option<IpAddr> {
    match a {
        RouteAddress::Inet(v4) => Some(IpAddr::V4(*v4)),
        RouteAddress::Inet6(v6) => Some(IpAddr::V6(*v6)),
        _ => None,
    }
}

/// The route's `RTA_DST` address; `None` when it has none (a default route).
pub fn destination(m: &RouteMessage) -> Option<IpAddr> {
    m.attributes.iter().rev().find_map(|a| match a {
        RouteAttribute::Destination(d) => address(d),
        _ => None,
    })
}

/// The route's destination prefix; a route without `RTA_DST` is its family's
/// default route.
pub fn prefix(m: &RouteMessage) -> Option<IpNet> {
    let dst = destination(m).unwrap_or(match m.header.address_family {
        AddressFamily::Inet6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        _ => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
    });
    IpNet::new(dst, m.header.destination_prefix_length).ok()
}

/// A message for the route to `prefix` of route protocol `protocol` (main
/// table), for the caller to add next hops, metric or type to.
pub fn builder(prefix: IpNet, protocol: u8) -> RouteMessageBuilder<IpAddr> {
    RouteMessageBuilder::<IpAddr>::new()
        .destination_prefix(prefix.addr(), prefix.prefix_len())
        // An IpNet's prefix length always fits its family.
        .unwrap_or_else(|_| RouteMessageBuilder::<IpAddr>::new())
        .protocol(RouteProtocol::Other(protocol))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_built_message_reads_back_as_its_prefix() {
        for text in ["10.65.0.0/26", "fd00:65::/122"] {
            let net: IpNet = text.parse().unwrap();
            let m = builder(net, 86).build();
            assert_eq!(prefix(&m), Some(net));
            assert_eq!(destination(&m), Some(net.addr()));
            assert_eq!(u8::from(m.header.protocol), 86);
        }
    }

    #[test]
    fn a_message_without_destination_is_the_default_route() {
        let mut m = builder("0.0.0.0/0".parse().unwrap(), 89).build();
        m.attributes
            .retain(|a| !matches!(a, RouteAttribute::Destination(_)));
        assert_eq!(destination(&m), None);
        assert_eq!(prefix(&m), Some("0.0.0.0/0".parse().unwrap()));
    }
}
