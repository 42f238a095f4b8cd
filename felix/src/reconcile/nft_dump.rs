//! Parsing `nft -j list table inet terrace` into [`Actual`]. Pure.

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::IpNet;
use serde_json::Value;

use crate::nft::{Actual, ActualChain};
use crate::sets::elem::proto_number;
use crate::sets::{Elem, Verdict};

/// Why a dump could not be understood.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    /// Not JSON, or not nft's shape.
    #[error("nft json output is not understood: {0}")]
    Shape(String),
}

/// nft's text of a JSON value felix does not model (kept only to delete it).
fn raw_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => {
            if let Some(p) = o.get("prefix") {
                let addr = p.get("addr")?.as_str()?;
                let len = p.get("len")?.as_u64()?;
                return Some(format!("{addr}/{len}"));
            }
            if let Some(Value::Array(r)) = o.get("range") {
                let (a, b) = (raw_text(r.first()?)?, raw_text(r.get(1)?)?);
                return Some(format!("{a}-{b}"));
            }
            if let Some(Value::Array(parts)) = o.get("concat") {
                let texts: Option<Vec<String>> = parts.iter().map(raw_text).collect();
                return texts.map(|t| t.join(" . "));
            }
            None
        }
        _ => None,
    }
}

/// An address or prefix value.
fn net(v: &Value) -> Option<IpNet> {
    match v {
        Value::String(s) => s.parse::<IpAddr>().ok().map(IpNet::from),
        Value::Object(o) => {
            let p = o.get("prefix")?;
            let addr: IpAddr = p.get("addr")?.as_str()?.parse().ok()?;
            let len = u8::try_from(p.get("len")?.as_u64()?).ok()?;
            IpNet::new(addr, len).ok()
        }
        _ => None,
    }
}

/// A map verdict value.
fn verdict(v: &Value) -> Option<Verdict> {
    let o = v.as_object()?;
    let target = |k: &str| Some(o.get(k)?.get("target")?.as_str()?.to_string());
    if let Some(t) = target("jump") {
        return Some(Verdict::Jump(t));
    }
    if let Some(t) = target("goto") {
        return Some(Verdict::Goto(t));
    }
    match () {
        _ if o.contains_key("accept") => Some(Verdict::Accept),
        _ if o.contains_key("drop") => Some(Verdict::Drop),
        _ if o.contains_key("return") => Some(Verdict::Return),
        _ => None,
    }
}

/// The element a set value stands for; what felix does not model is kept
/// as nft text.
pub fn set_elem(v: &Value) -> Option<Elem> {
    if let Some(inner) = v.get("elem") {
        return set_elem(inner.get("val")?);
    }
    if let Some(n) = net(v) {
        return Some(Elem::Net(n));
    }
    if let Some(Value::Array(parts)) = v.get("concat") {
        match parts.as_slice() {
            [addr, proto, port] => {
                let ip: Option<IpAddr> = addr.as_str().and_then(|a| a.parse().ok());
                let proto = proto
                    .as_str()
                    .and_then(proto_number)
                    .or_else(|| proto.as_u64().and_then(|n| u8::try_from(n).ok()));
                let port = port.as_u64().and_then(|p| u16::try_from(p).ok());
                if let (Some(ip), Some(proto), Some(port)) = (ip, proto, port) {
                    return Some(Elem::AddrProtoPort(ip, proto, port));
                }
            }
            [Value::String(iface), addr] => match (net(addr), addr) {
                (Some(n), Value::String(_)) => {
                    return Some(Elem::IfaceAddr(iface.clone(), n.addr()));
                }
                (Some(n), _) => return Some(Elem::IfaceNet(iface.clone(), n)),
                (None, _) => {}
            },
            _ => {}
        }
    }
    raw_text(v).map(Elem::Raw)
}

fn map_elem(v: &Value) -> Option<Elem> {
    let pair = v.as_array()?;
    let key = pair.first()?;
    let key = key
        .get("elem")
        .and_then(|e| e.get("val"))
        .unwrap_or(key)
        .as_str()?;
    let val = pair.get(1)?;
    match verdict(val) {
        Some(v) => Some(Elem::IfaceVerdict(key.to_string(), v)),
        None => Some(Elem::Raw(format!("\"{key}\" : {}", raw_text(val)?))),
    }
}

/// Parses the JSON dump of the table.
pub fn parse(json: &str) -> Result<Actual, DumpError> {
    let root: Value = serde_json::from_str(json).map_err(|e| DumpError::Shape(e.to_string()))?;
    let items = root
        .get("nftables")
        .and_then(Value::as_array)
        .ok_or_else(|| DumpError::Shape("no nftables array".into()))?;
    let mut actual = Actual::default();
    for item in items {
        let Some((kind, body)) = item.as_object().and_then(|o| o.iter().next()) else {
            continue;
        };
        let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
        match kind.as_str() {
            "table" => actual.exists = true,
            "set" | "map" => {
                let is_map = kind == "map";
                let elems = body.get("elem").and_then(Value::as_array);
                let set: BTreeSet<Elem> = elems
                    .into_iter()
                    .flatten()
                    .filter_map(|e| if is_map { map_elem(e) } else { set_elem(e) })
                    .collect();
                if is_map {
                    actual.maps.insert(name.to_string());
                }
                actual.sets.insert(name.to_string(), set);
            }
            "chain" => {
                actual.chains.entry(name.to_string()).or_default();
            }
            "rule" => {
                let chain = body
                    .get("chain")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let entry: &mut ActualChain = actual.chains.entry(chain.to_string()).or_default();
                if entry.rules == 0 {
                    entry.hash = body
                        .get("comment")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                }
                entry.rules += 1;
                entry
                    .handles
                    .extend(body.get("handle").and_then(Value::as_u64));
            }
            _ => {}
        }
    }
    Ok(actual)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dump_becomes_elements_chains_and_hashes() {
        let json = r#"{"nftables":[{"metainfo":{"version":"1.0.6"}},
          {"table":{"family":"inet","name":"terrace","handle":1}},
          {"set":{"family":"inet","name":"s1","table":"terrace","type":"ipv4_addr","handle":3,
             "elem":[{"prefix":{"addr":"10.0.0.0","len":24}},"10.0.1.5"]}},
          {"set":{"family":"inet","name":"np","table":"terrace","handle":4,
             "elem":[{"concat":["10.0.0.1","tcp",80]}]}},
          {"map":{"family":"inet","name":"wl-from","table":"terrace","handle":5,"map":"verdict",
             "elem":[["tra",{"jump":{"target":"wo-tra"}}]]}},
          {"chain":{"family":"inet","table":"terrace","name":"wo-tra","handle":1}},
          {"chain":{"family":"inet","table":"terrace","name":"empty","handle":2}},
          {"rule":{"family":"inet","table":"terrace","chain":"wo-tra","handle":6,"comment":"th:1","expr":[]}},
          {"rule":{"family":"inet","table":"terrace","chain":"wo-tra","handle":7,"expr":[]}}]}"#;
        let a = parse(json).unwrap();
        assert!(a.exists);
        let s1: Vec<String> = a.sets["s1"].iter().map(ToString::to_string).collect();
        assert_eq!(s1, ["10.0.0.0/24", "10.0.1.5"]);
        let np = Elem::AddrProtoPort("10.0.0.1".parse().unwrap(), 6, 80);
        assert!(a.sets["np"].contains(&np));
        let jump = Elem::IfaceVerdict("tra".into(), Verdict::Jump("wo-tra".into()));
        assert!(a.sets["wl-from"].contains(&jump));
        assert!(a.maps.contains("wl-from") && !a.maps.contains("s1"));
        assert_eq!(a.chains["wo-tra"].hash.as_deref(), Some("th:1"));
        assert_eq!(a.chains["wo-tra"].rules, 2);
        assert_eq!(a.chains["wo-tra"].handles, [6, 7]);
        assert_eq!(a.chains["empty"].rules, 0);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse("not json").is_err());
        assert!(parse("{}").is_err());
    }
}
