//! The Rust peer: the `cookie` crate's signed jar, used the way axum-extra's `SignedCookieJar`
//! and actix-session's cookie store use it.
//!
//! The wire format differs from `websession`'s: the cookie value is the base64 HMAC-SHA256 tag
//! followed by the JSON text, percent-encoded, with no base64 of the payload. The work per
//! request is the same kind: find the cookie, verify, parse JSON, and the reverse.

use cookie::{Cookie, CookieJar, Key, SameSite};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::Fixture;

/// Reads and writes the session data as JSON in a cookie of the `cookie` crate's signed jar.
///
/// # Examples
///
/// ```
/// use websession_bench::{Fixture, Peer};
///
/// let fixture = Fixture::load();
/// let peer = Peer::new(&fixture);
/// let data = fixture.payload("small");
/// let header = fixture.request_header(&peer.commit(data));
/// assert_eq!(peer.get(&header).as_ref(), Some(data));
/// ```
#[derive(Clone)]
pub struct Peer {
    name: String,
    key: Key,
}

impl Peer {
    /// Derives the jar's key from the fixture's first secret.
    ///
    /// `Key::derive_from` needs at least 32 bytes of key material, so the secret goes through
    /// SHA-256 first. That happens once, outside the timed work.
    ///
    /// # Examples
    ///
    /// ```
    /// let peer = websession_bench::Peer::new(&websession_bench::Fixture::load());
    /// assert!(peer.get("a=1").is_none());
    /// ```
    pub fn new(fixture: &Fixture) -> Self {
        let master = Sha256::digest(fixture.secrets[0].as_bytes());
        Self {
            name: fixture.cookie_name.clone(),
            key: Key::derive_from(&master),
        }
    }

    /// Returns the session data from a `Cookie` request header, or `None` when the cookie is
    /// missing, does not verify, or is not a JSON object.
    ///
    /// The header is parsed into a jar of percent-decoded cookies first, as axum-extra's
    /// extractor does for every request.
    ///
    /// # Examples
    ///
    /// ```
    /// let peer = websession_bench::Peer::new(&websession_bench::Fixture::load());
    /// assert!(peer.get("__session=unsigned").is_none());
    /// ```
    pub fn get(&self, header: &str) -> Option<Map<String, Value>> {
        let mut jar = CookieJar::new();
        for pair in header.split(';').map(str::trim) {
            if let Ok(cookie) = Cookie::parse_encoded(pair.to_owned()) {
                jar.add_original(cookie);
            }
        }
        let cookie = jar.signed(&self.key).get(&self.name)?;
        serde_json::from_str(cookie.value()).ok()
    }

    /// Writes the percent-encoded `Set-Cookie` value for `data`.
    ///
    /// # Examples
    ///
    /// ```
    /// let peer = websession_bench::Peer::new(&websession_bench::Fixture::load());
    /// let set_cookie = peer.commit(&serde_json::Map::new());
    /// assert!(set_cookie.starts_with("__session="));
    /// assert!(set_cookie.contains("HttpOnly"));
    /// ```
    pub fn commit(&self, data: &Map<String, Value>) -> String {
        let json = serde_json::to_string(data).expect("a JSON map always serializes");
        let cookie = Cookie::build((self.name.clone(), json))
            .path("/")
            .http_only(true)
            .secure(true)
            .same_site(SameSite::Lax);
        let mut jar = CookieJar::new();
        jar.signed_mut(&self.key).add(cookie);
        let written = jar
            .delta()
            .next()
            .expect("the jar contains the cookie just added");
        written.encoded().to_string()
    }
}
