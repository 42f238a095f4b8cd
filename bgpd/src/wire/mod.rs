//! BGP message codec: netgauze-bgp-pkt reads and writes the octets, this module converts
//! to and from Terrace's own message types and applies RFC 7606 error handling.
//!
//! - [`message`], [`attrs`]: the domain types.
//! - [`decode()`] / [`encode()`]: octets ↔ [`Message`] for a session's [`CodecContext`].
//! - [`frame_len`]: how long the next message in a TCP byte stream is.
//! - [`rfc7606`]: the per-attribute error actions.
//!
//! Decision record: docs/decisions/0002-bgp-codec.md.

mod as4;
pub mod attrs;
mod attrs_in;
mod context;
mod decode;
mod encode;
mod error;
pub mod message;
mod notification_text;
pub mod rfc7606;
mod update_in;
mod update_out;

pub use as4::AS_TRANS;
pub use attrs::{AsPath, AsSegment, LargeCommunity, Origin, PathAttrs, RawAttr, SegmentKind};
pub use context::{CodecContext, HEADER_LEN, MAX_EXTENDED_MESSAGE_LEN, MAX_MESSAGE_LEN, frame_len};
pub use decode::decode;
pub use encode::encode;
pub use error::{DecodeError, EncodeError, codes};
pub use message::{
    AddPathFamily, Afi, Capability, GracefulRestartCap, Message, MpReach, MpUnreach, Nlri,
    Notification, Open, RouteRefresh, Update,
};
pub use notification_text::NotificationText;
