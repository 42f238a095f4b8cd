//! What a configuration reload changes, as a pure plan: unchanged peers keep their
//! sessions, changed peers are reset, removed peers closed, new peers started.

use std::net::IpAddr;

use crate::config::{Config, PeerConfig};

/// The difference between the running and the new configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReloadPlan {
    /// Global settings (router ID, AS, cluster ID, ECMP width) changed: every session
    /// and the RIB start over.
    pub restart_all: bool,
    /// Peers no longer configured.
    pub remove: Vec<IpAddr>,
    /// Peers whose settings changed (removed, then added again).
    pub reset: Vec<IpAddr>,
    /// Peers of which only the filters, name or type changed: new filters applied to
    /// the routes in place, the session kept.
    pub refilter: Vec<IpAddr>,
    /// New peers.
    pub add: Vec<IpAddr>,
    /// The originated prefixes changed.
    pub originate: bool,
    /// The listen address changed (needs a restart: the listener is bound by the caller).
    pub listen: bool,
}

/// Compare two configurations.
pub fn plan(old: &Config, new: &Config) -> ReloadPlan {
    let restart_all = old.router_id != new.router_id
        || old.asn != new.asn
        || old.cluster_id != new.cluster_id
        || old.max_paths != new.max_paths;
    let find = |c: &Config, a: IpAddr| -> Option<PeerConfig> { c.peer(a).cloned() };
    let mut p = ReloadPlan {
        restart_all,
        originate: old.originate != new.originate,
        listen: old.listen != new.listen,
        ..ReloadPlan::default()
    };
    for o in &old.peers {
        match find(new, o.address) {
            None => p.remove.push(o.address),
            Some(n) if n == *o => {}
            Some(n) if same_session(o, &n) => p.refilter.push(o.address),
            Some(_) => p.reset.push(o.address),
        }
    }
    p.add = new
        .peers
        .iter()
        .filter(|n| old.peer(n.address).is_none())
        .map(|n| n.address)
        .collect();
    p
}

/// Equal but for what can change without a new session: filters, name, status type.
fn same_session(old: &PeerConfig, new: &PeerConfig) -> bool {
    let mut new = new.clone();
    new.import = old.import.clone();
    new.export = old.export.clone();
    new.name = old.name.clone();
    new.kind = old.kind;
    new == *old
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;

    const BASE: &str = "router_id = \"10.0.0.1\"\nasn = 64512\n";

    fn cfg(body: &str) -> Config {
        parse(&format!("{BASE}{body}")).unwrap()
    }

    fn peer(addr: &str, asn: u32, extra: &str) -> String {
        format!("[[peers]]\nname = \"{addr}\"\naddress = \"{addr}\"\nremote_as = {asn}\n{extra}")
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn reload_resets_only_what_changed() {
        let a = peer("10.0.0.2", 65000, "");
        let b = peer("10.0.0.3", 65001, "");
        let old = cfg(&format!("{a}{b}"));
        let table: Vec<(&str, Config, ReloadPlan)> = vec![
            (
                "same file changes nothing",
                cfg(&format!("{a}{b}")),
                ReloadPlan::default(),
            ),
            (
                "a removed peer is removed and the other kept",
                cfg(&a),
                ReloadPlan {
                    remove: vec![ip("10.0.0.3")],
                    ..ReloadPlan::default()
                },
            ),
            (
                "a changed timer resets that peer only",
                cfg(&format!(
                    "{a}{}",
                    peer("10.0.0.3", 65001, "hold_time = 9\n")
                )),
                ReloadPlan {
                    reset: vec![ip("10.0.0.3")],
                    ..ReloadPlan::default()
                },
            ),
            (
                "a changed import filter keeps the session",
                cfg(&format!(
                    "{a}{}",
                    peer("10.0.0.3", 65001, "[peers.import]\ndefault = \"reject\"\n")
                )),
                ReloadPlan {
                    refilter: vec![ip("10.0.0.3")],
                    ..ReloadPlan::default()
                },
            ),
            (
                "a filter and a timer changed: the timer needs a new session",
                cfg(&format!(
                    "{a}{}",
                    peer(
                        "10.0.0.3",
                        65001,
                        "hold_time = 9\n[peers.export]\ndefault = \"reject\"\n"
                    )
                )),
                ReloadPlan {
                    reset: vec![ip("10.0.0.3")],
                    ..ReloadPlan::default()
                },
            ),
            (
                "a new peer is added",
                cfg(&format!("{a}{b}{}", peer("10.0.0.4", 65002, ""))),
                ReloadPlan {
                    add: vec![ip("10.0.0.4")],
                    ..ReloadPlan::default()
                },
            ),
            (
                "new originated prefix touches no session",
                cfg(&format!("[[originate]]\nprefix = \"10.65.0.0/26\"\n{a}{b}")),
                ReloadPlan {
                    originate: true,
                    ..ReloadPlan::default()
                },
            ),
        ];
        for (name, new, want) in table {
            assert_eq!(plan(&old, &new), want, "{name}");
        }
        let mut other_as = old.clone();
        other_as.asn = 64513;
        assert!(
            plan(&old, &other_as).restart_all,
            "a new AS restarts everything"
        );
    }
}
