//! The Terrace CNI plugin (CNI spec 1.0.0, also 0.4.0 configurations): attaches containers
//! to Terrace the way runtimes (podman, containerd, kubelet) attach networks.
//!
//! Layout: [`env`] parses the `CNI_*` variables and [`config`] the network configuration;
//! [`add`], [`del`] and [`check`] are the commands; [`pools`] filters IP pools for the node,
//! [`endpoint`] builds the WorkloadEndpoint, [`naming`] derives stable names, [`dataplane`]
//! (over [`netlink`] and [`netns`]) makes the veth pair and routes, [`result`] and [`error`]
//! render what goes to stdout, [`context`] opens the datastore, [`log`] sets up logging and
//! [`abort`] holds the test-only crash injection.

pub mod abort;
pub mod add;
pub mod check;
pub mod config;
pub mod context;
pub mod dataplane;
pub mod del;
pub mod endpoint;
pub mod env;
pub mod error;
pub mod log;
pub mod naming;
pub mod netlink;
pub mod netns;
pub mod pools;
pub mod result;

use env::Command;
use error::CniError;

/// What the process prints and exits with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// stdout: a result, an error result, or nothing (DEL, CHECK).
    pub stdout: String,
    /// 0 on success, 1 on failure.
    pub exit_code: u8,
}

/// Runs one invocation with `stdin` and the environment read through `get_env`.
pub fn run(stdin: &[u8], get_env: impl Fn(&str) -> Option<String>) -> Outcome {
    let version = config::version_of(stdin).unwrap_or_else(|| "1.0.0".to_owned());
    match dispatch(stdin, get_env) {
        Ok(stdout) => Outcome {
            stdout,
            exit_code: 0,
        },
        Err(err) => {
            tracing::error!(code = err.code, msg = %err.msg, details = %err.details, "failed");
            Outcome {
                stdout: err.to_json(&version),
                exit_code: 1,
            }
        }
    }
}

fn dispatch(stdin: &[u8], get_env: impl Fn(&str) -> Option<String>) -> Result<String, CniError> {
    let inv = env::parse(get_env)?;
    if inv.command == Command::Version {
        let version = config::version_of(stdin).unwrap_or_else(|| "1.0.0".to_owned());
        return Ok(result::version(&version).to_string());
    }
    let conf = config::parse(stdin)?;
    log::init(&conf);
    tracing::info!(command = ?inv.command, container = %inv.container_id, ifname = %inv.ifname, "invoked");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CniError::new(error::IO_FAILURE, "cannot start the runtime", e.to_string()))?;
    runtime.block_on(async {
        match inv.command {
            Command::Add => add::add(&inv, &conf).await.map(|r| r.to_string()),
            Command::Del => del::del(&inv, &conf).await.map(|()| String::new()),
            Command::Check => check::check(&inv, &conf).await.map(|()| String::new()),
            Command::Version => Ok(String::new()),
        }
    })
}
