//! Message encoding: Terrace types → netgauze types → octets.
//!
//! NOTIFICATION is written directly (two octets plus data, RFC 4271 §4.5) so that any
//! code/subcode can be sent; everything else is written by netgauze.

use netgauze_bgp_pkt::BgpMessage;
use netgauze_bgp_pkt::capabilities::{
    AddPathAddressFamily, AddPathCapability, BgpCapability, FourOctetAsCapability,
    GracefulRestartAddressFamily, GracefulRestartCapability, MultiProtocolExtensionsCapability,
};
use netgauze_bgp_pkt::iana::RouteRefreshSubcode;
use netgauze_bgp_pkt::open::{BgpOpenMessage, BgpOpenMessageParameter};
use netgauze_bgp_pkt::route_refresh::BgpRouteRefreshMessage;
use netgauze_iana::address_family::AddressType;
use netgauze_parse_utils::WritablePdu;

use super::context::{CodecContext, HEADER_LEN, MAX_MESSAGE_LEN};
use super::error::EncodeError;
use super::message::{Afi, Capability, Message, Notification, Open, RouteRefresh};
use super::update_out;

/// Encode one message for a session described by `ctx`.
pub fn encode(msg: &Message, ctx: &CodecContext) -> Result<Vec<u8>, EncodeError> {
    let (bytes, max) = match msg {
        Message::Notification(n) => (encode_notification(n), ctx.max_message_len()),
        Message::Open(open) => (write(BgpMessage::Open(open_to_ng(open)))?, MAX_MESSAGE_LEN),
        Message::Keepalive => (write(BgpMessage::KeepAlive)?, MAX_MESSAGE_LEN),
        Message::Update(u) => (
            write(BgpMessage::Update(update_out::to_ng(u, ctx)?))?,
            ctx.max_message_len(),
        ),
        Message::RouteRefresh(rr) => (
            write(BgpMessage::RouteRefresh(route_refresh_to_ng(rr)))?,
            ctx.max_message_len(),
        ),
    };
    if bytes.len() > max {
        return Err(EncodeError::TooLong {
            len: bytes.len(),
            max,
        });
    }
    Ok(bytes)
}

fn write(msg: BgpMessage) -> Result<Vec<u8>, EncodeError> {
    let mut buf = Vec::with_capacity(msg.len());
    msg.write(&mut buf)
        .map_err(|e| EncodeError::Writer(e.to_string()))?;
    Ok(buf)
}

fn encode_notification(n: &Notification) -> Vec<u8> {
    let len = HEADER_LEN + 2 + n.data.len();
    let mut buf = vec![0xFF; 16];
    // An over-long NOTIFICATION is caught by the length check in `encode`.
    buf.extend_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes());
    buf.extend_from_slice(&[3, n.code, n.subcode]);
    buf.extend_from_slice(&n.data);
    buf
}

/// Terrace family → netgauze address type.
pub(super) fn afi_to_ng(afi: Afi) -> AddressType {
    match afi {
        Afi::Ipv4 => AddressType::Ipv4Unicast,
        Afi::Ipv6 => AddressType::Ipv6Unicast,
    }
}

fn open_to_ng(open: &Open) -> BgpOpenMessage {
    let caps: Vec<BgpCapability> = open
        .capabilities
        .iter()
        .filter_map(capability_to_ng)
        .collect();
    let params = if caps.is_empty() {
        Vec::new()
    } else {
        vec![BgpOpenMessageParameter::new_capabilities(caps)]
    };
    BgpOpenMessage::new(open.my_as, open.hold_time, open.bgp_id, params)
}

fn capability_to_ng(c: &Capability) -> Option<BgpCapability> {
    Some(match c {
        Capability::MultiProtocol(afi) => BgpCapability::MultiProtocolExtensions(
            MultiProtocolExtensionsCapability::new(afi_to_ng(*afi)),
        ),
        Capability::RouteRefresh => BgpCapability::RouteRefresh,
        Capability::ExtendedMessage => BgpCapability::ExtendedMessage,
        Capability::FourOctetAs(asn) => {
            BgpCapability::FourOctetAs(FourOctetAsCapability::new(*asn))
        }
        Capability::GracefulRestart(gr) => {
            BgpCapability::GracefulRestartCapability(GracefulRestartCapability::new(
                gr.restarting,
                false,
                gr.restart_time.min(0x0FFF),
                gr.families
                    .iter()
                    .map(|(afi, fwd)| GracefulRestartAddressFamily::new(*fwd, afi_to_ng(*afi)))
                    .collect::<Vec<_>>(),
            ))
        }
        Capability::AddPath(fams) => BgpCapability::AddPath(AddPathCapability::new(
            fams.iter()
                .map(|f| AddPathAddressFamily::new(afi_to_ng(f.afi), f.send, f.receive))
                .collect::<Vec<_>>(),
        )),
        // Terrace never originates capabilities it does not understand.
        Capability::Unknown { .. } => return None,
    })
}

fn route_refresh_to_ng(rr: &RouteRefresh) -> BgpRouteRefreshMessage {
    let op = match rr.subtype {
        1 => RouteRefreshSubcode::BeginningOfRouteRefresh,
        2 => RouteRefreshSubcode::EndOfRouteRefresh,
        _ => RouteRefreshSubcode::NormalRequest,
    };
    BgpRouteRefreshMessage::new(afi_to_ng(rr.afi), op)
}
