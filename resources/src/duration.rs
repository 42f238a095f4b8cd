//! Durations in the Go notation Calico files use: `90s`, `2m`, `1h30m`, `500ms`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::{fmt, str::FromStr, time::Duration};

/// A duration read from and written as Go notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoDuration(pub Duration);

impl FromStr for GoDuration {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid =
            || format!("{s:?} is not a duration (e.g. \"90s\", \"2m\", \"1h30m\", \"500ms\")");
        if s == "0" {
            return Ok(GoDuration(Duration::ZERO));
        }
        let mut rest = s;
        let mut total = Duration::ZERO;
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .ok_or_else(invalid)?;
            if digits == 0 {
                return Err(invalid());
            }
            let amount: u64 = rest[..digits].parse().map_err(|_| invalid())?;
            rest = &rest[digits..];
            let unit_len = rest
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(rest.len());
            let unit = match &rest[..unit_len] {
                "ms" => Duration::from_millis(1),
                "s" => Duration::from_secs(1),
                "m" => Duration::from_secs(60),
                "h" => Duration::from_secs(3600),
                _ => return Err(invalid()),
            };
            let part = unit.checked_mul(u32::try_from(amount).map_err(|_| invalid())?);
            total = part
                .and_then(|p| total.checked_add(p))
                .ok_or_else(invalid)?;
            rest = &rest[unit_len..];
        }
        if s.is_empty() {
            Err(invalid())
        } else {
            Ok(GoDuration(total))
        }
    }
}

impl fmt::Display for GoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d.subsec_millis() != 0 {
            write!(f, "{}ms", d.as_millis())
        } else {
            write!(f, "{}s", d.as_secs())
        }
    }
}

impl Serialize for GoDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for GoDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_notation() {
        let cases = [
            ("90s", Some(90_000)),
            ("2m", Some(120_000)),
            ("1h30m", Some(5_400_000)),
            ("500ms", Some(500)),
            ("1m500ms", Some(60_500)),
            ("0", Some(0)),
            ("", None),
            ("5", None),
            ("s", None),
            ("1d", None),
            ("-1s", None),
        ];
        for (text, want) in cases {
            let got = text
                .parse::<GoDuration>()
                .ok()
                .map(|d| d.0.as_millis() as u64);
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn prints_back_in_a_form_it_parses() {
        for text in ["90s", "500ms", "1h30m"] {
            let d: GoDuration = text.parse().unwrap();
            assert_eq!(d.to_string().parse::<GoDuration>().unwrap(), d);
        }
    }
}
