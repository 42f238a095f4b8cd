//! `policy trace`: the reference evaluator's verdict for one flow, against
//! everything in the datastore.

use crate::args::{GlobalArgs, TraceArgs, TraceFormat};
use crate::context::connect;
use crate::error::{CtlError, CtlResult};
use policies::eval::{Flow, FlowEnd, IcmpInfo, Trace, Verdict};
use policies::model::Protocol;
use resources::Kind;
use resources::evaluator::{POLICY_KINDS, build_evaluator};

/// The flow the arguments describe.
pub fn flow_from_args(args: &TraceArgs) -> CtlResult<Flow> {
    let protocol = Protocol::parse(&args.protocol).ok_or_else(|| {
        CtlError::Usage(format!(
            "unknown protocol {:?} (tcp, udp, sctp, icmp, icmpv6 or a number)",
            args.protocol
        ))
    })?;
    let (source, destination) = (FlowEnd::parse(&args.from), FlowEnd::parse(&args.to));
    if protocol.is_icmp() {
        let icmp_type = args
            .icmp_type
            .ok_or_else(|| CtlError::Usage("ICMP traces need --icmp-type".into()))?;
        return Ok(Flow::icmp(
            source,
            destination,
            protocol,
            IcmpInfo {
                icmp_type,
                code: args.icmp_code,
            },
        ));
    }
    if args.icmp_type.is_some() {
        return Err(CtlError::Usage(
            "--icmp-type needs --protocol icmp or icmpv6".into(),
        ));
    }
    if protocol.has_ports() {
        let port = args
            .port
            .ok_or_else(|| CtlError::Usage(format!("{} traces need --port", args.protocol)))?;
        return Ok(Flow::new(source, destination, protocol, port));
    }
    let mut flow = Flow::new(source, destination, protocol, 0);
    flow.dst_port = None;
    Ok(flow)
}

fn describe(verdict: &Verdict) -> String {
    let who = match &verdict.endpoint.namespace {
        Some(ns) => format!("{ns}/{}", verdict.endpoint.name),
        None => verdict.endpoint.name.clone(),
    };
    let decision = serde_json::to_value(verdict.decision)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let direction = serde_json::to_value(verdict.direction)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let mut out = format!(
        "{direction} at {who}: {decision} ({})\n",
        verdict.decided_by
    );
    for policy in &verdict.considered {
        out.push_str(&format!(
            "  considered: tier {} policy {}\n",
            policy.tier, policy.policy
        ));
    }
    for logged in &verdict.logged {
        out.push_str(&format!("  logged by: {logged}\n"));
    }
    out
}

/// Human-readable trace.
pub fn render_text(trace: &Trace) -> String {
    let mut out = format!(
        "verdict: {}\n",
        if trace.allowed() { "allow" } else { "deny" }
    );
    for verdict in [&trace.egress, &trace.ingress].into_iter().flatten() {
        out.push_str(&describe(verdict));
    }
    for warning in &trace.warnings {
        out.push_str(&format!("warning: {warning}\n"));
    }
    out
}

pub async fn trace(global: &GlobalArgs, args: &TraceArgs) -> CtlResult<String> {
    let flow = flow_from_args(args)?;
    let client = connect(global).await?;
    let mut objects = Vec::new();
    for kind in POLICY_KINDS
        .into_iter()
        .chain([Kind::WorkloadEndpoint, Kind::HostEndpoint])
    {
        objects.extend(
            client
                .list(kind, None)
                .await
                .map_err(|e| CtlError::Failed(e.into()))?,
        );
    }
    let evaluator = build_evaluator(&objects).map_err(|e| CtlError::Failed(e.into()))?;
    let trace = evaluator
        .evaluate(&flow)
        .map_err(|e| CtlError::Usage(e.to_string()))?;
    match args.output {
        TraceFormat::Text => Ok(render_text(&trace)),
        TraceFormat::Json => serde_json::to_string_pretty(&trace)
            .map(|s| s + "\n")
            .map_err(|e| CtlError::Failed(e.into())),
    }
}
