//! felix's `/liveness`, `/readiness` and `/metrics`, served by `terrace-svc`.

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
    use terrace_svc::Probe;

    // Routing and status codes are terrace-svc's (tested there); felix decides readiness.
    #[test]
    fn readiness_follows_the_ready_flag() {
        let m = Metrics::default();
        assert!(!m.ready());
        m.ready.store(true, Ordering::Relaxed);
        assert!(m.ready());
        assert!(Probe::metrics(&m).contains("felix_rules"));
    }
}
