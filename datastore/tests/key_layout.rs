//! The key layout: constructors, parsing and validation, as tables.

use resources::key::{
    IpamKey, Key, KeyError, ResourceKey, ipam_prefix, kind_prefix, namespace_prefix,
};

#[test]
fn keys_render_and_parse_back_to_the_same_key() {
    let table: Vec<(Key, &str)> = vec![
        (
            Key::Resource(ResourceKey::cluster("ippool", "default-ipv4").unwrap()),
            "/terrace/v1/ippool/default-ipv4",
        ),
        (
            Key::Resource(ResourceKey::namespaced("networkpolicy", "prod", "allow-dns").unwrap()),
            "/terrace/v1/networkpolicy/prod/allow-dns",
        ),
        (
            Key::Resource(
                ResourceKey::namespaced("workloadendpoint", "default", "node1-k8s-pod.eth0")
                    .unwrap(),
            ),
            "/terrace/v1/workloadendpoint/default/node1-k8s-pod.eth0",
        ),
        (
            Key::Ipam(IpamKey::block("10.65.0.0/26").unwrap()),
            "/terrace/v1/ipam/block/10.65.0.0-26",
        ),
        (
            Key::Ipam(IpamKey::block("fd00:10::/122").unwrap()),
            "/terrace/v1/ipam/block/fd00:10::-122",
        ),
        (
            Key::Ipam(IpamKey::affinity("node1", "10.65.0.0/26").unwrap()),
            "/terrace/v1/ipam/affinity/node1/10.65.0.0-26",
        ),
        (
            Key::Ipam(IpamKey::handle("k8s-pod-network.abc123").unwrap()),
            "/terrace/v1/ipam/handle/k8s-pod-network.abc123",
        ),
    ];
    for (key, text) in table {
        assert_eq!(key.to_string(), text);
        assert_eq!(Key::parse(text).unwrap(), key, "{text}");
    }
}

#[test]
fn malformed_keys_are_rejected_with_the_reason() {
    type Check = fn(&KeyError) -> bool;
    let table: [(&str, Check); 11] = [
        ("/calico/v1/ippool/x", |e| {
            matches!(e, KeyError::NotTerrace { .. })
        }),
        ("/terrace/v1/ippool", |e| {
            matches!(e, KeyError::SegmentCount { segments: 1, .. })
        }),
        ("/terrace/v1/a/b/c/d", |e| {
            matches!(e, KeyError::SegmentCount { segments: 4, .. })
        }),
        ("/terrace/v1/ipam/block", |e| {
            matches!(e, KeyError::SegmentCount { .. })
        }),
        ("/terrace/v1/IPPool/x", |e| {
            matches!(e, KeyError::InvalidKind { .. })
        }),
        ("/terrace/v1/9pool/x", |e| {
            matches!(e, KeyError::InvalidKind { .. })
        }),
        ("/terrace/v1/ippool/", |e| {
            matches!(e, KeyError::InvalidSegment { what: "name", .. })
        }),
        ("/terrace/v1/ippool/..", |e| {
            matches!(e, KeyError::InvalidSegment { .. })
        }),
        ("/terrace/v1/ippool/a b", |e| {
            matches!(e, KeyError::InvalidSegment { .. })
        }),
        ("/terrace/v1/networkpolicy//x", |e| {
            matches!(
                e,
                KeyError::InvalidSegment {
                    what: "namespace",
                    ..
                }
            )
        }),
        ("/terrace/v1/ipam/Block/x", |e| {
            matches!(e, KeyError::InvalidKind { .. })
        }),
    ];
    for (text, expected) in table {
        let err = Key::parse(text).expect_err(text);
        assert!(expected(&err), "{text}: {err:?}");
    }
}

#[test]
fn ipam_is_reserved_as_a_resource_kind_and_names_are_bounded() {
    assert!(ResourceKey::cluster("ipam", "x").is_err());
    assert!(ResourceKey::cluster("node", &"a".repeat(253)).is_ok());
    assert!(ResourceKey::cluster("node", &"a".repeat(254)).is_err());
    assert!(ResourceKey::cluster("node", "a/b").is_err());
}

#[test]
fn prefixes_select_a_kind_a_namespace_or_an_ipam_record() {
    assert_eq!(
        kind_prefix("networkpolicy").unwrap(),
        "/terrace/v1/networkpolicy/"
    );
    assert_eq!(
        namespace_prefix("networkpolicy", "prod").unwrap(),
        "/terrace/v1/networkpolicy/prod/"
    );
    assert_eq!(ipam_prefix("block").unwrap(), "/terrace/v1/ipam/block/");
    assert!(kind_prefix("ipam").is_err());
    let key = ResourceKey::namespaced("networkpolicy", "prod", "a")
        .unwrap()
        .to_string();
    assert!(key.starts_with(&namespace_prefix("networkpolicy", "prod").unwrap()));
    assert!(!key.starts_with(&namespace_prefix("networkpolicy", "pro").unwrap()));
}
