//! BIRD 2 as a lab router: `bird -f` in the namespace, controlled with
//! `birdc` over a per-lab control socket.

pub mod config;
pub mod parse;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

use crate::cmd;
use crate::error::LabError;
use crate::lab::Lab;
use crate::process::Daemon;
use crate::routers::{
    BgpSession, RibRoute, Router, RouterConfig, RouterKind, router_dir, wait_ready, write_config,
};

/// A running BIRD.
#[derive(Debug)]
pub struct Bird {
    ns: String,
    ctl: PathBuf,
    peers: BTreeMap<String, (IpAddr, u32)>,
    daemon: Daemon,
}

impl Bird {
    /// Writes the config, starts `bird` in node `role` and waits until
    /// `birdc` answers.
    pub fn start(lab: &Lab, role: &str, cfg: &RouterConfig) -> Result<Self, LabError> {
        let dir = router_dir(lab, RouterKind::Bird, role)?;
        let conf = dir.join("bird.conf");
        let text = cfg
            .config_text
            .clone()
            .unwrap_or_else(|| config::render(cfg));
        write_config(&conf, &text)?;
        let ctl = dir.join("bird.ctl");
        let args = [
            "bird".to_owned(),
            "-f".into(),
            "-c".into(),
            conf.display().to_string(),
            "-s".into(),
            ctl.display().to_string(),
            "-P".into(),
            dir.join("bird.pid").display().to_string(),
        ];
        let daemon = lab.spawn(role, &format!("bird-{role}"), &args)?;
        let peers = cfg
            .neighbors
            .iter()
            .map(|n| (config::protocol_name(n.address), (n.address, n.remote_as)))
            .collect();
        let bird = Self {
            ns: lab.ns(role)?.to_owned(),
            ctl,
            peers,
            daemon,
        };
        let what = format!("bird in {role} to answer birdc");
        wait_ready(&[&bird.daemon], &what, || bird.birdc("show status").is_ok())?;
        Ok(bird)
    }

    /// Runs one `birdc` command and returns its output.
    pub fn birdc(&self, command: &str) -> Result<String, LabError> {
        let ctl = self.ctl.display().to_string();
        let mut args = vec!["birdc", "-s", ctl.as_str()];
        args.extend(command.split_whitespace());
        Ok(cmd::run(&cmd::in_netns(&self.ns, &args))?)
    }
}

impl Router for Bird {
    fn kind(&self) -> RouterKind {
        RouterKind::Bird
    }

    fn namespace(&self) -> &str {
        &self.ns
    }

    fn sessions(&self) -> Result<Vec<BgpSession>, LabError> {
        let rows = parse::protocols(&self.birdc("show protocols")?);
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let (peer, asn) = self.peers.get(&r.name)?;
                let state = r
                    .bgp_state
                    .unwrap_or(crate::routers::SessionState::Other(r.state));
                Some(BgpSession {
                    peer: *peer,
                    remote_as: Some(*asn),
                    state,
                })
            })
            .collect())
    }

    fn rib(&self) -> Result<Vec<RibRoute>, LabError> {
        Ok(parse::routes(&self.birdc("show route")?))
    }
}
