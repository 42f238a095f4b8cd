//! Datastore URL parsing and the flag > env > config file > default precedence, as tables.

use std::path::PathBuf;
use std::time::Duration;

use datastore::selection::{SelectionError, Source, choose_datastore, choose_node};
use datastore::url::{DatastoreUrl, Password};

fn sqlite_path(url: &DatastoreUrl) -> PathBuf {
    match url {
        DatastoreUrl::Sqlite(s) => s.path.clone(),
        DatastoreUrl::Etcd(_) => panic!("expected sqlite, got {url:?}"),
    }
}

#[test]
fn the_datastore_comes_from_flag_then_env_then_config_then_default() {
    let (flag, env, config) = (
        Some("sqlite:///flag.db"),
        Some("sqlite:///env.db"),
        Some("sqlite:///config.db"),
    );
    let table = [
        (flag, env, config, "/flag.db", Source::Flag),
        (None, env, config, "/env.db", Source::Env),
        (Some(""), env, config, "/env.db", Source::Env),
        (None, None, config, "/config.db", Source::ConfigFile),
        (None, Some("  "), config, "/config.db", Source::ConfigFile),
        (
            None,
            None,
            None,
            "/var/lib/terrace/store.db",
            Source::Default,
        ),
    ];
    for (flag, env, config, path, source) in table {
        let (url, from) = choose_datastore(flag, env, config).unwrap();
        assert_eq!(
            (sqlite_path(&url), from),
            (PathBuf::from(path), source),
            "{flag:?} {env:?} {config:?}"
        );
    }
}

#[test]
fn a_bad_url_is_reported_with_where_it_came_from() {
    let err = choose_datastore(None, Some("redis://x"), Some("sqlite:///ok.db")).unwrap_err();
    assert!(
        matches!(
            err,
            SelectionError::Url {
                from: Source::Env,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn the_node_comes_from_flag_then_env_then_config_then_hostname() {
    let host = || Ok("host-a\n".to_owned());
    let table = [
        (
            Some("n-flag"),
            Some("n-env"),
            Some("n-config"),
            "n-flag",
            Source::Flag,
        ),
        (None, Some("n-env"), Some("n-config"), "n-env", Source::Env),
        (
            None,
            Some(""),
            Some("n-config"),
            "n-config",
            Source::ConfigFile,
        ),
        (None, None, None, "host-a", Source::Default),
    ];
    for (flag, env, config, name, source) in table {
        assert_eq!(
            choose_node(flag, env, config, host).unwrap(),
            (name.to_owned(), source)
        );
    }
    let never =
        || -> std::io::Result<String> { panic!("the host name is only read as a last resort") };
    assert_eq!(choose_node(Some("x"), None, None, never).unwrap().0, "x");
    assert!(matches!(
        choose_node(Some("a/b"), None, None, host),
        Err(SelectionError::Node {
            from: Source::Flag,
            ..
        })
    ));
}

#[test]
fn sqlite_urls_parse_their_parameters() {
    let url = DatastoreUrl::parse(
        "sqlite:///var/lib/t/s.db?retention=500&busy-timeout-ms=250&poll-ms=20&synchronous=full",
    )
    .unwrap();
    let DatastoreUrl::Sqlite(s) = url else {
        panic!("sqlite expected")
    };
    assert_eq!(s.path, PathBuf::from("/var/lib/t/s.db"));
    assert_eq!(
        (
            s.retention,
            s.busy_timeout,
            s.poll_interval,
            s.synchronous_full
        ),
        (
            500,
            Duration::from_millis(250),
            Duration::from_millis(20),
            true
        )
    );
    let DatastoreUrl::Sqlite(d) = DatastoreUrl::parse("sqlite:///s.db").unwrap() else {
        panic!("sqlite expected")
    };
    assert_eq!(
        (d.retention, d.poll_interval, d.synchronous_full),
        (100_000, Duration::from_millis(5), false)
    );
}

#[test]
fn etcd_urls_parse_endpoints_tls_and_credentials() {
    let url = DatastoreUrl::parse(
        "etcd://10.0.0.1:2379,etcd-2.example:2379,[::1]:2379?cacert=/etc/t/ca.pem&cert=/etc/t/c.pem&key=/etc/t/k%20.pem&username=felix&password-file=/etc/t/pw",
    )
    .unwrap();
    let DatastoreUrl::Etcd(e) = url else {
        panic!("etcd expected")
    };
    assert_eq!(
        e.endpoint_urls(),
        [
            "https://10.0.0.1:2379",
            "https://etcd-2.example:2379",
            "https://[::1]:2379"
        ]
    );
    assert_eq!(
        e.client_cert,
        Some((
            PathBuf::from("/etc/t/c.pem"),
            PathBuf::from("/etc/t/k .pem")
        ))
    );
    assert_eq!(
        (e.username.as_deref(), e.password),
        (
            Some("felix"),
            Some(Password::File(PathBuf::from("/etc/t/pw")))
        )
    );
    let DatastoreUrl::Etcd(plain) = DatastoreUrl::parse("etcd://127.0.0.1:2379").unwrap() else {
        panic!("etcd expected")
    };
    assert_eq!(plain.endpoint_urls(), ["http://127.0.0.1:2379"]);
}

#[test]
fn malformed_urls_are_rejected_and_passwords_never_echoed() {
    let table = [
        "postgres://x",
        "sqlite://relative/path.db",
        "sqlite:///s.db?poll-ms=50",
        "sqlite:///s.db?retention=0",
        "sqlite:///s.db?bogus=1",
        "sqlite:///s.db?retention",
        "etcd://",
        "etcd://host",
        "etcd://host:0",
        "etcd://host:99999",
        "etcd://[zz]:2379",
        "etcd://h:2379?cert=/c.pem",
        "etcd://h:2379?cert=/c.pem&key=/k.pem",
        "etcd://h:2379?username=u",
        "etcd://h:2379?cacert=/ca%zz",
        "etcd://h:2379?tls=yes",
    ];
    for text in table {
        assert!(
            DatastoreUrl::parse(text).is_err(),
            "{text} should be rejected"
        );
    }
    let err = DatastoreUrl::parse("etcd://h:2379?username=u&password=hunter2&x=1").unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

#[test]
fn urls_display_in_a_canonical_form_that_parses_back() {
    let table = [
        "sqlite:///var/lib/terrace/store.db",
        "sqlite:///s.db?retention=7&poll-ms=2&synchronous=full",
        "etcd://127.0.0.1:2379",
        "etcd://a:1,b:2?cacert=/ca.pem&cert=/c.pem&key=/k.pem&username=u&password-file=/pw",
    ];
    for text in table {
        let url = DatastoreUrl::parse(text).unwrap();
        assert_eq!(
            DatastoreUrl::parse(&url.to_string()).unwrap(),
            url,
            "{text} -> {url}"
        );
    }
    let secret = DatastoreUrl::parse("etcd://a:1?username=u&password=hunter2").unwrap();
    assert!(!secret.to_string().contains("hunter2"));
}
