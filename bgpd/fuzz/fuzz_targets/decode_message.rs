//! Fuzz `bgpd::wire::decode`: the first octet picks the session's codec context, the
//! rest is one message. Decoding must never panic; a successful decode must re-encode.
#![no_main]

use bgpd::wire::{self, Afi, CodecContext};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((flags, frame)) = data.split_first() else {
        return;
    };
    let afis = |bit: u8| if flags & bit != 0 { vec![Afi::Ipv4, Afi::Ipv6] } else { vec![] };
    let ctx = CodecContext {
        four_octet_as: flags & 1 != 0,
        add_path_receive: afis(2),
        add_path_send: afis(2),
        extended_message: flags & 4 != 0,
        ebgp: flags & 8 != 0,
    };
    if let Ok(msg) = wire::decode(frame, &ctx) {
        // Whatever we accept we must be able to write again (or refuse with an error).
        let _ = wire::encode(&msg, &ctx);
    }
});
