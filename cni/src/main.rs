//! The `terrace` CNI plugin binary: reads stdin and the `CNI_*` environment, prints the
//! result (or error result) on stdout, exits 0 or 1.

use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    // Crash tests only (cni/src/abort.rs); the feature is never on in release builds.
    #[cfg(feature = "failpoints")]
    let _failpoints = terrace_cni::abort::setup();
    let mut stdin = Vec::new();
    let outcome = match std::io::stdin().read_to_end(&mut stdin) {
        Ok(_) => terrace_cni::run(&stdin, |k| std::env::var(k).ok()),
        Err(e) => terrace_cni::Outcome {
            stdout: terrace_cni::error::CniError::new(
                terrace_cni::error::IO_FAILURE,
                "cannot read stdin",
                e.to_string(),
            )
            .to_json("1.0.0"),
            exit_code: 1,
        },
    };
    let mut stdout = std::io::stdout();
    // If the runtime closed our stdout there is nobody left to tell.
    let _ = stdout.write_all(outcome.stdout.as_bytes());
    let _ = stdout.flush();
    ExitCode::from(outcome.exit_code)
}
