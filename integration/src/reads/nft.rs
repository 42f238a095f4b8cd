//! `nft -j list ruleset` output: tables, chains, rules and sets, with rule
//! expressions kept as raw JSON (their schema is open-ended).

use serde::Deserialize;
use serde_json::Value;

use super::{ParseError, parse_json};

/// A whole ruleset, split by object kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ruleset {
    /// Tables.
    pub tables: Vec<NftTable>,
    /// Chains.
    pub chains: Vec<NftChain>,
    /// Rules.
    pub rules: Vec<NftRule>,
    /// Sets and maps (`is_map` tells which).
    pub sets: Vec<NftSet>,
}

/// A table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NftTable {
    /// Family (`inet`, `ip`, `netdev`...).
    pub family: String,
    /// Name.
    pub name: String,
}

/// A chain; base chains carry type, hook, priority and policy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NftChain {
    /// Family.
    pub family: String,
    /// Table name.
    pub table: String,
    /// Chain name.
    pub name: String,
    /// Base chain type (`filter`, `nat`).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Hook (`forward`, `input`...).
    pub hook: Option<String>,
    /// Priority.
    pub prio: Option<i32>,
    /// Policy (`accept`, `drop`).
    pub policy: Option<String>,
}

/// A rule.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NftRule {
    /// Family.
    pub family: String,
    /// Table name.
    pub table: String,
    /// Chain name.
    pub chain: String,
    /// Rule handle.
    pub handle: Option<u64>,
    /// Comment.
    pub comment: Option<String>,
    /// Statements, as nft's JSON schema gives them.
    #[serde(default)]
    pub expr: Vec<Value>,
}

/// A named set or map.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NftSet {
    /// Family.
    pub family: String,
    /// Table name.
    pub table: String,
    /// Name.
    pub name: String,
    /// Key type(s), e.g. `"ipv4_addr"` or a list for concatenations.
    #[serde(rename = "type")]
    pub key_type: Value,
    /// Elements, raw.
    #[serde(default, rename = "elem")]
    pub elements: Vec<Value>,
    /// Set when this is a map.
    #[serde(skip)]
    pub is_map: bool,
}

#[derive(Deserialize)]
struct Root {
    nftables: Vec<Value>,
}

/// Parses `nft -j list ruleset` output; unknown object kinds (metainfo,
/// counters, flowtables) are skipped.
pub fn parse(text: &str) -> Result<Ruleset, ParseError> {
    let root: Root = parse_json("nft -j list ruleset", text)?;
    let mut rs = Ruleset::default();
    for obj in root.nftables {
        let Value::Object(map) = obj else { continue };
        for (kind, body) in map {
            match kind.as_str() {
                "table" => rs.tables.push(conv(&kind, body)?),
                "chain" => rs.chains.push(conv(&kind, body)?),
                "rule" => rs.rules.push(conv(&kind, body)?),
                "set" | "map" => {
                    let mut s: NftSet = conv(&kind, body)?;
                    s.is_map = kind == "map";
                    rs.sets.push(s);
                }
                _ => {}
            }
        }
    }
    Ok(rs)
}

fn conv<T: serde::de::DeserializeOwned>(kind: &str, v: Value) -> Result<T, ParseError> {
    serde_json::from_value(v).map_err(|source| ParseError {
        what: format!("nft {kind}"),
        source,
    })
}

impl Ruleset {
    /// Rules of one chain, in order.
    pub fn rules_of<'a>(
        &'a self,
        table: &'a str,
        chain: &'a str,
    ) -> impl Iterator<Item = &'a NftRule> + 'a {
        self.rules
            .iter()
            .filter(move |r| r.table == table && r.chain == chain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from `nft -j list ruleset` (nft 1.0.6) with a small table.
    const SAMPLE: &str = r#"{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "inet", "name": "tlab", "handle": 1}}, {"chain": {"family": "inet", "table": "tlab", "name": "fwd_filter", "handle": 1, "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"}}, {"set": {"family": "inet", "table": "tlab", "name": "allowed", "type": "ipv4_addr", "handle": 2, "flags": ["interval"], "elem": [{"prefix": {"addr": "10.65.0.0", "len": 16}}]}}, {"map": {"family": "inet", "table": "tlab", "name": "m", "type": "ifname", "handle": 3, "map": "mark"}}, {"rule": {"family": "inet", "table": "tlab", "chain": "fwd_filter", "handle": 4, "comment": "est", "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}, {"accept": null}]}}]}"#;

    #[test]
    fn ruleset_objects_land_in_their_typed_lists() {
        let rs = parse(SAMPLE).unwrap();
        assert_eq!(
            rs.tables,
            [NftTable {
                family: "inet".into(),
                name: "tlab".into()
            }]
        );
        assert_eq!(rs.chains[0].policy.as_deref(), Some("drop"));
        assert_eq!(rs.chains[0].hook.as_deref(), Some("forward"));
        assert_eq!(rs.sets.len(), 2);
        assert!(!rs.sets[0].is_map && rs.sets[1].is_map);
        assert_eq!(rs.sets[0].elements.len(), 1);
        let rules: Vec<_> = rs.rules_of("tlab", "fwd_filter").collect();
        assert_eq!(
            (
                rules.len(),
                rules[0].comment.as_deref(),
                rules[0].expr.len()
            ),
            (1, Some("est"), 2)
        );
    }

    #[test]
    fn an_empty_ruleset_has_no_objects_and_a_missing_key_is_an_error() {
        let empty = parse(r#"{"nftables": [{"metainfo": {"version": "1.0.6"}}]}"#).unwrap();
        assert_eq!(empty, Ruleset::default());
        assert!(parse(r#"{"nftables": [{"chain": {"family": "inet"}}]}"#).is_err());
    }
}
