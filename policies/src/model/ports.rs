//! Port matches: numbers, ranges and named ports.

use std::fmt;

/// One entry of `ports` / `notPorts`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PortSpec {
    /// `min..=max` (a single port has min == max).
    Range {
        /// First port.
        min: u16,
        /// Last port (inclusive).
        max: u16,
    },
    /// A named port, resolved against the endpoint's declared ports.
    Named(String),
}

/// Why a port entry is not a port.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    /// Not a number in 0-65535.
    #[error("{0:?} is not a port number 0-65535")]
    NotANumber(String),
    /// A YAML integer outside 0-65535.
    #[error("port {0} is outside 0-65535")]
    OutOfRange(i64),
    /// `min:max` with min above max.
    #[error("port range {0:?} has its start after its end")]
    Reversed(String),
    /// Neither a number, a range nor a service name.
    #[error(
        "{0:?} is neither a port, a \"min:max\" range nor a valid port name \
         (1-15 lower-case letters, digits or '-', with a letter)"
    )]
    Unrecognised(String),
}

impl PortSpec {
    /// Parses `"80"`, `"80:90"` or a port name (IANA service-name syntax:
    /// 1-15 of `[a-z0-9-]`, at least one letter, no leading/trailing `-`).
    pub fn parse(text: &str) -> Result<PortSpec, PortError> {
        if let Some((lo, hi)) = text.split_once(':') {
            let min = parse_num(lo)?;
            let max = parse_num(hi)?;
            if min > max {
                return Err(PortError::Reversed(text.to_owned()));
            }
            return Ok(PortSpec::Range { min, max });
        }
        if text.chars().all(|c| c.is_ascii_digit()) && !text.is_empty() {
            let p = parse_num(text)?;
            return Ok(PortSpec::Range { min: p, max: p });
        }
        if is_port_name(text) {
            Ok(PortSpec::Named(text.to_string()))
        } else {
            Err(PortError::Unrecognised(text.to_owned()))
        }
    }

    /// Numeric port from a YAML integer.
    pub fn from_number(n: i64) -> Result<PortSpec, PortError> {
        u16::try_from(n)
            .map(|p| PortSpec::Range { min: p, max: p })
            .map_err(|_| PortError::OutOfRange(n))
    }

    /// True for numeric ports and ranges.
    pub fn is_numeric(&self) -> bool {
        matches!(self, PortSpec::Range { .. })
    }
}

fn parse_num(text: &str) -> Result<u16, PortError> {
    text.trim()
        .parse::<u16>()
        .map_err(|_| PortError::NotANumber(text.to_owned()))
}

fn is_port_name(s: &str) -> bool {
    (1..=15).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && s.chars().any(|c| c.is_ascii_lowercase())
        && !s.starts_with('-')
        && !s.ends_with('-')
}

impl fmt::Display for PortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortSpec::Range { min, max } if min == max => write!(f, "{min}"),
            PortSpec::Range { min, max } => write!(f, "{min}:{max}"),
            PortSpec::Named(n) => f.write_str(n),
        }
    }
}
