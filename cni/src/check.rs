//! CHECK: the interfaces, addresses and routes ADD made are still there, IPAM still holds
//! the addresses, and the WorkloadEndpoint still describes them.

use crate::config::NetConf;
use crate::context;
use crate::dataplane::{self, Plan};
use crate::endpoint;
use crate::env::Invocation;
use crate::error::{self, CHECK_FAILED, CniError, DATAPLANE_FAILED, INVALID_ENV};
use crate::naming;
use datastore::resource::client::Target;
use resources::{Kind, WorkloadEndpointSpec};
use std::net::IpAddr;

/// Addresses listed in a `prevResult`.
fn prev_ips(prev: &serde_json::Value) -> Vec<IpAddr> {
    prev.get("ips")
        .and_then(|ips| ips.as_array())
        .into_iter()
        .flatten()
        .filter_map(|ip| ip.get("address")?.as_str()?.split('/').next()?.parse().ok())
        .collect()
}

/// Runs CHECK; any difference is one error listing every problem.
pub async fn check(inv: &Invocation, conf: &NetConf) -> Result<(), CniError> {
    let netns = inv.netns.clone().ok_or_else(|| {
        CniError::new(
            INVALID_ENV,
            "invalid environment variable CNI_NETNS",
            "CNI_NETNS is not set",
        )
    })?;
    let ctx = context::connect(conf).await?;
    let handle = naming::handle(&inv.container_id, &inv.ifname);
    let mut ips = ctx
        .ipam
        .addresses_of(&handle)
        .await
        .map_err(error::from_ipam)?;
    ips.sort();
    let mut problems = Vec::new();
    if ips.is_empty() {
        problems.push(format!("IPAM holds no address for handle {handle}"));
    }
    if let Some(prev) = &conf.prev_result {
        let mut expected = prev_ips(prev);
        expected.sort();
        if expected != ips {
            problems.push(format!(
                "prevResult lists {expected:?} but IPAM holds {ips:?}"
            ));
        }
    }
    let plan = Plan {
        host_veth: naming::host_veth(&conf.interface_prefix, &handle),
        ifname: inv.ifname.clone(),
        netns,
        ips: ips.clone(),
        mtu: conf.mtu,
    };
    let kernel = dataplane::check(&plan).await.map_err(|err| {
        CniError::new(
            DATAPLANE_FAILED,
            "cannot inspect the interfaces",
            err.to_string(),
        )
    })?;
    problems.extend(kernel);
    let workload = endpoint::workload(inv, conf);
    let target = Target {
        kind: Kind::WorkloadEndpoint,
        namespace: Some(workload.namespace.clone()),
        name: naming::endpoint_name(&ctx.node, &workload, &inv.container_id, &inv.ifname),
    };
    match ctx.client.get(&target).await.map_err(error::from_client)? {
        None => problems.push(format!("WorkloadEndpoint {} is missing", target.name)),
        Some(object) => match object.spec_as::<WorkloadEndpointSpec>() {
            Ok(spec) => {
                let mut listed: Vec<IpAddr> = spec.addresses().collect();
                listed.sort();
                if listed != ips || spec.interface_name != plan.host_veth {
                    problems.push(format!(
                        "WorkloadEndpoint {} lists {listed:?} on {}, expected {ips:?} on {}",
                        target.name, spec.interface_name, plan.host_veth
                    ));
                }
            }
            Err(err) => problems.push(err.to_string()),
        },
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CniError::new(
            CHECK_FAILED,
            "attachment is not as ADD left it",
            problems.join("; "),
        ))
    }
}
