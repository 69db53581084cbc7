//! One test per deliberate difference from the JavaScript libraries, each named after the
//! compatibility rule it pins.

use std::time::{Duration, UNIX_EPOCH};

use serde_json::json;
use websession::{
    ConfigError, Cookie, CookieOptions, CookieSessionStorage, PayloadEncoding, SameSite,
    SessionStorage, StorageError,
};

/// `{"user":"alice"}` signed with `s3cr3t`, as Remix 2 writes it.
const ALICE: &str =
    "__session=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D.ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS%2Bf0tjIJPiXU";

fn signed_cookie() -> Cookie {
    Cookie::builder("__session")
        .secrets(["s3cr3t"])
        .build()
        .unwrap()
}

fn storage() -> CookieSessionStorage {
    CookieSessionStorage::new(signed_cookie())
}

#[tokio::test]
async fn rule_1_undecodable_signature_reads_as_absent() {
    // solid-start raises InvalidCharacterError for these; we read nothing.
    let headers = [
        "__session=eyJuIjoyfQ%3D%3D.roJqeizK_-3yFx13yMhAujpMg8MG5jpj5pUfGoaU8NI",
        "__session=abc!def",
        "__session=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D.ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS%2Bf0tjIJPiXU%3D%3D",
    ];
    for header in headers {
        assert_eq!(signed_cookie().parse(Some(header)), None, "{header}");
        let session = storage().get_session(Some(header)).await.unwrap();
        assert!(session.data().is_empty(), "{header}");
    }
}

#[tokio::test]
async fn rule_2_inherited_names_and_non_object_payloads() {
    let cookie = Cookie::builder("constructor").build().unwrap();
    assert_eq!(cookie.parse(Some("a=1")), None);
    let proto = Cookie::builder("__proto__").build().unwrap();
    assert_eq!(
        proto.parse(Some("__proto__=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D")),
        Some(json!({"user": "alice"}))
    );

    // A signed JSON string: `parse` returns it, `get_session` starts empty.
    let header = "__session=ImhleSI%3D.1Y3wjapUX8CG6MXzu9LOwCN0475DfJlBkkkNSXF%2Fp%2B0";
    assert_eq!(signed_cookie().parse(Some(header)), Some(json!("hey")));
    let session = storage().get_session(Some(header)).await.unwrap();
    assert!(session.data().is_empty());
}

#[test]
fn rule_3_signatures_are_checked_strictly() {
    let cookie = signed_cookie();
    assert!(cookie.parse(Some(ALICE)).is_some());
    let non_canonical = ALICE.replacen("PiXU", "PiXV", 1);
    let padded = format!("{ALICE}%3D");
    let spaced = ALICE.replacen("ErTWUeBXXc", "ErTWUeBXXc%20", 1);
    for header in [non_canonical, padded, spaced] {
        assert_eq!(cookie.parse(Some(&header)), None, "{header}");
    }
}

#[test]
fn rule_4_quotes_removed_only_in_pairs() {
    let cookie = signed_cookie();
    let value = ALICE.trim_start_matches("__session=");
    let quoted = format!("__session=\"{value}\"");
    assert_eq!(cookie.parse(Some(&quoted)), Some(json!({"user": "alice"})));
    let open_only = format!("__session=\"{value}");
    assert_eq!(cookie.parse(Some(&open_only)), None);
    assert_eq!(cookie.parse(Some("__session=\"\"")), Some(json!("")));
}

#[test]
fn rule_5_only_space_and_tab_trimmed() {
    let cookie = signed_cookie();
    let value = ALICE.trim_start_matches("__session=");
    let tabs = format!("a=1;\t__session\t=\t{value}\t;b=2");
    assert_eq!(cookie.parse(Some(&tabs)), Some(json!({"user": "alice"})));
    let nbsp = format!("__session=\u{a0}{value}\u{a0}");
    assert_eq!(cookie.parse(Some(&nbsp)), None);
}

#[test]
fn rule_6_invalid_configuration_rejected_at_build() {
    let cases: Vec<(websession::CookieBuilder, &str)> = vec![
        (Cookie::builder("a,b"), "name with a comma"),
        (Cookie::builder(""), "empty name"),
        (Cookie::builder("s").path("/a;b"), "path with ';'"),
        (
            Cookie::builder("s").domain("my_host.example"),
            "domain with '_'",
        ),
        (Cookie::builder("s").secrets(["ok", ""]), "empty secret"),
        (
            Cookie::builder("s").same_site(SameSite::None),
            "SameSite=None without Secure",
        ),
        (Cookie::builder("__Host-s"), "__Host- without Secure"),
        (Cookie::builder("__Secure-s"), "__Secure- without Secure"),
        (
            Cookie::builder("s").expires(UNIX_EPOCH - Duration::from_secs(1)),
            "expires before 1970",
        ),
    ];
    for (builder, case) in cases {
        assert!(builder.build().is_err(), "{case} must be rejected");
    }
    let error = Cookie::builder("s")
        .secrets(["ok", ""])
        .build()
        .unwrap_err();
    assert_eq!(error, ConfigError::EmptySecret { index: 1 });
}

#[test]
fn rule_6_invalid_per_call_options_rejected() {
    let overrides = CookieOptions {
        same_site: Some(SameSite::None),
        ..Default::default()
    };
    let error = signed_cookie()
        .serialize(&json!({}), &overrides)
        .unwrap_err();
    assert!(
        error.to_string().contains("SameSite=None without Secure"),
        "{error}"
    );
}

#[tokio::test]
async fn rule_7_cookie_limit_is_4096_characters() {
    let storage = storage();
    // The Set-Cookie value of {"pad":"a…a"} is 4096 characters with this padding.
    let base = {
        let mut session = storage.get_session(None).await.unwrap();
        session.set("pad", "");
        storage
            .commit_session(&mut session, &CookieOptions::default())
            .await
            .unwrap()
            .len()
    };
    let mut pad_len = 0;
    let mut session = storage.get_session(None).await.unwrap();
    // Base64 grows in steps of 4 characters per 3 bytes; find the padding that hits 4096.
    while pad_len < 4096 {
        session.set("pad", "a".repeat(pad_len));
        let length = match storage
            .commit_session(&mut session, &CookieOptions::default())
            .await
        {
            Ok(header) => header.len(),
            Err(StorageError::CookieTooLarge { length, limit }) => {
                assert_eq!(limit, 4096);
                assert!(length > 4096, "rejected at {length}");
                break;
            }
            Err(error) => panic!("unexpected error {error}"),
        };
        assert!(length <= 4096);
        pad_len += 1;
    }
    assert!(base < 200);
    assert!(pad_len > 2900, "stopped early at padding {pad_len}");

    // Exactly 4096 characters passes: the sc-size-4096 vector pads to that length.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors/remix.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| {
        panic!(
            "cannot read the vector file {path}: {error}; put a copy of the shared vectors \
             directory, or a link to it, at ../shared/vectors beside the repository"
        )
    });
    let vectors: serde_json::Value = serde_json::from_str(&text).unwrap();
    let vector = vectors
        .as_array()
        .unwrap()
        .iter()
        .find(|vector| vector["expected"]["commit"]["length"] == 4096)
        .expect("a vector commits exactly 4096 characters");
    let pad = vector["input"]["ops"][0]["value"].as_str().unwrap();
    let mut session = storage.get_session(None).await.unwrap();
    session.set("pad", pad);
    let header = storage
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    assert_eq!(header.len(), 4096);
    assert_eq!(
        header,
        vector["expected"]["commit"]["setCookie"].as_str().unwrap()
    );
    session.set("pad", format!("{pad}aaa"));
    let error = storage
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .unwrap_err();
    let StorageError::CookieTooLarge { length, .. } = error else {
        panic!("expected CookieTooLarge, got {error}");
    };
    assert_eq!(
        length, 4102,
        "three more bytes add four base64 characters and one %3D"
    );
    assert!(error.to_string().contains("4102 characters"), "{error}");
}

#[tokio::test]
async fn rule_8_deletion_cookie_has_no_max_age() {
    let cookie = Cookie::builder("__session")
        .secrets(["s3cr3t"])
        .max_age(3600)
        .domain("example.com")
        .http_only(true)
        .secure(true)
        .same_site(SameSite::None)
        .partitioned(true)
        .build()
        .unwrap();
    let storage = CookieSessionStorage::new(cookie);
    let mut session = storage.get_session(Some(ALICE)).await.unwrap();
    let overrides = CookieOptions {
        max_age: Some(10),
        path: Some("/app".into()),
        ..Default::default()
    };
    let header = storage
        .destroy_session(&mut session, &overrides)
        .await
        .unwrap();
    assert_eq!(
        header,
        "__session=; Domain=example.com; Path=/app; Expires=Thu, 01 Jan 1970 00:00:00 GMT; \
         HttpOnly; Secure; Partitioned; SameSite=None"
    );
    assert!(session.data().is_empty());
}

#[test]
fn rule_11_max_age_is_whole_seconds() {
    let cookie = Cookie::builder("s").max_age(-2).build().unwrap();
    let header = cookie
        .serialize(&json!(1), &CookieOptions::default())
        .unwrap();
    assert_eq!(header, "s=MQ%3D%3D; Max-Age=-2; Path=/; SameSite=Lax");
}

#[test]
fn utf8_reading_falls_back_to_latin1() {
    // {"msg":"é"} as solid-start 0.2 writes it: Latin-1 bytes, not valid UTF-8.
    let solid = Cookie::builder("s")
        .without_same_site()
        .payload_encoding(PayloadEncoding::Latin1)
        .build()
        .unwrap();
    let written = solid
        .serialize(&json!({"msg": "é"}), &CookieOptions::default())
        .unwrap();
    assert_eq!(written, "s=eyJtc2ciOiLpIn0%3D; Path=/");
    let utf8 = Cookie::builder("s").build().unwrap();
    let request = written.split(';').next().unwrap();
    assert_eq!(utf8.parse(Some(request)), Some(json!({"msg": "é"})));
}
