//! The documented etcd URL parameters against a real etcd: TLS with client certificates
//! (`cacert`, `cert`, `key`) and authentication (`username`, `password-file`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::etcd::{EtcdServer, ServerTls};
use datastore::url::DatastoreUrl;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A leaf certificate `name.pem`/`name.key` signed by the CA in `dir`.
fn leaf(dir: &Path, name: &str, extensions: &str) {
    let ext = dir.join(format!("{name}.ext"));
    std::fs::write(&ext, extensions).unwrap();
    let (key, csr, pem) = (
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.pem"),
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &csr,
            "-subj",
            &format!("/CN={name}"),
        ],
    );
    let ext = ext.to_str().unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            &pem,
            "-days",
            "2",
            "-extfile",
            ext,
        ],
    );
}

/// A throw-away CA, a server certificate for 127.0.0.1 and a client certificate.
fn certificates(dir: &Path) -> ServerTls {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=terrace-test-ca",
        ],
    );
    leaf(
        dir,
        "server",
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    );
    leaf(dir, "client", "extendedKeyUsage=clientAuth\n");
    let path = |name: &str| dir.join(name);
    ServerTls {
        ca: path("ca.pem"),
        cert: path("server.pem"),
        key: path("server.key"),
        client_cert: path("client.pem"),
        client_key: path("client.key"),
    }
}

async fn round_trip(url: &str) -> Result<(), datastore::StoreError> {
    let store = datastore::open(&DatastoreUrl::parse(url).unwrap()).await?;
    let rev = store.put("/terrace/v1/sec/k", b"v".to_vec()).await?;
    assert_eq!(
        store.get("/terrace/v1/sec/k").await?.unwrap().mod_revision,
        rev
    );
    Ok(())
}

fn query(tls: &ServerTls, client: Option<(&PathBuf, &PathBuf)>) -> String {
    let mut q = format!("cacert={}", tls.ca.display());
    if let Some((cert, key)) = client {
        q.push_str(&format!("&cert={}&key={}", cert.display(), key.display()));
    }
    q
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_a_client_certificate_connects_and_without_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tls = certificates(dir.path());
    let server = EtcdServer::start_tls(tls.clone());
    let with_cert = format!(
        "{}?{}",
        server.url(),
        query(&tls, Some((&tls.client_cert, &tls.client_key)))
    );
    round_trip(&with_cert).await.expect("mutual TLS works");

    let without_cert = format!("{}?{}", server.url(), query(&tls, None));
    assert!(
        round_trip(&without_cert).await.is_err(),
        "etcd requires a client certificate"
    );
    // A plaintext client cannot talk to a TLS server either.
    assert!(round_trip(&server.url()).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn username_and_password_file_authenticate() {
    let server = EtcdServer::start();
    for args in [
        &["user", "add", "root:s3cret"][..],
        &["role", "add", "root"],
        &["user", "grant-role", "root", "root"],
        &["auth", "enable"],
    ] {
        let out = server.etcdctl(args);
        assert!(
            out.status.success(),
            "etcdctl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let (good, bad) = (dir.path().join("good"), dir.path().join("bad"));
    std::fs::write(&good, "s3cret\n").unwrap();
    std::fs::write(&bad, "wrong\n").unwrap();

    let url = |file: &Path| {
        format!(
            "{}?username=root&password-file={}",
            server.url(),
            file.display()
        )
    };
    round_trip(&url(&good))
        .await
        .expect("the right password works");
    assert!(
        round_trip(&url(&bad)).await.is_err(),
        "a wrong password is refused"
    );
    assert!(
        round_trip(&server.url()).await.is_err(),
        "anonymous writes are refused"
    );
}
