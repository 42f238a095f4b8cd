//! A [`Delta`] as one nf_tables netlink batch, for the deltas that change
//! only set and map elements and policy-group chains (the common case: an
//! endpoint appears, goes, or changes labels). Anything else — new sets,
//! base chains, policy chains with full nft rule syntax — is left to `nft`
//! ([`encode`] returns `None`). The encodings are the ones `nft` itself
//! sends for the same objects (checked against `nft --debug=netlink` and,
//! in the kernel tests, by listing what was written). Pure.

use std::net::IpAddr;

use ipnet::IpNet;

use super::msg::{F_ACK, F_APPEND, F_CREATE, Writer};
use crate::nft::TABLE;
use crate::nft::delta::Delta;
use crate::nft::mark_rule::{MarkRule, MarkTest};
use crate::nft::model::Chain;
use crate::sets::{Elem, SetKind, Verdict};

const NFNL_SUBSYS_NFTABLES: u16 = 10;
const BATCH_BEGIN: u16 = 0x10;
const BATCH_END: u16 = 0x11;
const NFPROTO_INET: u8 = 1;
const AF_UNSPEC: u8 = 0;

const MSG_NEWCHAIN: u16 = 3;
const MSG_DELCHAIN: u16 = 5;
const MSG_NEWRULE: u16 = 6;
const MSG_DELRULE: u16 = 8;
const MSG_NEWSETELEM: u16 = 12;
const MSG_DELSETELEM: u16 = 14;

const CHAIN_TABLE: u16 = 1;
const CHAIN_NAME: u16 = 3;
const RULE_TABLE: u16 = 1;
const RULE_CHAIN: u16 = 2;
const RULE_EXPRESSIONS: u16 = 4;
const RULE_USERDATA: u16 = 7;
const LIST_ELEM: u16 = 1;
const EXPR_NAME: u16 = 1;
const EXPR_DATA: u16 = 2;
const SET_ELEM_LIST_TABLE: u16 = 1;
const SET_ELEM_LIST_SET: u16 = 2;
const SET_ELEM_LIST_ELEMENTS: u16 = 3;
const SET_ELEM_KEY: u16 = 1;
const SET_ELEM_DATA: u16 = 2;
const SET_ELEM_FLAGS: u16 = 3;
const SET_ELEM_KEY_END: u16 = 10;
const DATA_VALUE: u16 = 1;
const DATA_VERDICT: u16 = 2;
const VERDICT_CODE: u16 = 1;
const VERDICT_CHAIN: u16 = 2;
const META_DREG: u16 = 1;
const META_KEY: u16 = 2;
const META_SREG: u16 = 3;
const BITWISE_SREG: u16 = 1;
const BITWISE_DREG: u16 = 2;
const BITWISE_LEN: u16 = 3;
const BITWISE_MASK: u16 = 4;
const BITWISE_XOR: u16 = 5;
const CMP_SREG: u16 = 1;
const CMP_OP: u16 = 2;
const CMP_DATA: u16 = 3;
const IMMEDIATE_DREG: u16 = 1;
const IMMEDIATE_DATA: u16 = 2;

const META_MARK: u32 = 3;
const REG_VERDICT: u32 = 0;
const REG_1: u32 = 1;
const CMP_EQ: u32 = 0;
const SET_ELEM_INTERVAL_END: u32 = 1;
/// nftnl's user-data type of a rule comment.
const UDATA_RULE_COMMENT: u8 = 0;
const IFNAMSIZ: usize = 16;

/// Elements per message: a nested attribute's length is 16 bits.
const ELEMENTS_PER_MESSAGE: usize = 256;

/// An encoded batch and how many acknowledgements it asks for.
#[derive(Debug)]
pub struct Batch {
    /// The bytes to send, batch begin and end included.
    pub bytes: Vec<u8>,
    /// First sequence number used.
    pub first_seq: u32,
    /// Messages that will be acknowledged.
    pub acks: u32,
}

/// The batch for `delta`, or `None` when it holds something only `nft` can
/// write. `kind_of` gives the kind of each set the delta touches.
pub fn encode(delta: &Delta, kind_of: &dyn Fn(&str) -> Option<SetKind>, seq: u32) -> Option<Batch> {
    if delta.create_table || !delta.sets_created.is_empty() || !delta.sets_deleted.is_empty() {
        return None;
    }
    let mut w = Writer::new(seq);
    let begin = w.begin(BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
    w.end(begin);
    for (name, base) in &delta.chains_created {
        if base.is_some() {
            return None;
        }
        chain_msg(&mut w, MSG_NEWCHAIN, F_CREATE, name);
    }
    for (set, elems) in &delta.elements_deleted {
        elements_msgs(&mut w, MSG_DELSETELEM, 0, set, kind_of(set)?, elems)?;
    }
    for (set, elems) in &delta.elements_added {
        elements_msgs(&mut w, MSG_NEWSETELEM, F_CREATE, set, kind_of(set)?, elems)?;
    }
    for write in &delta.chains_written {
        let marks = write.chain.marks.as_ref()?;
        if write.flush {
            flush_msg(&mut w, &write.name);
        }
        rules_msgs(&mut w, &write.name, &write.chain, marks)?;
    }
    for name in &delta.chains_deleted {
        flush_msg(&mut w, name);
    }
    for name in &delta.chains_deleted {
        chain_msg(&mut w, MSG_DELCHAIN, 0, name);
    }
    let acks = w.acked();
    let end = w.begin(BATCH_END, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
    w.end(end);
    Some(Batch {
        bytes: w.into_bytes(),
        first_seq: seq,
        acks,
    })
}

fn msg_type(msg: u16) -> u16 {
    (NFNL_SUBSYS_NFTABLES << 8) | msg
}

fn chain_msg(w: &mut Writer, msg: u16, flags: u16, name: &str) {
    let m = w.begin(msg_type(msg), flags | F_ACK, NFPROTO_INET, 0);
    w.attr_str(CHAIN_TABLE, TABLE);
    w.attr_str(CHAIN_NAME, name);
    w.end(m);
}

/// `DELRULE` without a handle: every rule of the chain (`flush chain`).
fn flush_msg(w: &mut Writer, chain: &str) {
    let m = w.begin(msg_type(MSG_DELRULE), F_ACK, NFPROTO_INET, 0);
    w.attr_str(RULE_TABLE, TABLE);
    w.attr_str(RULE_CHAIN, chain);
    w.end(m);
}

fn elements_msgs(
    w: &mut Writer,
    msg: u16,
    flags: u16,
    set: &str,
    kind: SetKind,
    elems: &[Elem],
) -> Option<()> {
    for chunk in elems.chunks(ELEMENTS_PER_MESSAGE) {
        let m = w.begin(msg_type(msg), flags | F_ACK, NFPROTO_INET, 0);
        w.attr_str(SET_ELEM_LIST_TABLE, TABLE);
        w.attr_str(SET_ELEM_LIST_SET, set);
        let list = w.nest(SET_ELEM_LIST_ELEMENTS);
        for e in chunk {
            for part in element_parts(kind, e)? {
                put_element(w, &part);
            }
        }
        w.nest_end(list);
        if w.since(list) > u16::MAX as usize {
            return None;
        }
        w.end(m);
    }
    Some(())
}

/// One kernel element: key, optional key end, flags, optional verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Part {
    key: Vec<u8>,
    key_end: Option<Vec<u8>>,
    flags: u32,
    verdict: Option<(i32, Option<String>)>,
}

impl Part {
    fn key(key: Vec<u8>) -> Self {
        Self {
            key,
            key_end: None,
            flags: 0,
            verdict: None,
        }
    }
}

fn put_element(w: &mut Writer, p: &Part) {
    let e = w.nest(LIST_ELEM);
    let k = w.nest(SET_ELEM_KEY);
    w.attr(DATA_VALUE, &p.key);
    w.nest_end(k);
    if let Some(end) = &p.key_end {
        let k = w.nest(SET_ELEM_KEY_END);
        w.attr(DATA_VALUE, end);
        w.nest_end(k);
    }
    if p.flags != 0 {
        w.attr_be32(SET_ELEM_FLAGS, p.flags);
    }
    if let Some((code, chain)) = &p.verdict {
        let d = w.nest(SET_ELEM_DATA);
        verdict_attr(w, *code, chain.as_deref());
        w.nest_end(d);
    }
    w.nest_end(e);
}

fn verdict_attr(w: &mut Writer, code: i32, chain: Option<&str>) {
    let v = w.nest(DATA_VERDICT);
    w.attr_be32(VERDICT_CODE, code as u32);
    if let Some(c) = chain {
        w.attr_str(VERDICT_CHAIN, c);
    }
    w.nest_end(v);
}

fn ip_bytes(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

/// The first and last address of `net`, as bytes.
fn net_bounds(net: &IpNet) -> (Vec<u8>, Vec<u8>) {
    let net = net.trunc();
    (ip_bytes(net.network()), ip_bytes(net.broadcast()))
}

/// `bytes + 1` as a big-endian number; `None` past the top of the space.
fn successor(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = bytes.to_vec();
    for b in out.iter_mut().rev() {
        if *b == 0xff {
            *b = 0;
        } else {
            *b += 1;
            return Some(out);
        }
    }
    None
}

fn ifname(name: &str) -> Option<Vec<u8>> {
    if name.len() >= IFNAMSIZ || name.contains('\0') {
        return None;
    }
    let mut out = name.as_bytes().to_vec();
    out.resize(IFNAMSIZ, 0);
    Some(out)
}

/// Verdict code and chain of a map element's verdict.
fn verdict_code(v: &Verdict) -> (i32, Option<String>) {
    match v {
        Verdict::Drop => (0, None),
        Verdict::Accept => (1, None),
        Verdict::Jump(c) => (-3, Some(c.clone())),
        Verdict::Goto(c) => (-4, Some(c.clone())),
        Verdict::Return => (-5, None),
    }
}

/// The kernel elements of `e` in a set of `kind`; `None` for combinations
/// felix never writes this way.
fn element_parts(kind: SetKind, e: &Elem) -> Option<Vec<Part>> {
    match (kind, e) {
        // Interval sets hold a start element and an end element one past
        // the range (flagged interval-end), as nft writes them.
        (SetKind::Addr(_), Elem::Net(net)) => {
            let (first, last) = net_bounds(net);
            let end = successor(&last)?;
            Some(vec![
                Part::key(first),
                Part {
                    flags: SET_ELEM_INTERVAL_END,
                    ..Part::key(end)
                },
            ])
        }
        (SetKind::NamedPort(_), Elem::AddrProtoPort(ip, proto, port)) => {
            let mut key = ip_bytes(*ip);
            key.extend_from_slice(&[*proto, 0, 0, 0]);
            key.extend_from_slice(&port.to_be_bytes());
            key.extend_from_slice(&[0, 0]);
            Some(vec![Part::key(key)])
        }
        (SetKind::IfaceAddr(_), Elem::IfaceAddr(iface, ip)) => {
            let mut key = ifname(iface)?;
            key.extend(ip_bytes(*ip));
            Some(vec![Part::key(key)])
        }
        // Concatenated intervals carry an inclusive end in the same element.
        (SetKind::IfaceNet(_), Elem::IfaceNet(iface, net)) => {
            let (first, last) = net_bounds(net);
            let name = ifname(iface)?;
            let mut key = name.clone();
            key.extend(first);
            let mut end = name;
            end.extend(last);
            Some(vec![Part {
                key_end: Some(end),
                ..Part::key(key)
            }])
        }
        (SetKind::IfaceVerdictMap, Elem::IfaceVerdict(iface, v)) => Some(vec![Part {
            verdict: Some(verdict_code(v)),
            ..Part::key(ifname(iface)?)
        }]),
        _ => None,
    }
}

fn rules_msgs(w: &mut Writer, chain_name: &str, chain: &Chain, marks: &[MarkRule]) -> Option<()> {
    let comment = chain.content_hash();
    for (i, rule) in marks.iter().enumerate() {
        let m = w.begin(
            msg_type(MSG_NEWRULE),
            F_CREATE | F_APPEND | F_ACK,
            NFPROTO_INET,
            0,
        );
        w.attr_str(RULE_TABLE, TABLE);
        w.attr_str(RULE_CHAIN, chain_name);
        let exprs = w.nest(RULE_EXPRESSIONS);
        mark_rule_exprs(w, rule);
        w.nest_end(exprs);
        if i == 0 {
            let text = format!("{comment}\0");
            let len = u8::try_from(text.len()).ok()?;
            let mut udata = vec![UDATA_RULE_COMMENT, len];
            udata.extend_from_slice(text.as_bytes());
            w.attr(RULE_USERDATA, &udata);
        }
        w.end(m);
    }
    Some(())
}

fn expr(w: &mut Writer, name: &str, body: impl FnOnce(&mut Writer)) {
    let e = w.nest(LIST_ELEM);
    w.attr_str(EXPR_NAME, name);
    let d = w.nest(EXPR_DATA);
    body(w);
    w.nest_end(d);
    w.nest_end(e);
}

fn value_attr(w: &mut Writer, ty: u16, bytes: &[u8]) {
    let n = w.nest(ty);
    w.attr(DATA_VALUE, bytes);
    w.nest_end(n);
}

/// `[meta load mark => reg 1] [bitwise reg 1 = (reg 1 & mask) ^ 0]`.
fn load_masked_mark(w: &mut Writer, mask: u32) {
    expr(w, "meta", |w| {
        w.attr_be32(META_KEY, META_MARK);
        w.attr_be32(META_DREG, REG_1);
    });
    expr(w, "bitwise", |w| {
        w.attr_be32(BITWISE_SREG, REG_1);
        w.attr_be32(BITWISE_DREG, REG_1);
        w.attr_be32(BITWISE_LEN, 4);
        // The mark is a host-endian integer in the register.
        value_attr(w, BITWISE_MASK, &mask.to_ne_bytes());
        value_attr(w, BITWISE_XOR, &0u32.to_ne_bytes());
    });
}

fn mark_rule_exprs(w: &mut Writer, rule: &MarkRule) {
    match rule {
        MarkRule::ClearBits(mask) => {
            load_masked_mark(w, *mask);
            expr(w, "meta", |w| {
                w.attr_be32(META_KEY, META_MARK);
                w.attr_be32(META_SREG, REG_1);
            });
        }
        MarkRule::Verdict(test, v) => {
            if let Some(MarkTest { mask, value }) = test {
                load_masked_mark(w, *mask);
                expr(w, "cmp", |w| {
                    w.attr_be32(CMP_SREG, REG_1);
                    w.attr_be32(CMP_OP, CMP_EQ);
                    value_attr(w, CMP_DATA, &value.to_ne_bytes());
                });
            }
            let (code, chain) = verdict_code(v);
            expr(w, "immediate", |w| {
                w.attr_be32(IMMEDIATE_DREG, REG_VERDICT);
                let d = w.nest(IMMEDIATE_DATA);
                verdict_attr(w, code, chain.as_deref());
                w.nest_end(d);
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_elements_are_a_start_and_an_end_past_the_range() {
        let net: IpNet = "10.1.0.0/24".parse().unwrap();
        let parts = element_parts(SetKind::Addr(crate::sets::Family::V4), &Elem::Net(net));
        let parts = parts.unwrap();
        assert_eq!(parts[0].key, [10, 1, 0, 0]);
        assert_eq!(
            (parts[1].key.clone(), parts[1].flags),
            (vec![10, 1, 1, 0], 1)
        );
        let top: IpNet = "255.255.255.255/32".parse().unwrap();
        assert!(element_parts(SetKind::Addr(crate::sets::Family::V4), &Elem::Net(top)).is_none());
    }

    #[test]
    fn concatenations_pad_each_field_to_four_bytes() {
        let e = Elem::AddrProtoPort("10.0.0.1".parse().unwrap(), 6, 8080);
        let parts = element_parts(SetKind::NamedPort(crate::sets::Family::V4), &e).unwrap();
        assert_eq!(parts[0].key, [10, 0, 0, 1, 6, 0, 0, 0, 0x1f, 0x90, 0, 0]);
        let e = Elem::IfaceAddr("tra1".into(), "10.0.0.1".parse().unwrap());
        let parts = element_parts(SetKind::IfaceAddr(crate::sets::Family::V4), &e).unwrap();
        assert_eq!(&parts[0].key[..5], b"tra1\0");
        assert_eq!(parts[0].key.len(), 20);
    }

    #[test]
    fn deltas_with_new_sets_or_full_rules_are_left_to_nft() {
        let kind = |_: &str| Some(SetKind::IfaceVerdictMap);
        let mut d = Delta::default();
        d.sets_created.push(("x".into(), SetKind::IfaceVerdictMap));
        assert!(encode(&d, &kind, 1).is_none());
        let mut d = Delta::default();
        d.chains_written.push(crate::nft::delta::ChainWrite {
            name: "pi-1".into(),
            chain: Chain::regular(vec!["tcp dport 80 accept".into()]),
            flush: false,
        });
        assert!(encode(&d, &kind, 1).is_none());
        let mut d = Delta::default();
        let e = Elem::IfaceVerdict("tra".into(), Verdict::Jump("go-1".into()));
        d.elements_added.push(("wl-from".into(), vec![e]));
        let b = encode(&d, &kind, 1).unwrap();
        assert_eq!(b.acks, 1);
    }
}
