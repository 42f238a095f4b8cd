//! Host endpoints: a deny-all policy on the host's uplink still leaves
//! Calico's failsafe ports open, and replies to the host's own connections
//! come back. Needs root.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use integration::Lab;
use resources::Kind;
use serde_json::json;
use support::*;

#[test]
fn failsafe_ports_stay_open_under_a_deny_all_host_endpoint_policy() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let lab = Lab::from_topology(&one_host(&[])).unwrap();
    let db = lab.dir().join("store.db");
    let store = open_store(&rt, &db);
    let hep = json!({"node": "host", "interfaceName": "eth0", "expectedIPs": ["10.0.9.1"]});
    put(
        &rt,
        &store,
        Kind::HostEndpoint,
        None,
        "host-eth0",
        &[("role", "uplink")],
        hep,
    );
    let deny = json!({"selector": "role == 'uplink'", "types": ["Ingress"],
                      "ingress": [{"action": "Deny"}]});
    put(
        &rt,
        &store,
        Kind::GlobalNetworkPolicy,
        None,
        "deny-all",
        &[],
        deny,
    );
    let _host = serve(&lab, "host", &[22, 7001]);
    let _ext = serve(&lab, "ext", &[7002]);
    assert_eq!(
        probe(&lab, "ext", "tcp", "10.0.9.1", 7001, None),
        "connected 10.0.9.2",
        "open before felix"
    );
    let felix = start_felix(&lab, "host", "felix", &db, "host");
    wait_reconciled(&felix);
    assert_eq!(
        probe(&lab, "ext", "tcp", "10.0.9.1", 22, None),
        "connected 10.0.9.2",
        "failsafe ssh"
    );
    assert_eq!(
        probe(&lab, "ext", "tcp", "10.0.9.1", 7001, None),
        "timeout",
        "denied by policy"
    );
    assert!(!ping(&lab, "ext", "10.0.9.1", None), "denied by policy");
    // Egress has no policy: the host endpoint's default deny applies, except
    // failsafe outbound ports; 7002 is not one of them.
    assert_eq!(
        probe(&lab, "host", "tcp", "10.0.9.2", 7002, None),
        "timeout"
    );
}
