//! Netlink message and attribute framing (nfnetlink and rtnetlink), and the
//! acknowledgements the kernel sends back. Pure.

/// `struct nlmsghdr` + `struct nfgenmsg`.
const HEADER_LEN: usize = 16 + 4;
/// Attribute flag: the payload is nested attributes.
const NLA_F_NESTED: u16 = 0x8000;

/// `NLM_F_REQUEST`.
pub const F_REQUEST: u16 = 0x1;
/// `NLM_F_ACK`.
pub const F_ACK: u16 = 0x4;
/// `NLM_F_CREATE`.
pub const F_CREATE: u16 = 0x400;
/// `NLM_F_APPEND`.
pub const F_APPEND: u16 = 0x800;
/// `NLM_F_REPLACE`.
pub const F_REPLACE: u16 = 0x100;

/// A buffer of netlink messages being written.
#[derive(Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
    seq: u32,
    acked: u32,
}

fn pad4(n: usize) -> usize {
    (n + 3) & !3
}

impl Writer {
    /// An empty buffer whose first message gets sequence number `seq`.
    pub fn new(seq: u32) -> Self {
        Self {
            buf: Vec::new(),
            seq,
            acked: 0,
        }
    }

    /// Starts an nfnetlink message; returns its offset for [`Writer::end`].
    pub fn begin(&mut self, ty: u16, flags: u16, family: u8, res_id: u16) -> usize {
        let mut nfgenmsg = [family, 0, 0, 0]; // version NFNETLINK_V0
        nfgenmsg[2..].copy_from_slice(&res_id.to_be_bytes());
        let start = self.begin_with(ty, flags, &nfgenmsg);
        debug_assert_eq!(self.buf.len() - start, HEADER_LEN);
        start
    }

    /// Starts a message with a family-specific fixed header (for rtnetlink,
    /// `struct rtmsg`); returns its offset for [`Writer::end`].
    pub fn begin_with(&mut self, ty: u16, flags: u16, header: &[u8]) -> usize {
        let start = self.buf.len();
        self.buf.extend_from_slice(&0u32.to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf
            .extend_from_slice(&(flags | F_REQUEST).to_ne_bytes());
        self.buf.extend_from_slice(&self.seq.to_ne_bytes());
        self.buf.extend_from_slice(&0u32.to_ne_bytes());
        self.buf.extend_from_slice(header);
        self.seq = self.seq.wrapping_add(1);
        if flags & F_ACK != 0 {
            self.acked += 1;
        }
        start
    }

    /// Messages written so far.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Finishes the message started at `start`.
    pub fn end(&mut self, start: usize) {
        let len = (self.buf.len() - start) as u32;
        self.buf[start..start + 4].copy_from_slice(&len.to_ne_bytes());
    }

    /// An attribute with a raw payload.
    pub fn attr(&mut self, ty: u16, data: &[u8]) {
        let len = 4 + data.len();
        self.buf.extend_from_slice(&(len as u16).to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(data);
        self.buf.resize(self.buf.len() - len + pad4(len), 0);
    }

    /// A NUL-terminated string attribute.
    pub fn attr_str(&mut self, ty: u16, s: &str) {
        let mut data = s.as_bytes().to_vec();
        data.push(0);
        self.attr(ty, &data);
    }

    /// A big-endian u32 attribute (nf_tables' integers are network order).
    pub fn attr_be32(&mut self, ty: u16, v: u32) {
        self.attr(ty, &v.to_be_bytes());
    }

    /// Starts a nested attribute; returns its offset for [`Writer::nest_end`].
    pub fn nest(&mut self, ty: u16) -> usize {
        let start = self.buf.len();
        self.buf.extend_from_slice(&0u16.to_ne_bytes());
        self.buf
            .extend_from_slice(&(ty | NLA_F_NESTED).to_ne_bytes());
        start
    }

    /// Closes the nested attribute started at `start`.
    pub fn nest_end(&mut self, start: usize) {
        let len = (self.buf.len() - start) as u16;
        self.buf[start..start + 2].copy_from_slice(&len.to_ne_bytes());
    }

    /// Bytes written since `start`.
    pub fn since(&self, start: usize) -> usize {
        self.buf.len() - start
    }

    /// Messages that asked for an acknowledgement.
    pub fn acked(&self) -> u32 {
        self.acked
    }

    /// The buffer.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

/// One response: the sequence number it answers and its error (0 = ack).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ack {
    /// Sequence number of the request.
    pub seq: u32,
    /// 0, or a negated errno.
    pub error: i32,
}

/// `NLMSG_ERROR`, which carries acks too.
const NLMSG_ERROR: u16 = 2;

/// The acks and errors in a received buffer; other messages are skipped.
/// `None` when the buffer is not well-formed netlink.
pub fn parse_acks(mut buf: &[u8]) -> Option<Vec<Ack>> {
    let mut out = Vec::new();
    while buf.len() >= 16 {
        let len = u32::from_ne_bytes(buf[0..4].try_into().ok()?) as usize;
        let ty = u16::from_ne_bytes(buf[4..6].try_into().ok()?);
        if len < 16 || len > buf.len() {
            return None;
        }
        if ty == NLMSG_ERROR && len >= 16 + 4 + 16 {
            let error = i32::from_ne_bytes(buf[16..20].try_into().ok()?);
            // The original request's header follows the error code.
            let seq = u32::from_ne_bytes(buf[28..32].try_into().ok()?);
            out.push(Ack { seq, error });
        }
        buf = &buf[pad4(len).min(buf.len())..];
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_attributes_are_framed_and_padded() {
        let mut w = Writer::new(7);
        let m = w.begin(0x0a0c, F_ACK, 1, 0);
        w.attr_str(1, "terrace");
        let n = w.nest(3);
        w.attr_be32(1, 0xfffffffd);
        w.nest_end(n);
        w.end(m);
        assert_eq!(w.acked(), 1);
        let b = w.into_bytes();
        assert_eq!(
            u32::from_ne_bytes(b[0..4].try_into().unwrap()) as usize,
            b.len()
        );
        assert_eq!(u32::from_ne_bytes(b[8..12].try_into().unwrap()), 7);
        // "terrace\0" is 8 bytes: attribute length 12, no padding.
        assert_eq!(u16::from_ne_bytes(b[20..22].try_into().unwrap()), 12);
        assert_eq!(&b[24..32], b"terrace\0");
        let nest_type = u16::from_ne_bytes(b[34..36].try_into().unwrap());
        assert_eq!(nest_type, 3 | 0x8000);
        assert_eq!(&b[40..44], &[0xff, 0xff, 0xff, 0xfd]);
    }

    #[test]
    fn acks_name_the_request_they_answer() {
        let mut msg = Vec::new();
        msg.extend_from_slice(&36u32.to_ne_bytes());
        msg.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        msg.extend_from_slice(&[0; 10]);
        msg.extend_from_slice(&(-17i32).to_ne_bytes());
        msg.extend_from_slice(&[0; 8]);
        msg.extend_from_slice(&42u32.to_ne_bytes());
        msg.extend_from_slice(&[0; 4]);
        assert_eq!(
            parse_acks(&msg),
            Some(vec![Ack {
                seq: 42,
                error: -17
            }])
        );
        assert_eq!(parse_acks(&[1, 2, 3]), Some(vec![]));
        let mut bad = msg.clone();
        bad[0] = 200;
        assert_eq!(parse_acks(&bad), None);
    }
}
