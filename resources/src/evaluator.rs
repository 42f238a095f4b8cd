//! Builds the `policies` reference evaluator's world from stored objects:
//! policy kinds become its resources, workload and host endpoints its
//! endpoints. `netctl policy trace` and the dataplane tests share this.

use super::{
    endpoint::{EndpointPort, HostEndpointSpec, WorkloadEndpointSpec},
    kind::Kind,
    object::{Object, ObjectError},
};
use policies::{
    document::parse_value,
    eval::{Endpoint, Evaluator},
    model::Protocol,
};

/// Kinds the evaluator takes as resources.
pub const POLICY_KINDS: [Kind; 7] = [
    Kind::Tier,
    Kind::GlobalNetworkPolicy,
    Kind::NetworkPolicy,
    Kind::Profile,
    Kind::GlobalNetworkSet,
    Kind::NetworkSet,
    Kind::Namespace,
];

#[derive(Debug, thiserror::Error)]
pub enum EvaluatorError {
    #[error(transparent)]
    Object(#[from] ObjectError),
    #[error("stored {kind} {name} no longer validates: {message}")]
    Invalid {
        kind: Kind,
        name: String,
        message: String,
    },
}

/// One stored policy-kind object as the evaluator's resource.
fn resource(object: &Object) -> Result<policies::model::Resource, EvaluatorError> {
    let invalid = |message: String| EvaluatorError::Invalid {
        kind: object.kind,
        name: object.metadata.name.clone(),
        message,
    };
    let value = serde_yaml_ng::to_value(object).map_err(|e| invalid(e.to_string()))?;
    let document = parse_value(&value).map_err(|e| invalid(e.to_string()))?;
    document
        .resource
        .ok_or_else(|| invalid("not a policy kind".into()))
}

fn named_ports(ports: &[EndpointPort]) -> impl Iterator<Item = (&str, Protocol, u16)> {
    ports
        .iter()
        .filter_map(|p| Protocol::parse(&p.protocol).map(|proto| (p.name.as_str(), proto, p.port)))
}

/// A workload endpoint object as an evaluator endpoint.
pub fn workload_endpoint(object: &Object) -> Result<Endpoint, EvaluatorError> {
    let spec: WorkloadEndpointSpec = object.spec_as()?;
    let namespace = object.metadata.namespace.as_deref().unwrap_or("default");
    let mut ep = Endpoint::workload(namespace, &object.metadata.name);
    ep.labels = object.metadata.labels.clone();
    ep.profiles = spec.profiles.clone();
    ep.ips = spec.addresses().collect();
    for (name, protocol, port) in named_ports(&spec.ports) {
        ep = ep.named_port(name, protocol, port);
    }
    Ok(ep)
}

/// A host endpoint object as an evaluator endpoint.
pub fn host_endpoint(object: &Object) -> Result<Endpoint, EvaluatorError> {
    let spec: HostEndpointSpec = object.spec_as()?;
    let mut ep = Endpoint::host(&object.metadata.name);
    ep.labels = object.metadata.labels.clone();
    ep.profiles = spec.profiles.clone();
    ep.ips = spec.expected_ips.clone();
    for (name, protocol, port) in named_ports(&spec.ports) {
        ep = ep.named_port(name, protocol, port);
    }
    Ok(ep)
}

/// The evaluator for a set of stored objects (any kinds; irrelevant ones are skipped).
pub fn build_evaluator<'a>(
    objects: impl IntoIterator<Item = &'a Object>,
) -> Result<Evaluator, EvaluatorError> {
    let mut evaluator = Evaluator::new();
    for object in objects {
        match object.kind {
            Kind::WorkloadEndpoint => evaluator.insert_endpoint(workload_endpoint(object)?),
            Kind::HostEndpoint => evaluator.insert_endpoint(host_endpoint(object)?),
            kind if POLICY_KINDS.contains(&kind) => evaluator.insert(resource(object)?),
            _ => {}
        }
    }
    Ok(evaluator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{load::load_document, stream::split_documents};
    use policies::eval::{Flow, FlowEnd};

    fn objects(text: &str) -> Vec<Object> {
        split_documents("t", text)
            .iter()
            .map(|d| load_document(d, None).unwrap())
            .collect()
    }

    #[test]
    fn stored_objects_evaluate_like_the_files_say() {
        let world = objects(
            "apiVersion: terrace.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: app == 'web'\n  ingress:\n    - action: Allow\n      protocol: TCP\n      destination: {ports: [http]}\n---\n\
             apiVersion: terrace.io/v1\nkind: WorkloadEndpoint\nmetadata: {name: web-1, namespace: shop, labels: {app: web}}\nspec: {node: h1, interfaceName: tr1, ipNetworks: [10.65.0.2/32], ports: [{name: http, protocol: TCP, port: 8080}]}\n---\n\
             apiVersion: terrace.io/v1\nkind: WorkloadEndpoint\nmetadata: {name: cli-1, namespace: shop, labels: {app: cli}}\nspec: {node: h1, interfaceName: tr2, ipNetworks: [10.65.0.3/32], profiles: [open]}\n---\n\
             apiVersion: terrace.io/v1\nkind: Profile\nmetadata: {name: open}\nspec: {egress: [{action: Allow}]}\n",
        );
        let evaluator = build_evaluator(&world).unwrap();
        let tcp = Protocol::parse("tcp").unwrap();
        let flow = |port| {
            Flow::new(
                FlowEnd::parse("shop/cli-1"),
                FlowEnd::parse("shop/web-1"),
                tcp,
                port,
            )
        };
        let trace = evaluator.evaluate(&flow(8080)).unwrap();
        assert!(
            trace.allowed(),
            "named port http resolves to 8080: {trace:?}"
        );
        assert!(
            !evaluator.evaluate(&flow(80)).unwrap().allowed(),
            "anything else is denied"
        );
    }
}
