//! What every Terrace daemon needs to run as a system service, in one small crate:
//!
//! - [`http`]: `/liveness`, `/readiness` and `/metrics` (axum);
//! - [`metrics`]: Prometheus metrics (`prometheus-client`) in the text format promtool reads;
//! - [`logging`]: the daemons' log setup (`TERRACE_LOG`, `TERRACE_LOG_FORMAT`);
//! - [`notify`]: `sd_notify` readiness and stopping messages over `$NOTIFY_SOCKET`;
//! - [`shutdown`]: the SIGTERM/SIGINT future that also tells systemd we are stopping;
//! - [`testkit`]: helpers the daemons' service tests share (notify receiver, GET, promtool).

pub mod http;
pub mod logging;
pub mod metrics;
pub mod notify;
pub mod shutdown;
pub mod testkit;

pub use http::{Probe, serve};
