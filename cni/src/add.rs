//! ADD: assign addresses, build the veth pair, write the WorkloadEndpoint, answer.
//!
//! The order is what makes a crash at any point recoverable:
//! 1. IPAM assign (one transaction: block + handle record). A crash after it leaves a
//!    handle without an endpoint, which `netctl ipam check` reports and DEL releases; a
//!    retried ADD gets the same addresses back (assign is idempotent per handle).
//! 2. veth pair and routes. A retried ADD deletes a half-built pair and starts over.
//! 3. WorkloadEndpoint write (apply: a retry overwrites it).
//! 4. The result on stdout.
//!
//! If step 2 or 3 fails the plugin undoes its own work (veth, addresses) before answering.

use crate::abort::abort_point;
use crate::config::NetConf;
use crate::context::{self, Context};
use crate::dataplane::{self, Plan};
use crate::endpoint::{self, Attachment};
use crate::env::Invocation;
use crate::error::{self, CniError, DATAPLANE_FAILED, INVALID_ENV};
use crate::naming;
use crate::pools;
use crate::result::{self, AddResult};
use datastore::ipam::AssignRequest;
use datastore::resource::client::WriteMode;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Runs ADD and returns the success result.
pub async fn add(inv: &Invocation, conf: &NetConf) -> Result<serde_json::Value, CniError> {
    let netns = inv.netns.clone().ok_or_else(|| {
        CniError::new(
            INVALID_ENV,
            "invalid environment variable CNI_NETNS",
            "CNI_NETNS is not set",
        )
    })?;
    let ctx = context::connect(conf).await?;
    let handle = naming::handle(&inv.container_id, &inv.ifname);
    let workload = endpoint::workload(inv, conf);
    let ips = assign(&ctx, conf, &handle, &workload).await?;
    tracing::info!(%handle, ?ips, "addresses assigned");
    abort_point("ipam-assigned");
    let plan = Plan {
        host_veth: naming::host_veth(&conf.interface_prefix, &handle),
        ifname: inv.ifname.clone(),
        netns,
        ips: ips.clone(),
        mtu: conf.mtu,
    };
    let mac = match dataplane::setup(&plan).await {
        Ok(mac) => mac,
        Err(err) => {
            undo(&ctx, &plan.host_veth, &handle).await;
            return Err(CniError::new(
                DATAPLANE_FAILED,
                "cannot set up the container's interfaces",
                err.to_string(),
            ));
        }
    };
    let name = naming::endpoint_name(&ctx.node, &workload, &inv.container_id, &inv.ifname);
    let at = Attachment {
        node: &ctx.node,
        name: &name,
        host_veth: &plan.host_veth,
        mac: &mac,
        ips: &ips,
    };
    let object = endpoint::build(inv, conf, &workload, &at);
    if let Err(err) = ctx.client.write_all(&[object], WriteMode::Apply).await {
        undo(&ctx, &plan.host_veth, &handle).await;
        return Err(error::from_client(err));
    }
    tracing::info!(endpoint = %name, veth = %plan.host_veth, "endpoint written");
    abort_point("endpoint-written");
    let sandbox = plan.netns.display().to_string();
    Ok(result::render(
        &conf.cni_version,
        &AddResult {
            host_veth: &plan.host_veth,
            ifname: &inv.ifname,
            container_mac: &mac,
            sandbox: &sandbox,
            ips: &ips,
            dns: conf.dns.as_ref(),
        },
    ))
}

async fn assign(
    ctx: &Context,
    conf: &NetConf,
    handle: &str,
    workload: &crate::naming::Workload,
) -> Result<Vec<IpAddr>, CniError> {
    let mut attributes = BTreeMap::from([
        ("node".to_owned(), ctx.node.clone()),
        ("namespace".to_owned(), workload.namespace.clone()),
    ]);
    if let Some(pod) = &workload.pod {
        attributes.insert("pod".to_owned(), pod.clone());
    }
    let request = AssignRequest {
        node: ctx.node.clone(),
        handle: handle.to_owned(),
        attributes,
        ipv4: conf.ipv4,
        ipv6: conf.ipv6,
        pools: pools::load(&ctx.client, &ctx.node).await?,
        strict_affinity: conf.strict_affinity,
    };
    ctx.ipam.assign(&request).await.map_err(error::from_ipam)
}

/// Best effort: a failed ADD leaves nothing behind (the runtime will also call DEL).
async fn undo(ctx: &Context, host_veth: &str, handle: &str) {
    if let Err(err) = dataplane::teardown(host_veth).await {
        tracing::warn!(%err, veth = host_veth, "cleanup after a failed ADD: veth not deleted");
    }
    if let Err(err) = ctx.ipam.release(handle).await {
        tracing::warn!(%err, handle, "cleanup after a failed ADD: addresses not released");
    }
}
