//! Test-only crash injection: with `TERRACE_CNI_TEST_ABORT_AFTER=<step>` in its environment
//! the plugin kills itself with SIGKILL (no destructors, no output, exactly like `kill -9`)
//! when it reaches that step. The crash tests use it to prove that every interruption leaves
//! state that a retried ADD repairs, a DEL removes and `netctl ipam check` can see.
//!
//! Steps of ADD, in order: `ipam-assigned`, `veth-created`, `container-configured`,
//! `endpoint-written`. Steps of DEL: `veth-deleted`, `endpoint-deleted`.

/// The environment variable naming the step to die at.
pub const ABORT_ENV: &str = "TERRACE_CNI_TEST_ABORT_AFTER";

/// Dies with SIGKILL if the test asked to crash at `step`.
pub fn abort_point(step: &str) {
    if std::env::var(ABORT_ENV).is_ok_and(|s| s == step) {
        tracing::warn!(step, "test crash injection: killing the plugin");
        let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL);
    }
}
