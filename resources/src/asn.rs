//! AS numbers as Calico writes them: a plain integer or asdot `high.low` (RFC 5396).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::{fmt, str::FromStr};

/// A 4-octet AS number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AsNumber(pub u32);

impl FromStr for AsNumber {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || format!("{s:?} is not an AS number (an integer or asdot \"high.low\")");
        match s.split_once('.') {
            None => s.parse::<u32>().map(AsNumber).map_err(|_| invalid()),
            Some((high, low)) => {
                let high: u16 = high.parse().map_err(|_| invalid())?;
                let low: u16 = low.parse().map_err(|_| invalid())?;
                Ok(AsNumber((u32::from(high) << 16) | u32::from(low)))
            }
        }
    }
}

impl fmt::Display for AsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for AsNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.0)
    }
}

impl<'de> Deserialize<'de> for AsNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(n) => u32::try_from(n)
                .map(AsNumber)
                .map_err(|_| serde::de::Error::custom(format!("AS number {n} exceeds 4294967295"))),
            Raw::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_asdot_forms() {
        let cases = [
            ("64512", Some(64512)),
            ("1.10", Some(65546)),
            ("0.65535", Some(65535)),
            ("4294967295", Some(u32::MAX)),
            ("4294967296", None),
            ("1.65536", None),
            ("-1", None),
            ("", None),
            ("a.b", None),
        ];
        for (text, want) in cases {
            assert_eq!(text.parse::<AsNumber>().ok().map(|a| a.0), want, "{text}");
        }
    }

    #[test]
    fn deserializes_numbers_and_strings() {
        let from_num: AsNumber = serde_json::from_str("65001").unwrap();
        let from_text: AsNumber = serde_json::from_str("\"1.1\"").unwrap();
        assert_eq!((from_num.0, from_text.0), (65001, 65537));
        assert!(serde_json::from_str::<AsNumber>("5000000000").is_err());
    }
}
