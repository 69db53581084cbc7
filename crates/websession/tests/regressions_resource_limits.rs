//! Hostile sizes: a `Cookie` header of several megabytes and JSON nested far deeper than
//! [`websession::json::MAX_DEPTH`] are handled without stack overflow, error or panic.
//!
//! The deep-nesting tests run on a thread with a 512 KiB stack, a quarter of the 2 MiB of a
//! default Rust thread. Nesting of 100,000 levels would overflow it even at 100 bytes of stack
//! per level, so a parser that recursed once per level could not pass. (In debug builds,
//! writing and reading [`MAX_DEPTH`] levels needs more than 256 KiB.) Run times are printed,
//! not asserted.

use std::time::Instant;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};
use serde_json::{json, Value};
use websession::json::{StringifyError, MAX_DEPTH};
use websession::{
    inspect_value, Cookie, CookieOptions, CookieSessionStorage, EncodeError, ParsedCookie,
    PayloadEncoding, Session, SessionStorage, StorageError,
};

/// `{"user":"alice"}` signed with `s3cr3t`.
const ALICE: &str = "eyJ1c2VyIjoiYWxpY2UifQ%3D%3D.ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS%2Bf0tjIJPiXU";

const SMALL_STACK: usize = 512 * 1024;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime starts")
}

fn signed_storage() -> CookieSessionStorage {
    CookieSessionStorage::new(
        Cookie::builder("__session")
            .secrets(["s3cr3t"])
            .build()
            .unwrap(),
    )
}

fn unsigned_storage(encoding: PayloadEncoding) -> CookieSessionStorage {
    CookieSessionStorage::new(
        Cookie::builder("__session")
            .payload_encoding(encoding)
            .build()
            .unwrap(),
    )
}

/// Runs `test` on a thread with a [`SMALL_STACK`] stack and propagates its panic.
fn on_small_stack(test: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .name("small-stack".into())
        .stack_size(SMALL_STACK)
        .spawn(test)
        .expect("thread starts")
        .join()
        .expect("the test thread finished without panicking or overflowing its stack");
}

fn nested_arrays(levels: usize) -> Value {
    (0..levels).fold(json!(0), |inner, _| json!([inner]))
}

// ---------------------------------------------------------------------------------------
// Megabyte headers
// ---------------------------------------------------------------------------------------

#[test]
fn multi_megabyte_header_of_many_cookies() {
    // About 10 MB of other cookies, with ours last.
    let mut header = String::with_capacity(9 << 20);
    for index in 0..600_000 {
        header.push_str(&format!("c{index}=v{index}; "));
    }
    header.push_str("__session=");
    header.push_str(ALICE);
    assert!(header.len() > 8 << 20);

    let started = Instant::now();
    let session = runtime()
        .block_on(signed_storage().get_session(Some(&header)))
        .unwrap();
    eprintln!("{} bytes read in {:?}", header.len(), started.elapsed());
    assert_eq!(session.data()["user"], json!("alice"));
}

#[test]
fn multi_megabyte_cookie_value() {
    let storage = signed_storage();
    let runtime = runtime();

    // 4 MiB of base64 with a signature that cannot verify.
    let huge = format!("__session={}.{}", "QUFB".repeat(1 << 20), "x".repeat(43));
    let started = Instant::now();
    let session = runtime.block_on(storage.get_session(Some(&huge))).unwrap();
    eprintln!("{} bytes read in {:?}", huge.len(), started.elapsed());
    assert!(session.data().is_empty());

    // 4 MiB of percent-escapes, valid and not.
    for escape in ["%41", "%E0%A4%A", "%"] {
        let header = format!("__session={}", escape.repeat((4 << 20) / escape.len()));
        let session = runtime
            .block_on(storage.get_session(Some(&header)))
            .unwrap();
        assert!(session.data().is_empty(), "{escape}");
    }

    // Unsigned storage reads a cookie longer than browsers send as a new session, however
    // valid its JSON, so its size costs a length check and nothing more. `Cookie::parse`
    // reads it, as `cookie.parse` does in JavaScript.
    let mut big = serde_json::Map::new();
    for index in 0..100_000 {
        big.insert(format!("k{index}"), json!(index));
    }
    let payload = STANDARD.encode(serde_json::to_string(&big).unwrap());
    let header = format!("__session={payload}");
    let unsigned = unsigned_storage(PayloadEncoding::Utf8);
    let session = runtime
        .block_on(unsigned.get_session(Some(&header)))
        .unwrap();
    assert!(session.data().is_empty());
    let parsed = unsigned.cookie().parse(Some(&header)).unwrap();
    assert_eq!(parsed.as_object().unwrap().len(), 100_000);
}

#[test]
fn thousands_of_cookie_header_fields() {
    let mut headers = HeaderMap::new();
    for index in 0..20_000 {
        let text = format!("c{index}={}; d=", "x".repeat(100));
        let field = [text.as_bytes(), b"\xff\xfe"].concat();
        headers.append(COOKIE, HeaderValue::from_bytes(&field).unwrap());
    }
    headers.append(
        COOKIE,
        HeaderValue::from_str(&format!("__session={ALICE}")).unwrap(),
    );

    let session = runtime()
        .block_on(signed_storage().get_session_from_headers(&headers))
        .unwrap();
    assert_eq!(session.data()["user"], json!("alice"));
}

/// Returns `name=value`, where `value` is base64 of `{"a":"xx…"}` with some characters written
/// as percent-escapes, so that the name and the raw value take exactly `total` bytes.
fn pair_of_length(name: &str, total: usize) -> String {
    let room = total - name.len();
    let payload = (0..room)
        .rev()
        .map(|length| STANDARD.encode(format!(r#"{{"a":"{}"}}"#, "x".repeat(length))))
        .find(|payload| payload.len() <= room && (room - payload.len()).is_multiple_of(2))
        .unwrap();
    // Each escape such as `%65` for `e` adds two bytes and decodes to the same character.
    let escapes = (room - payload.len()) / 2;
    let escaped: String = payload[..escapes]
        .bytes()
        .map(|byte| format!("%{byte:02X}"))
        .collect();
    let pair = format!("{name}={escaped}{}", &payload[escapes..]);
    assert_eq!(pair.len() - 1, total);
    pair
}

#[test]
fn oversized_cookie_reads_as_new_session() {
    let runtime = runtime();
    // Exactly 4096 bytes of name and value are read, with an even name length.
    let storage = CookieSessionStorage::new(Cookie::builder("sess").build().unwrap());
    let header = format!("theme=dark; {}", pair_of_length("sess", 4096));
    let session = runtime
        .block_on(storage.get_session(Some(&header)))
        .unwrap();
    assert!(session.has("a"), "4096 bytes are read");

    // 4097 bytes are not, with an odd name length.
    let storage = unsigned_storage(PayloadEncoding::Utf8);
    let fits = pair_of_length("__session", 4095);
    let over = pair_of_length("__session", 4097);
    for (pair, is_read) in [(fits, true), (over, false)] {
        let header = format!("theme=dark; {pair}");
        let session = runtime
            .block_on(storage.get_session(Some(&header)))
            .unwrap();
        assert_eq!(session.has("a"), is_read, "{} bytes", pair.len() - 1);
        let parsed = storage.cookie().parse(Some(&header)).unwrap();
        assert!(parsed.get("a").is_some(), "Cookie::parse reads any length");
    }
}

/// A storage that keeps the trait's default `get_session` and shows any parsed value as the
/// session's data under `parsed`.
struct EchoStorage(Cookie);

#[websession::async_trait]
impl SessionStorage for EchoStorage {
    fn cookie(&self) -> &Cookie {
        &self.0
    }

    async fn load_session(&self, parsed: Option<ParsedCookie>) -> Result<Session, StorageError> {
        let mut session = Session::new();
        if let Some(parsed) = parsed {
            session.set("parsed", parsed.value);
        }
        Ok(session)
    }

    async fn commit_session(
        &self,
        _: &mut Session,
        _: &CookieOptions,
    ) -> Result<String, StorageError> {
        unreachable!("not committed in these tests")
    }

    async fn destroy_session(
        &self,
        _: &mut Session,
        _: &CookieOptions,
    ) -> Result<String, StorageError> {
        unreachable!("not destroyed in these tests")
    }
}

#[test]
fn default_get_session_ignores_oversized_cookie() {
    let runtime = runtime();
    let storage = EchoStorage(Cookie::builder("__session").build().unwrap());
    let mut headers = HeaderMap::new();
    for (total, is_read) in [(4095, true), (4097, false)] {
        let header = pair_of_length("__session", total);
        let session = runtime
            .block_on(storage.get_session(Some(&header)))
            .unwrap();
        assert_eq!(session.has("parsed"), is_read, "{total} bytes");

        headers.insert(COOKIE, HeaderValue::from_str(&header).unwrap());
        let session = runtime
            .block_on(storage.get_session_from_headers(&headers))
            .unwrap();
        assert_eq!(
            session.has("parsed"),
            is_read,
            "{total} bytes, from headers"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Deep nesting
// ---------------------------------------------------------------------------------------

#[test]
fn deeply_nested_payload_reads_empty() {
    on_small_stack(|| {
        let runtime = runtime();
        // Texts too long for a cookie reach the parser through `inspect_value`, which reads a
        // value of any length.
        let long_texts = [
            format!("{}0{}", "[".repeat(100_000), "]".repeat(100_000)),
            format!("{}1{}", r#"{"a":"#.repeat(50_000), "}".repeat(50_000)),
            // Unterminated: the parser must stop at the depth limit, not at the end.
            "[".repeat(1_000_000),
            format!("{{\"a\":{}}}", "[".repeat(10_000)),
        ];
        // Texts that fit in a cookie, all deeper than the limit.
        let cookie_texts = [
            format!("{}0{}", "[".repeat(1400), "]".repeat(1400)),
            format!("{}1{}", r#"{"a":"#.repeat(500), "}".repeat(500)),
            "[".repeat(3000),
            format!("{{\"a\":{}}}", "[".repeat(2900)),
        ];
        for encoding in [PayloadEncoding::Utf8, PayloadEncoding::Latin1] {
            for text in &long_texts {
                let inspected = inspect_value(&STANDARD.encode(text), encoding);
                assert_eq!(inspected.data, None, "too deep to parse");
            }
            let storage = unsigned_storage(encoding);
            for text in &cookie_texts {
                let header = format!("__session={}", STANDARD.encode(text));
                assert!(header.len() <= 4096, "{}", header.len());
                let parsed = storage.cookie().parse(Some(&header));
                assert_eq!(
                    parsed,
                    Some(json!({})),
                    "invalid JSON reads as an empty object"
                );
                let session = runtime
                    .block_on(storage.get_session(Some(&header)))
                    .unwrap();
                assert!(session.data().is_empty());
            }
        }
    });
}

#[test]
fn deepest_writable_value_round_trips() {
    on_small_stack(|| {
        let runtime = runtime();
        let storage = signed_storage();

        // MAX_DEPTH levels, the session object included: written and read back.
        let mut session = Session::new();
        session.set("deep", nested_arrays(MAX_DEPTH - 1));
        let header = runtime
            .block_on(storage.commit_session(&mut session, &CookieOptions::default()))
            .unwrap();
        let request = header.split(';').next().unwrap();
        let read = runtime
            .block_on(storage.get_session(Some(request)))
            .unwrap();
        assert_eq!(read.data()["deep"], nested_arrays(MAX_DEPTH - 1));

        // One level more: a typed error at commit, not a cookie that cannot be read back.
        let mut session = Session::new();
        session.set("deep", nested_arrays(MAX_DEPTH));
        let error = runtime
            .block_on(storage.commit_session(&mut session, &CookieOptions::default()))
            .unwrap_err();
        assert!(
            matches!(
                error,
                StorageError::Encode(EncodeError::Json(StringifyError::TooDeep))
            ),
            "{error:?}"
        );
    });
}

#[test]
fn stringify_stops_at_depth_limit() {
    on_small_stack(|| {
        // 200 levels: deeper than the limit, shallow enough for serde_json's recursive Drop.
        let value = nested_arrays(200);
        assert_eq!(
            websession::json::stringify(&value),
            Err(StringifyError::TooDeep)
        );
        assert!(websession::json::stringify(&nested_arrays(MAX_DEPTH)).is_ok());
    });
}
