//! The CNI error result (spec 1.0.0, section 5 "Error") and the codes the plugin uses.
//!
//! Codes 1-99 are the spec's well-known errors and are used only with their spec meaning;
//! 100 and up are Terrace's own (documented in cni/README.md).

use serde::Serialize;

/// Spec code 1: the configuration's `cniVersion` is not one the plugin supports.
pub const INCOMPATIBLE_VERSION: u32 = 1;
/// Spec code 2: a field of the network configuration is not supported.
pub const UNSUPPORTED_FIELD: u32 = 2;
/// Spec code 4: a required `CNI_*` environment variable is missing or invalid.
pub const INVALID_ENV: u32 = 4;
/// Spec code 5: reading stdin failed.
pub const IO_FAILURE: u32 = 5;
/// Spec code 6: stdin is not a JSON object of the expected shape.
pub const DECODE_FAILURE: u32 = 6;
/// Spec code 7: the configuration decodes but its values are invalid.
pub const INVALID_CONFIG: u32 = 7;
/// Spec code 11: a transient condition (the datastore is unreachable); retry later.
pub const TRY_AGAIN_LATER: u32 = 11;
/// Terrace: no address could be assigned (no usable pool, pool exhausted).
pub const IPAM_FAILED: u32 = 100;
/// Terrace: a kernel operation (netlink, sysctl, namespace) failed.
pub const DATAPLANE_FAILED: u32 = 101;
/// Terrace: CHECK found the attachment not as ADD left it.
pub const CHECK_FAILED: u32 = 102;
/// Terrace: the datastore refused a write or holds corrupt records.
pub const DATASTORE_FAILED: u32 = 103;

/// An error the plugin reports on stdout as the spec's error result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{msg}: {details}")]
pub struct CniError {
    /// The spec or Terrace code.
    pub code: u32,
    /// A short message.
    pub msg: String,
    /// What went wrong and what to do about it.
    pub details: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorResult<'a> {
    cni_version: &'a str,
    code: u32,
    msg: &'a str,
    details: &'a str,
}

impl CniError {
    /// An error with a code, a short message and actionable details.
    pub fn new(code: u32, msg: impl Into<String>, details: impl Into<String>) -> Self {
        CniError {
            code,
            msg: msg.into(),
            details: details.into(),
        }
    }

    /// The JSON error result for `cni_version`.
    pub fn to_json(&self, cni_version: &str) -> String {
        let result = ErrorResult {
            cni_version,
            code: self.code,
            msg: &self.msg,
            details: &self.details,
        };
        // A struct of strings and a number always serializes.
        serde_json::to_string(&result).unwrap_or_else(|_| String::from("{}"))
    }
}

/// Maps an IPAM failure to a code: an unreachable store is transient (11), running out of
/// addresses is Terrace's 100, anything else a datastore failure.
pub fn from_ipam(err: datastore::ipam::IpamError) -> CniError {
    use datastore::ipam::IpamError;
    match &err {
        IpamError::Store(store) if store.is_transient() => datastore_unreachable(store),
        IpamError::Exhausted { .. } | IpamError::NoPool { .. } | IpamError::Contended => {
            CniError::new(IPAM_FAILED, "no address assigned", err.to_string())
        }
        _ => CniError::new(DATASTORE_FAILED, "IPAM failed", err.to_string()),
    }
}

/// Maps a resource-client failure.
pub fn from_client(err: datastore::resource::client::ClientError) -> CniError {
    use datastore::resource::client::ClientError;
    match &err {
        ClientError::Store(store) if store.is_transient() => datastore_unreachable(store),
        _ => CniError::new(
            DATASTORE_FAILED,
            "datastore operation failed",
            err.to_string(),
        ),
    }
}

/// The datastore did not answer: the runtime should retry.
pub fn datastore_unreachable(err: &dyn std::error::Error) -> CniError {
    CniError::new(
        TRY_AGAIN_LATER,
        "datastore unreachable",
        format!(
            "{}; check that the datastore named by the config's \"datastore\" field \
             (or TERRACE_DATASTORE, or /etc/terrace/config.toml) is running and reachable",
            chain(err)
        ),
    )
}

/// The error and its sources, joined with ": ".
pub fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_result_has_the_spec_fields() {
        let json = CniError::new(7, "invalid config", "mtu 10 is too small").to_json("1.0.0");
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["cniVersion"], "1.0.0");
        assert_eq!(value["code"], 7);
        assert_eq!(value["msg"], "invalid config");
        assert_eq!(value["details"], "mtu 10 is too small");
    }
}
