//! Typed reads of kernel state from the JSON output of `ip -j route`,
//! `ip -j addr` and `nft -j list ruleset`. Parsing is pure; the `Lab`
//! methods run the commands inside a node.

pub mod addr;
pub mod netstat;
pub mod nft;
pub mod route;

pub use addr::{AddrInfo, Interface};
pub use nft::{NftChain, NftRule, NftSet, NftTable, Ruleset};
pub use route::KernelRoute;

pub use crate::error::ParseError;

use crate::error::LabError;
use crate::lab::Lab;

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &str,
) -> Result<T, ParseError> {
    // `ip -j` prints nothing at all for an empty table.
    let text = if text.trim().is_empty() { "[]" } else { text };
    serde_json::from_str(text).map_err(|source| ParseError {
        what: what.to_owned(),
        source,
    })
}

impl Lab {
    /// The IPv4 main routing table of node `role`.
    pub fn routes(&self, role: &str) -> Result<Vec<KernelRoute>, LabError> {
        Ok(route::parse(
            &self.exec(role, &["ip", "-j", "-4", "route", "show"])?,
        )?)
    }

    /// The IPv6 main routing table of node `role`.
    pub fn routes6(&self, role: &str) -> Result<Vec<KernelRoute>, LabError> {
        Ok(route::parse(
            &self.exec(role, &["ip", "-j", "-6", "route", "show"])?,
        )?)
    }

    /// Interfaces and addresses of node `role`.
    pub fn addrs(&self, role: &str) -> Result<Vec<Interface>, LabError> {
        Ok(addr::parse(
            &self.exec(role, &["ip", "-j", "addr", "show"])?,
        )?)
    }

    /// The nftables ruleset of node `role`.
    pub fn nft_ruleset(&self, role: &str) -> Result<Ruleset, LabError> {
        Ok(nft::parse(
            &self.exec(role, &["nft", "-j", "list", "ruleset"])?,
        )?)
    }

    /// The kernel MIB counters of node `role` (`/proc/net/netstat` and
    /// `/proc/net/snmp`), keyed `Group.Counter`.
    pub fn netstat(&self, role: &str) -> Result<std::collections::BTreeMap<String, u64>, LabError> {
        let text = self.exec(role, &["cat", "/proc/net/netstat", "/proc/net/snmp"])?;
        Ok(netstat::parse(&text))
    }

    /// A sysctl value of node `role`, trimmed.
    pub fn sysctl(&self, role: &str, key: &str) -> Result<String, LabError> {
        Ok(self.exec(role, &["sysctl", "-n", key])?.trim().to_owned())
    }
}

impl Lab {
    /// Waits until node `role`'s kernel table (IPv6 when `dst` is an IPv6 prefix) has a
    /// route to `dst` for which `accept` holds (e.g. a protocol or gateway check), and
    /// returns it.
    pub fn wait_kernel_route(
        &self,
        role: &str,
        dst: &str,
        timeout: std::time::Duration,
        accept: impl Fn(&KernelRoute) -> bool,
    ) -> Result<KernelRoute, LabError> {
        let what = format!("route to {dst} in {role}");
        let v6 = dst.contains(':');
        Ok(crate::wait::wait_for(timeout, &what, || {
            let routes = if v6 {
                self.routes6(role)
            } else {
                self.routes(role)
            };
            let routes = routes.ok()?;
            route::find(&routes, dst).filter(|r| accept(r)).cloned()
        })?)
    }
}
