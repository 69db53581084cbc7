//! Fuzzes `CookieSessionStorage::get_session` and `get_session_from_headers` with arbitrary
//! `Cookie` headers.
//!
//! Hostile input must never produce an error: every header gives a session, the same whether
//! its values are parsed as they are read or all at once, and a change to it writes the same
//! cookie either way. A session cookie whose name and value take more than 4096 bytes must
//! read as a new session. Committing that session again must succeed unless the cookie would
//! be too large, or unless an unsigned Latin-1 cookie carried a `\uXXXX` escape of a
//! character that Latin-1 cannot write.

#![no_main]

use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use websession::{
    CookieOptions, CookieSessionStorage, EncodeError, PayloadEncoding, SessionStorage,
    StorageError, MAX_COOKIE_NAME_VALUE_LEN,
};
use websession_fuzz::{complete, reading_cookies};

/// Returns how many bytes the name and trimmed raw value of the first pair named `name` take,
/// with pairs split on `;` and trimmed of spaces and tabs as `Cookie` headers are.
fn first_pair_len(header: &str, name: &str) -> Option<usize> {
    fn trim(text: &str) -> &str {
        text.trim_matches([' ', '\t'])
    }
    header.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (trim(key) == name).then(|| name.len() + trim(value).len())
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut headers = HeaderMap::new();
    for field in data.split(|&byte| byte == b'\n') {
        if let Ok(value) = HeaderValue::from_bytes(field) {
            headers.append(COOKIE, value);
        }
    }

    for cookie in reading_cookies() {
        let client_controls_latin1_data =
            !cookie.is_signed() && cookie.payload_encoding() == PayloadEncoding::Latin1;
        let storage = CookieSessionStorage::new(cookie);

        let mut session = complete(storage.get_session(Some(&text)))
            .expect("get_session never fails on a hostile header");
        assert!(!session.is_changed(), "a loaded session starts unchanged");
        assert_eq!(session.id(), "", "cookie sessions have no id");
        // Cloned before anything parses the whole object, so that the commits below copy
        // what they can of the text.
        let mut unchanged = session.clone();
        let mut changed = session.clone();

        // `get_session` parses values as they are read; `load_session` gets the value parsed
        // in full. Both must give the same session, which is a new one when the cookie is
        // longer than browsers send.
        let name_value_len = first_pair_len(&text, storage.cookie().name());
        let parsed = if name_value_len.is_some_and(|len| len > MAX_COOKIE_NAME_VALUE_LEN) {
            None
        } else {
            storage.cookie().parse_fields([text.as_bytes()])
        };
        let eager = complete(storage.load_session(parsed)).expect("load_session never fails");
        for key in eager.data().keys() {
            assert_eq!(
                session.clone().get(key),
                eager.clone().get(key),
                "value of {key:?}"
            );
        }
        assert_eq!(session, eager, "lazy and full reading differ");
        // A commit copies values from the cookie's text when they are already in
        // `JSON.stringify`'s form. The cookie must still equal the fully parsed session's,
        // with or without a change.
        let options = CookieOptions::default();
        let mut eager_unchanged = eager.clone();
        assert_eq!(
            complete(storage.commit_session(&mut unchanged, &options)).ok(),
            complete(storage.commit_session(&mut eager_unchanged, &options)).ok(),
            "lazily and fully read data write different cookies"
        );
        let mut eager_changed = eager.clone();
        changed.set("theme", "dark");
        eager_changed.set("theme", "dark");
        assert_eq!(
            complete(storage.commit_session(&mut changed, &options)).ok(),
            complete(storage.commit_session(&mut eager_changed, &options)).ok(),
            "a change to lazily and fully read data writes different cookies"
        );
        complete(storage.get_session_from_headers(&headers))
            .expect("get_session_from_headers never fails on a hostile header");

        match complete(storage.commit_session(&mut session, &CookieOptions::default())) {
            Ok(set_cookie) => assert!(set_cookie.len() <= websession::MAX_COOKIE_LEN),
            Err(StorageError::CookieTooLarge { length, limit }) => assert!(length > limit),
            Err(StorageError::Encode(EncodeError::NotLatin1 { character }))
                if client_controls_latin1_data =>
            {
                assert!(u32::from(character) > 0xff);
                assert_ne!(character, char::REPLACEMENT_CHARACTER);
            }
            Err(error) => panic!("re-committing a loaded session failed: {error}"),
        }
    }
});
