//! Regression tests for the failure kinds that public bug reports show in comparable session
//! libraries, run against the cookie codec and the cookie session storage.
//!
//! Where a JavaScript library's output decides the expected bytes, the test also checks them
//! against the output recorded from @remix-run/node 2.17.5 (`remix.json` of the vectors).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, UNIX_EPOCH};

use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};
use serde_json::{json, Map, Value};
use websession::{
    ConfigError, Cookie, CookieOptions, CookieSessionStorage, EncodeError, ManualClock,
    PayloadEncoding, Session, SessionStorage, Signature, StorageError, MAX_COOKIE_LEN,
};

/// `{"user":"alice"}` signed with `s3cr3t`, as Remix 2 writes it.
const ALICE: &str = "eyJ1c2VyIjoiYWxpY2UifQ%3D%3D.ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS%2Bf0tjIJPiXU";

/// The deletion cookie for the default attributes.
const DELETION: &str = "__session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax";

/// The frozen clock of the vector files: 2023-11-14T22:13:20Z.
const VECTOR_NOW_SECS: u64 = 1_700_000_000;

// ---------------------------------------------------------------------------------------
// Vector files and shared setup
// ---------------------------------------------------------------------------------------

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
}

/// Returns the vector `id` recorded from the Remix 2 packages.
fn remix_vector(id: &str) -> &'static Value {
    static VECTORS: OnceLock<Vec<Value>> = OnceLock::new();
    let vectors = VECTORS.get_or_init(|| {
        let path = vectors_dir().join("remix.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
        serde_json::from_str(&text).expect("remix.json is a JSON array")
    });
    vectors
        .iter()
        .find(|vector| vector["id"] == id)
        .unwrap_or_else(|| panic!("vector {id} not found in remix.json"))
}

fn header_of(vector: &Value) -> &str {
    vector["input"]["cookieHeader"]
        .as_str()
        .expect("vector has a cookie header")
}

fn signed_cookie() -> Cookie {
    Cookie::builder("__session")
        .secrets(["s3cr3t"])
        .build()
        .unwrap()
}

fn storage() -> CookieSessionStorage {
    CookieSessionStorage::new(signed_cookie())
}

/// Returns the cookie storage with the Latin-1 payload encoding of solid-start.
fn latin1_storage() -> CookieSessionStorage {
    CookieSessionStorage::new(
        Cookie::builder("__session")
            .secrets(["s3cr3t"])
            .payload_encoding(PayloadEncoding::Latin1)
            .build()
            .unwrap(),
    )
}

fn alice() -> Map<String, Value> {
    let mut data = Map::new();
    data.insert("user".into(), json!("alice"));
    data
}

async fn data_for(storage: &CookieSessionStorage, header: &str) -> Map<String, Value> {
    storage
        .get_session(Some(header))
        .await
        .expect("hostile headers never make get_session fail")
        .data()
        .clone()
}

fn request_cookie(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap()
}

// ---------------------------------------------------------------------------------------
// Parsing the Cookie header
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn empty_first_duplicate_gives_empty_session() {
    let header = format!("__session=; __session={ALICE}");

    // The first occurrence wins, as in every JavaScript library: an empty value.
    assert_eq!(signed_cookie().parse(Some(&header)), Some(json!("")));
    let session = storage().get_session(Some(&header)).await.unwrap();
    assert!(session.data().is_empty());
    assert!(!session.is_changed());

    // Pinned against Remix: a valid first value wins, and an invalid first value does not
    // fall back to the second.
    let first_valid = remix_vector("p-dup-first-valid");
    assert_eq!(first_valid["expected"]["value"], json!({"user": "alice"}));
    assert_eq!(data_for(&storage(), header_of(first_valid)).await, alice());
    let first_invalid = remix_vector("p-dup-first-invalid");
    assert_eq!(first_invalid["expected"]["value"], Value::Null);
    assert_eq!(signed_cookie().parse(Some(header_of(first_invalid))), None);
    assert!(data_for(&storage(), header_of(first_invalid))
        .await
        .is_empty());
}

#[tokio::test]
async fn quoted_and_unbalanced_quoted_values() {
    // A balanced pair of quotes is removed (RFC 6265 quoted cookie-value).
    let quoted = remix_vector("p-quoted");
    assert_eq!(quoted["expected"]["value"], json!({"user": "alice"}));
    assert_eq!(data_for(&storage(), header_of(quoted)).await, alice());

    // Quotes do not protect a `;`: the value ends there, and the rest is another pair.
    let split_inside_quotes = format!("__session=\"{ALICE};x\"");
    assert_eq!(signed_cookie().parse(Some(&split_inside_quotes)), None);
    assert!(data_for(&storage(), &split_inside_quotes).await.is_empty());

    // A `;` inside another cookie's quotes does not hide ours.
    let other_quoted = format!("pref=\"a;b\"; __session={ALICE}");
    assert_eq!(data_for(&storage(), &other_quoted).await, alice());

    // Only an opening quote: kept, so the signature no longer verifies.
    let open_only = format!("__session=\"{ALICE}");
    assert_eq!(signed_cookie().parse(Some(&open_only)), None);
    let closing_only = format!("__session={ALICE}\"");
    assert_eq!(signed_cookie().parse(Some(&closing_only)), None);

    // Unsigned, an opening quote makes the payload invalid base64: an empty object.
    let open_unsigned = remix_vector("p-quote-open-only");
    assert_eq!(open_unsigned["expected"]["value"], json!({}));
    let unsigned = Cookie::builder("__session").build().unwrap();
    assert_eq!(
        unsigned.parse(Some(header_of(open_unsigned))),
        Some(json!({}))
    );

    // An empty quoted value is the empty string.
    assert_eq!(
        signed_cookie().parse(Some("__session=\"\"")),
        Some(json!(""))
    );

    // A lone quote both opens and closes: @remix-run/node 2.17.5 parses it as "" and reads
    // an empty session.
    let lone_quote = "a=1; __session=\"; b=2";
    assert_eq!(signed_cookie().parse(Some(lone_quote)), Some(json!("")));
    assert!(data_for(&storage(), lone_quote).await.is_empty());
}

#[tokio::test]
async fn equals_and_padding_inside_values() {
    // The name ends at the first `=`; every later `=` belongs to the value.
    let unsigned = Cookie::builder("__session").build().unwrap();
    for id in ["p-unsigned-raw-padding", "p-b64-no-padding"] {
        let vector = remix_vector(id);
        assert_eq!(
            vector["expected"]["value"],
            json!({"user": "alice"}),
            "{id}"
        );
        assert_eq!(
            unsigned.parse(Some(header_of(vector))),
            Some(json!({"user": "alice"})),
            "{id}"
        );
    }

    // Signed, with raw (not percent-encoded) padding, `+` and `/`.
    let raw = remix_vector("p-signed-raw-plus-slash");
    assert_eq!(raw["expected"]["value"], json!({"n": 2}));
    assert_eq!(
        signed_cookie().parse(Some(header_of(raw))),
        Some(json!({"n": 2}))
    );

    // A padded signature is not the canonical text, so it is rejected.
    let padded_signature = format!("__session={ALICE}%3D");
    assert_eq!(signed_cookie().parse(Some(&padded_signature)), None);

    // One `=` where base64 needs two is invalid for `atob`. @remix-run/node 2.17.5 verifies
    // this cookie, then reads `{}` from it and an empty session.
    let partly_padded = "__session=eyJ1c2VyIjoiYWxpY2UifQ%3D.\
                         iKRKcTR5gmcI5nYonZZSxDjmdMp4LCTCJH9RcoSoK%2F0";
    assert_eq!(signed_cookie().parse(Some(partly_padded)), Some(json!({})));
    assert!(data_for(&storage(), partly_padded).await.is_empty());
    assert_eq!(
        unsigned.parse(Some("__session=eyJ1c2VyIjoiYWxpY2UifQ=")),
        Some(json!({}))
    );

    // A cookie named like a prefix of ours, with `=` in its value, is a different cookie.
    let lookalike = format!("__session2=__session={ALICE}");
    assert_eq!(signed_cookie().parse(Some(&lookalike)), None);
}

#[tokio::test]
async fn whitespace_around_separators() {
    for id in ["p-whitespace", "p-tabs"] {
        let vector = remix_vector(id);
        assert_eq!(
            vector["expected"]["value"],
            json!({"user": "alice"}),
            "{id}"
        );
        assert_eq!(
            data_for(&storage(), header_of(vector)).await,
            alice(),
            "{id}"
        );
    }

    let no_spaces = format!("a=1;__session={ALICE};b=2");
    assert_eq!(data_for(&storage(), &no_spaces).await, alice());
    let trailing_separators = format!(";;__session={ALICE};;");
    assert_eq!(data_for(&storage(), &trailing_separators).await, alice());

    // Only space and tab are trimmed; a no-break space stays part of the value.
    let nbsp = remix_vector("p-nbsp");
    assert_eq!(nbsp["expected"]["value"], Value::Null);
    assert!(data_for(&storage(), header_of(nbsp)).await.is_empty());
}

#[tokio::test]
async fn malformed_percent_escape_in_another_cookie() {
    let vector = remix_vector("p-bad-pct-other");
    assert_eq!(vector["expected"]["value"], json!({"user": "alice"}));
    assert_eq!(data_for(&storage(), header_of(vector)).await, alice());

    for broken in ["%", "%Z1", "%E0%A4%A", "%FF", "%C3%28", "%%%"] {
        let header = format!("x={broken}; __session={ALICE}; y={broken}");
        assert_eq!(data_for(&storage(), &header).await, alice(), "{broken}");
    }

    // A malformed escape in our own value keeps the raw text, which does not verify.
    let own = format!("__session={ALICE}%E0%A4%A");
    assert!(data_for(&storage(), &own).await.is_empty());
}

#[tokio::test]
async fn raw_non_utf8_bytes_in_header() {
    let cookie = signed_cookie();
    let field = [
        &b"x=\xff\xfe\x80; \xc3\x28=1; __session="[..],
        ALICE.as_bytes(),
        &b"; z=\xed\xa0\x80"[..],
    ]
    .concat();
    assert_eq!(
        cookie.parse_fields([field.as_slice()]).unwrap().value,
        json!({"user": "alice"})
    );

    let mut headers = HeaderMap::new();
    headers.append(COOKIE, HeaderValue::from_bytes(&field).unwrap());
    let session = storage().get_session_from_headers(&headers).await.unwrap();
    assert_eq!(session.data(), &alice());

    // Non-UTF-8 bytes inside our own value: an empty session, not an error.
    let ours = [&b"__session=\xff"[..], ALICE.as_bytes()].concat();
    let mut headers = HeaderMap::new();
    headers.append(COOKIE, HeaderValue::from_bytes(&ours).unwrap());
    let session = storage().get_session_from_headers(&headers).await.unwrap();
    assert!(session.data().is_empty());
}

#[tokio::test]
async fn foreign_value_gives_empty_session() {
    let foreign = [
        // An express-session style signed id.
        "s%3AQmFzZTY0.abcDEF%2Bghi",
        // A JWT.
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        // Another secret's signature over our payload format.
        "eyJ1c2VyIjoiYWRtaW4ifQ%3D%3D.%2FIVicPTraBDroC8IIXQBMdxwJfHlfDbUByl7pEIDY54",
        "plain-text",
        ".",
        "..",
        "%00",
    ];
    for value in foreign {
        let header = format!("__session={value}");
        assert_eq!(signed_cookie().parse(Some(&header)), None, "{value}");
        let session = storage().get_session(Some(&header)).await.unwrap();
        assert!(session.data().is_empty(), "{value}");
    }

    // Unsigned storage decodes what it can and gives an empty session otherwise.
    let unsigned = CookieSessionStorage::new(Cookie::builder("__session").build().unwrap());
    let bad_base64 = remix_vector("p-bad-b64-unsigned");
    assert_eq!(bad_base64["expected"]["value"], json!({}));
    assert!(data_for(&unsigned, header_of(bad_base64)).await.is_empty());
    let not_json = remix_vector("p-nonjson-unsigned");
    assert_eq!(not_json["expected"]["value"], json!({}));
    assert!(data_for(&unsigned, header_of(not_json)).await.is_empty());
}

// ---------------------------------------------------------------------------------------
// Writing Set-Cookie
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn attribute_injection_is_rejected() {
    for name in [
        "s; Domain=evil.example",
        "s\r\nSet-Cookie: x=1",
        "s=1",
        "s ",
        "s,t",
    ] {
        let error = Cookie::builder(name).build().unwrap_err();
        assert!(matches!(error, ConfigError::InvalidName { .. }), "{name:?}");
    }
    // `<` too, as the `cookie` npm package (0.7 and 1.x) rejects it.
    for path in [
        "/; Domain=evil.example",
        "/\r\nX: 1",
        "/\u{0}",
        "/caf\u{e9}",
        "/a<b",
    ] {
        let error = Cookie::builder("s").path(path).build().unwrap_err();
        assert!(matches!(error, ConfigError::InvalidPath { .. }), "{path:?}");
    }
    for domain in [
        "example.com; Secure",
        "evil.example\r\n",
        "a b.example",
        "a=b",
    ] {
        let error = Cookie::builder("s").domain(domain).build().unwrap_err();
        assert!(
            matches!(error, ConfigError::InvalidDomain { .. }),
            "{domain:?}"
        );
    }

    // The same values given per call are rejected at commit and at destroy.
    let storage = storage();
    let injected_path = CookieOptions {
        path: Some("/; Domain=evil.example".into()),
        ..Default::default()
    };
    let mut session = Session::new();
    let commit = storage.commit_session(&mut session, &injected_path).await;
    assert!(matches!(
        commit,
        Err(StorageError::Config(ConfigError::InvalidPath { .. }))
    ));
    let destroy = storage.destroy_session(&mut session, &injected_path).await;
    assert!(matches!(
        destroy,
        Err(StorageError::Config(ConfigError::InvalidPath { .. }))
    ));

    // Session data cannot inject either: the value is percent-encoded.
    let mut session = Session::new();
    session.set("x", "; Domain=evil.example\r\nSet-Cookie: y=1");
    let header = storage
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    assert_eq!(header.matches("; ").count(), 2, "{header}");
    assert!(header.ends_with("; Path=/; SameSite=Lax"), "{header}");
    assert!(!header.contains('\r'), "{header}");
    assert!(!header.contains('\n'), "{header}");
}

#[tokio::test]
async fn characters_above_u00ff_in_data() {
    // UTF-8 payloads write them, byte for byte as Remix does.
    let vector = remix_vector("sc-cjk");
    let mut session = Session::new();
    session.set("name", "日本語");
    let header = storage()
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    assert_eq!(
        header,
        vector["expected"]["commit"]["setCookie"].as_str().unwrap()
    );
    assert_eq!(
        data_for(&storage(), request_cookie(&header)).await["name"],
        json!("日本語")
    );

    // Latin-1 payloads (solid-start) cannot: the commit fails with a typed error, in keys
    // and values alike, and nothing is written.
    let latin1 = latin1_storage();
    for (key, value) in [("name", "日本語"), ("emoji🙂", "x"), ("sep", "\u{2028}")] {
        let mut session = Session::new();
        session.set(key, value);
        let result = latin1
            .commit_session(&mut session, &CookieOptions::default())
            .await;
        assert!(
            matches!(
                result,
                Err(StorageError::Encode(EncodeError::NotLatin1 { .. }))
            ),
            "{key}: {result:?}"
        );
        assert!(
            session.is_changed(),
            "a failed commit leaves the session unsaved"
        );
    }

    // U+00FF itself is the last character that fits.
    let mut session = Session::new();
    session.set("y", "\u{ff}");
    let header = latin1
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    assert_eq!(
        data_for(&latin1, request_cookie(&header)).await["y"],
        json!("\u{ff}")
    );
}

/// `{"user":"alice","bio":"\ud83c"}` signed with `s3cr3t`, as Remix 2.17.5 writes it for a
/// `bio` that contains half of an emoji (`"🎉".slice(0, 1)` in JavaScript).
const LONE_SURROGATE: &str = "eyJ1c2VyIjoiYWxpY2UiLCJiaW8iOiJcdWQ4M2MifQ%3D%3D.V7qxQ%2Bcz7egxbAmx%2BTijMebK4z744uP0D9xUBQBab7w";

#[tokio::test]
async fn lone_surrogate_escape_reads_back() {
    let header = format!("__session={LONE_SURROGATE}");
    let mut session = storage().get_session(Some(&header)).await.unwrap();
    assert_eq!(session.get("user"), Some(json!("alice")));
    // A Rust string cannot hold the lone surrogate, so it reads as U+FFFD.
    assert_eq!(session.get("bio"), Some(json!("\u{FFFD}")));
    assert_eq!(
        signed_cookie().parse(Some(&header)),
        Some(json!({"user": "alice", "bio": "\u{FFFD}"}))
    );

    // A changed session writes U+FFFD in its place, where Remix writes the escape again.
    session.set("theme", "dark");
    let written = storage()
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    assert_eq!(
        data_for(&storage(), request_cookie(&written)).await,
        json!({"user": "alice", "bio": "\u{FFFD}", "theme": "dark"})
            .as_object()
            .unwrap()
            .clone()
    );

    // The payload is ASCII, so a Latin-1 storage (solid-start) reads the same cookie. Latin-1
    // cannot hold U+FFFD, so the commit writes it as an escape.
    let latin1 = latin1_storage();
    let mut session = latin1.get_session(Some(&header)).await.unwrap();
    assert_eq!(session.get("bio"), Some(json!("\u{FFFD}")));
    session.set("theme", "dark");
    let written = latin1
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    let payload = request_cookie(&written)
        .strip_prefix("__session=")
        .unwrap()
        .split("%3D")
        .next()
        .unwrap();
    // Base64 of `{"user":"alice","bio":"\ufffd","theme":"dark"}`.
    assert_eq!(
        payload,
        "eyJ1c2VyIjoiYWxpY2UiLCJiaW8iOiJcdWZmZmQiLCJ0aGVtZSI6ImRhcmsifQ"
    );
}

#[tokio::test]
async fn cookie_length_4096_passes_and_4097_fails() {
    let vector = remix_vector("sc-size-4096");
    let padding = vector["input"]["ops"][0]["value"].as_str().unwrap();
    let expected = vector["expected"]["commit"]["setCookie"].as_str().unwrap();
    assert_eq!(vector["expected"]["commit"]["length"], json!(4096));
    assert_eq!(MAX_COOKIE_LEN, 4096);

    let storage = storage();
    let mut session = Session::new();
    session.set("pad", padding);
    let header = storage
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    assert_eq!(header.len(), 4096);
    assert_eq!(header, expected);

    // One more character, through a longer path: rejected, with the length in the error.
    let longer_path = CookieOptions {
        path: Some("/a".into()),
        ..Default::default()
    };
    let mut session = Session::new();
    session.set("pad", padding);
    let error = storage
        .commit_session(&mut session, &longer_path)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StorageError::CookieTooLarge {
                length: 4097,
                limit: 4096
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("4097"), "{error}");

    // Destroying never hits the limit, whatever the session held.
    let deletion = storage
        .destroy_session(&mut session, &longer_path)
        .await
        .unwrap();
    assert!(deletion.len() < 100, "{deletion}");
}

// ---------------------------------------------------------------------------------------
// Signatures
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn bad_or_retired_signature_reads_absent() {
    for id in [
        "p-unsigned-but-signed-cookie",
        "p-tampered-sig",
        "p-tampered-payload",
        "p-sig-empty",
        "p-sig-over-decoded",
    ] {
        let vector = remix_vector(id);
        assert_eq!(vector["expected"]["value"], Value::Null, "{id}");
        let secrets: Vec<String> =
            serde_json::from_value(vector["input"]["secrets"].clone()).unwrap();
        let cookie = Cookie::builder("__session")
            .secrets(&secrets)
            .build()
            .unwrap();
        assert_eq!(cookie.parse(Some(header_of(vector))), None, "{id}");
        let storage = CookieSessionStorage::new(cookie);
        assert!(
            data_for(&storage, header_of(vector)).await.is_empty(),
            "{id}"
        );
    }

    // Signed by a secret that has been removed from the list.
    let retired = remix_vector("p-rotation-removed");
    assert_eq!(retired["expected"]["value"], Value::Null);
    let cookie = Cookie::builder("__session")
        .secrets(["new-secret"])
        .build()
        .unwrap();
    assert_eq!(cookie.parse(Some(header_of(retired))), None);
}

#[tokio::test]
async fn older_secret_value_is_resigned() {
    let rotated = Cookie::builder("__session")
        .secrets(["new-secret", "old-secret"])
        .build()
        .unwrap();
    let old = remix_vector("p-rotation-old");
    assert_eq!(old["expected"]["value"], json!({"user": "alice"}));
    let parsed = rotated.parse_fields([header_of(old).as_bytes()]).unwrap();
    assert_eq!(parsed.signature, Signature::Verified { secret_index: 1 });

    let storage = CookieSessionStorage::new(rotated);
    let mut session = storage.get_session(Some(header_of(old))).await.unwrap();
    assert_eq!(session.data(), &alice());
    assert!(session.needs_resign());

    // The next commit signs with the first secret, as Remix does.
    let resigned = remix_vector("sc-rotation");
    let header = storage
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    assert_eq!(
        header,
        resigned["expected"]["commit"]["setCookie"]
            .as_str()
            .unwrap()
    );
    assert!(!session.needs_resign());
    let parsed = storage
        .cookie()
        .parse_fields([request_cookie(&header).as_bytes()])
        .unwrap();
    assert_eq!(parsed.signature, Signature::Verified { secret_index: 0 });
}

#[tokio::test]
async fn javascript_numbers_read_back_exactly() {
    // Shortest texts that a 1-ULP-off float parser misreads; found by the fuzzer and by the
    // round-trip property test.
    let storage = storage();
    for number in [
        -3.902186838239283e145,
        4.348706740347703e-207,
        0.1 + 0.2,
        5e-324,
    ] {
        let mut session = Session::new();
        session.set("n", number);
        let header = storage
            .commit_session(&mut session, &CookieOptions::default())
            .await
            .unwrap();
        let read = data_for(&storage, request_cookie(&header)).await;
        assert_eq!(read["n"].as_f64(), Some(number), "{number:e}");
    }
}

/// `{"id":1234567890123456800,"big":1152921504606847000,"safe":9007199254740991}` signed
/// with `s3cr3t`, as Remix 2.17.5 writes it for `id` 1234567890123456789, `big` 2 ** 60 and
/// `safe` 9007199254740991 (`Number.MAX_SAFE_INTEGER`).
const LARGE_INTEGERS: &str = "__session=eyJpZCI6MTIzNDU2Nzg5MDEyMzQ1NjgwMCwiYmlnIjoxMTUyOTIxNTA0NjA2ODQ3MDAwLCJzYWZlIjo5MDA3MTk5MjU0NzQwOTkxfQ%3D%3D.tExPlAA5ggX%2Bf9cD9HNyTCsaRUmSyd85IzDxwsrcb40; Path=/; SameSite=Lax";

#[tokio::test]
async fn integers_beyond_2_53_written_as_doubles() {
    let mut session = Session::new();
    session.set("id", 1_234_567_890_123_456_789_u64);
    session.set("big", 1_u64 << 60);
    session.set("safe", 9_007_199_254_740_991_u64);
    let header = storage()
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    assert_eq!(header, LARGE_INTEGERS);

    // A commit rounds such an integer to the nearest double, as JavaScript stores it, and
    // the cookie reads back as the decimal text written.
    let mut read = storage()
        .get_session(Some(request_cookie(&header)))
        .await
        .unwrap();
    assert_eq!(
        read.get_as::<u64>("id").unwrap(),
        Some(1_234_567_890_123_456_800)
    );
    assert_eq!(
        read.get_as::<u64>("big").unwrap(),
        Some(1_152_921_504_606_847_000)
    );
    assert_eq!(
        read.get_as::<u64>("safe").unwrap(),
        Some(9_007_199_254_740_991)
    );
    // As a double, the value is the one JavaScript reads.
    assert_eq!(read.get_as::<f64>("big").unwrap(), Some(2f64.powi(60)));
}

// ---------------------------------------------------------------------------------------
// Expiry and deletion
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn destroy_drops_every_max_age() {
    let storage = CookieSessionStorage::new(
        Cookie::builder("__session")
            .secrets(["s3cr3t"])
            .max_age(3600)
            .build()
            .unwrap(),
    );
    let mut session = Session::new();
    session.set("user", "alice");
    assert_eq!(
        storage
            .destroy_session(&mut session, &CookieOptions::default())
            .await
            .unwrap(),
        DELETION
    );
    assert!(session.data().is_empty(), "destroy empties the session");

    let per_call = CookieOptions {
        max_age: Some(10),
        expires: Some(UNIX_EPOCH + Duration::from_secs(VECTOR_NOW_SECS + 86_400)),
        ..Default::default()
    };
    let header = storage
        .destroy_session(&mut Session::new(), &per_call)
        .await
        .unwrap();
    assert_eq!(header, DELETION);

    // Remix agrees for an `expires` on the cookie.
    let vector = remix_vector("sc-destroy-cookie-expires");
    assert_eq!(vector["expected"]["destroy"]["setCookie"], json!(DELETION));
}

#[tokio::test]
async fn zero_and_negative_max_age_written() {
    for (max_age, id) in [(0, "ser-opt-maxage-0"), (-1, "ser-opt-maxage-neg")] {
        let cookie = Cookie::builder("__session")
            .secrets(["s3cr3t"])
            .max_age(max_age)
            .build()
            .unwrap();
        let header = cookie
            .serialize(&json!({"user": "alice"}), &CookieOptions::default())
            .unwrap();
        assert_eq!(
            header,
            remix_vector(id)["expected"]["setCookie"].as_str().unwrap(),
            "{id}"
        );
    }

    // The expiry they give is now (zero) or in the past (negative), never in the future.
    let now = UNIX_EPOCH + Duration::from_secs(VECTOR_NOW_SECS);
    for (max_age, id) in [(0, "props-maxage-zero"), (-10, "props-maxage-neg")] {
        let cookie = Cookie::builder("__session")
            .max_age(max_age)
            .clock(Arc::new(ManualClock::new(now)))
            .build()
            .unwrap();
        let expected_ms = remix_vector(id)["expected"]["expires"]["$date"]
            .as_u64()
            .unwrap();
        assert_eq!(
            cookie.expires(),
            Some(UNIX_EPOCH + Duration::from_millis(expected_ms)),
            "{id}"
        );
        assert!(cookie.expires().unwrap() <= now);
    }

    // A per-call zero is written too, so a commit can end a session at once.
    let mut session = Session::new();
    let zero = CookieOptions {
        max_age: Some(0),
        ..Default::default()
    };
    let header = storage().commit_session(&mut session, &zero).await.unwrap();
    assert!(header.contains("; Max-Age=0;"), "{header}");
}

#[tokio::test]
async fn expires_in_last_second_of_9999() {
    // `Expires` is written in whole seconds, as @remix-run/node 2.17.5 and React Router 7
    // write it for `new Date(253402300799999)`.
    let last_millisecond = UNIX_EPOCH + Duration::from_millis(253_402_300_799_999);
    let cookie = Cookie::builder("s")
        .expires(last_millisecond)
        .build()
        .unwrap();
    let header = cookie
        .serialize(&json!({"a": 1}), &CookieOptions::default())
        .unwrap();
    assert_eq!(
        header,
        "s=eyJhIjoxfQ%3D%3D; Path=/; Expires=Fri, 31 Dec 9999 23:59:59 GMT; SameSite=Lax"
    );

    let year_10000 = UNIX_EPOCH + Duration::from_secs(253_402_300_800);
    let error = Cookie::builder("s")
        .expires(year_10000)
        .build()
        .unwrap_err();
    assert!(matches!(error, ConfigError::ExpiresOutOfRange { .. }));
}

#[tokio::test]
async fn expiry_follows_moving_clock() {
    let start = UNIX_EPOCH + Duration::from_secs(VECTOR_NOW_SECS);
    let clock = ManualClock::new(start);
    let cookie = Cookie::builder("__session")
        .secrets(["s3cr3t"])
        .max_age(60)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    assert_eq!(cookie.expires(), Some(start + Duration::from_secs(60)));

    clock.advance(Duration::from_secs(45));
    assert_eq!(cookie.expires(), Some(start + Duration::from_secs(105)));

    // Max-Age is relative, so the header itself stays the same as the clock moves.
    let storage = CookieSessionStorage::new(cookie.clone());
    let mut session = Session::new();
    let later = storage
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    clock.set(start);
    let earlier = storage
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    assert_eq!(later, earlier);
    assert!(later.contains("Max-Age=60"));

    // A fixed Expires does not move.
    let fixed = UNIX_EPOCH + Duration::from_secs(VECTOR_NOW_SECS + 86_400);
    let cookie = Cookie::builder("__session")
        .expires(fixed)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    clock.advance(Duration::from_secs(3600));
    assert_eq!(cookie.expires(), Some(fixed));
}

#[tokio::test]
async fn same_site_none_requires_secure() {
    let error = Cookie::builder("__session")
        .same_site(websession::SameSite::None)
        .build()
        .unwrap_err();
    assert!(matches!(
        error,
        ConfigError::SameSiteNoneWithoutSecure { .. }
    ));

    let none_without_secure = CookieOptions {
        same_site: Some(websession::SameSite::None),
        ..Default::default()
    };
    let storage = storage();
    let mut session = Session::new();
    let commit = storage
        .commit_session(&mut session, &none_without_secure)
        .await;
    assert!(matches!(
        commit,
        Err(StorageError::Config(
            ConfigError::SameSiteNoneWithoutSecure { .. }
        ))
    ));
    let destroy = storage
        .destroy_session(&mut session, &none_without_secure)
        .await;
    assert!(matches!(
        destroy,
        Err(StorageError::Config(
            ConfigError::SameSiteNoneWithoutSecure { .. }
        ))
    ));

    // With Secure: written on both, byte for byte as Remix writes them.
    let vector = remix_vector("sc-all-options");
    let cookie = Cookie::builder("__session")
        .secrets(["s3cr3t"])
        .domain("example.com")
        .http_only(true)
        .secure(true)
        .same_site(websession::SameSite::None)
        .max_age(604_800)
        .build()
        .unwrap();
    let storage = CookieSessionStorage::new(cookie);
    let mut session = Session::new();
    session.set("a", 1);
    let commit = storage
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    assert_eq!(
        commit,
        vector["expected"]["commit"]["setCookie"].as_str().unwrap()
    );
    let destroy = storage
        .destroy_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    assert_eq!(
        destroy,
        vector["expected"]["destroy"]["setCookie"].as_str().unwrap()
    );
    assert!(destroy.contains("; Secure; SameSite=None"));
}

#[tokio::test]
async fn deletion_cookie_repeats_domain_and_path() {
    // Per call, as Remix does.
    let vector = remix_vector("sc-destroy-opt-path");
    let per_call = CookieOptions {
        path: Some("/app".into()),
        domain: Some("example.com".into()),
        ..Default::default()
    };
    let header = storage()
        .destroy_session(&mut Session::new(), &per_call)
        .await
        .unwrap();
    assert_eq!(
        header,
        vector["expected"]["destroy"]["setCookie"].as_str().unwrap()
    );

    // From the cookie's own attributes, so the browser matches the cookie it stored.
    let storage = CookieSessionStorage::new(
        Cookie::builder("__session")
            .secrets(["s3cr3t"])
            .path("/app")
            .domain(".example.com")
            .build()
            .unwrap(),
    );
    let header = storage
        .destroy_session(&mut Session::new(), &CookieOptions::default())
        .await
        .unwrap();
    assert_eq!(
        header,
        "__session=; Domain=.example.com; Path=/app; Expires=Thu, 01 Jan 1970 00:00:00 GMT; \
         SameSite=Lax"
    );
}

// ---------------------------------------------------------------------------------------
// Flash values
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn flash_survives_until_committed() {
    let storage = storage();
    let vector = remix_vector("sc-flash-next-request");
    let with_flash = header_of(vector);

    // Read without committing: the browser keeps the old cookie, so the flash is there on
    // the next request.
    let mut first = storage.get_session(Some(with_flash)).await.unwrap();
    assert_eq!(first.get("msg"), Some(json!("saved")));
    assert!(
        first.is_changed(),
        "consuming a flash is a change to commit"
    );
    let mut second = storage.get_session(Some(with_flash)).await.unwrap();
    assert_eq!(second.get("msg"), Some(json!("saved")));

    // Read and commit: the new cookie no longer has it, as Remix writes.
    let header = storage
        .commit_session(&mut second, &CookieOptions::default())
        .await
        .unwrap();
    assert_eq!(
        header,
        vector["expected"]["commit"]["setCookie"].as_str().unwrap()
    );
    let mut third = storage
        .get_session(Some(request_cookie(&header)))
        .await
        .unwrap();
    assert_eq!(third.get("msg"), None);
    assert_eq!(third.get("user"), Some(json!("alice")));

    // `has` does not consume it.
    let not_read = remix_vector("sc-flash-not-read");
    let mut session = storage
        .get_session(Some(header_of(not_read)))
        .await
        .unwrap();
    assert!(session.has("msg"));
    let header = storage
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    assert_eq!(
        header,
        not_read["expected"]["commit"]["setCookie"]
            .as_str()
            .unwrap()
    );
}
