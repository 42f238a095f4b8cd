//! Connection options from an [`EtcdUrl`]: TLS files, credentials, keep-alive.

use std::path::Path;
use std::time::Duration;

use etcd_client::{Certificate, ConnectOptions, Identity, TlsOptions};

use crate::error::StoreError;
use crate::url::{EtcdUrl, Password};

/// Builds the client options, reading certificate, key and password files.
pub(crate) fn options(url: &EtcdUrl) -> Result<ConnectOptions, StoreError> {
    // Keep-alive pings notice a silently dead member; a killed local member resets at once.
    let mut options = ConnectOptions::new()
        .with_connect_timeout(Duration::from_secs(5))
        .with_keep_alive(Duration::from_secs(10), Duration::from_secs(5))
        .with_keep_alive_while_idle(true);
    if let Some(ca) = &url.ca_file {
        let mut tls = TlsOptions::new().ca_certificate(Certificate::from_pem(read(ca)?));
        if let Some((cert, key)) = &url.client_cert {
            tls = tls.identity(Identity::from_pem(read(cert)?, read(key)?));
        }
        options = options.with_tls(tls);
    }
    if let (Some(user), Some(password)) = (&url.username, &url.password) {
        let password = match password {
            Password::Inline(password) => password.clone(),
            Password::File(path) => {
                let text = String::from_utf8(read(path)?)
                    .map_err(|e| StoreError::backend(format!("reading {}", path.display()), e))?;
                text.trim_end_matches(['\r', '\n']).to_owned()
            }
        };
        // etcd's simple tokens expire (5 min idle by default); a long-lived daemon must renew.
        options = options
            .with_user(user.clone(), password)
            .with_auto_token_refresh(true);
    }
    Ok(options)
}

fn read(path: &Path) -> Result<Vec<u8>, StoreError> {
    std::fs::read(path).map_err(|e| StoreError::backend(format!("reading {}", path.display()), e))
}
