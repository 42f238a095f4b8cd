//! Conversions between etcd-client types and the store model, and error mapping.

use etcd_client::EventType;

use crate::error::StoreError;
use crate::model::{Event, EventKind, KeyValue};

/// Maps an etcd-client error: connection trouble is transient ([`StoreError::Unavailable`]).
pub(crate) fn etcd_error(context: impl Into<String>, err: etcd_client::Error) -> StoreError {
    use tonic::Code;
    let transient = match &err {
        etcd_client::Error::TransportError(_)
        | etcd_client::Error::IoError(_)
        | etcd_client::Error::WatchError(_) => true,
        etcd_client::Error::GRpcStatus(status) => matches!(
            status.code(),
            Code::Unavailable
                | Code::DeadlineExceeded
                | Code::Cancelled
                | Code::Aborted
                | Code::ResourceExhausted
                | Code::Unknown
        ),
        _ => false,
    };
    if transient {
        StoreError::unavailable(context, err)
    } else {
        StoreError::backend(context, err)
    }
}

/// The gRPC message of an etcd error, for the few errors etcd only distinguishes by text.
pub(crate) fn status_message(err: &etcd_client::Error) -> &str {
    match err {
        etcd_client::Error::GRpcStatus(status) => status.message(),
        _ => "",
    }
}

/// Converts a stored key-value; keys must be UTF-8 (Terrace keys are ASCII).
pub(crate) fn key_value(kv: &etcd_client::KeyValue) -> Result<KeyValue, StoreError> {
    let key = kv
        .key_str()
        .map_err(|e| etcd_error("decoding a key from etcd", e))?;
    Ok(KeyValue {
        key: key.to_owned(),
        value: kv.value().to_vec(),
        create_revision: kv.create_revision(),
        mod_revision: kv.mod_revision(),
        version: kv.version(),
    })
}

/// Converts a watch event; a delete's `kv` carries only the key and the deletion revision.
pub(crate) fn event(event: &etcd_client::Event) -> Result<Event, StoreError> {
    let kv = event.kv().ok_or_else(|| {
        StoreError::backend("decoding a watch event", "etcd sent an event without a key")
    })?;
    let current = key_value(kv)?;
    let prev = event.prev_kv().map(key_value).transpose()?;
    let (kind, new) = match event.event_type() {
        EventType::Put => (EventKind::Put, Some(current.clone())),
        EventType::Delete => (EventKind::Delete, None),
    };
    Ok(Event {
        kind,
        key: current.key,
        revision: current.mod_revision,
        new,
        prev,
    })
}

/// The first key after every key starting with `prefix` (etcd's range end for a prefix).
pub(crate) fn prefix_end(prefix: &str) -> Vec<u8> {
    let mut end = prefix.as_bytes().to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    // Empty prefix (or all 0xff): "\0" means "to the end of the keyspace" in etcd.
    vec![0]
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn prefix_end_is_the_next_key_after_the_prefix() {
        assert_eq!(prefix_end("/terrace/v1/"), b"/terrace/v10".to_vec());
        assert_eq!(prefix_end("a"), b"b".to_vec());
        assert_eq!(prefix_end(""), vec![0]);
    }
}
