//! DEL: remove the veth, the WorkloadEndpoint and the addresses. Idempotent: everything
//! already gone is success. The addresses go last, so a crash part-way leaves either a veth-less
//! endpoint (removed by the next DEL) or a handle without an endpoint (reported by
//! `netctl ipam check`, released by the next DEL) and never an endpoint whose addresses were
//! handed to someone else.

use crate::abort::abort_point;
use crate::config::NetConf;
use crate::context;
use crate::dataplane;
use crate::endpoint;
use crate::env::Invocation;
use crate::error::{self, CniError, DATAPLANE_FAILED};
use crate::naming;
use datastore::resource::client::Target;
use resources::Kind;

/// Runs DEL.
pub async fn del(inv: &Invocation, conf: &NetConf) -> Result<(), CniError> {
    let ctx = context::connect(conf).await?;
    let handle = naming::handle(&inv.container_id, &inv.ifname);
    let veth = naming::host_veth(&conf.interface_prefix, &handle);
    let removed = dataplane::teardown(&veth).await.map_err(|err| {
        CniError::new(
            DATAPLANE_FAILED,
            "cannot delete the host veth",
            err.to_string(),
        )
    })?;
    abort_point("veth-deleted");
    let workload = endpoint::workload(inv, conf);
    let target = Target {
        kind: Kind::WorkloadEndpoint,
        namespace: Some(workload.namespace.clone()),
        name: naming::endpoint_name(&ctx.node, &workload, &inv.container_id, &inv.ifname),
    };
    let deleted = ctx
        .client
        .delete_all(std::slice::from_ref(&target), true)
        .await
        .map_err(error::from_client)?;
    abort_point("endpoint-deleted");
    let freed = ctx.ipam.release(&handle).await.map_err(error::from_ipam)?;
    tracing::info!(%handle, removed, endpoints = deleted.len(), ?freed, "detached");
    Ok(())
}
