//! Datastore URLs.
//!
//! ```text
//! sqlite:///var/lib/terrace/store.db[?retention=N&busy-timeout-ms=N&poll-ms=N&synchronous=normal|full]
//! etcd://host:port[,host:port...][?cacert=PATH&cert=PATH&key=PATH&username=U&password-file=PATH]
//! ```
//!
//! SQLite paths are absolute. etcd endpoints are `host:port` (IPv6 as `[::1]:2379`); giving
//! `cacert` switches every endpoint to TLS, `cert` and `key` (together) add a client certificate,
//! `username` with `password-file` (preferred: the secret stays out of process listings) or
//! `password` enables etcd authentication. Query values are percent-decoded; unknown parameters
//! are rejected so a typo never silently disables TLS.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::model::Revision;

/// Why a datastore URL was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid datastore url {url:?}: {reason}")]
pub struct UrlError {
    /// The URL, with any password removed.
    pub url: String,
    /// Why.
    pub reason: String,
}

/// A parsed datastore URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatastoreUrl {
    /// The embedded SQLite store.
    Sqlite(SqliteUrl),
    /// An etcd v3 cluster.
    Etcd(EtcdUrl),
}

/// Where and how to open the embedded store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteUrl {
    /// The database file (its directory is created on open).
    pub path: PathBuf,
    /// How many revisions of change log to keep before compacting (`retention`).
    pub retention: Revision,
    /// How long a writer waits for another process's write lock (`busy-timeout-ms`).
    pub busy_timeout: Duration,
    /// How often watchers look for other processes' writes (`poll-ms`, at most 20).
    pub poll_interval: Duration,
    /// Whether each commit is fsynced (`synchronous=full`) or only checkpoints are (`normal`).
    pub synchronous_full: bool,
}

/// How to reach an etcd cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EtcdUrl {
    /// `host:port` of every member to try.
    pub endpoints: Vec<String>,
    /// CA bundle that verifies the servers; enables TLS.
    pub ca_file: Option<PathBuf>,
    /// Client certificate and key, for mutual TLS.
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// User name for etcd authentication.
    pub username: Option<String>,
    /// Where the password comes from.
    pub password: Option<Password>,
}

/// An etcd password source.
#[derive(Clone, PartialEq, Eq)]
pub enum Password {
    /// Given in the URL (`password=`).
    Inline(String),
    /// Read from a file at connect time (`password-file=`), trailing newline removed.
    File(PathBuf),
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Password::Inline(_) => f.write_str("Inline(<redacted>)"),
            Password::File(path) => f.debug_tuple("File").field(path).finish(),
        }
    }
}

impl EtcdUrl {
    /// The endpoint URLs handed to the gRPC client (`http://` or `https://`).
    pub fn endpoint_urls(&self) -> Vec<String> {
        let scheme = if self.ca_file.is_some() {
            "https"
        } else {
            "http"
        };
        self.endpoints
            .iter()
            .map(|e| format!("{scheme}://{e}"))
            .collect()
    }
}

/// Defaults for SQLite URL parameters.
pub mod defaults {
    /// Revisions of change log kept.
    pub const RETENTION: i64 = 100_000;
    /// Milliseconds a writer waits for the lock.
    pub const BUSY_TIMEOUT_MS: u64 = 10_000;
    /// Milliseconds between checks for other processes' writes.
    pub const POLL_MS: u64 = 5;
}

impl std::str::FromStr for DatastoreUrl {
    type Err = UrlError;

    fn from_str(url: &str) -> Result<Self, UrlError> {
        DatastoreUrl::parse(url)
    }
}

impl DatastoreUrl {
    /// Parses `sqlite:///path` or `etcd://host:port,...` with their query parameters.
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        let fail = |reason: String| UrlError {
            url: redact(url),
            reason,
        };
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let params = parse_query(query).map_err(&fail)?;
        if let Some(path) = base.strip_prefix("sqlite://") {
            parse_sqlite(path, params)
                .map(DatastoreUrl::Sqlite)
                .map_err(fail)
        } else if let Some(hosts) = base.strip_prefix("etcd://") {
            parse_etcd(hosts, params)
                .map(DatastoreUrl::Etcd)
                .map_err(fail)
        } else {
            Err(fail("scheme must be sqlite:// or etcd://".to_owned()))
        }
    }
}

/// The canonical form of the URL with an inline password redacted; it parses back to the same
/// URL when paths contain none of `?&=%`.
impl fmt::Display for DatastoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatastoreUrl::Sqlite(s) => write!(
                f,
                "sqlite://{}?retention={}&busy-timeout-ms={}&poll-ms={}&synchronous={}",
                s.path.display(),
                s.retention,
                s.busy_timeout.as_millis(),
                s.poll_interval.as_millis(),
                if s.synchronous_full { "full" } else { "normal" },
            ),
            DatastoreUrl::Etcd(e) => {
                let mut params = Vec::new();
                if let Some(ca) = &e.ca_file {
                    params.push(format!("cacert={}", ca.display()));
                }
                if let Some((cert, key)) = &e.client_cert {
                    params.push(format!("cert={}&key={}", cert.display(), key.display()));
                }
                if let Some(user) = &e.username {
                    params.push(format!("username={user}"));
                }
                match &e.password {
                    Some(Password::Inline(_)) => params.push("password=<redacted>".to_owned()),
                    Some(Password::File(path)) => {
                        params.push(format!("password-file={}", path.display()))
                    }
                    None => {}
                }
                write!(f, "etcd://{}", e.endpoints.join(","))?;
                if !params.is_empty() {
                    write!(f, "?{}", params.join("&"))?;
                }
                Ok(())
            }
        }
    }
}

fn parse_sqlite(path: &str, params: Vec<(String, String)>) -> Result<SqliteUrl, String> {
    if !path.starts_with('/') {
        return Err("the sqlite path must be absolute (sqlite:///dir/store.db)".to_owned());
    }
    let mut url = SqliteUrl {
        path: PathBuf::from(path),
        retention: defaults::RETENTION,
        busy_timeout: Duration::from_millis(defaults::BUSY_TIMEOUT_MS),
        poll_interval: Duration::from_millis(defaults::POLL_MS),
        synchronous_full: false,
    };
    for (name, value) in params {
        match name.as_str() {
            "retention" => url.retention = number(&name, &value, 1, i64::MAX)?,
            "busy-timeout-ms" => url.busy_timeout = millis(&name, &value, 0, 600_000)?,
            "poll-ms" => url.poll_interval = millis(&name, &value, 1, 20)?,
            "synchronous" => {
                url.synchronous_full = match value.as_str() {
                    "full" => true,
                    "normal" => false,
                    _ => return Err("synchronous must be normal or full".to_owned()),
                }
            }
            _ => return Err(format!("unknown sqlite parameter {name:?}")),
        }
    }
    Ok(url)
}

fn parse_etcd(hosts: &str, params: Vec<(String, String)>) -> Result<EtcdUrl, String> {
    let endpoints: Vec<String> = hosts.split(',').map(str::to_owned).collect();
    for endpoint in &endpoints {
        check_endpoint(endpoint)?;
    }
    let mut url = EtcdUrl {
        endpoints,
        ca_file: None,
        client_cert: None,
        username: None,
        password: None,
    };
    let (mut cert, mut key) = (None, None);
    for (name, value) in params {
        match name.as_str() {
            "cacert" => url.ca_file = Some(PathBuf::from(value)),
            "cert" => cert = Some(PathBuf::from(value)),
            "key" => key = Some(PathBuf::from(value)),
            "username" => url.username = Some(value),
            "password" => url.password = Some(Password::Inline(value)),
            "password-file" => url.password = Some(Password::File(PathBuf::from(value))),
            _ => return Err(format!("unknown etcd parameter {name:?}")),
        }
    }
    url.client_cert = match (cert, key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        _ => return Err("cert and key must be given together".to_owned()),
    };
    if url.client_cert.is_some() && url.ca_file.is_none() {
        return Err("a client certificate needs cacert (TLS)".to_owned());
    }
    if url.username.is_some() != url.password.is_some() {
        return Err("username and password (or password-file) must be given together".to_owned());
    }
    Ok(url)
}

fn check_endpoint(endpoint: &str) -> Result<(), String> {
    let bad = || format!("endpoint {endpoint:?} is not host:port");
    let (host, port) = endpoint.rsplit_once(':').ok_or_else(bad)?;
    let host_ok = if let Some(inner) = host.strip_prefix('[') {
        inner
            .strip_suffix(']')
            .is_some_and(|h| h.parse::<std::net::Ipv6Addr>().is_ok())
    } else {
        !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    };
    if !host_ok || port.parse::<u16>().map_or(true, |p| p == 0) {
        return Err(bad());
    }
    Ok(())
}

fn number(name: &str, value: &str, min: i64, max: i64) -> Result<i64, String> {
    match value.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("{name} must be a number from {min} to {max}")),
    }
}

fn millis(name: &str, value: &str, min: i64, max: i64) -> Result<Duration, String> {
    let n = number(name, value, min, max)?;
    // `number` bounds n to min..=max with min >= 0, so the conversion cannot fail.
    Ok(Duration::from_millis(u64::try_from(n).unwrap_or_default()))
}

fn parse_query(query: &str) -> Result<Vec<(String, String)>, String> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("parameter {pair:?} has no value"))?;
            Ok((percent_decode(name)?, percent_decode(value)?))
        })
        .collect()
}

/// Decodes `%XX` escapes (`percent-encoding`); a malformed escape or a result that is not
/// UTF-8 is an error: the crate would pass a malformed escape through unchanged, and in a
/// datastore URL that is a typo worth reporting.
fn percent_decode(text: &str) -> Result<String, String> {
    for (at, _) in text.match_indices('%') {
        let hex = text.get(at + 1..at + 3).ok_or("truncated %-escape")?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("bad %-escape %{hex}"));
        }
    }
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| "a %-escape is not UTF-8".to_owned())
}

/// The URL with any inline password replaced, for logs and errors.
pub fn redact(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("password", _)) => "password=<redacted>".to_owned(),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_decoded_and_bad_escapes_are_errors() {
        let cases: [(&str, Result<&str, &str>); 8] = [
            ("plain", Ok("plain")),
            ("k%20.pem", Ok("k .pem")),
            ("%2541", Ok("%41")),
            ("caf%C3%A9", Ok("caf\u{e9}")),
            ("a%2", Err("truncated %-escape")),
            ("a%", Err("truncated %-escape")),
            ("a%zz", Err("bad %-escape %zz")),
            ("%C3%28", Err("a %-escape is not UTF-8")),
        ];
        for (text, want) in cases {
            let got = percent_decode(text);
            assert_eq!(
                got.as_deref(),
                want.map_err(str::to_owned).as_deref(),
                "{text}"
            );
        }
    }

    #[test]
    fn a_bad_escape_in_a_url_names_the_url_and_the_escape() {
        let err = DatastoreUrl::parse("sqlite:///s.db?retention=1%G0").unwrap_err();
        assert_eq!(err.reason, "bad %-escape %G0");
        assert_eq!(err.url, "sqlite:///s.db?retention=1%G0");
    }
}
