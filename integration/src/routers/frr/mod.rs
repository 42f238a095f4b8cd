//! FRR 8.4 as a lab router: `zebra` and `bgpd` in the foreground as user
//! `frr`, with their own config, pid files, zserv socket and vty socket in a
//! per-lab directory, queried with `vtysh --vty_socket`.

pub mod config;
pub mod parse;

use std::path::PathBuf;

use crate::cmd;
use crate::error::LabError;
use crate::lab::Lab;
use crate::process::Daemon;
use crate::routers::{
    BgpSession, RibRoute, Router, RouterConfig, RouterKind, router_dir, wait_ready, write_config,
};

/// Where Debian installs the FRR daemons.
const FRR_LIBEXEC: &str = "/usr/lib/frr";

/// A running FRR (zebra + bgpd).
#[derive(Debug)]
pub struct Frr {
    ns: String,
    dir: PathBuf,
    // Field order is drop order: bgpd stops before zebra.
    bgpd: Daemon,
    zebra: Daemon,
}

impl Frr {
    /// Writes the configs, starts zebra and bgpd in node `role` and waits
    /// until vtysh answers.
    pub fn start(lab: &Lab, role: &str, cfg: &RouterConfig) -> Result<Self, LabError> {
        let dir = router_dir(lab, RouterKind::Frr, role)?;
        write_config(&dir.join("zebra.conf"), &config::render_zebra(role))?;
        let bgpd_conf = (cfg.config_text.clone()).unwrap_or_else(|| config::render_bgpd(role, cfg));
        write_config(&dir.join("bgpd.conf"), &bgpd_conf)?;
        // The daemons drop to user frr and must own their directory.
        cmd::run(&["chown", "-R", "frr:frr", &dir.display().to_string()])?;
        let zebra = lab.spawn(role, &format!("zebra-{role}"), &daemon_args(&dir, "zebra"))?;
        let bgpd = lab.spawn(role, &format!("bgpd-{role}"), &daemon_args(&dir, "bgpd"))?;
        let frr = Self {
            ns: lab.ns(role)?.to_owned(),
            dir,
            bgpd,
            zebra,
        };
        wait_ready(
            &[&frr.bgpd, &frr.zebra],
            &format!("frr in {role} to answer vtysh"),
            || {
                frr.vtysh("show bgp summary json")
                    .is_ok_and(|o| o.trim_start().starts_with('{'))
            },
        )?;
        Ok(frr)
    }

    /// Runs one vtysh command and returns its output.
    pub fn vtysh(&self, command: &str) -> Result<String, LabError> {
        let sock = self.dir.display().to_string();
        Ok(cmd::run(&cmd::in_netns(
            &self.ns,
            &["vtysh", "--vty_socket", &sock, "-c", command],
        ))?)
    }
}

fn daemon_args(dir: &std::path::Path, daemon: &str) -> Vec<String> {
    let d = |f: &str| dir.join(f).display().to_string();
    vec![
        format!("{FRR_LIBEXEC}/{daemon}"),
        "-f".into(),
        d(&format!("{daemon}.conf")),
        "-i".into(),
        d(&format!("{daemon}.pid")),
        "-z".into(),
        d("zserv.api"),
        "--vty_socket".into(),
        dir.display().to_string(),
        // No TCP vty port: several FRRs may share the host's port space.
        "-P".into(),
        "0".into(),
    ]
}

impl Router for Frr {
    fn kind(&self) -> RouterKind {
        RouterKind::Frr
    }

    fn namespace(&self) -> &str {
        &self.ns
    }

    fn sessions(&self) -> Result<Vec<BgpSession>, LabError> {
        Ok(parse::sessions(&self.vtysh("show bgp summary json")?)?)
    }

    fn rib(&self) -> Result<Vec<RibRoute>, LabError> {
        let mut routes = parse::routes(&self.vtysh("show ip bgp json")?)?;
        routes.extend(parse::routes(&self.vtysh("show bgp ipv6 unicast json")?)?);
        Ok(routes)
    }
}
