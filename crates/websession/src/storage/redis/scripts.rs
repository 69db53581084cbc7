//! The Lua scripts of a [`RedisStore`](super::RedisStore), each atomic in Redis, and the
//! record layout that they check.

use std::sync::OnceLock;

use redis::{ErrorKind, FromRedisValue, RedisError, RedisResult, Script};

/// Lua functions that every script starts with.
///
/// - `string_at(key)` returns the value of a string key, and `nil` for a missing key or a
///   key of another type, which is never a record. Checking the type first keeps `GET` from
///   failing with `WRONGTYPE` on another program's key.
/// - `record_parts(value)` returns the expiry of a value in the layout of a record,
///   `{"expires":<integer>,"data":{` … `}}`, and the text after the expiry's comma. For any
///   other value it returns `nil`, and the scripts never delete or change such a value.
///   Checking that the rest is JSON would mean parsing every session in Lua on each request.
macro_rules! lua_functions {
    () => {
        r#"
local function string_at(key)
  if redis.call('TYPE', key).ok ~= 'string' then return nil end
  return redis.call('GET', key)
end
local function record_parts(value)
  local expires, rest = string.match(value, '^{"expires":(%-?%d+),("data":{.*}})$')
  return tonumber(expires), rest
end
"#
    };
}

/// Returns the string under `KEYS[1]` unless it is a record that has expired at `ARGV[1]`
/// (milliseconds since the Unix epoch), which is deleted. A value that is not in a record's
/// layout is returned as it is and kept, so that the caller can report it. For a key of
/// another Redis type, it returns an array of the type's name, which [`ReadReply`]
/// distinguishes from a string.
const READ_SCRIPT: &str = concat!(
    lua_functions!(),
    r#"
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'none' then return false end
if kind ~= 'string' then return {kind} end
local value = redis.call('GET', KEYS[1])
local expires = record_parts(value)
if expires and expires <= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  return false
end
return value
"#
);

/// Deletes the value under `KEYS[1]` only when it is in a record's layout, so that a cookie
/// naming another program's key cannot delete it.
const DELETE_SCRIPT: &str = concat!(
    lua_functions!(),
    r#"
local value = string_at(KEYS[1])
if value and record_parts(value) then
  redis.call('DEL', KEYS[1])
end
return 0
"#
);

/// Lua code that starts the update and touch scripts. It returns 0 unless a live record is
/// under `KEYS[1]` at `ARGV[3]` (milliseconds since the Unix epoch), and deletes an expired
/// record. A value that is not in a record's layout is kept. When the new time to live
/// `ARGV[2]` is `0`, it deletes the record and returns 1. Otherwise the script goes on with
/// the value after the expiry in `rest`.
macro_rules! rewrite_script_start {
    () => {
        concat!(
            lua_functions!(),
            r#"
local old = string_at(KEYS[1])
if not old then return 0 end
local expires, rest = record_parts(old)
if not expires then return 0 end
if expires <= tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[1])
  return 0
end
if ARGV[2] == '0' then
  redis.call('DEL', KEYS[1])
  return 1
end
"#
        )
    };
}

/// Replaces the live record under `KEYS[1]` with `ARGV[1]` and a time to live of `ARGV[2]`
/// seconds. Returns 1 when there was a live record, else 0, after the check of
/// `rewrite_script_start!`.
const UPDATE_SCRIPT: &str = concat!(
    rewrite_script_start!(),
    r#"
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"#
);

/// Sets the expiry of the live record under `KEYS[1]` to `ARGV[1]` (milliseconds since the
/// Unix epoch) and its time to live to `ARGV[2]` seconds, and keeps the rest of the value
/// unchecked. Returns 1 when there was a live record, else 0, after the check of
/// `rewrite_script_start!`.
const TOUCH_SCRIPT: &str = concat!(
    rewrite_script_start!(),
    r#"
redis.call('SET', KEYS[1], '{"expires":' .. ARGV[1] .. ',' .. rest, 'EX', ARGV[2])
return 1
"#
);

/// The reply of the read script.
#[derive(Debug, PartialEq)]
pub(super) enum ReadReply {
    /// No key, or a record that had expired, which the script deleted.
    Missing,
    /// The string under the key, a record or a value in another layout.
    Value(Vec<u8>),
    /// The name of the key's Redis type (`hash`, `list`, …), which is not `string`.
    OtherType(String),
}

fn not_one_type_name() -> RedisError {
    RedisError::from((
        ErrorKind::TypeError,
        "the read script returned an array that is not one type name",
    ))
}

impl FromRedisValue for ReadReply {
    fn from_redis_value(reply: &redis::Value) -> RedisResult<Self> {
        match reply {
            redis::Value::Nil => Ok(Self::Missing),
            redis::Value::Array(items) => match items.as_slice() {
                [kind] => Ok(Self::OtherType(String::from_redis_value(kind)?)),
                _ => Err(not_one_type_name()),
            },
            other => Vec::<u8>::from_redis_value(other).map(Self::Value),
        }
    }

    // `redis` converts a command's reply with this method. The trait's default borrows the
    // reply and so copies the session's bytes, which this one moves instead.
    fn from_owned_redis_value(reply: redis::Value) -> RedisResult<Self> {
        match reply {
            redis::Value::Nil => Ok(Self::Missing),
            redis::Value::Array(mut items) => match (items.pop(), items.is_empty()) {
                (Some(kind), true) => Ok(Self::OtherType(String::from_owned_redis_value(kind)?)),
                _ => Err(not_one_type_name()),
            },
            other => Vec::<u8>::from_owned_redis_value(other).map(Self::Value),
        }
    }
}

// Each `Script` hashes its text once per process. `redis` runs it by hash with `EVALSHA`
// and sends the text again only when the server does not have it.

pub(super) fn read() -> &'static Script {
    static SCRIPT: OnceLock<Script> = OnceLock::new();
    SCRIPT.get_or_init(|| Script::new(READ_SCRIPT))
}

pub(super) fn delete() -> &'static Script {
    static SCRIPT: OnceLock<Script> = OnceLock::new();
    SCRIPT.get_or_init(|| Script::new(DELETE_SCRIPT))
}

pub(super) fn touch() -> &'static Script {
    static SCRIPT: OnceLock<Script> = OnceLock::new();
    SCRIPT.get_or_init(|| Script::new(TOUCH_SCRIPT))
}

pub(super) fn update() -> &'static Script {
    static SCRIPT: OnceLock<Script> = OnceLock::new();
    SCRIPT.get_or_init(|| Script::new(UPDATE_SCRIPT))
}

/// Returns `true` when `value` has the layout that the scripts take for a record:
/// `{"expires":<integer>,"data":{`, then anything, then `}}`.
pub(super) fn has_record_layout(value: &[u8]) -> bool {
    let Some(rest) = value.strip_prefix(b"{\"expires\":") else {
        return false;
    };
    let rest = rest.strip_prefix(b"-").unwrap_or(rest);
    let digits = rest.iter().take_while(|byte| byte.is_ascii_digit()).count();
    digits > 0 && rest[digits..].starts_with(b",\"data\":{") && rest.ends_with(b"}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_prefix_is_an_integer_expiry() {
        assert!(has_record_layout(br#"{"expires":1700000000000,"data":{}}"#));
        assert!(has_record_layout(br#"{"expires":-5,"data":{}}"#));
        assert!(!has_record_layout(br#"{"expires": 1,"data":{}}"#));
        assert!(!has_record_layout(br#"{"expires":1.5,"data":{}}"#));
        assert!(!has_record_layout(br#"{"expires":-,"data":{}}"#));
        assert!(!has_record_layout(br#"{"data":{},"expires":1}"#));
        assert!(!has_record_layout(br#"{"expires":0,"queue":["a","b"]}"#));
        assert!(!has_record_layout(br#"{"expires":1,"data":[1]}"#));
        assert!(!has_record_layout(br#"{"expires":1,"data":{"#));
    }

    #[test]
    fn read_reply_from_each_shape() {
        use redis::Value;

        let bulk = |text: &str| Value::BulkString(text.as_bytes().to_vec());
        let cases = [
            (Value::Nil, Some(ReadReply::Missing)),
            (bulk("{}"), Some(ReadReply::Value(b"{}".to_vec()))),
            (
                Value::Array(vec![bulk("hash")]),
                Some(ReadReply::OtherType("hash".to_owned())),
            ),
            (Value::Array(vec![]), None),
            (Value::Array(vec![bulk("hash"), bulk("list")]), None),
            (Value::Okay, None),
            (Value::SimpleString("hash".to_owned()), None),
        ];
        for (reply, expected) in cases {
            let borrowed = ReadReply::from_redis_value(&reply).ok();
            assert_eq!(borrowed, expected, "borrowed {reply:?}");
            let owned = ReadReply::from_owned_redis_value(reply.clone()).ok();
            assert_eq!(owned, expected, "owned {reply:?}");
        }
    }

    #[test]
    fn owned_read_reply_keeps_buffer() {
        let bytes = br#"{"expires":1,"data":{}}"#.to_vec();
        let address = bytes.as_ptr();
        let reply = ReadReply::from_owned_redis_value(redis::Value::BulkString(bytes)).unwrap();
        let ReadReply::Value(value) = reply else {
            panic!("expected a value, got {reply:?}");
        };
        assert_eq!(value.as_ptr(), address, "the bytes were copied");
    }
}
