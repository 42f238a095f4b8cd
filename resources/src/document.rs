//! The document envelope (`apiVersion`, `kind`, `metadata`, `spec`) and the
//! header peek that decides which typed spec a document is parsed into.

use super::{
    kind::Kind,
    meta::ObjectMeta,
    stream::{DocError, SourceDoc},
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// A document with its spec parsed as `S`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Typed<S> {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: S,
}

/// Just enough of a document to pick its kind; everything else is ignored here.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawHeader {
    api_version: Option<String>,
    kind: Option<String>,
    metadata: Option<RawMeta>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawMeta {
    name: Option<String>,
    namespace: Option<String>,
}

/// What a document says it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub api_version: String,
    pub kind: Kind,
    pub name: Option<String>,
    pub namespace: Option<String>,
}

/// Reads `apiVersion` and `kind`, checking both before the spec is parsed.
pub fn read_header(doc: &SourceDoc) -> Result<Header, DocError> {
    let raw: RawHeader = doc.parse()?;
    let api_version = raw
        .api_version
        .ok_or_else(|| doc.error("apiVersion is missing"))?;
    let kind_name = raw.kind.ok_or_else(|| doc.error("kind is missing"))?;
    let kind: Kind = kind_name.parse().map_err(|e: String| doc.error(e))?;
    if !kind.accepts_api_version(&api_version) {
        return Err(doc.error(format!(
            "apiVersion {api_version:?} does not carry kind {kind} (use {} or {})",
            super::kind::API_VERSION,
            super::kind::CALICO_API_VERSION
        )));
    }
    let (name, namespace) = raw
        .metadata
        .map(|m| (m.name, m.namespace))
        .unwrap_or_default();
    Ok(Header {
        api_version,
        kind,
        name,
        namespace,
    })
}

/// Parses a document whose header has been read into its typed form.
pub fn parse_typed<S: DeserializeOwned>(doc: &SourceDoc) -> Result<Typed<S>, DocError> {
    doc.parse()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IPPoolSpec, stream::split_documents};

    #[test]
    fn header_names_kind_and_metadata() {
        let docs = split_documents(
            "f",
            "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p1}\nspec: {cidr: 10.0.0.0/16}\n",
        );
        let h = read_header(&docs[0]).unwrap();
        assert_eq!((h.kind, h.name.as_deref()), (Kind::IPPool, Some("p1")));
    }

    #[test]
    fn header_errors_are_precise() {
        let cases = [
            ("kind: IPPool\nmetadata: {name: a}", "apiVersion is missing"),
            (
                "apiVersion: terrace.io/v1\nmetadata: {name: a}",
                "kind is missing",
            ),
            (
                "apiVersion: terrace.io/v1\nkind: Pod",
                "unknown kind \"Pod\"",
            ),
            (
                "apiVersion: networking.k8s.io/v1\nkind: IPPool",
                "does not carry kind IPPool",
            ),
        ];
        for (text, want) in cases {
            let docs = split_documents("f", text);
            let err = read_header(&docs[0]).unwrap_err().to_string();
            assert!(err.contains(want), "{text}: {err}");
        }
    }

    #[test]
    fn unknown_spec_field_is_reported_with_its_path_and_line() {
        let text = "apiVersion: terrace.io/v1\nkind: IPPool\nmetadata: {name: p}\nspec:\n  cidr: 10.0.0.0/16\n  natOutgong: true\n";
        let docs = split_documents("pools.yaml", text);
        let err = parse_typed::<IPPoolSpec>(&docs[0]).unwrap_err();
        assert_eq!(err.line, 6, "{err}");
        assert!(
            err.message.contains("spec") && err.message.contains("natOutgong"),
            "{err}"
        );
    }
}
