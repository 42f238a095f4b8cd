//! IPPool: a range containers take addresses from, carved into per-host blocks.

use super::field_error::{Errors, FieldError};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// Default block prefix lengths (a /26 holds 64 IPv4 addresses).
pub const DEFAULT_BLOCK_SIZE_V4: u8 = 26;
pub const DEFAULT_BLOCK_SIZE_V6: u8 = 122;

/// Encapsulation modes exist in Calico files; Terrace routes natively, so only
/// `Never` is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum EncapsulationMode {
    #[default]
    Never,
    Always,
    CrossSubnet,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IPPoolSpec {
    pub cidr: IpNet,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_size: Option<u8>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nat_outgoing: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
    #[serde(
        default,
        rename = "disableBGPExport",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub disable_bgp_export: bool,
    /// Which nodes may take blocks from this pool; empty means all.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub node_selector: String,
    #[serde(default, rename = "ipipMode", skip_serializing_if = "Option::is_none")]
    pub ipip_mode: Option<EncapsulationMode>,
    #[serde(default, rename = "vxlanMode", skip_serializing_if = "Option::is_none")]
    pub vxlan_mode: Option<EncapsulationMode>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_uses: Vec<String>,
}

impl IPPoolSpec {
    /// The block prefix length, defaulted per address family.
    pub fn block_prefix_len(&self) -> u8 {
        self.block_size.unwrap_or(match self.cidr {
            IpNet::V4(_) => DEFAULT_BLOCK_SIZE_V4,
            IpNet::V6(_) => DEFAULT_BLOCK_SIZE_V6,
        })
    }

    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Errors::default();
        if self.cidr.trunc() != self.cidr {
            errors.push(
                "spec.cidr",
                format!(
                    "{} has host bits set; did you mean {}?",
                    self.cidr,
                    self.cidr.trunc()
                ),
            );
        }
        let (min, max) = match self.cidr {
            IpNet::V4(_) => (20, 32),
            IpNet::V6(_) => (116, 128),
        };
        let block = self.block_prefix_len();
        if !(min..=max).contains(&block) {
            errors.push(
                "spec.blockSize",
                format!("must be between {min} and {max} for this address family"),
            );
        } else if block < self.cidr.prefix_len() {
            errors.push(
                "spec.blockSize",
                format!("/{block} blocks do not fit in {}", self.cidr),
            );
        }
        for (field, mode) in [
            ("spec.ipipMode", self.ipip_mode),
            ("spec.vxlanMode", self.vxlan_mode),
        ] {
            if mode.is_some_and(|m| m != EncapsulationMode::Never) {
                errors.push(
                    field,
                    "Terrace routes natively without an overlay; only Never is supported",
                );
            }
        }
        for (i, use_) in self.allowed_uses.iter().enumerate() {
            if use_ != "Workload" {
                errors.push(
                    format!("spec.allowedUses[{i}]"),
                    format!("{use_:?} is not supported; only Workload"),
                );
            }
        }
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(yaml: &str) -> IPPoolSpec {
        serde_yaml_ng::from_str(yaml).unwrap()
    }

    #[test]
    fn block_size_defaults_per_family() {
        assert_eq!(pool("cidr: 10.65.0.0/16").block_prefix_len(), 26);
        assert_eq!(pool("cidr: fd00:65::/48").block_prefix_len(), 122);
    }

    #[test]
    fn validation_rejects_what_cannot_work() {
        let cases = [
            ("cidr: 10.65.0.0/16", None),
            ("cidr: 10.65.0.1/16", Some("spec.cidr")),
            (
                "{cidr: 10.65.0.0/16, blockSize: 19}",
                Some("spec.blockSize"),
            ),
            (
                "{cidr: 10.65.0.0/28, blockSize: 26}",
                Some("spec.blockSize"),
            ),
            (
                "{cidr: 10.65.0.0/16, ipipMode: Always}",
                Some("spec.ipipMode"),
            ),
            ("{cidr: 10.65.0.0/16, vxlanMode: Never}", None),
            (
                "{cidr: 10.65.0.0/16, allowedUses: [Tunnel]}",
                Some("spec.allowedUses[0]"),
            ),
        ];
        for (yaml, want) in cases {
            let got = pool(yaml).validate().err().map(|e| e[0].path.clone());
            assert_eq!(got.as_deref(), want, "{yaml}");
        }
    }

    #[test]
    fn unknown_fields_are_errors() {
        assert!(
            serde_yaml_ng::from_str::<IPPoolSpec>("{cidr: 10.0.0.0/8, natOutgong: true}").is_err()
        );
    }
}
