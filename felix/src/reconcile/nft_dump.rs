//! Parsing `nft -j list table inet terrace` into [`Actual`]. Pure.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::nft::{Actual, ActualChain};

/// Why a dump could not be understood.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    /// Not JSON, or not nft's shape.
    #[error("nft json output is not understood: {0}")]
    Shape(String),
}

/// Canonical text of one set element, as felix writes it in `nft -f` text.
pub fn element_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => {
            if let Some(p) = o.get("prefix") {
                let addr = p.get("addr")?.as_str()?;
                let len = p.get("len")?.as_u64()?;
                return Some(format!("{addr}/{len}"));
            }
            if let Some(Value::Array(parts)) = o.get("concat") {
                let texts: Option<Vec<String>> = parts.iter().map(element_text).collect();
                return texts.map(|t| t.join(" . "));
            }
            if let Some(Value::Array(r)) = o.get("range") {
                let (a, b) = (element_text(r.first()?)?, element_text(r.get(1)?)?);
                return Some(format!("{a}-{b}"));
            }
            if let Some(e) = o.get("elem") {
                return element_text(e.get("val")?);
            }
            if let Some(j) = o.get("jump") {
                return Some(format!("jump {}", j.get("target")?.as_str()?));
            }
            if let Some(g) = o.get("goto") {
                return Some(format!("goto {}", g.get("target")?.as_str()?));
            }
            None
        }
        _ => None,
    }
}

fn map_element(v: &Value) -> Option<String> {
    let pair = v.as_array()?;
    let key = element_text(pair.first()?)?;
    let val = element_text(pair.get(1)?)?;
    Some(format!("\"{key}\" : {val}"))
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
                let set: BTreeSet<String> = elems
                    .into_iter()
                    .flatten()
                    .filter_map(|e| {
                        if is_map {
                            map_element(e)
                        } else {
                            element_text(e)
                        }
                    })
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
        let s1: Vec<&str> = a.sets["s1"].iter().map(String::as_str).collect();
        assert_eq!(s1, ["10.0.0.0/24", "10.0.1.5"]);
        assert!(a.sets["np"].contains("10.0.0.1 . tcp . 80"));
        assert!(a.sets["wl-from"].contains("\"tra\" : jump wo-tra"));
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
