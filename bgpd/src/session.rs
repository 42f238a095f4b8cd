//! One peer's session, sans-IO: the FSM plus TCP stream framing and the codec context.
//!
//! The tokio shell owns the socket and the timers; it feeds bytes and timer expiries in
//! and carries out the returned [`Output`]s. Nothing here blocks or reads a clock.

use crate::fsm::{Fsm, Input, Output, SessionConfig};
use crate::wire::{
    self, CodecContext, DecodeError, EncodeError, HEADER_LEN, MAX_MESSAGE_LEN, Message,
    Notification, codes,
};

/// A session: FSM, receive buffer and codec context.
#[derive(Debug)]
pub struct Session {
    fsm: Fsm,
    inbuf: Vec<u8>,
    /// The last NOTIFICATION the peer sent, until the driver takes it (status display).
    received_notification: Option<Notification>,
}

impl Session {
    /// A session in Idle.
    pub fn new(config: SessionConfig) -> Session {
        Session {
            fsm: Fsm::new(config),
            inbuf: Vec::new(),
            received_notification: None,
        }
    }

    /// The state machine (state, negotiated parameters).
    pub fn fsm(&self) -> &Fsm {
        &self.fsm
    }

    /// The codec context: negotiated once the peer's OPEN was accepted, default before.
    pub fn codec_context(&self) -> CodecContext {
        self.fsm
            .negotiated()
            .map(|n| n.codec_context())
            .unwrap_or_default()
    }

    /// Feed an event (start/stop, timer expiry, TCP state change).
    pub fn handle(&mut self, input: Input) -> Vec<Output> {
        if matches!(
            input,
            Input::TcpConnectionFails | Input::TcpCrAcked | Input::TcpConnectionConfirmed
        ) {
            // A new or lost connection starts a new byte stream.
            self.inbuf.clear();
        }
        let out = self.fsm.process(input);
        if out.contains(&Output::Disconnect) {
            self.inbuf.clear();
        }
        out
    }

    /// Feed bytes read from the TCP connection: every complete message is decoded and
    /// handed to the FSM. A malformed message produces the NOTIFICATION and stops reading.
    pub fn receive_bytes(&mut self, bytes: &[u8]) -> Vec<Output> {
        self.inbuf.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(len) = wire::frame_len(&self.inbuf) {
            let ctx = self.codec_context();
            if !(HEADER_LEN..=ctx.max_message_len().max(MAX_MESSAGE_LEN)).contains(&len) {
                // Cannot even frame it: report the bad length at once (RFC 4271 §6.1).
                let data = u16::try_from(len)
                    .unwrap_or(u16::MAX)
                    .to_be_bytes()
                    .to_vec();
                let err = DecodeError::new(
                    codes::MESSAGE_HEADER,
                    codes::HDR_BAD_LENGTH,
                    data,
                    "bad message length",
                );
                out.extend(self.handle(Input::DecodeFailed(err)));
                break;
            }
            if self.inbuf.len() < len {
                break;
            }
            let frame: Vec<u8> = self.inbuf.drain(..len).collect();
            let input = match wire::decode(&frame, &ctx) {
                Ok(msg) => {
                    match &msg {
                        Message::Notification(n) => {
                            tracing::warn!(error = %wire::NotificationText(n), "NOTIFICATION received");
                            self.received_notification = Some(n.clone());
                        }
                        Message::Update(u) => log_attribute_errors(u),
                        _ => {}
                    }
                    Input::Received(msg)
                }
                Err(e) => {
                    tracing::warn!(reason = %e.reason, "malformed message from peer");
                    Input::DecodeFailed(e)
                }
            };
            let failed = matches!(input, Input::DecodeFailed(_));
            out.extend(self.handle(input));
            if failed {
                break;
            }
        }
        out
    }

    /// The NOTIFICATION received since the last call, if any.
    pub fn take_received_notification(&mut self) -> Option<Notification> {
        self.received_notification.take()
    }

    /// Encode a message for this session (e.g. the payload of `Output::Send`).
    pub fn encode(&self, msg: &Message) -> Result<Vec<u8>, EncodeError> {
        wire::encode(msg, &self.codec_context())
    }
}

/// Treat-as-withdraw and attribute discard keep the session up (RFC 7606 §2), so the
/// log is where an operator learns that a peer sends malformed UPDATEs.
fn log_attribute_errors(u: &wire::Update) {
    let Some(action) = u.errors.iter().map(|e| e.action).max() else {
        return;
    };
    let reasons: Vec<&str> = u.errors.iter().map(|e| e.reason.as_str()).collect();
    tracing::warn!(?action, ?reasons, "malformed UPDATE attributes");
}
