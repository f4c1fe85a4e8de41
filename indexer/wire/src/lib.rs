//! The indexer's WebSocket protocol (`/api/v1/ws`, docs/indexer.md): the one definition of
//! its messages and of the rule that orders deltas. The indexer serializes these types and
//! the app (built for wasm32) deserializes the same ones, so the two cannot drift apart.
use serde::{Deserialize, Serialize};

pub mod grid;

/// Client → server.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Request {
    /// Sends the channel's snapshot, then its deltas.
    Subscribe {
        channel: String,
    },
    Unsubscribe {
        channel: String,
    },
    Ping,
}

impl Request {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Server → client. Generic over the text and data types so that the server serializes
/// borrowed data (`Frame<&str, &Value>`) and a client owns what it parsed (`Frame`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Frame<S = String, D = serde_json::Value> {
    /// The channel's state as of batch `seq`.
    Snapshot {
        channel: S,
        seq: i64,
        data: D,
    },
    /// A change committed in batch `seq`; the channel's previous delta was in batch `prev`
    /// (absent from indexers older than the per-batch numbering, whose numbers were
    /// consecutive: `seq - 1`). `at_ms`: when the indexer published it (unix milliseconds).
    Delta {
        channel: S,
        seq: i64,
        prev: Option<i64>,
        at_ms: Option<i64>,
        data: D,
    },
    Error {
        message: S,
    },
    Pong,
    /// A frame type this client does not know: ignored, so the server can add types.
    #[serde(other)]
    Other,
}

/// What a subscriber holding a channel's state does with a delta.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sequence {
    /// It continues the state held: apply it.
    Apply,
    /// Already held (a duplicate, or older than the snapshot): skip it.
    Stale,
    /// A delta in between was lost, or no snapshot is held yet: take a fresh snapshot.
    Gap,
}

/// Where delta `seq`, whose channel last changed in batch `prev`, stands against a state
/// held as of batch `held`: it applies when it continues that state (`prev` ≤ held < `seq`).
/// A missing `prev` means `seq - 1` (see [`Frame::Delta`]).
pub fn follows(held: Option<i64>, seq: i64, prev: Option<i64>) -> Sequence {
    match held {
        None => Sequence::Gap,
        Some(held) if seq <= held => Sequence::Stale,
        Some(held) if prev.unwrap_or(seq - 1) > held => Sequence::Gap,
        Some(_) => Sequence::Apply,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_delta_applies_only_when_it_continues_the_state_held() {
        assert_eq!(follows(None, 5, Some(4)), Sequence::Gap, "no snapshot yet");
        assert_eq!(follows(Some(9), 12, Some(10)), Sequence::Gap, "batch 10's delta was missed");
        assert_eq!(follows(Some(10), 12, Some(10)), Sequence::Apply);
        assert_eq!(follows(Some(11), 12, Some(10)), Sequence::Apply, "a snapshot newer than prev");
        assert_eq!(follows(Some(12), 12, Some(10)), Sequence::Stale, "a duplicate");
        assert_eq!(follows(Some(13), 12, Some(10)), Sequence::Stale);
        assert_eq!(follows(Some(7), 8, None), Sequence::Apply, "an older server: consecutive numbers");
        assert_eq!(follows(Some(7), 9, None), Sequence::Gap);
    }

    #[test]
    fn frames_read_back_as_written() {
        let data = json!({"levels": []});
        let delta = Frame::<&str, &serde_json::Value>::Delta {
            channel: "book:M",
            seq: 12,
            prev: Some(10),
            at_ms: Some(5),
            data: &data,
        };
        let text = serde_json::to_string(&delta).unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            json!({"type": "delta", "channel": "book:M", "seq": 12, "prev": 10, "at_ms": 5, "data": {"levels": []}})
        );
        let read: Frame = serde_json::from_str(&text).unwrap();
        assert_eq!(
            read,
            Frame::Delta { channel: "book:M".into(), seq: 12, prev: Some(10), at_ms: Some(5), data }
        );
        let old: Frame =
            serde_json::from_str(r#"{"type":"delta","channel":"c","seq":3,"data":null}"#).unwrap();
        assert_eq!(
            old,
            Frame::Delta {
                channel: "c".into(),
                seq: 3,
                prev: None,
                at_ms: None,
                data: serde_json::Value::Null
            }
        );
        assert_eq!(serde_json::from_str::<Frame>(r#"{"type":"pong"}"#).unwrap(), Frame::Pong);
        assert_eq!(serde_json::from_str::<Frame>(r#"{"type":"news","x":1}"#).unwrap(), Frame::Other);
    }

    #[test]
    fn requests_are_the_documented_json() {
        let sub = Request::Subscribe { channel: "book:M".into() };
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&sub.to_json()).unwrap(),
            json!({"op": "subscribe", "channel": "book:M"})
        );
        assert_eq!(serde_json::from_str::<Request>(r#"{"op":"ping"}"#).unwrap(), Request::Ping);
        assert!(
            serde_json::from_str::<Request>(r#"{"op":"subscribe"}"#).is_err(),
            "a subscribe names its channel"
        );
    }
}
