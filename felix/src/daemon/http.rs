//! A tiny HTTP/1.0-style server for `/liveness`, `/readiness` and
//! `/metrics`: one request per connection, nothing else. Hand-rolled to keep
//! the dependency tree (and its licenses) small.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::metrics::Metrics;

/// Status line and body for a request path (pure).
pub fn respond(path: &str, metrics: &Metrics) -> (&'static str, String) {
    match path {
        "/liveness" => ("200 OK", "ok\n".to_string()),
        "/readiness" if metrics.ready.load(Ordering::Relaxed) => ("200 OK", "ready\n".to_string()),
        "/readiness" => ("503 Service Unavailable", "not ready\n".to_string()),
        "/metrics" => ("200 OK", metrics.render()),
        _ => ("404 Not Found", "not found\n".to_string()),
    }
}

/// Serves until the listener fails; each connection on its own task.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>) {
    loop {
        let Ok((mut sock, _)) = listener.accept().await else {
            continue;
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 2048];
            let n = sock.read(&mut buf).await.unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]);
            let path = head.split_whitespace().nth(1).unwrap_or("/");
            let (status, body) = respond(path, &metrics);
            let reply = format!(
                "HTTP/1.1 {status}\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(reply.as_bytes()).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_follows_the_ready_flag() {
        let m = Metrics::default();
        assert_eq!(respond("/readiness", &m).0, "503 Service Unavailable");
        m.ready.store(true, Ordering::Relaxed);
        assert_eq!(respond("/readiness", &m).0, "200 OK");
        assert_eq!(respond("/liveness", &m).0, "200 OK");
        assert_eq!(respond("/nope", &m).0, "404 Not Found");
        assert!(respond("/metrics", &m).1.contains("felix_rules"));
    }
}
