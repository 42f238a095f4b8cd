//! Records are screened before the model sees them. Anyone with write access to the
//! datastore can write a record without `netctl apply`, so one that does not decode or
//! would not validate must neither stop every later change (the whole configuration
//! failing to build) nor tear down what it configured before: confd goes on with the
//! version of that record it last accepted, or without the record if there was none.

use std::collections::BTreeMap;

use datastore::mirror::Decoded;
use resources::{BGPConfigurationSpec, BGPPeerSpec, IPPoolSpec, Kind, NodeSpec, Object};

/// The kinds the model reads.
fn is_input(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Node | Kind::BGPPeer | Kind::IPPool | Kind::BGPConfiguration
    )
}

/// Why confd cannot use `o`, if it cannot: its spec must decode and pass the
/// validation `netctl apply` runs.
pub fn refusal(o: &Object) -> Option<String> {
    let checked = match o.kind {
        Kind::Node => o.valid_spec(NodeSpec::validate).map(drop),
        Kind::BGPPeer => o.valid_spec(BGPPeerSpec::validate).map(drop),
        Kind::IPPool => o.valid_spec(IPPoolSpec::validate).map(drop),
        Kind::BGPConfiguration => o.valid_spec(BGPConfigurationSpec::validate).map(drop),
        _ => Ok(()),
    };
    checked.err()
}

/// What one pass lets through.
#[derive(Debug, Default)]
pub struct Screened {
    /// The records the model may use.
    pub objects: Vec<Object>,
    /// How many records are refused now.
    pub refused: usize,
    /// The refusals that were not reported by the previous pass (to log once).
    pub newly_refused: Vec<(String, String)>,
}

/// The last accepted version of every input record, across passes.
#[derive(Debug, Default)]
pub struct Screen {
    accepted: BTreeMap<String, Object>,
    refused: BTreeMap<String, String>,
}

impl Screen {
    /// Screens the mirror's decoded contents.
    pub fn pass(&mut self, decoded: &Decoded) -> Screened {
        let mut accepted = BTreeMap::new();
        let mut refused = BTreeMap::new();
        for o in decoded.objects.iter().filter(|o| is_input(o.kind)) {
            let key = match o.key() {
                Ok(k) => k.to_string(),
                Err(e) => {
                    let name = format!("{}/{}", o.kind.plural(), o.metadata.name);
                    refused.insert(name, e.to_string());
                    continue;
                }
            };
            match refusal(o) {
                None => {
                    accepted.insert(key, o.clone());
                }
                Some(reason) => {
                    refused.insert(key, reason);
                }
            }
        }
        for (key, reason) in &decoded.errors {
            refused.insert(key.clone(), reason.clone());
        }
        for key in refused.keys() {
            if let Some(previous) = self.accepted.get(key) {
                accepted.insert(key.clone(), previous.clone());
            }
        }
        let newly_refused = refused
            .iter()
            .filter(|(k, r)| self.refused.get(*k) != Some(*r))
            .map(|(k, r)| (k.clone(), r.clone()))
            .collect();
        self.accepted = accepted;
        self.refused = refused;
        Screened {
            objects: self.accepted.values().cloned().collect(),
            refused: self.refused.len(),
            newly_refused,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use resources::ObjectMeta;
    use serde_json::json;

    fn peer(name: &str, spec: serde_json::Value) -> Object {
        let meta = ObjectMeta {
            name: name.into(),
            ..ObjectMeta::default()
        };
        Object::new(Kind::BGPPeer, meta, spec)
    }

    fn decoded(objects: Vec<Object>, errors: &[(&str, &str)]) -> Decoded {
        Decoded {
            objects,
            blocks: Vec::new(),
            errors: errors
                .iter()
                .map(|(k, r)| (k.to_string(), r.to_string()))
                .collect(),
        }
    }

    fn peer_ips(s: &Screened) -> Vec<String> {
        s.objects
            .iter()
            .map(|o| o.spec["peerIP"].as_str().unwrap_or("?").to_string())
            .collect()
    }

    #[test]
    fn a_broken_record_keeps_its_last_accepted_version_and_is_reported_once() {
        let good = peer("tor", json!({"peerIP": "10.0.0.254", "asNumber": 65000}));
        let other = peer("tor2", json!({"peerIP": "10.0.0.253", "asNumber": 65000}));
        let key = good.key().unwrap().to_string();
        let mut screen = Screen::default();

        let first = screen.pass(&decoded(vec![good, other.clone()], &[]));
        assert_eq!(peer_ips(&first), ["10.0.0.254", "10.0.0.253"]);
        assert_eq!(first.refused, 0);

        // Rewritten without netctl: an AS number out of range, then not even JSON.
        let broken = peer("tor", json!({"peerIP": "10.0.0.9", "asNumber": "many"}));
        let second = screen.pass(&decoded(vec![broken.clone(), other.clone()], &[]));
        assert_eq!(peer_ips(&second), ["10.0.0.254", "10.0.0.253"]);
        assert_eq!(second.refused, 1);
        assert_eq!(second.newly_refused.len(), 1);
        let again = screen.pass(&decoded(vec![broken, other.clone()], &[]));
        assert_eq!(again.refused, 1);
        assert!(again.newly_refused.is_empty(), "reported once");
        let garbage = screen.pass(&decoded(vec![other.clone()], &[(&key, "not JSON")]));
        assert_eq!(peer_ips(&garbage), ["10.0.0.254", "10.0.0.253"]);

        // Deleted: gone, and no longer refused.
        let deleted = screen.pass(&decoded(vec![other], &[]));
        assert_eq!(peer_ips(&deleted), ["10.0.0.253"]);
        assert_eq!(deleted.refused, 0);
    }

    #[test]
    fn a_broken_record_never_accepted_is_left_out() {
        let mut screen = Screen::default();
        let bad = peer(
            "new",
            json!({"peerIP": "not an address", "asNumber": 65000}),
        );
        let out = screen.pass(&decoded(vec![bad], &[]));
        assert!(out.objects.is_empty());
        assert_eq!(out.refused, 1);
    }

    #[test]
    fn kinds_the_model_does_not_read_are_not_kept() {
        let meta = ObjectMeta {
            name: "w".into(),
            namespace: Some("ns".into()),
            ..ObjectMeta::default()
        };
        let wep = Object::new(Kind::WorkloadEndpoint, meta, json!({"node": "a"}));
        let out = Screen::default().pass(&decoded(vec![wep], &[]));
        assert!(out.objects.is_empty() && out.refused == 0);
    }
}
