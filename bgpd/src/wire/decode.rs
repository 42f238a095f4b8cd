//! Message decoding: header checks (RFC 4271 §6.1), then one function per message type.

use netgauze_bgp_pkt::BgpMessage;
use netgauze_bgp_pkt::capabilities::BgpCapability;
use netgauze_bgp_pkt::iana::RouteRefreshSubcode;
use netgauze_bgp_pkt::notification::BgpNotificationMessage;
use netgauze_bgp_pkt::open::BgpOpenMessage;
use netgauze_bgp_pkt::wire::deserializer::BgpParsingContext;
use netgauze_iana::address_family::AddressType;
use netgauze_parse_utils::WritablePdu;
use netgauze_parse_utils::reader::SliceReader;
use netgauze_parse_utils::traits::ParseFromWithOneInput;

use super::context::{CodecContext, HEADER_LEN, MAX_MESSAGE_LEN};
use super::error::{DecodeError, codes};
use super::message::{
    AddPathFamily, Afi, Capability, GracefulRestartCap, Message, Notification, Open, RouteRefresh,
};
use super::update_in;

const OPEN: u8 = 1;
const UPDATE: u8 = 2;
const NOTIFICATION: u8 = 3;
const KEEPALIVE: u8 = 4;
const ROUTE_REFRESH: u8 = 5;

/// Decode one complete message (`frame` holds exactly the octets its header announces).
///
/// Never panics. An `Err` carries the NOTIFICATION to send; attribute problems that
/// RFC 7606 handles without a reset are reported in [`super::Update::errors`] instead.
pub fn decode(frame: &[u8], ctx: &CodecContext) -> Result<Message, DecodeError> {
    let (msg_type, body) = header(frame, ctx)?;
    match msg_type {
        OPEN => decode_open(frame),
        UPDATE => update_in::decode(body, ctx).map(Message::Update),
        NOTIFICATION => Ok(Message::Notification(decode_notification(body))),
        KEEPALIVE => Ok(Message::Keepalive),
        _ => decode_route_refresh(frame),
    }
}

/// RFC 4271 §6.1 Message Header error checks.
fn header<'a>(frame: &'a [u8], ctx: &CodecContext) -> Result<(u8, &'a [u8]), DecodeError> {
    let (Some(marker), Some(body)) = (frame.get(..16), frame.get(HEADER_LEN..)) else {
        return Err(bad_length(frame.len()));
    };
    if marker.iter().any(|b| *b != 0xFF) {
        return Err(DecodeError::new(
            codes::MESSAGE_HEADER,
            codes::HDR_NOT_SYNCHRONIZED,
            Vec::new(),
            "marker is not all ones",
        ));
    }
    let declared = super::context::frame_len(frame).unwrap_or(0);
    let msg_type = frame.get(18).copied().unwrap_or(0);
    let (min, max) = match msg_type {
        OPEN => (29, MAX_MESSAGE_LEN),
        UPDATE => (23, ctx.max_message_len()),
        NOTIFICATION => (21, ctx.max_message_len()),
        KEEPALIVE => (19, 19),
        ROUTE_REFRESH => (23, ctx.max_message_len()),
        other => {
            return Err(DecodeError::new(
                codes::MESSAGE_HEADER,
                codes::HDR_BAD_TYPE,
                vec![other],
                "unknown message type",
            ));
        }
    };
    if declared != frame.len() || declared < min || declared > max {
        return Err(bad_length(declared));
    }
    Ok((msg_type, body))
}

fn bad_length(len: usize) -> DecodeError {
    // The Data field carries the erroneous Length field (RFC 4271 §6.1).
    let data = u16::try_from(len)
        .unwrap_or(u16::MAX)
        .to_be_bytes()
        .to_vec();
    DecodeError::new(
        codes::MESSAGE_HEADER,
        codes::HDR_BAD_LENGTH,
        data,
        "bad message length",
    )
}

/// NOTIFICATION body (RFC 4271 §4.5). Decoded here rather than by netgauze because
/// netgauze rejects subcodes it does not know, and a NOTIFICATION must always be readable.
fn decode_notification(body: &[u8]) -> Notification {
    Notification {
        code: body.first().copied().unwrap_or(0),
        subcode: body.get(1).copied().unwrap_or(0),
        data: body.get(2..).unwrap_or_default().to_vec(),
    }
}

fn ng_parse(frame: &[u8]) -> Result<BgpMessage, DecodeError> {
    // Malformed capabilities are skipped rather than fatal: RFC 5492 §3 asks a speaker to
    // ignore what it does not understand.
    let mut ng = BgpParsingContext::new(
        true,
        Default::default(),
        Default::default(),
        false,
        false,
        false,
        true,
    );
    BgpMessage::parse(&mut SliceReader::new(frame), &mut ng).map_err(|e| {
        let reason = e.to_string();
        DecodeError {
            notification: notification_from_ng(&BgpNotificationMessage::from(e)),
            reason,
        }
    })
}

/// netgauze's typed NOTIFICATION → code/subcode/data, by letting netgauze write it.
pub(super) fn notification_from_ng(n: &BgpNotificationMessage) -> Notification {
    let mut buf = Vec::new();
    let written = BgpMessage::Notification(n.clone()).write(&mut buf);
    match written {
        Ok(()) => decode_notification(buf.get(HEADER_LEN..).unwrap_or_default()),
        Err(_) => Notification {
            code: codes::MESSAGE_HEADER,
            subcode: 0,
            data: Vec::new(),
        },
    }
}

fn decode_open(frame: &[u8]) -> Result<Message, DecodeError> {
    match ng_parse(frame)? {
        BgpMessage::Open(open) => Ok(Message::Open(open_from_ng(&open))),
        _ => Err(bad_length(frame.len())),
    }
}

fn decode_route_refresh(frame: &[u8]) -> Result<Message, DecodeError> {
    match ng_parse(frame)? {
        BgpMessage::RouteRefresh(rr) => {
            let afi = afi_from_ng(rr.address_type()).ok_or_else(|| {
                DecodeError::new(codes::ROUTE_REFRESH, 1, Vec::new(), "unsupported family")
            })?;
            let subtype = match rr.operation_type() {
                RouteRefreshSubcode::NormalRequest => 0,
                RouteRefreshSubcode::BeginningOfRouteRefresh => 1,
                RouteRefreshSubcode::EndOfRouteRefresh => 2,
            };
            Ok(Message::RouteRefresh(RouteRefresh { afi, subtype }))
        }
        _ => Err(bad_length(frame.len())),
    }
}

/// netgauze address type → Terrace family (unicast only).
pub(super) fn afi_from_ng(t: AddressType) -> Option<Afi> {
    match t {
        AddressType::Ipv4Unicast => Some(Afi::Ipv4),
        AddressType::Ipv6Unicast => Some(Afi::Ipv6),
        _ => None,
    }
}

fn open_from_ng(open: &BgpOpenMessage) -> Open {
    Open {
        version: open.version(),
        my_as: open.my_as(),
        hold_time: open.hold_time(),
        bgp_id: open.bgp_id(),
        capabilities: open
            .capabilities()
            .into_iter()
            .map(capability_from_ng)
            .collect(),
    }
}

fn capability_from_ng(c: &BgpCapability) -> Capability {
    let unknown = || Capability::Unknown {
        code: match c.code() {
            Ok(code) => code.into(),
            Err(code) => code,
        },
    };
    match c {
        BgpCapability::MultiProtocolExtensions(mp) => {
            afi_from_ng(mp.address_type()).map_or_else(unknown, Capability::MultiProtocol)
        }
        BgpCapability::RouteRefresh => Capability::RouteRefresh,
        BgpCapability::ExtendedMessage => Capability::ExtendedMessage,
        BgpCapability::FourOctetAs(a) => Capability::FourOctetAs(a.asn4()),
        BgpCapability::GracefulRestartCapability(gr) => {
            Capability::GracefulRestart(GracefulRestartCap {
                restarting: gr.restart(),
                restart_time: gr.time(),
                families: gr
                    .address_families()
                    .iter()
                    .filter_map(|f| Some((afi_from_ng(f.address_type())?, f.forwarding_state())))
                    .collect(),
            })
        }
        BgpCapability::AddPath(ap) => Capability::AddPath(
            ap.address_families()
                .iter()
                .filter_map(|f| {
                    Some(AddPathFamily {
                        afi: afi_from_ng(f.address_type())?,
                        receive: f.receive(),
                        send: f.send(),
                    })
                })
                .collect(),
        ),
        _ => unknown(),
    }
}
