//! Fuzzes the `Set-Cookie` writer (`Cookie::serialize` and `Cookie::deletion`) with arbitrary
//! names, secrets, attributes, per-call overrides and values.
//!
//! Whenever the builder and the writer accept the input, the header must be printable
//! ASCII, carry exactly the merged attributes in the fixed order with no way to inject
//! another one, and read back to the value that was written.

#![no_main]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use websession::{
    Cookie, CookieOptions, EncodeError, ManualClock, PayloadEncoding, Priority, SameSite,
    SerializeError,
};

#[derive(Arbitrary, Debug)]
enum FuzzSameSite {
    Strict,
    Lax,
    None,
}

#[derive(Arbitrary, Debug)]
enum FuzzPriority {
    Low,
    Medium,
    High,
}

#[derive(Arbitrary, Debug)]
struct FuzzOptions {
    path: Option<String>,
    domain: Option<String>,
    max_age: Option<i64>,
    /// Seconds after (or, when the flag is false, before) the Unix epoch.
    expires: Option<(bool, u64)>,
    http_only: Option<bool>,
    secure: Option<bool>,
    same_site: Option<FuzzSameSite>,
    priority: Option<FuzzPriority>,
    partitioned: Option<bool>,
}

#[derive(Arbitrary, Debug)]
enum FuzzValue {
    Text(String),
    Object(Vec<(String, String)>),
    Number(f64),
    Bool(bool),
    Null,
}

#[derive(Arbitrary, Debug)]
struct Input {
    name: String,
    secrets: Vec<Vec<u8>>,
    latin1: bool,
    clock_secs: u64,
    cookie_options: FuzzOptions,
    overrides: FuzzOptions,
    value: FuzzValue,
}

/// Attribute names in the order the writer must use.
const ATTRIBUTE_ORDER: [&str; 9] = [
    "Max-Age",
    "Domain",
    "Path",
    "Expires",
    "HttpOnly",
    "Secure",
    "Partitioned",
    "Priority",
    "SameSite",
];

fn options(fuzz: &FuzzOptions) -> CookieOptions {
    let expires = fuzz.expires.and_then(|(after_epoch, secs)| {
        let offset = Duration::from_secs(secs);
        if after_epoch {
            UNIX_EPOCH.checked_add(offset)
        } else {
            UNIX_EPOCH.checked_sub(offset)
        }
    });
    CookieOptions {
        path: fuzz.path.clone(),
        domain: fuzz.domain.clone(),
        max_age: fuzz.max_age,
        expires,
        http_only: fuzz.http_only,
        secure: fuzz.secure,
        same_site: fuzz.same_site.as_ref().map(|same_site| match same_site {
            FuzzSameSite::Strict => SameSite::Strict,
            FuzzSameSite::Lax => SameSite::Lax,
            FuzzSameSite::None => SameSite::None,
        }),
        priority: fuzz.priority.as_ref().map(|priority| match priority {
            FuzzPriority::Low => Priority::Low,
            FuzzPriority::Medium => Priority::Medium,
            FuzzPriority::High => Priority::High,
        }),
        partitioned: fuzz.partitioned,
    }
}

fn value(fuzz: &FuzzValue) -> Value {
    match fuzz {
        FuzzValue::Text(text) => Value::String(text.clone()),
        FuzzValue::Object(entries) => Value::Object(
            entries
                .iter()
                .map(|(key, text)| (key.clone(), Value::String(text.clone())))
                .collect::<Map<String, Value>>(),
        ),
        FuzzValue::Number(number) => Value::from(*number),
        FuzzValue::Bool(flag) => Value::Bool(*flag),
        FuzzValue::Null => Value::Null,
    }
}

/// RFC 6265 `cookie-octet`: printable ASCII except space, `"`, `,`, `;` and `\`.
fn is_cookie_octet(byte: u8) -> bool {
    matches!(byte, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e)
}

/// Splits a `Set-Cookie` value into `name=value` and `(attribute, value)` pairs, checking
/// that it is printable ASCII and that the attributes follow the fixed order.
fn split_header(header: &str) -> (&str, Vec<(&str, Option<&str>)>) {
    assert!(
        header.bytes().all(|byte| (0x20..0x7f).contains(&byte)),
        "non-printable byte in {header:?}"
    );
    let mut segments = header.split("; ");
    let pair = segments.next().expect("split yields at least one segment");
    let attributes: Vec<(&str, Option<&str>)> = segments
        .map(|segment| match segment.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (segment, None),
        })
        .collect();
    let mut last_position = None;
    for (name, _) in &attributes {
        let position = ATTRIBUTE_ORDER
            .iter()
            .position(|known| known == name)
            .unwrap_or_else(|| panic!("unknown or injected attribute {name:?} in {header:?}"));
        assert!(
            last_position < Some(position),
            "attribute {name:?} repeated or out of order in {header:?}"
        );
        last_position = Some(position);
    }
    (pair, attributes)
}

fn attribute<'a>(attributes: &[(&str, Option<&'a str>)], name: &str) -> Option<Option<&'a str>> {
    attributes
        .iter()
        .find(|(attribute, _)| *attribute == name)
        .map(|(_, value)| *value)
}

/// Checks the attributes shared by commits and deletions against the merged options.
fn check_common_attributes(attributes: &[(&str, Option<&str>)], merged: &CookieOptions) {
    let non_empty = |text: &Option<String>| text.clone().filter(|text| !text.is_empty());
    let path = attribute(attributes, "Path").map(|value| value.map(str::to_owned));
    assert_eq!(path, non_empty(&merged.path).map(Some));
    let domain = attribute(attributes, "Domain").map(|value| value.map(str::to_owned));
    assert_eq!(domain, non_empty(&merged.domain).map(Some));
    for (name, flag) in [
        ("HttpOnly", merged.http_only),
        ("Secure", merged.secure),
        ("Partitioned", merged.partitioned),
    ] {
        let expected = (flag == Some(true)).then_some(None);
        assert_eq!(attribute(attributes, name), expected, "{name}");
    }
    let priority = merged.priority.map(|priority| Some(priority.as_str()));
    assert_eq!(attribute(attributes, "Priority"), priority);
    let same_site = merged.same_site.map(|same_site| Some(same_site.as_str()));
    assert_eq!(attribute(attributes, "SameSite"), same_site);
}

/// Compares values as JavaScript would see them: numbers as doubles, objects as maps.
fn same_json(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(left), Value::Number(right)) => left.as_f64() == right.as_f64(),
        (Value::Object(left), Value::Object(right)) => {
            left.len() == right.len()
                && left
                    .iter()
                    .all(|(key, value)| right.get(key).is_some_and(|other| same_json(value, other)))
        }
        _ => left == right,
    }
}

fuzz_target!(|input: Input| {
    let encoding = if input.latin1 {
        PayloadEncoding::Latin1
    } else {
        PayloadEncoding::Utf8
    };
    let clock = ManualClock::new(
        UNIX_EPOCH
            .checked_add(Duration::from_secs(input.clock_secs))
            .unwrap_or(UNIX_EPOCH),
    );
    let built = Cookie::builder(input.name.clone())
        .secrets(&input.secrets)
        .options(&options(&input.cookie_options))
        .payload_encoding(encoding)
        .clock(Arc::new(clock))
        .build();
    let Ok(cookie) = built else {
        return;
    };
    let _: Option<SystemTime> = cookie.expires();

    let overrides = options(&input.overrides);
    let merged = cookie.options().merged(&overrides);
    let written = value(&input.value);
    let serialized = cookie.serialize(&written, &overrides);
    let deletion = cookie.deletion(&overrides);

    match &serialized {
        Err(SerializeError::Config(error)) => {
            assert_eq!(
                deletion.as_ref().err(),
                Some(error),
                "commit and deletion disagree"
            );
            return;
        }
        Err(SerializeError::Encode(EncodeError::NotLatin1 { character })) => {
            assert_eq!(encoding, PayloadEncoding::Latin1);
            assert!(u32::from(*character) > 0xff);
            assert_ne!(*character, char::REPLACEMENT_CHARACTER);
        }
        Err(error) => panic!("unexpected serialize error: {error}"),
        Ok(header) => {
            let (pair, attributes) = split_header(header);
            let (name, cookie_value) = pair.split_once('=').expect("name=value");
            assert_eq!(name, cookie.name());
            assert!(
                cookie_value.bytes().all(is_cookie_octet),
                "value is not made of cookie-octets: {cookie_value:?}"
            );
            check_common_attributes(&attributes, &merged);
            let max_age = attribute(&attributes, "Max-Age").map(|value| value.map(str::to_owned));
            assert_eq!(
                max_age,
                merged.max_age.map(|seconds| Some(seconds.to_string()))
            );
            let expires = attribute(&attributes, "Expires")
                .map(|value| httpdate::parse_http_date(value.expect("Expires has a value")));
            let expected_expires = merged.expires.map(|at| {
                let seconds = at
                    .duration_since(UNIX_EPOCH)
                    .expect("checked range")
                    .as_secs();
                UNIX_EPOCH + Duration::from_secs(seconds)
            });
            assert_eq!(
                expires.map(|parsed| parsed.ok()),
                expected_expires.map(Some)
            );

            let read_back = cookie
                .parse(Some(pair))
                .expect("a written cookie reads back");
            assert!(
                same_json(&read_back, &written),
                "wrote {written:?}, read {read_back:?}"
            );
        }
    }

    let deletion = deletion.expect("options valid for a commit are valid for a deletion");
    let (pair, attributes) = split_header(&deletion);
    assert_eq!(pair, format!("{}=", cookie.name()));
    check_common_attributes(&attributes, &merged);
    assert_eq!(attribute(&attributes, "Max-Age"), None);
    assert_eq!(
        attribute(&attributes, "Expires"),
        Some(Some("Thu, 01 Jan 1970 00:00:00 GMT"))
    );
});
