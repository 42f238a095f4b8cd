//! Turns a topology into an ordered list of kernel steps, and each step into
//! an `ip`/`sysctl` command line. Pure: no I/O here.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};

use super::spec::{
    Container, Endpoint, Link, Node, NodeKind, Route, RouteDst, RouteScope, Topology,
};

/// The gateway address every Calico-style container routes through; the
/// host answers ARP for it by proxy ARP.
pub const CALICO_GATEWAY: Ipv4Addr = Ipv4Addr::new(169, 254, 1, 1);

/// One change to the kernel, in terms of node roles (not namespace names).
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Create a veth pair with each end inside its node.
    Veth {
        a: (String, String),
        b: (String, String),
    },
    /// Add an address to an interface.
    Addr {
        node: String,
        iface: String,
        addr: IpNet,
    },
    /// Bring an interface up.
    Up { node: String, iface: String },
    /// Set a sysctl.
    Sysctl {
        node: String,
        key: String,
        value: String,
    },
    /// Add a route.
    Route { node: String, route: Route },
}

/// Replaces every container with a node, a link, routes and sysctls.
pub fn expand(t: &Topology) -> Topology {
    let mut out = Topology {
        containers: Vec::new(),
        ..t.clone()
    };
    for c in &t.containers {
        expand_container(&mut out, c);
    }
    out
}

/// Adds the Calico wiring of one container to `t`.
pub fn expand_container(t: &mut Topology, c: &Container) {
    let eth0 = "eth0";
    let gw = RouteDst::Net(IpNet::from(IpAddr::V4(CALICO_GATEWAY)));
    t.nodes.push(Node {
        name: c.name.clone(),
        kind: NodeKind::Container,
        sysctls: Default::default(),
        routes: vec![
            Route::dev(gw, eth0, Some(RouteScope::Link)),
            Route {
                dev: Some(eth0.to_owned()),
                ..Route::via(RouteDst::Default, IpAddr::V4(CALICO_GATEWAY))
            },
        ],
    });
    t.links.push(Link {
        a: Endpoint {
            node: c.name.clone(),
            iface: eth0.to_owned(),
            addr: Some(IpNet::V4(Ipv4Net::from(c.address))),
        },
        b: Endpoint {
            node: c.host.clone(),
            iface: c.host_iface.clone(),
            addr: None,
        },
    });
    if let Some(host) = t.nodes.iter_mut().find(|n| n.name == c.host) {
        host.sysctls
            .insert("net.ipv4.ip_forward".into(), "1".into());
        host.sysctls.insert(
            format!("net.ipv4.conf.{}.proxy_arp", c.host_iface),
            "1".into(),
        );
        // Answer ARP at once instead of after the default 0.8 s delay.
        host.sysctls.insert(
            format!("net.ipv4.neigh.{}.proxy_delay", c.host_iface),
            "0".into(),
        );
        let dst = RouteDst::Net(IpNet::V4(Ipv4Net::from(c.address)));
        host.routes
            .push(Route::dev(dst, &c.host_iface, Some(RouteScope::Link)));
    }
}

/// The steps that build an expanded topology, in a working order: links,
/// addresses, links up, sysctls, then routes.
pub fn steps(t: &Topology) -> Vec<Step> {
    let mut s = Vec::new();
    let ends = || t.links.iter().flat_map(|l| [&l.a, &l.b]);
    for l in &t.links {
        s.push(Step::Veth {
            a: (l.a.node.clone(), l.a.iface.clone()),
            b: (l.b.node.clone(), l.b.iface.clone()),
        });
    }
    for e in ends() {
        if let Some(addr) = e.addr {
            s.push(Step::Addr {
                node: e.node.clone(),
                iface: e.iface.clone(),
                addr,
            });
        }
    }
    s.extend(ends().map(|e| Step::Up {
        node: e.node.clone(),
        iface: e.iface.clone(),
    }));
    for n in &t.nodes {
        let mut sysctls = n.sysctls.clone();
        if n.kind == NodeKind::Router {
            sysctls
                .entry("net.ipv4.ip_forward".into())
                .or_insert_with(|| "1".into());
        }
        s.extend(sysctls.into_iter().map(|(key, value)| Step::Sysctl {
            node: n.name.clone(),
            key,
            value,
        }));
    }
    for n in &t.nodes {
        s.extend(n.routes.iter().map(|r| Step::Route {
            node: n.name.clone(),
            route: r.clone(),
        }));
    }
    s
}

/// The command line for a step; `ns` maps a node role to its namespace.
pub fn argv(step: &Step, ns: impl Fn(&str) -> String) -> Vec<String> {
    let v = |parts: &[&str]| parts.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>();
    match step {
        Step::Veth { a, b } => {
            // `name` keeps iface names like `a` from reading as keywords.
            v(&[
                "ip",
                "link",
                "add",
                "name",
                &a.1,
                "netns",
                &ns(&a.0),
                "type",
                "veth",
                "peer",
                "name",
                &b.1,
                "netns",
                &ns(&b.0),
            ])
        }
        Step::Addr { node, iface, addr } => v(&[
            "ip",
            "-n",
            &ns(node),
            "addr",
            "add",
            &addr.to_string(),
            "dev",
            iface,
        ]),
        Step::Up { node, iface } => v(&["ip", "-n", &ns(node), "link", "set", "dev", iface, "up"]),
        Step::Sysctl { node, key, value } => v(&[
            "ip",
            "netns",
            "exec",
            &ns(node),
            "sysctl",
            "-q",
            "-w",
            &format!("{key}={value}"),
        ]),
        Step::Route { node, route } => route_argv(&ns(node), route),
    }
}

fn route_argv(ns: &str, r: &Route) -> Vec<String> {
    let mut a: Vec<String> = ["ip", "-n", ns, "route", "add"].map(str::to_owned).into();
    if r.blackhole {
        a.push("blackhole".into());
    }
    a.push(r.dst.to_string());
    if let Some(via) = r.via {
        a.extend(["via".into(), via.to_string()]);
    }
    if let Some(dev) = &r.dev {
        a.extend(["dev".into(), dev.clone()]);
    }
    if let Some(scope) = r.scope {
        a.extend(["scope".into(), scope.as_str().into()]);
    }
    a
}
