//! The text form of a session record in the file and Redis stores.
//!
//! A record is one JSON object with the expiry first, so that a Redis script can read the
//! expiry with a pattern match instead of a JSON parser:
//!
//! ```text
//! {"expires":<milliseconds since the Unix epoch, an integer>,"data":<the session data>}
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::json::{self, StringifyError};

/// A decoded record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Record {
    pub(crate) data: Map<String, Value>,
    pub(crate) expires: SystemTime,
}

impl Record {
    /// Returns `true` when the record is expired at `now` (`expires <= now`).
    pub(crate) fn is_expired(&self, now: SystemTime) -> bool {
        self.expires <= now
    }
}

/// Writes the text of a record.
pub(crate) fn encode(
    data: &Map<String, Value>,
    expires: SystemTime,
) -> Result<String, StringifyError> {
    let data = json::stringify_object(data)?;
    Ok(format!(
        "{{\"expires\":{},\"data\":{data}}}",
        millis_since_epoch(expires)
    ))
}

/// Reads the text of a record; `None` when it is not a complete record.
pub(crate) fn decode(bytes: &[u8]) -> Option<Record> {
    let text = std::str::from_utf8(bytes).ok()?;
    let Value::Object(mut record) = json::parse(text)? else {
        return None;
    };
    let millis = record.get("expires")?.as_i64()?;
    let Value::Object(data) = record.remove("data")? else {
        return None;
    };
    Some(Record {
        data,
        expires: time_from_millis(millis),
    })
}

/// Milliseconds since the Unix epoch, negative before it, saturating at the `i64` range.
pub(crate) fn millis_since_epoch(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_millis())
            .map(|millis| -millis)
            .unwrap_or(i64::MIN),
    }
}

fn time_from_millis(millis: i64) -> SystemTime {
    let magnitude = Duration::from_millis(millis.unsigned_abs());
    if millis >= 0 {
        UNIX_EPOCH.checked_add(magnitude)
    } else {
        UNIX_EPOCH.checked_sub(magnitude)
    }
    .unwrap_or(UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn record_round_trips() {
        let data = object(json!({"user": "alice", "n": [1, 2]}));
        let expires = UNIX_EPOCH + Duration::from_millis(1_700_000_060_000);
        let text = encode(&data, expires).unwrap();
        assert_eq!(
            text,
            r#"{"expires":1700000060000,"data":{"user":"alice","n":[1,2]}}"#
        );
        assert_eq!(decode(text.as_bytes()), Some(Record { data, expires }));
    }

    #[test]
    fn expiry_before_epoch_is_negative() {
        let expires = UNIX_EPOCH - Duration::from_millis(1_500);
        let text = encode(&Map::new(), expires).unwrap();
        assert_eq!(text, r#"{"expires":-1500,"data":{}}"#);
        assert_eq!(
            decode(text.as_bytes()).map(|record| record.expires),
            Some(expires)
        );
    }

    #[test]
    fn incomplete_records_decode_as_none() {
        for text in [
            "",
            "{",
            r#"{"expires":1700000060000,"data":{"user":"al"#,
            r#"{"expires":"soon","data":{}}"#,
            r#"{"expires":1,"data":[]}"#,
            r#"{"data":{}}"#,
            "[]",
            "\u{0}\u{0}\u{0}",
        ] {
            assert_eq!(decode(text.as_bytes()), None, "{text:?}");
        }
        assert_eq!(decode(&[0xff, 0xfe]), None);
    }

    #[test]
    fn expiry_is_inclusive() {
        let now = UNIX_EPOCH + Duration::from_secs(60);
        let record = |expires| Record {
            data: Map::new(),
            expires,
        };
        assert!(record(now).is_expired(now));
        assert!(!record(now + Duration::from_millis(1)).is_expired(now));
    }
}
