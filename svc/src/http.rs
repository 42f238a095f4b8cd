//! `/liveness`, `/readiness` and `/metrics` over HTTP/1.1, served by axum
//! (docs/decisions/0004-service-libraries.md). `GET` and `HEAD` only; query
//! strings are ignored because routing looks at the path alone.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;

/// What a daemon exposes.
pub trait Probe: Send + Sync + 'static {
    /// True once the daemon does its job (see each daemon's definition).
    fn ready(&self) -> bool;
    /// The Prometheus text exposition (see [`crate::metrics`]).
    fn metrics(&self) -> String;
}

/// Content type of the text exposition format (version 0.0.4).
pub const METRICS_CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

type Shared = Arc<dyn Probe>;

/// The routes: `get` also answers `HEAD` (same headers, no body); any other
/// method is 405 on every path, as scrapers and load balancers only read.
pub fn router(probe: Arc<dyn Probe>) -> Router {
    Router::new()
        .route("/liveness", get(|| async { "ok\n" }))
        .route("/readiness", get(readiness))
        .route("/metrics", get(metrics))
        .method_not_allowed_fallback(not_allowed)
        .fallback(fallback)
        .with_state(probe)
}

async fn readiness(State(probe): State<Shared>) -> Response {
    if probe.ready() {
        "ready\n".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready\n").into_response()
    }
}

async fn metrics(State(probe): State<Shared>) -> Response {
    let body = probe.metrics();
    ([(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)], body).into_response()
}

/// Unknown paths.
async fn fallback(method: Method) -> Response {
    if method == Method::GET || method == Method::HEAD {
        (StatusCode::NOT_FOUND, "not found\n").into_response()
    } else {
        not_allowed().await
    }
}

/// Any method but `GET` and `HEAD`, on any path.
async fn not_allowed() -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [(header::ALLOW, "GET, HEAD")],
        "method not allowed\n",
    )
        .into_response()
}

/// Serves until the task is dropped; each connection on its own task.
pub async fn serve(listener: TcpListener, probe: Arc<dyn Probe>) {
    // axum retries failed accepts (out of descriptors and the like) itself, so
    // this returns only if the listener itself is gone.
    if let Err(e) = axum::serve(listener, router(probe)).await {
        tracing::error!(error = %e, "health and metrics endpoint stopped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
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

    /// Sends `request` as written and returns the whole raw answer.
    fn exchange(addr: std::net::SocketAddr, request: &str) -> String {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        raw
    }

    fn status_and_type(raw: &str) -> (u16, String) {
        let code = raw
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap();
        let ctype = raw
            .lines()
            .find_map(|l| l.strip_prefix("content-type: "))
            .unwrap_or("")
            .to_string();
        (code, ctype)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn paths_and_methods_map_to_statuses_and_content_types() {
        let probe = Arc::new(Fixed(AtomicBool::new(false)));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(serve(listener, probe.clone()));
        let ask = move |method: &'static str, path: &'static str| {
            let req = format!("{method} {path} HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n");
            tokio::task::spawn_blocking(move || exchange(addr, &req))
        };
        const TEXT: &str = "text/plain; charset=utf-8";
        let cases = [
            ("GET", "/liveness", 200, TEXT),
            ("GET", "/readiness", 503, TEXT),
            ("GET", "/metrics?x=1", 200, METRICS_CONTENT_TYPE),
            ("HEAD", "/metrics", 200, METRICS_CONTENT_TYPE),
            ("GET", "/nope", 404, TEXT),
            ("POST", "/metrics", 405, TEXT),
            ("DELETE", "/nope", 405, TEXT),
        ];
        for (method, path, code, ctype) in cases {
            let raw = ask(method, path).await.unwrap();
            assert_eq!(
                status_and_type(&raw),
                (code, ctype.to_string()),
                "{method} {path}: {raw}"
            );
        }
        let raw = ask("GET", "/metrics").await.unwrap();
        assert!(raw.ends_with("\r\n\r\nx 1\n"), "{raw}");
        let raw = ask("HEAD", "/metrics").await.unwrap();
        assert!(raw.ends_with("\r\n\r\n"), "HEAD has no body: {raw}");
        assert!(raw.contains("content-length: 4\r\n"), "{raw}");
        probe.0.store(true, Ordering::Relaxed);
        let raw = ask("GET", "/readiness").await.unwrap();
        assert_eq!(status_and_type(&raw).0, 200, "{raw}");
        server.abort();
    }
}
