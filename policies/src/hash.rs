//! FNV-1a, 64-bit: the one hash behind every stable name Terrace derives from
//! text (selector IDs here, nftables object names in felix, host-side veth
//! names in the CNI plugin).
//!
//! It lives in this crate because it is the lowest in the dependency graph of
//! those users. Values must never change: names computed by one release are
//! recognised, and cleaned up, by the next.

/// FNV-1a, 64-bit (offset basis and prime from the FNV specification): stable
/// across platforms and releases.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// 16 lower-case hex digits of [`fnv1a64`] of `text`.
pub fn short(text: &str) -> String {
    format!("{:016x}", fnv1a64(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_the_published_test_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(short("a"), "af63dc4c8601ec8c");
    }
}
