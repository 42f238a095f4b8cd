//! Declaring a topology in Rust.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

use super::TopologyError;
use super::spec::{
    Container, Endpoint, Link, Node, NodeKind, Route, RouteDst, RouteScope, Topology,
};

/// Builds a [`Topology`]; parse errors in string arguments are collected and
/// reported by [`TopologyBuilder::build`].
#[derive(Debug, Default)]
pub struct TopologyBuilder {
    t: Topology,
    errors: Vec<String>,
}

impl TopologyBuilder {
    /// Sets the description (an ASCII drawing).
    pub fn description(mut self, text: &str) -> Self {
        text.clone_into(&mut self.t.description);
        self
    }

    /// Adds a node of `kind`.
    pub fn node(mut self, name: &str, kind: NodeKind) -> Self {
        let node = Node {
            name: name.to_owned(),
            kind,
            sysctls: Default::default(),
            routes: Vec::new(),
        };
        self.t.nodes.push(node);
        self
    }

    /// Adds a host node.
    pub fn host(self, name: &str) -> Self {
        self.node(name, NodeKind::Host)
    }

    /// Adds a router node (forwarding on).
    pub fn router(self, name: &str) -> Self {
        self.node(name, NodeKind::Router)
    }

    /// Links `a` = `(node, iface, addr)` to `b`; an empty addr means none.
    pub fn link(mut self, a: (&str, &str, &str), b: (&str, &str, &str)) -> Self {
        let a = self.endpoint(a);
        let b = self.endpoint(b);
        self.t.links.push(Link { a, b });
        self
    }

    /// Adds a route to `dst` (`default`, a prefix or an address) via `gw`.
    pub fn route_via(mut self, node: &str, dst: &str, gw: &str) -> Self {
        let dst = self.parse::<RouteDst>(dst, "route destination");
        let via = self.parse::<IpAddr>(gw, "gateway");
        if let (Some(dst), Some(via)) = (dst, via) {
            self.push_route(node, Route::via(dst, via));
        }
        self
    }

    /// Adds a route to `dst` out of `dev`, optionally with a scope.
    pub fn route_dev(
        mut self,
        node: &str,
        dst: &str,
        dev: &str,
        scope: Option<RouteScope>,
    ) -> Self {
        if let Some(dst) = self.parse::<RouteDst>(dst, "route destination") {
            self.push_route(node, Route::dev(dst, dev, scope));
        }
        self
    }

    /// Sets a sysctl on a node.
    pub fn sysctl(mut self, node: &str, key: &str, value: &str) -> Self {
        match self.t.nodes.iter_mut().find(|n| n.name == node) {
            Some(n) => {
                n.sysctls.insert(key.to_owned(), value.to_owned());
            }
            None => self.errors.push(format!("sysctl on unknown node `{node}`")),
        }
        self
    }

    /// Adds a container behind `host`, wired the Calico way.
    pub fn container(mut self, name: &str, host: &str, address: &str, host_iface: &str) -> Self {
        if let Some(address) = self.parse::<Ipv4Addr>(address, "container address") {
            self.t.containers.push(Container {
                name: name.to_owned(),
                host: host.to_owned(),
                address,
                host_iface: host_iface.to_owned(),
            });
        }
        self
    }

    /// Validates and returns the topology.
    pub fn build(self) -> Result<Topology, TopologyError> {
        if !self.errors.is_empty() {
            return Err(TopologyError::Invalid(self.errors.join("; ")));
        }
        self.t.expanded()?;
        Ok(self.t)
    }

    fn push_route(&mut self, node: &str, r: Route) {
        match self.t.nodes.iter_mut().find(|n| n.name == node) {
            Some(n) => n.routes.push(r),
            None => self.errors.push(format!("route on unknown node `{node}`")),
        }
    }

    fn endpoint(&mut self, (node, iface, addr): (&str, &str, &str)) -> Endpoint {
        let addr = if addr.is_empty() {
            None
        } else {
            self.parse::<IpNet>(addr, "link address")
        };
        Endpoint {
            node: node.to_owned(),
            iface: iface.to_owned(),
            addr,
        }
    }

    fn parse<T: std::str::FromStr>(&mut self, s: &str, what: &str) -> Option<T> {
        let v = s.parse().ok();
        if v.is_none() {
            self.errors.push(format!("invalid {what} `{s}`"));
        }
        v
    }
}
