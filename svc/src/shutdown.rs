//! The shutdown signal of a system service: SIGTERM (systemd's stop) or
//! SIGINT (a terminal), followed by `STOPPING=1` to the service manager.

use std::future::Future;
use std::io;

use tokio::signal::unix::{SignalKind, signal};

/// Installs the handlers now (so a signal that arrives before the future is
/// first polled is not lost) and returns the future that completes on the
/// first of them, after telling systemd we are stopping.
pub fn on_signal() -> io::Result<impl Future<Output = ()> + Send + 'static> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        tracing::info!(signal = name, "shutting down");
        crate::notify::stopping();
    })
}
