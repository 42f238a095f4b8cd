//! The kernel side of an attachment, Calico's model:
//!
//! ```text
//!  container netns                      host netns
//!  eth0  10.65.0.4/32          veth     tr3f9a0c2b7d1  (no address, MAC ee:ee:ee:ee:ee:ee,
//!   169.254.1.1 dev eth0 scope link <──> proxy_arp=1, proxy_delay=0, forwarding=1)
//!   default via 169.254.1.1                10.65.0.4 dev tr3f9a0c2b7d1 scope link proto 87
//!   (v6: default via fe80::ecee:eeff:feee:eeee, the host veth's link-local address)
//! ```

use crate::abort::abort_point;
use crate::netlink::{self, connect};
use crate::netns;
use crate::result::{GATEWAY_V4, GATEWAY_V6, HOST_MAC, mac_string};
use std::io;
use std::net::IpAddr;
use std::os::fd::AsRawFd;
use std::path::PathBuf;

/// One attachment's interfaces and addresses.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Host-side veth name.
    pub host_veth: String,
    /// Container-side name (`CNI_IFNAME`).
    pub ifname: String,
    /// `CNI_NETNS`.
    pub netns: PathBuf,
    /// Assigned addresses.
    pub ips: Vec<IpAddr>,
    /// MTU of both ends.
    pub mtu: u32,
}

fn sysctl(path: &str, value: &str) -> io::Result<()> {
    std::fs::write(path, value)
        .map_err(|e| io::Error::new(e.kind(), format!("writing {path}: {e}")))
}

/// Host-side sysctls; `accept_dad` must be off before the link comes up.
fn host_sysctls(veth: &str, ipv6: bool) -> io::Result<()> {
    sysctl(&format!("/proc/sys/net/ipv4/conf/{veth}/proxy_arp"), "1")?;
    sysctl(&format!("/proc/sys/net/ipv4/neigh/{veth}/proxy_delay"), "0")?;
    sysctl(&format!("/proc/sys/net/ipv4/conf/{veth}/forwarding"), "1")?;
    if ipv6 {
        sysctl(&format!("/proc/sys/net/ipv6/conf/{veth}/accept_dad"), "0")?;
        sysctl(&format!("/proc/sys/net/ipv6/conf/{veth}/accept_ra"), "0")?;
        sysctl(&format!("/proc/sys/net/ipv6/conf/{veth}/proxy_ndp"), "1")?;
        sysctl(&format!("/proc/sys/net/ipv6/conf/{veth}/forwarding"), "1")?;
    }
    Ok(())
}

/// Creates and configures both ends; returns the container side's MAC. A veth left by an
/// earlier, interrupted ADD of the same attachment is replaced.
pub async fn setup(plan: &Plan) -> io::Result<String> {
    let h = connect()?;
    // A retried ADD after a crash: the old pair goes (deleting one end deletes the other).
    netlink::delete_link(&h, &plan.host_veth).await?;
    let ns = netns::open(&plan.netns).map_err(io::Error::other)?;
    netlink::create_veth(
        &h,
        &plan.host_veth,
        &HOST_MAC,
        &plan.ifname,
        ns.as_raw_fd(),
        plan.mtu,
    )
    .await?;
    abort_point("veth-created");
    let ipv6 = plan.ips.iter().any(IpAddr::is_ipv6);
    host_sysctls(&plan.host_veth, ipv6)?;
    let host = netlink::link_by_name(&h, &plan.host_veth)
        .await?
        .ok_or_else(|| {
            io::Error::other(format!("veth {} vanished after creation", plan.host_veth))
        })?;
    let host_index = host.header.index;
    netlink::set_up(&h, host_index, &plan.host_veth).await?;
    let (ifname, ips) = (plan.ifname.clone(), plan.ips.clone());
    let mac = netns::block_on_in(&plan.netns, move || configure_container(ifname, ips))
        .map_err(io::Error::other)??;
    abort_point("container-configured");
    for ip in &plan.ips {
        let route = netlink::route(Some(*ip), false, host_index, None);
        netlink::add_route(&h, route, &format!("{ip} dev {}", plan.host_veth)).await?;
    }
    Ok(mac)
}

/// Inside the container: addresses, the route to the gateway and the default route.
async fn configure_container(ifname: String, ips: Vec<IpAddr>) -> io::Result<String> {
    let h = connect()?;
    let link = netlink::link_by_name(&h, &ifname)
        .await?
        .ok_or_else(|| io::Error::other(format!("{ifname} is missing in the container")))?;
    let index = link.header.index;
    netlink::set_up(&h, index, &ifname).await?;
    for ip in &ips {
        netlink::add_host_address(&h, index, *ip).await?;
    }
    if ips.iter().any(IpAddr::is_ipv4) {
        let gw = IpAddr::V4(GATEWAY_V4);
        let on_link = netlink::route(Some(gw), false, index, None);
        netlink::add_route(&h, on_link, &format!("{gw} dev {ifname}")).await?;
        let default = netlink::route(None, false, index, Some(gw));
        netlink::add_route(&h, default, &format!("default via {gw}")).await?;
    }
    if ips.iter().any(IpAddr::is_ipv6) {
        let gw = IpAddr::V6(GATEWAY_V6);
        let default = netlink::route(None, true, index, Some(gw));
        netlink::add_route(&h, default, &format!("default via {gw}")).await?;
    }
    let mac = netlink::mac_of(&link).map(mac_string).unwrap_or_default();
    Ok(mac)
}

/// Deletes the host veth (and with it the container side); true if it existed.
pub async fn teardown(host_veth: &str) -> io::Result<bool> {
    let h = connect()?;
    netlink::delete_link(&h, host_veth).await
}

/// What CHECK found wrong (empty when all is as ADD left it).
pub async fn check(plan: &Plan) -> io::Result<Vec<String>> {
    let h = connect()?;
    let mut problems = Vec::new();
    let Some(host) = netlink::link_by_name(&h, &plan.host_veth).await? else {
        return Ok(vec![format!("host veth {} is missing", plan.host_veth)]);
    };
    if !netlink::is_up(&host) {
        problems.push(format!("host veth {} is down", plan.host_veth));
    }
    for ip in &plan.ips {
        let routes = netlink::routes_via(&h, ip.is_ipv6(), host.header.index).await?;
        let full = if ip.is_ipv4() { 32 } else { 128 };
        if !routes
            .iter()
            .any(|(d, len, _)| *d == Some(*ip) && *len == full)
        {
            problems.push(format!("host route {ip} dev {} is missing", plan.host_veth));
        }
    }
    let (ifname, ips) = (plan.ifname.clone(), plan.ips.clone());
    let inside = netns::block_on_in(&plan.netns, move || check_container(ifname, ips))
        .map_err(io::Error::other)??;
    problems.extend(inside);
    Ok(problems)
}

async fn check_container(ifname: String, ips: Vec<IpAddr>) -> io::Result<Vec<String>> {
    let h = connect()?;
    let Some(link) = netlink::link_by_name(&h, &ifname).await? else {
        return Ok(vec![format!("{ifname} is missing in the container")]);
    };
    let index = link.header.index;
    let mut problems = Vec::new();
    let present = netlink::addresses(&h, index).await?;
    for ip in &ips {
        if !present.contains(ip) {
            problems.push(format!("address {ip} is missing on {ifname}"));
        }
    }
    let families = [
        (false, IpAddr::V4(GATEWAY_V4)),
        (true, IpAddr::V6(GATEWAY_V6)),
    ];
    for (ipv6, gw) in families {
        if !ips.iter().any(|ip| ip.is_ipv6() == ipv6) {
            continue;
        }
        let routes = netlink::routes_via(&h, ipv6, index).await?;
        if !routes
            .iter()
            .any(|(d, len, g)| d.is_none() && *len == 0 && *g == Some(gw))
        {
            problems.push(format!("default route via {gw} dev {ifname} is missing"));
        }
    }
    Ok(problems)
}
