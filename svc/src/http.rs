//! A tiny HTTP/1.1 responder for `/liveness`, `/readiness` and `/metrics`:
//! one request per connection, `connection: close`, nothing else.
//! Hand-rolled to keep the dependency tree (and its licenses) small.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What a daemon exposes.
pub trait Probe: Send + Sync + 'static {
    /// True once the daemon does its job (see each daemon's definition).
    fn ready(&self) -> bool;
    /// The Prometheus text exposition.
    fn metrics(&self) -> String;
}

/// Content type of the text exposition format.
pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Status line, content type and body for a request line (pure).
pub fn respond(request_line: &str, probe: &dyn Probe) -> (&'static str, &'static str, String) {
    let mut words = request_line.split_whitespace();
    let method = words.next().unwrap_or("");
    let path = words.next().unwrap_or("/");
    // Query strings (e.g. a scraper's cache buster) do not change the answer.
    let path = path.split('?').next().unwrap_or(path);
    const TEXT: &str = "text/plain; charset=utf-8";
    if method != "GET" && method != "HEAD" {
        return (
            "405 Method Not Allowed",
            TEXT,
            "method not allowed\n".into(),
        );
    }
    match path {
        "/liveness" => ("200 OK", TEXT, "ok\n".into()),
        "/readiness" if probe.ready() => ("200 OK", TEXT, "ready\n".into()),
        "/readiness" => ("503 Service Unavailable", TEXT, "not ready\n".into()),
        "/metrics" => ("200 OK", METRICS_CONTENT_TYPE, probe.metrics()),
        _ => ("404 Not Found", TEXT, "not found\n".into()),
    }
}

/// Serves until the task is dropped; each connection on its own task.
pub async fn serve(listener: TcpListener, probe: Arc<dyn Probe>) {
    loop {
        let mut sock = match listener.accept().await {
            Ok((sock, _)) => sock,
            Err(e) => {
                // Out of descriptors and the like: transient, keep serving.
                tracing::warn!(error = %e, "metrics endpoint accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let probe = probe.clone();
        tokio::spawn(async move {
            let head = read_request_line(&mut sock).await;
            let line = head.lines().next().unwrap_or("");
            let (status, ctype, body) = respond(line, probe.as_ref());
            let body = if line.starts_with("HEAD ") {
                String::new()
            } else {
                body
            };
            let reply = format!(
                "HTTP/1.1 {status}\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(reply.as_bytes()).await;
        });
    }
}

/// Reads the request head (up to the blank line, 8 KiB, EOF or 5 s): closing
/// with unread bytes would reset the connection under the client's reply.
async fn read_request_line(sock: &mut tokio::net::TcpStream) -> String {
    let mut buf = Vec::with_capacity(256);
    let mut chunk = [0u8; 512];
    let read = async {
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 8192 {
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), read).await;
    String::from_utf8_lossy(&buf).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    struct Fixed(AtomicBool);

    impl Probe for Fixed {
        fn ready(&self) -> bool {
            self.0.load(Ordering::Relaxed)
        }
        fn metrics(&self) -> String {
            "x 1\n".into()
        }
    }

    #[test]
    fn paths_map_to_statuses() {
        let p = Fixed(AtomicBool::new(false));
        let cases = [
            ("GET /liveness HTTP/1.1", "200 OK"),
            ("GET /readiness HTTP/1.1", "503 Service Unavailable"),
            ("GET /metrics?x=1 HTTP/1.1", "200 OK"),
            ("GET /nope HTTP/1.1", "404 Not Found"),
            ("POST /metrics HTTP/1.1", "405 Method Not Allowed"),
            ("", "405 Method Not Allowed"),
        ];
        for (line, want) in cases {
            assert_eq!(respond(line, &p).0, want, "{line}");
        }
        p.0.store(true, Ordering::Relaxed);
        assert_eq!(respond("GET /readiness HTTP/1.0", &p).0, "200 OK");
        assert_eq!(respond("GET /metrics HTTP/1.0", &p).1, METRICS_CONTENT_TYPE);
    }
}
