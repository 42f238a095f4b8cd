//! Renders objects as a table, YAML, JSON or names.

use crate::args::OutputFormat;
use resources::{Kind, Object};

/// One column of the table view: header and how to read it from an object.
struct Column {
    header: &'static str,
    value: fn(&Object) -> String,
    wide_only: bool,
}

fn spec_str(o: &Object, field: &str) -> String {
    match o.spec.get(field) {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

fn labels(o: &Object) -> String {
    o.metadata
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn list_len(o: &Object, field: &str) -> String {
    o.spec
        .get(field)
        .and_then(|v| v.as_array())
        .map_or(0, Vec::len)
        .to_string()
}

macro_rules! col {
    ($h:literal, $f:expr) => {
        Column {
            header: $h,
            value: $f,
            wide_only: false,
        }
    };
    ($h:literal, $f:expr, wide) => {
        Column {
            header: $h,
            value: $f,
            wide_only: true,
        }
    };
}

fn columns(kind: Kind) -> Vec<Column> {
    let mut cols = vec![col!("NAME", |o| o.metadata.name.clone())];
    if kind.is_namespaced() {
        cols.insert(
            0,
            col!("NAMESPACE", |o| o
                .metadata
                .namespace
                .clone()
                .unwrap_or_default()),
        );
    }
    cols.extend(match kind {
        Kind::IPPool => vec![
            col!("CIDR", |o| spec_str(o, "cidr")),
            col!("BLOCKSIZE", |o| spec_str(o, "blockSize")),
            col!("NAT", |o| spec_str(o, "natOutgoing")),
            col!("DISABLED", |o| spec_str(o, "disabled"), wide),
            col!("SELECTOR", |o| spec_str(o, "nodeSelector"), wide),
        ],
        Kind::BGPPeer => vec![
            col!("PEERIP", |o| spec_str(o, "peerIP")),
            col!("NODE", |o| spec_str(o, "node")),
            col!("ASN", |o| spec_str(o, "asNumber")),
            col!("NODESELECTOR", |o| spec_str(o, "nodeSelector"), wide),
            col!("PEERSELECTOR", |o| spec_str(o, "peerSelector"), wide),
        ],
        Kind::Node => vec![
            col!("ASN", |o| o
                .spec
                .pointer("/bgp/asNumber")
                .map(|v| v.to_string())
                .unwrap_or_default()),
            col!("IPV4", |o| o
                .spec
                .pointer("/bgp/ipv4Address")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()),
            col!(
                "IPV6",
                |o| o
                    .spec
                    .pointer("/bgp/ipv6Address")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string(),
                wide
            ),
        ],
        Kind::WorkloadEndpoint => vec![
            col!("NODE", |o| spec_str(o, "node")),
            col!("NETWORKS", |o| o
                .spec
                .get("ipNetworks")
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|n| n.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default()),
            col!("INTERFACE", |o| spec_str(o, "interfaceName")),
            col!("PROFILES", |o| list_len(o, "profiles"), wide),
        ],
        Kind::HostEndpoint => vec![
            col!("NODE", |o| spec_str(o, "node")),
            col!("INTERFACE", |o| spec_str(o, "interfaceName")),
        ],
        Kind::NetworkPolicy | Kind::GlobalNetworkPolicy => vec![
            col!("TIER", |o| Some(spec_str(o, "tier"))
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "default".into())),
            col!("ORDER", |o| spec_str(o, "order")),
            col!("SELECTOR", |o| spec_str(o, "selector"), wide),
            col!("INGRESS", |o| list_len(o, "ingress"), wide),
            col!("EGRESS", |o| list_len(o, "egress"), wide),
        ],
        Kind::Tier => vec![
            col!("ORDER", |o| spec_str(o, "order")),
            col!("DEFAULTACTION", |o| spec_str(o, "defaultAction")),
        ],
        Kind::NetworkSet | Kind::GlobalNetworkSet => vec![col!("NETS", |o| list_len(o, "nets"))],
        _ => vec![],
    });
    cols.push(col!("LABELS", labels, wide));
    cols
}

/// Prints the objects (all of one kind) in the requested format.
pub fn render(kind: Kind, objects: &[Object], format: OutputFormat) -> String {
    match format {
        OutputFormat::Table => table(kind, objects, false),
        OutputFormat::Wide => table(kind, objects, true),
        OutputFormat::Name => objects
            .iter()
            .map(|o| format!("{}/{}\n", kind.name().to_ascii_lowercase(), o.metadata.name))
            .collect(),
        OutputFormat::Json => {
            let value = if objects.len() == 1 {
                serde_json::to_value(&objects[0])
            } else {
                serde_json::to_value(objects)
            };
            value.map(|v| format!("{v:#}\n")).unwrap_or_default()
        }
        OutputFormat::Yaml => objects
            .iter()
            .filter_map(|o| serde_yaml_ng::to_string(o).ok())
            .map(|doc| format!("---\n{doc}"))
            .collect(),
    }
}

fn table(kind: Kind, objects: &[Object], wide: bool) -> String {
    let cols: Vec<Column> = columns(kind)
        .into_iter()
        .filter(|c| wide || !c.wide_only)
        .collect();
    let rows: Vec<Vec<String>> = objects
        .iter()
        .map(|o| cols.iter().map(|c| (c.value)(o)).collect())
        .collect();
    let widths: Vec<usize> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .map(|r| r[i].len())
                .chain([c.header.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("{}\n", padded.join("   ").trim_end())
    };
    let mut out = line(cols.iter().map(|c| c.header).collect());
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}
