//! Session ids: generating them and checking ids read from cookies.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::rngs::OsRng;
use rand::RngCore as _;

/// Random bytes in an id made by [`generate_session_id`]: 128 bits.
const ID_BYTES: usize = 16;

/// Length of an id made by [`generate_session_id`]: base64 without padding of [`ID_BYTES`].
pub(crate) const GENERATED_ID_LEN: usize = (ID_BYTES * 4).div_ceil(3);

/// Maximum length of an id that [`is_valid_session_id`] accepts, in characters.
///
/// Ids made by [`generate_session_id`] have 22 characters; the limit leaves room for ids of
/// custom stores while keeping file names and Redis keys short.
///
/// # Examples
///
/// ```
/// use websession::{is_valid_session_id, MAX_SESSION_ID_LEN};
///
/// assert!(is_valid_session_id(&"a".repeat(MAX_SESSION_ID_LEN)));
/// assert!(!is_valid_session_id(&"a".repeat(MAX_SESSION_ID_LEN + 1)));
/// ```
pub const MAX_SESSION_ID_LEN: usize = 128;

/// Generates a session id: 128 bits from the operating system's random number generator,
/// in URL-safe base64 without padding (22 characters of `A-Z a-z 0-9 - _`). It serves as well
/// for other tokens that must be unguessable, such as a CSRF token kept in the session.
///
/// # Panics
///
/// Panics when the operating system's random number generator fails, which on supported
/// platforms happens only when it is not available at all. A session id must never come
/// from a weaker source, so there is no fallback.
///
/// # Examples
///
/// ```
/// use websession::{generate_session_id, is_valid_session_id};
///
/// let id = generate_session_id();
/// assert_eq!(id.len(), 22);
/// assert!(is_valid_session_id(&id));
/// assert_ne!(id, generate_session_id());
/// ```
pub fn generate_session_id() -> String {
    let mut bytes = [0u8; ID_BYTES];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Returns `true` when `id` may be handed to a store: 1 to [`MAX_SESSION_ID_LEN`]
/// characters, each an ASCII letter, digit, `-` or `_`.
///
/// [`ServerSessionStorage`](crate::ServerSessionStorage) checks every id read from a cookie
/// with this function before any store sees it, with or without secrets. The character set
/// has no `.`, `/`, `\`, `:`, `*` or whitespace, so an id cannot leave the directory of a
/// [`FileStore`](crate::FileStore) or reach outside the key prefix of a Redis store.
///
/// # Examples
///
/// ```
/// use websession::is_valid_session_id;
///
/// assert!(is_valid_session_id("sid-1"));
/// assert!(is_valid_session_id("Zm9v_YmFy-42"));
/// assert!(!is_valid_session_id(""));
/// assert!(!is_valid_session_id("../etc/passwd"));
/// assert!(!is_valid_session_id("a:b"));
/// assert!(!is_valid_session_id("a*"));
/// ```
pub fn is_valid_session_id(id: &str) -> bool {
    (1..=MAX_SESSION_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn generated_ids_are_distinct_and_valid() {
        let ids: HashSet<String> = (0..1000).map(|_| generate_session_id()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            assert!(is_valid_session_id(id), "{id}");
            assert_eq!(URL_SAFE_NO_PAD.decode(id).unwrap().len(), ID_BYTES);
            assert_eq!(id.len(), GENERATED_ID_LEN);
        }
        assert_eq!(GENERATED_ID_LEN, 22);
    }

    #[test]
    fn hostile_ids_are_invalid() {
        for id in [
            "",
            ".",
            "..",
            "a/b",
            "a\\b",
            "a.json",
            "key\r\nDEL x",
            "a b",
            "é",
            "prefix:*",
            "a\0",
        ] {
            assert!(!is_valid_session_id(id), "{id:?}");
        }
    }
}
