//! Property tests of the cookie session codec: round trips, tamper detection, hostile
//! headers, and `JSON.stringify` equivalence against a reference serializer written here.
//!
//! Each property runs proptest's default 256 cases; `PROPTEST_CASES=100000` runs more.

use std::fmt::Write as _;
use std::future::Future;
use std::time::{Duration, UNIX_EPOCH};

use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use serde_json::{Map, Value};
use websession::{
    Cookie, CookieOptions, CookieSessionStorage, EncodeError, PayloadEncoding, Priority, SameSite,
    ServerSessionStorage, SessionStorage, StorageError, MAX_COOKIE_LEN,
};

/// Seconds from 1970 to the end of 9999, the last instant an HTTP date can carry.
const LAST_HTTP_DATE_SECS: u64 = 253_402_300_799;

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime starts")
        .block_on(future)
}

// ---------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------

/// Doubles of every class, decimals around the layout boundaries of
/// `Number::prototype.toString` (10^-7, 10^21), and doubles exactly halfway between two
/// 17-digit decimals (from 2^50 to 2^51 the spacing is 0.25), where ties go to the even digit.
fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        any::<i64>().prop_map(|integer| integer as f64),
        (any::<i32>(), -30i32..30)
            .prop_map(|(mantissa, exponent)| { f64::from(mantissa) * 10f64.powi(exponent) }),
        (
            1u64 << 50..1u64 << 51,
            prop_oneof![Just(0.25), Just(0.75)],
            any::<bool>()
        )
            .prop_map(|(integer, fraction, negative)| {
                let magnitude = integer as f64 + fraction;
                if negative {
                    -magnitude
                } else {
                    magnitude
                }
            }),
        (1u32..10, -9i32..=24).prop_map(|(digit, exponent)| {
            format!("{digit}e{exponent}")
                .parse()
                .expect("a digit and an exponent form a float")
        }),
    ]
}

/// Object keys, biased towards the array-index forms that `JSON.stringify` reorders.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_]{0,6}",
        "(0|[1-9][0-9]{0,2})",
        "[0-9]{1,11}",
        Just("4294967294".to_owned()),
        Just("4294967295".to_owned()),
        Just("-1".to_owned()),
        Just("+1".to_owned()),
        ".{0,6}",
    ]
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        number().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        "[\\x00-\\x20\"\\\\\u{7f}\u{80}-\u{ff}\u{2028}\u{fffd}]{0,8}".prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..5)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

fn json_object() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((key(), json_value()), 0..6)
        .prop_map(|entries| entries.into_iter().collect())
}

fn non_empty_object() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((key(), json_value()), 1..6)
        .prop_map(|entries| entries.into_iter().collect())
        .prop_filter("at least one key", |map: &Map<String, Value>| {
            !map.is_empty()
        })
}

fn same_site() -> impl Strategy<Value = SameSite> {
    prop_oneof![
        Just(SameSite::Strict),
        Just(SameSite::Lax),
        Just(SameSite::None)
    ]
}

fn priority() -> impl Strategy<Value = Priority> {
    prop_oneof![
        Just(Priority::Low),
        Just(Priority::Medium),
        Just(Priority::High)
    ]
}

/// Options that pass validation field by field. [`make_valid`] fixes the combinations.
fn options() -> impl Strategy<Value = CookieOptions> {
    let path = prop::option::of(prop_oneof![Just(String::new()), "/[ -:=-~]{0,16}"]);
    let domain = prop::option::of(prop_oneof![
        Just(String::new()),
        "\\.?[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?(\\.[a-z0-9]{1,8}){0,3}",
    ]);
    let expires = prop::option::of(
        (0..=LAST_HTTP_DATE_SECS).prop_map(|secs| UNIX_EPOCH + Duration::from_secs(secs)),
    );
    let flags = (
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
    );
    (
        path,
        domain,
        prop::option::of(any::<i64>()),
        expires,
        flags,
        prop::option::of(same_site()),
        prop::option::of(priority()),
    )
        .prop_map(
            |(
                path,
                domain,
                max_age,
                expires,
                (http_only, secure, partitioned),
                same_site,
                priority,
            )| {
                CookieOptions {
                    path,
                    domain,
                    max_age,
                    expires,
                    http_only,
                    secure,
                    same_site,
                    priority,
                    partitioned,
                }
            },
        )
}

/// Cookie names: RFC 7230 tokens, some with the `__Secure-` and `__Host-` prefixes.
fn cookie_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}",
        "__Secure-[a-z]{1,6}",
        "__Host-[a-z]{1,6}",
    ]
}

/// Adjusts `overrides` so that the options merged over `base` satisfy every cross-field
/// rule (`SameSite=None` and name prefixes need `Secure`; `__Host-` needs `Path=/` and no
/// `Domain`).
fn make_valid(name: &str, base: &CookieOptions, overrides: &mut CookieOptions) {
    let merged = base.merged(overrides);
    let needs_secure = merged.same_site == Some(SameSite::None)
        || name.starts_with("__Secure-")
        || name.starts_with("__Host-");
    if needs_secure && merged.secure != Some(true) {
        overrides.secure = Some(true);
    }
    if name.starts_with("__Host-") {
        overrides.path = Some("/".to_owned());
        overrides.domain = Some(String::new());
    }
}

/// Returns the cookie-level options, adjusted to be valid over the builder's defaults.
fn valid_base(name: &str, mut base: CookieOptions) -> CookieOptions {
    let defaults = Cookie::builder("defaults")
        .build()
        .expect("default cookie builds");
    make_valid(name, defaults.options(), &mut base);
    base
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Compares JSON values as JavaScript reads them after a round trip: every number is a
/// double, and objects compare as maps whatever their key order.
fn same_as_javascript(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(left), Value::Number(right)) => left.as_f64() == right.as_f64(),
        (Value::Array(left), Value::Array(right)) => {
            left.len() == right.len()
                && left
                    .iter()
                    .zip(right)
                    .all(|(left, right)| same_as_javascript(left, right))
        }
        (Value::Object(left), Value::Object(right)) => {
            left.len() == right.len()
                && left.iter().all(|(key, value)| {
                    right
                        .get(key)
                        .is_some_and(|other| same_as_javascript(value, other))
                })
        }
        _ => left == right,
    }
}

/// Returns `true` when `value` has a character that a Latin-1 payload cannot hold: one above
/// U+00FF other than U+FFFD, which it writes as an escape.
fn has_char_latin1_cannot_hold(value: &Value) -> bool {
    let above = |text: &str| {
        text.chars()
            .any(|character| u32::from(character) > 0xff && character != '\u{FFFD}')
    };
    match value {
        Value::String(text) => above(text),
        Value::Array(items) => items.iter().any(has_char_latin1_cannot_hold),
        Value::Object(map) => map
            .iter()
            .any(|(key, value)| above(key) || has_char_latin1_cannot_hold(value)),
        _ => false,
    }
}

/// Returns the `name=value` part of a `Set-Cookie` value, which is what a browser sends back.
fn request_cookie(set_cookie: &str) -> &str {
    set_cookie
        .split(';')
        .next()
        .expect("split yields at least one part")
}

/// Builds a `Cookie` header that carries `text` as the payload of the cookie `s`, signed with
/// `secret` as the JavaScript libraries sign, whether or not the text is JSON.
fn signed_header(text: &str, secret: &str) -> String {
    use base64::Engine as _;
    use hmac::Mac as _;

    let base64 = base64::engine::general_purpose::STANDARD;
    let payload = base64.encode(text);
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(payload.as_bytes());
    let signature = base64.encode(mac.finalize().into_bytes());
    let value = format!("{payload}.{}", signature.trim_end_matches('='));
    let value = value
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    format!("s={value}")
}

// ---------------------------------------------------------------------------------------
// Reference JSON.stringify, written from ECMA-262 independently of `websession::json`
// ---------------------------------------------------------------------------------------

mod reference {
    use super::*;

    /// `JSON.stringify(value)` for a value built by `JSON.parse`-like insertion of the map's
    /// entries in order.
    pub fn stringify(value: &Value) -> String {
        let mut out = String::new();
        write_value(&mut out, value);
        out
    }

    fn write_value(out: &mut String, value: &Value) {
        match value {
            Value::Null => out.push_str("null"),
            Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
            Value::Number(number) => {
                let double = number.as_f64().expect("serde_json numbers convert to f64");
                out.push_str(&number_to_string(double));
            }
            Value::String(text) => quote(out, text),
            Value::Array(items) => {
                out.push('[');
                for (position, item) in items.iter().enumerate() {
                    if position > 0 {
                        out.push(',');
                    }
                    write_value(out, item);
                }
                out.push(']');
            }
            Value::Object(map) => {
                out.push('{');
                for (position, key) in own_property_keys(map).into_iter().enumerate() {
                    if position > 0 {
                        out.push(',');
                    }
                    quote(out, key);
                    out.push(':');
                    write_value(out, &map[key]);
                }
                out.push('}');
            }
        }
    }

    /// OrdinaryOwnPropertyKeys: array indexes ascending, then other strings in creation
    /// order. An array index is a canonical numeric string of an integer below 2^32 - 1.
    fn own_property_keys(map: &Map<String, Value>) -> Vec<&String> {
        let index_of = |key: &str| -> Option<u64> {
            let number: u64 = key.parse().ok()?;
            (number.to_string() == key && number < (1u64 << 32) - 1).then_some(number)
        };
        let mut indexes: Vec<(u64, &String)> = map
            .keys()
            .filter_map(|key| index_of(key).map(|index| (index, key)))
            .collect();
        indexes.sort();
        let mut keys: Vec<&String> = indexes.into_iter().map(|(_, key)| key).collect();
        keys.extend(map.keys().filter(|key| index_of(key).is_none()));
        keys
    }

    /// QuoteJSONString: short escapes for the seven characters that have one, `\u00xx` in
    /// lower-case hex for the other code points below U+0020, everything else as it is.
    fn quote(out: &mut String, text: &str) {
        out.push('"');
        for character in text.chars() {
            match character {
                '\u{8}' => out.push_str("\\b"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\u{c}' => out.push_str("\\f"),
                '\r' => out.push_str("\\r"),
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                control if u32::from(control) < 0x20 => {
                    write!(out, "\\u{:04x}", u32::from(control)).expect("writing to a String");
                }
                other => out.push(other),
            }
        }
        out.push('"');
    }

    /// Number::toString(x) in radix 10; non-finite values are `null` in JSON.
    pub fn number_to_string(x: f64) -> String {
        if !x.is_finite() {
            return "null".to_owned();
        }
        if x == 0.0 {
            return "0".to_owned();
        }
        if x < 0.0 {
            return format!("-{}", number_to_string(-x));
        }
        let (digits, n) = shortest_digits(x);
        let k = digits.len() as i32;
        if k <= n && n <= 21 {
            format!("{digits}{}", "0".repeat((n - k) as usize))
        } else if 0 < n && n <= 21 {
            format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
        } else if -6 < n && n <= 0 {
            format!("0.{}{digits}", "0".repeat((-n) as usize))
        } else {
            let exponent = n - 1;
            let sign = if exponent > 0 { '+' } else { '-' };
            let mantissa = if k == 1 {
                digits.clone()
            } else {
                format!("{}.{}", &digits[..1], &digits[1..])
            };
            format!("{mantissa}e{sign}{}", exponent.abs())
        }
    }

    /// Returns the digits `s` and exponent `n` with `0.s × 10^n == x`, `s` as short as
    /// possible and, among the shortest, closest to `x`.
    ///
    /// For each length `k` from 1, it tries the correctly rounded `k`-digit decimal (Rust's
    /// `{:.e}` formatting) and its two neighbours. The rounded one is the closest, and when
    /// it does not read back as `x`, at most one neighbour can.
    fn shortest_digits(x: f64) -> (String, i32) {
        for k in 1..=17usize {
            let rounded = format!("{:.*e}", k - 1, x);
            let (mantissa, exponent) = rounded.split_once('e').expect("exponent present");
            let exponent: i32 = exponent.parse().expect("integer exponent");
            let significand: u64 = mantissa.replace('.', "").parse().expect("digits");
            for candidate in [significand, significand - 1, significand + 1] {
                let text = candidate.to_string();
                let (text, exponent) = match text.len().cmp(&k) {
                    std::cmp::Ordering::Equal => (text, exponent),
                    std::cmp::Ordering::Greater => (text[..k].to_owned(), exponent + 1),
                    std::cmp::Ordering::Less => continue,
                };
                let reread: f64 = format!("{text}e{}", exponent - (k as i32 - 1))
                    .parse()
                    .expect("a decimal reads as f64");
                if reread == x && (text.len() == 1 || !text.ends_with('0')) {
                    return (text, exponent + 1);
                }
            }
        }
        unreachable!("17 significant digits always identify a double")
    }
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

proptest! {

    /// Commit then get returns the same data, for any object and any valid options, in
    /// both payload encodings, signed and unsigned.
    #[test]
    fn commit_then_get_round_trips(
        name in cookie_name(),
        data in json_object(),
        base in options(),
        mut overrides in options(),
        signed in any::<bool>(),
        latin1 in any::<bool>(),
    ) {
        let base = valid_base(&name, base);
        let encoding = if latin1 { PayloadEncoding::Latin1 } else { PayloadEncoding::Utf8 };
        let mut builder = Cookie::builder(name.clone()).options(&base).payload_encoding(encoding);
        if signed {
            builder = builder.secrets(["current secret", "previous secret"]);
        }
        let storage = CookieSessionStorage::new(builder.build().expect("valid options build"));
        make_valid(&name, storage.cookie().options(), &mut overrides);

        let mut session = websession::Session::new();
        for (key, value) in &data {
            session.set(key.clone(), value.clone());
        }
        let committed = block_on(storage.commit_session(&mut session, &overrides));
        let value = Value::Object(data.clone());
        let set_cookie = match committed {
            Ok(set_cookie) => set_cookie,
            Err(StorageError::Encode(EncodeError::NotLatin1 { character })) => {
                prop_assert!(latin1 && has_char_latin1_cannot_hold(&value), "{character:?}");
                return Ok(());
            }
            Err(StorageError::CookieTooLarge { length, limit }) => {
                prop_assert!(length > limit);
                prop_assert_eq!(limit, MAX_COOKIE_LEN);
                return Ok(());
            }
            Err(error) => return Err(TestCaseError::fail(format!("commit failed: {error}"))),
        };
        prop_assert!(!(latin1 && has_char_latin1_cannot_hold(&value)), "Latin-1 wrote {value:?}");
        prop_assert!(set_cookie.len() <= MAX_COOKIE_LEN);

        let read = block_on(storage.get_session(Some(request_cookie(&set_cookie))))
            .expect("get_session never fails for cookie storage");
        let read = Value::Object(read.data().clone());
        prop_assert!(same_as_javascript(&read, &value), "wrote {value:?}, read {read:?}");
    }

    /// A signed cookie value with one byte changed anywhere reads as an empty session. The
    /// only exception is a change that percent-decodes to the same text (the letter case of
    /// a hex digit in an escape such as `%3D`), which reads as the original data.
    #[test]
    fn one_changed_byte_reads_as_empty_session(
        data in non_empty_object(),
        position in any::<prop::sample::Index>(),
        replacement in any::<u8>(),
    ) {
        let cookie = Cookie::builder("s").secrets(["current secret", "previous secret"]).build().unwrap();
        let storage = CookieSessionStorage::new(cookie);
        let mut session = websession::Session::from_data("", data.clone());
        let set_cookie = match block_on(storage.commit_session(&mut session, &CookieOptions::default())) {
            Ok(set_cookie) => set_cookie,
            Err(StorageError::CookieTooLarge { .. }) => return Ok(()),
            Err(error) => return Err(TestCaseError::fail(format!("commit failed: {error}"))),
        };
        let value = request_cookie(&set_cookie).as_bytes()["s=".len()..].to_vec();
        let position = position.index(value.len());
        prop_assume!(value[position] != replacement);

        let mut changed = value.clone();
        changed[position] = replacement;
        let mut header = b"s=".to_vec();
        header.extend_from_slice(&changed);

        let parsed = storage.cookie().parse_fields([header.as_slice()]);
        let loaded = block_on(storage.load_session(parsed)).expect("load never fails for cookie storage");

        let in_escape = (1..=2).any(|back| position >= back && value[position - back] == b'%');
        let same_hex_digit = value[position].is_ascii_hexdigit()
            && value[position].eq_ignore_ascii_case(&replacement);
        if in_escape && same_hex_digit {
            // Compared as JavaScript numbers: a float with an integer value, such as 9e14,
            // is written as an integer and reads back as one.
            let read = Value::Object(loaded.data().clone());
            let written = Value::Object(data.clone());
            prop_assert!(same_as_javascript(&read, &written), "wrote {written:?}, read {read:?}");
        } else {
            prop_assert!(
                loaded.data().is_empty(),
                "changed byte {} to {:?} and read {:?}",
                position,
                char::from(replacement),
                loaded.data()
            );
        }
    }

    /// Any bytes as a `Cookie` header: parsing returns without panicking and loading a
    /// session never fails.
    #[test]
    fn any_header_bytes_never_fail(
        fields in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 0..4),
        interesting in prop::collection::vec(
            prop_oneof![
                Just(b"s=".to_vec()),
                Just(b"; ".to_vec()),
                Just(b"%".to_vec()),
                Just(b"\"".to_vec()),
                Just(b".".to_vec()),
                Just(b"=".to_vec()),
                Just(b"eyJhIjoxfQ%3D%3D".to_vec()),
                prop::collection::vec(any::<u8>(), 0..8),
            ],
            0..12,
        ),
    ) {
        let mut all_fields = fields;
        all_fields.push(interesting.concat());

        let signed = CookieSessionStorage::new(
            Cookie::builder("s").secrets(["secret"]).build().unwrap(),
        );
        let unsigned = CookieSessionStorage::new(
            Cookie::builder("s").payload_encoding(PayloadEncoding::Latin1).build().unwrap(),
        );

        let mut headers = HeaderMap::new();
        for field in &all_fields {
            // HeaderValue rejects control bytes other than tab; drop them rather than the field.
            let allowed: Vec<u8> = field
                .iter()
                .copied()
                .filter(|&byte| byte == b'\t' || (byte >= 0x20 && byte != 0x7f))
                .collect();
            headers.append(COOKIE, HeaderValue::from_bytes(&allowed).expect("filtered bytes are valid"));
        }

        // Server-side storage reads the id from the same cookie; unsigned, any id reaches it.
        let server = ServerSessionStorage::memory(Cookie::builder("s").build().unwrap());
        let storages: [&dyn SessionStorage; 3] = [&signed, &unsigned, &server];
        for storage in storages {
            let _ = storage.cookie().parse_fields(all_fields.iter().map(Vec::as_slice));
            let from_headers = block_on(storage.get_session_from_headers(&headers));
            prop_assert!(from_headers.is_ok());
            let text = String::from_utf8_lossy(&all_fields.concat()).into_owned();
            let from_text = block_on(storage.get_session(Some(&text)));
            prop_assert!(from_text.is_ok());
        }
    }

    /// `get_session` keeps the cookie's JSON text and parses values as they are read. It gives
    /// the session that `load_session` builds from the fully parsed value, for whole and
    /// damaged JSON texts, signed with the current or an older secret.
    #[test]
    fn lazy_read_matches_full_parse(
        value in json_value(),
        // Key literals as written in JSON text. `"\u006b"` is the key `k` too.
        members in prop::collection::vec(
            (prop::sample::select(vec![r#""k""#, r#""k2""#, r#""\u006b""#, r#""a\nb""#, r#""a\\nb""#]), json_value()),
            0..5,
        ),
        as_object in any::<bool>(),
        position in any::<prop::sample::Index>(),
        insert in prop::sample::select(vec!["", "\"", "\\", ",", "]", "}", "{", ":", "-", "0", " ", "\\u"]),
        damage in any::<bool>(),
        old_secret in any::<bool>(),
    ) {
        let mut text = if as_object {
            let members: Vec<String> = members
                .iter()
                .map(|(key, value)| format!("{key}:{}", serde_json::to_string(value).unwrap()))
                .collect();
            format!("{{{}}}", members.join(","))
        } else {
            serde_json::to_string(&value).unwrap()
        };
        if damage {
            let mut at = position.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert_str(at, insert);
        }
        let secrets: &[&str] = if old_secret { &["new", "old"] } else { &["old"] };
        let storage = CookieSessionStorage::new(Cookie::builder("s").secrets(secrets).build().unwrap());
        let header = signed_header(&text, "old");

        let lazy = block_on(storage.get_session(Some(&header))).unwrap();
        let parsed = storage.cookie().parse_fields([header.as_bytes()]);
        let eager = block_on(storage.load_session(parsed)).unwrap();
        let mut keys: Vec<String> = eager.data().keys().cloned().collect();
        keys.extend(["k", "k2", "a\nb", "a\\nb", "missing"].map(String::from));
        for key in &keys {
            prop_assert_eq!(lazy.has(key), eager.has(key), "has({:?}) of {:?}", key, text);
            prop_assert_eq!(lazy.clone().get(key), eager.clone().get(key), "get({:?}) of {:?}", key, text);
        }
        prop_assert_eq!(lazy.needs_resign(), eager.needs_resign());
        prop_assert_eq!(lazy, eager);
    }

    /// A session read lazily, then changed or not, writes the cookie that the same changes to
    /// the fully parsed session write, whether its JSON text is in `JSON.stringify`'s form (and
    /// copied) or not (and written again).
    #[test]
    fn lazy_changes_write_what_full_parse_writes(
        members in prop::collection::vec(
            (prop::sample::select(vec![r#""k""#, r#""k2""#, r#""\u006b""#, r#""a\nb""#, r#""7""#, r#""__flash_k__""#]), json_value()),
            0..6,
        ),
        form in 0..3u8,
        changes in prop::collection::vec(
            (0..4u8, prop::sample::select(vec!["k", "k2", "a\nb", "7", "new"]), json_value()),
            0..5,
        ),
    ) {
        let write = |value: &Value| match form {
            0 => websession::json::stringify(value).unwrap(),
            1 => serde_json::to_string(value).unwrap(),
            _ => serde_json::to_string_pretty(value).unwrap(),
        };
        let members: Vec<String> = members
            .iter()
            .map(|(key, value)| format!("{key}:{}", write(value)))
            .collect();
        let text = format!("{{{}}}", members.join(","));
        check_lazy_changes(&text, &changes)?;
    }

    /// The same for texts of 28 to 33 members, around the number a changed session keeps as
    /// text before it turns into a map, with changes that may add members past it.
    #[test]
    fn many_member_changes_write_as_full_parse(
        keys in prop::sample::subsequence((0..40u8).collect::<Vec<_>>(), 28..=33),
        value in any::<i16>(),
        changes in prop::collection::vec((0..4u8, 0..46u8, any::<i16>()), 0..16),
    ) {
        let members: Vec<String> = keys
            .iter()
            .map(|key| format!(r#""k{key}":{value}"#))
            .collect();
        let text = format!("{{{}}}", members.join(","));
        let changes: Vec<(u8, String, Value)> = changes
            .into_iter()
            .map(|(operation, key, value)| (operation, format!("k{key}"), Value::from(value)))
            .collect();
        check_lazy_changes(&text, &changes)?;
    }

    /// The JSON text inside the cookie is what `JSON.stringify` writes: checked against the
    /// reference serializer above.
    #[test]
    fn json_text_matches_reference_stringify(value in json_value()) {
        let written = websession::json::stringify(&value).expect("shallow values stringify");
        prop_assert_eq!(written, reference::stringify(&value));
    }

    /// Numbers alone, with many more cases than the nested values get.
    #[test]
    fn numbers_match_reference_format(x in number()) {
        let written = websession::json::stringify(&Value::from(x)).unwrap();
        let expected = if Value::from(x).is_null() { "null".to_owned() } else { reference::number_to_string(x) };
        prop_assert_eq!(written, expected);
    }
}

/// Pins the reference serializer to values whose `JSON.stringify` text is known from
/// running Node.js 20.20, so that a fault in the reference cannot
/// hide a fault in the library.
#[test]
fn reference_stringify_known_texts() {
    let cases: [(f64, &str); 17] = [
        (0.1 + 0.2, "0.30000000000000004"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (123e-20, "1.23e-18"),
        (1e-7, "1e-7"),
        (0.000001, "0.000001"),
        (-0.0, "0"),
        (5e-324, "5e-324"),
        (f64::MAX, "1.7976931348623157e+308"),
        (2f64.powi(53), "9007199254740992"),
        (1.5, "1.5"),
        (-123.456, "-123.456"),
        (1_166_484_069_943_108.2, "1166484069943108.2"),
        (-1_008_515_665_704_504.2, "-1008515665704504.2"),
        (9_007_199_254_740_992.0, "9007199254740992"),
        (123_456_789_012_345_680_000.0, "123456789012345680000"),
        (1.5e-323, "1.5e-323"),
    ];
    for (x, text) in cases {
        assert_eq!(reference::number_to_string(x), text, "{x:e}");
    }

    let object: Value = serde_json::from_str(r#"{"b":1,"10":2,"a":3,"2":4,"01":5}"#).unwrap();
    assert_eq!(
        reference::stringify(&object),
        r#"{"2":4,"10":2,"b":1,"a":3,"01":5}"#
    );
    assert_eq!(
        reference::stringify(&Value::String("\u{0}\u{1f}\u{8}\"\\\u{7f}é\u{2028}".into())),
        "\"\\u0000\\u001f\\b\\\"\\\\\u{7f}é\u{2028}\""
    );
}

/// Invalid commit options are reported before data too deep to write, as
/// `Cookie::serialize` reports them, whether the session was read lazily or in full.
#[test]
fn commit_reports_invalid_options_before_deep_data() {
    let storage = CookieSessionStorage::new(Cookie::builder("s").secrets(["old"]).build().unwrap());
    let header = signed_header(r#"{"a":1}"#, "old");
    let too_deep = (0..=websession::json::MAX_DEPTH)
        .fold(Value::from(0), |inner, _| Value::Array(vec![inner]));
    let invalid = CookieOptions {
        same_site: Some(SameSite::None),
        secure: Some(false),
        ..Default::default()
    };

    let mut lazy = block_on(storage.get_session(Some(&header))).unwrap();
    let parsed = storage.cookie().parse_fields([header.as_bytes()]);
    let mut eager = block_on(storage.load_session(parsed)).unwrap();
    for session in [&mut lazy, &mut eager] {
        session.set("deep", too_deep.clone());
        let error = block_on(storage.commit_session(session, &invalid)).unwrap_err();
        assert!(
            matches!(
                error,
                StorageError::Config(websession::ConfigError::SameSiteNoneWithoutSecure { .. })
            ),
            "{error:?}"
        );
        let error =
            block_on(storage.commit_session(session, &CookieOptions::default())).unwrap_err();
        assert!(
            matches!(error, StorageError::Encode(EncodeError::Json(_))),
            "{error:?}"
        );
    }
}

/// Reads `text` as a signed cookie session twice, lazily and fully parsed, and applies the
/// same changes to both (0 sets, 1 unsets, 2 flashes, 3 compares a read). Then checks that
/// both commits write the same cookie, and again after one more change.
fn check_lazy_changes<K: AsRef<str> + std::fmt::Debug>(
    text: &str,
    changes: &[(u8, K, Value)],
) -> Result<(), TestCaseError> {
    let storage = CookieSessionStorage::new(Cookie::builder("s").secrets(["old"]).build().unwrap());
    let header = signed_header(text, "old");

    let mut lazy = block_on(storage.get_session(Some(&header))).unwrap();
    let parsed = storage.cookie().parse_fields([header.as_bytes()]);
    let mut eager = block_on(storage.load_session(parsed)).unwrap();
    for (operation, key, value) in changes {
        let key = key.as_ref();
        match operation {
            0 => {
                lazy.set(key, value.clone());
                eager.set(key, value.clone());
            }
            1 => {
                lazy.unset(key);
                eager.unset(key);
            }
            2 => {
                lazy.flash(key, value.clone());
                eager.flash(key, value.clone());
            }
            _ => prop_assert_eq!(lazy.get(key), eager.get(key)),
        }
    }
    let options = CookieOptions::default();
    let written = block_on(storage.commit_session(&mut lazy, &options));
    let expected = block_on(storage.commit_session(&mut eager, &options));
    prop_assert_eq!(
        written.ok(),
        expected.ok(),
        "{:?} after {:?}",
        text,
        changes
    );

    // A second commit reuses what the first found about each value's text.
    lazy.set("k2", "again");
    eager.set("k2", "again");
    let written = block_on(storage.commit_session(&mut lazy, &options));
    let expected = block_on(storage.commit_session(&mut eager, &options));
    prop_assert_eq!(written.ok(), expected.ok(), "{:?} committed twice", text);
    Ok(())
}
