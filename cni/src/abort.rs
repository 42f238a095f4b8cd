//! Test-only crash injection with the `fail` crate's fail points, compiled in only with the
//! `failpoints` feature: the crash tests turn it on (cni's dev-dependency on itself), release
//! builds never do, and without it [`abort_point`] is empty. With
//! `FAILPOINTS=<step>=return` in its environment the plugin kills itself with SIGKILL (no
//! destructors, no output, exactly like `kill -9`) when it reaches that step. The crash tests
//! use it to prove that every interruption leaves state that a retried ADD repairs, a DEL
//! removes and `netctl ipam check` can see.
//!
//! Steps of ADD, in order: `ipam-assigned`, `veth-created`, `container-configured`,
//! `endpoint-written`. Steps of DEL: `veth-deleted`, `endpoint-deleted`.

/// Reads `$FAILPOINTS`; the fail points stay configured while the guard lives.
#[cfg(feature = "failpoints")]
pub fn setup() -> fail::FailScenario<'static> {
    fail::FailScenario::setup()
}

/// Dies with SIGKILL if the test configured the fail point `step`.
#[cfg(feature = "failpoints")]
pub fn abort_point(step: &str) {
    fail::fail_point!(step, |_| {
        tracing::warn!(step, "test crash injection: killing the plugin");
        let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL);
    });
}

/// Fail points are compiled out: nothing happens.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn abort_point(_step: &str) {}
