//! Rules that only test or change the packet mark and then jump, return or
//! drop: the whole vocabulary of policy-group chains. Kept as data (not only
//! as text) so they can be written straight over netlink as well as through
//! `nft -f`. Pure.

use std::fmt;

use crate::sets::Verdict;

/// `meta mark & mask == value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkTest {
    /// Bits looked at.
    pub mask: u32,
    /// Value they must have.
    pub value: u32,
}

/// One rule of a policy-group chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkRule {
    /// `meta mark set meta mark & mask`: clears bits, no verdict.
    ClearBits(u32),
    /// `[meta mark & mask == value] verdict`.
    Verdict(Option<MarkTest>, Verdict),
}

impl fmt::Display for MarkTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "meta mark & 0x{:08x} == 0x{:08x}", self.mask, self.value)
    }
}

impl fmt::Display for MarkRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MarkRule::ClearBits(mask) => write!(f, "meta mark set meta mark & 0x{mask:08x}"),
            MarkRule::Verdict(Some(test), v) => write!(f, "{test} {v}"),
            MarkRule::Verdict(None, v) => write!(f, "{v}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mark_rules_read_as_nft_rules() {
        let pass_clear = MarkTest {
            mask: 0x0002_0000,
            value: 0,
        };
        let cases = [
            (
                MarkRule::ClearBits(0xfffd_ffff),
                "meta mark set meta mark & 0xfffdffff",
            ),
            (
                MarkRule::Verdict(Some(pass_clear), Verdict::Jump("pi-1".into())),
                "meta mark & 0x00020000 == 0x00000000 jump pi-1",
            ),
            (MarkRule::Verdict(None, Verdict::Drop), "drop"),
        ];
        for (rule, text) in cases {
            assert_eq!(rule.to_string(), text);
        }
    }
}
