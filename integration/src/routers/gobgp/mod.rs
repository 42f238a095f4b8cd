//! GoBGP 3 as a lab router: `gobgpd` in the namespace with its gRPC API on
//! 127.0.0.1:50051 (per namespace, so every lab can use the same port),
//! driven and read with the `gobgp` CLI.

pub mod config;
pub mod parse;

use crate::cmd;
use crate::error::LabError;
use crate::lab::Lab;
use crate::process::Daemon;
use crate::routers::{
    BgpSession, RibRoute, Router, RouterConfig, RouterKind, router_dir, wait_ready, write_config,
};

/// The gRPC API address inside the namespace.
const API_HOST: &str = "127.0.0.1";
const API_PORT: &str = "50051";

/// A running gobgpd.
#[derive(Debug)]
pub struct Gobgp {
    ns: String,
    daemon: Daemon,
}

impl Gobgp {
    /// Writes the config, starts gobgpd in node `role`, waits for its API
    /// and adds the originated prefixes to the global RIB.
    pub fn start(lab: &Lab, role: &str, cfg: &RouterConfig) -> Result<Self, LabError> {
        let dir = router_dir(lab, RouterKind::Gobgp, role)?;
        let conf = dir.join("gobgpd.toml");
        write_config(&conf, &config::render(cfg))?;
        let api = format!("{API_HOST}:{API_PORT}");
        let conf_s = conf.display().to_string();
        let args = [
            "gobgpd",
            "-f",
            &conf_s,
            "--api-hosts",
            &api,
            "-l",
            "info",
            "-p",
            "--pprof-disable",
        ];
        let daemon = lab.spawn(role, &format!("gobgpd-{role}"), &args)?;
        let g = Self {
            ns: lab.ns(role)?.to_owned(),
            daemon,
        };
        wait_ready(
            &[&g.daemon],
            &format!("gobgpd in {role} to answer its API"),
            || g.gobgp(&["global"]).is_ok(),
        )?;
        for p in &cfg.originate {
            g.gobgp(&[
                "global",
                "rib",
                "add",
                "-a",
                family(p.addr()),
                &p.to_string(),
            ])?;
        }
        Ok(g)
    }

    /// Runs `gobgp -j <args>` against this daemon's API.
    pub fn gobgp(&self, args: &[&str]) -> Result<String, LabError> {
        let mut argv = vec!["gobgp", "-u", API_HOST, "-p", API_PORT, "-j"];
        argv.extend_from_slice(args);
        Ok(cmd::run(&cmd::in_netns(&self.ns, &argv))?)
    }
}

impl Router for Gobgp {
    fn kind(&self) -> RouterKind {
        RouterKind::Gobgp
    }

    fn namespace(&self) -> &str {
        &self.ns
    }

    fn sessions(&self) -> Result<Vec<BgpSession>, LabError> {
        Ok(parse::sessions(&self.gobgp(&["neighbor"])?)?)
    }

    fn rib(&self) -> Result<Vec<RibRoute>, LabError> {
        let mut routes = Vec::new();
        for afi in ["ipv4", "ipv6"] {
            routes.extend(parse::routes(&self.gobgp(&["global", "rib", "-a", afi])?)?);
        }
        Ok(routes)
    }
}

/// The `gobgp -a` family of an address.
fn family(a: std::net::IpAddr) -> &'static str {
    if a.is_ipv6() { "ipv6" } else { "ipv4" }
}
