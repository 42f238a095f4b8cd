//! Datastore records → [`Engine`] updates: one function per record kind,
//! each an upsert or a delete keyed exactly as the world keys it.

use policies::eval::{Endpoint, EndpointKey, NamedPort};
use policies::model::Protocol;
use resources::ipam::Block;
use resources::key::Key;
use resources::{
    FelixConfigurationSpec, HostEndpointSpec, IPPoolSpec, Kind, Object, WorkloadEndpointSpec,
};

use crate::calc::world::Pool;
use crate::calc::{EndpointKind, Engine, LocalEndpoint, Settings};

/// A record felix could not use; it is logged and skipped, never fatal.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The key is not a Terrace key.
    #[error("bad key {key}: {reason}")]
    Key {
        /// The key.
        key: String,
        /// Why.
        reason: String,
    },
    /// The value does not decode.
    #[error("bad value at {key}: {reason}")]
    Value {
        /// The key.
        key: String,
        /// Why.
        reason: String,
    },
}

/// The calculation engine plus the raw FelixConfigurations it derives
/// settings from.
#[derive(Debug)]
pub struct Ingest {
    /// The calculation, fed by [`Ingest::apply`].
    pub engine: Engine,
    global_config: Option<FelixConfigurationSpec>,
    node_config: Option<FelixConfigurationSpec>,
    /// Settings of this host that override FelixConfiguration, highest
    /// precedence first (environment, then the config file).
    local: Vec<FelixConfigurationSpec>,
    /// Records refused so far (bad key, undecodable or invalid value).
    pub refused: u64,
}

impl Ingest {
    /// An empty state for `node`.
    pub fn new(node: &str) -> Self {
        Self::with_local(node, Vec::new())
    }

    /// An empty state for `node` whose host overrides FelixConfiguration
    /// with `local` (highest precedence first).
    pub fn with_local(node: &str, local: Vec<FelixConfigurationSpec>) -> Self {
        let mut engine = Engine::new(node);
        engine.set_settings(Settings::from_layers(&layers(&local, None, None)));
        engine.commit();
        Self {
            engine,
            global_config: None,
            node_config: None,
            local,
            refused: 0,
        }
    }

    fn settings(&self) -> Settings {
        let layers = layers(
            &self.local,
            self.node_config.as_ref(),
            self.global_config.as_ref(),
        );
        Settings::from_layers(&layers)
    }

    /// Forgets everything (before a fresh snapshot).
    pub fn reset(&mut self) {
        self.engine.reset();
        self.global_config = None;
        self.node_config = None;
        let settings = self.settings();
        self.engine.set_settings(settings);
    }

    /// Applies one record: `Some(value)` is a put, `None` a delete. A refused put
    /// leaves the record's previous version in force.
    pub fn apply(&mut self, key: &str, value: Option<&[u8]>) -> Result<(), IngestError> {
        let applied = self.apply_record(key, value);
        if applied.is_err() {
            self.refused += 1;
        }
        applied
    }

    fn apply_record(&mut self, key: &str, value: Option<&[u8]>) -> Result<(), IngestError> {
        let bad_key = |reason: String| IngestError::Key {
            key: key.to_string(),
            reason,
        };
        let bad = |reason: String| IngestError::Value {
            key: key.to_string(),
            reason,
        };
        match Key::parse(key).map_err(|e| bad_key(e.to_string()))? {
            Key::Ipam(k) if k.record() == "block" => {
                let block = value
                    .map(|v| serde_json::from_slice::<Block>(v).map_err(|e| bad(e.to_string())))
                    .transpose()?;
                let node = self.engine.world().node.as_str();
                let owned = block.filter(|b| b.affinity.as_deref() == Some(node));
                self.engine.set_block(key, owned.map(|b| b.cidr));
                Ok(())
            }
            Key::Ipam(_) => Ok(()),
            Key::Resource(rk) => {
                let Some(kind) = Kind::ALL.iter().copied().find(|k| k.plural() == rk.kind()) else {
                    return Ok(());
                };
                let ns = rk.namespace().map(str::to_string);
                let name = rk.name().to_string();
                let object = value
                    .map(|v| Object::from_bytes(key, v, 0).map_err(|e| bad(e.to_string())))
                    .transpose()?;
                self.resource(kind, ns, name, object, value).map_err(bad)
            }
        }
    }

    fn resource(
        &mut self,
        kind: Kind,
        ns: Option<String>,
        name: String,
        object: Option<Object>,
        raw: Option<&[u8]>,
    ) -> Result<(), String> {
        let e = &mut self.engine;
        match (kind, object) {
            (Kind::WorkloadEndpoint, None) => {
                e.remove_endpoint(&EndpointKey::workload(ns.as_deref().unwrap_or(""), &name));
            }
            (Kind::HostEndpoint, None) => e.remove_endpoint(&EndpointKey::host(&name)),
            (Kind::WorkloadEndpoint, Some(o)) => e.upsert_endpoint(workload(&o)?),
            (Kind::HostEndpoint, Some(o)) => e.upsert_endpoint(host(&o)?),
            (Kind::IPPool, None) => e.set_pool(&name, None),
            (Kind::IPPool, Some(o)) => {
                let spec = o.valid_spec(IPPoolSpec::validate)?;
                let pool = Pool {
                    cidr: spec.cidr,
                    nat_outgoing: spec.nat_outgoing && !spec.disabled,
                };
                e.set_pool(&name, Some(pool));
            }
            (Kind::FelixConfiguration, o) => {
                let spec = o
                    .map(|o| o.valid_spec(FelixConfigurationSpec::validate))
                    .transpose()?;
                if name == "default" {
                    self.global_config = spec;
                } else if name == format!("node.{}", self.engine.world().node) {
                    self.node_config = spec;
                }
                let settings = self.settings();
                self.engine.set_settings(settings);
            }
            (k, None) => remove_policy_kind(e, k, ns, &name),
            (_, Some(_)) => {
                let Some(bytes) = raw else { return Ok(()) };
                let value: serde_yaml_ng::Value =
                    serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
                let doc = policies::document::parse_value(&value).map_err(|e| e.to_string())?;
                if let Some(r) = doc.resource {
                    e.upsert(r);
                }
            }
        }
        Ok(())
    }
}

/// Every settings layer, highest precedence first.
fn layers<'a>(
    local: &'a [FelixConfigurationSpec],
    node: Option<&'a FelixConfigurationSpec>,
    global: Option<&'a FelixConfigurationSpec>,
) -> Vec<Option<&'a FelixConfigurationSpec>> {
    let mut out: Vec<Option<&FelixConfigurationSpec>> = local.iter().map(Some).collect();
    out.extend([node, global]);
    out
}

fn remove_policy_kind(e: &mut Engine, kind: Kind, ns: Option<String>, name: &str) {
    match kind {
        Kind::NetworkPolicy | Kind::GlobalNetworkPolicy => {
            e.remove_policy(&(ns, name.to_string()));
        }
        Kind::NetworkSet | Kind::GlobalNetworkSet => {
            e.remove_network_set(&(ns, name.to_string()));
        }
        Kind::Tier => e.remove_tier(name),
        Kind::Profile => e.remove_profile(name),
        Kind::Namespace => e.remove_namespace(name),
        _ => {}
    }
}

fn named_ports(ports: &[resources::EndpointPort]) -> Vec<NamedPort> {
    ports
        .iter()
        .filter_map(|p| {
            Protocol::parse(&p.protocol.to_ascii_uppercase())
                .or_else(|| Protocol::parse(&p.protocol))
                .map(|protocol| NamedPort {
                    name: p.name.clone(),
                    protocol,
                    port: p.port,
                })
        })
        .collect()
}

fn workload(o: &Object) -> Result<LocalEndpoint, String> {
    let spec = o.valid_spec(WorkloadEndpointSpec::validate)?;
    let ns = o
        .metadata
        .namespace
        .clone()
        .unwrap_or_else(|| "default".into());
    let endpoint = Endpoint {
        key: EndpointKey::workload(&ns, &o.metadata.name),
        labels: o.metadata.labels.clone(),
        profiles: spec.profiles.clone(),
        ips: spec.addresses().collect(),
        ports: named_ports(&spec.ports),
    };
    Ok(LocalEndpoint {
        endpoint,
        kind: EndpointKind::Workload,
        node: spec.node,
        iface: spec.interface_name,
        allowed_sources: spec.allow_spoofed_source_prefixes,
    })
}

fn host(o: &Object) -> Result<LocalEndpoint, String> {
    let spec = o.valid_spec(HostEndpointSpec::validate)?;
    let endpoint = Endpoint {
        key: EndpointKey::host(&o.metadata.name),
        labels: o.metadata.labels.clone(),
        profiles: spec.profiles.clone(),
        ips: spec.expected_ips.clone(),
        ports: named_ports(&spec.ports),
    };
    Ok(LocalEndpoint {
        endpoint,
        kind: EndpointKind::Host,
        node: spec.node,
        iface: spec.interface_name,
        allowed_sources: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "/terrace/v1/workloadendpoints/default/w1";

    fn wep(iface: &str) -> Vec<u8> {
        serde_json::json!({"apiVersion": "terrace.io/v1", "kind": "WorkloadEndpoint",
            "metadata": {"name": "w1", "namespace": "default"},
            "spec": {"node": "host", "interfaceName": iface, "ipNetworks": ["10.65.0.2/32"]}})
        .to_string()
        .into_bytes()
    }

    fn programmed(ingest: &mut Ingest) -> Vec<String> {
        ingest.engine.commit();
        ingest.engine.plan().endpoints.keys().cloned().collect()
    }

    #[test]
    fn a_record_netctl_would_refuse_is_refused_and_the_accepted_one_stays() {
        let mut ingest = Ingest::new("host");
        let err = ingest
            .apply(KEY, Some(&wep("tra1\" : accept")))
            .unwrap_err();
        assert!(err.to_string().contains("spec.interfaceName"), "{err}");
        assert!(programmed(&mut ingest).is_empty());

        ingest.apply(KEY, Some(&wep("tra1"))).unwrap();
        assert_eq!(programmed(&mut ingest), ["tra1"]);
        assert!(ingest.apply(KEY, Some(&wep("../../x"))).is_err());
        assert_eq!(programmed(&mut ingest), ["tra1"], "last accepted version");
        ingest.apply(KEY, None).unwrap();
        assert!(programmed(&mut ingest).is_empty());
        assert_eq!(ingest.refused, 2);
    }

    #[test]
    fn an_invalid_felix_configuration_does_not_change_the_settings() {
        let mut ingest = Ingest::new("host");
        let config = |prefix: &str| {
            serde_json::json!({"apiVersion": "terrace.io/v1", "kind": "FelixConfiguration",
                "metadata": {"name": "default"}, "spec": {"interfacePrefix": prefix}})
            .to_string()
            .into_bytes()
        };
        let key = "/terrace/v1/felixconfigurations/default";
        ingest.apply(key, Some(&config("cali"))).unwrap();
        assert!(ingest.apply(key, Some(&config("a\"*"))).is_err());
        ingest.engine.commit();
        assert_eq!(ingest.engine.plan().settings.interface_prefix, "cali");
    }
}
