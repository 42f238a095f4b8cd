//! felix's `/liveness`, `/readiness` and `/metrics`, served by the shared
//! responder in `terrace-svc`.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::net::TcpListener;

use super::metrics::Metrics;

impl terrace_svc::Probe for Metrics {
    fn ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed)
    }

    fn metrics(&self) -> String {
        self.render()
    }
}

/// Serves until the task is dropped.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>) {
    terrace_svc::serve(listener, metrics).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use terrace_svc::http::respond;

    #[test]
    fn readiness_follows_the_ready_flag() {
        let m = Metrics::default();
        assert_eq!(
            respond("GET /readiness HTTP/1.1", &m).0,
            "503 Service Unavailable"
        );
        m.ready.store(true, Ordering::Relaxed);
        assert_eq!(respond("GET /readiness HTTP/1.1", &m).0, "200 OK");
        assert_eq!(respond("GET /liveness HTTP/1.1", &m).0, "200 OK");
        assert_eq!(respond("GET /nope HTTP/1.1", &m).0, "404 Not Found");
        assert!(
            respond("GET /metrics HTTP/1.1", &m)
                .2
                .contains("felix_rules")
        );
    }
}
