//! The floor: the session cookie's wire format written as plainly as possible.
//!
//! Wire layout of the `Set-Cookie` value, the same as `websession` and Remix write:
//!
//! ```text
//! <name> "=" encodeURIComponent(<payload> "." <signature>) "; Path=/; HttpOnly; Secure; SameSite=Lax"
//! payload   = base64 (standard, padded) of the JSON text of the session data
//! signature = base64 (standard, unpadded) of HMAC-SHA256(key = secret, message = payload)
//! ```
//!
//! The floor does only what that format requires: no secret rotation, no attribute options,
//! no size limit, no JavaScript-specific JSON ordering (the benchmark payloads have no
//! integer-like keys, so `serde_json` with `preserve_order` writes the same text).

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::Fixture;

type HmacSha256 = Hmac<Sha256>;

/// The characters that JavaScript's `encodeURIComponent` escapes.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// The attributes that the benchmarks give the session cookie, in the order the `cookie` npm
/// package writes them.
const ATTRIBUTES: &str = "; Path=/; HttpOnly; Secure; SameSite=Lax";

/// Reads and writes the session cookie with the least work the wire format allows: the HMAC
/// key is set up once, and each call finds the cookie, percent-decodes, verifies, decodes
/// base64 and parses JSON (or the reverse).
///
/// # Examples
///
/// ```
/// use websession_bench::{Fixture, Floor};
///
/// let fixture = Fixture::load();
/// let floor = Floor::new(&fixture);
/// let data = fixture.payload("small");
/// let header = fixture.request_header(&floor.commit(data));
/// assert_eq!(floor.get(&header).as_ref(), Some(data));
/// ```
#[derive(Clone)]
pub struct Floor {
    name: String,
    key: HmacSha256,
}

impl Floor {
    /// Sets up the HMAC key of the fixture's first secret.
    ///
    /// # Examples
    ///
    /// ```
    /// let floor = websession_bench::Floor::new(&websession_bench::Fixture::load());
    /// assert!(floor.get("a=1").is_none());
    /// ```
    pub fn new(fixture: &Fixture) -> Self {
        let key = HmacSha256::new_from_slice(fixture.secrets[0].as_bytes())
            .expect("HMAC accepts keys of any length");
        Self {
            name: fixture.cookie_name.clone(),
            key,
        }
    }

    /// Returns the session data from a `Cookie` request header, or `None` when the cookie is
    /// missing, its signature does not verify, or it is not base64 of a JSON object.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession_bench::{Fixture, Floor};
    ///
    /// let floor = Floor::new(&Fixture::load());
    /// let header = "__session=eyJhIjoxfQ%3D%3D.wrong-signature";
    /// assert!(floor.get(header).is_none());
    /// ```
    pub fn get(&self, header: &str) -> Option<Map<String, Value>> {
        // Step 1: find `name=value` among the `;`-separated pairs.
        let raw = header.split(';').find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == self.name).then_some(value)
        })?;

        // Step 2: percent-decode and split off the signature.
        let signed = percent_decode_str(raw).decode_utf8().ok()?;
        let (payload, signature) = signed.rsplit_once('.')?;

        // Step 3: verify the HMAC-SHA256 tag.
        let mut tag = [0u8; 32];
        if STANDARD_NO_PAD.decode_slice(signature, &mut tag).ok()? != tag.len() {
            return None;
        }
        let mut mac = self.key.clone();
        mac.update(payload.as_bytes());
        mac.verify_slice(&tag).ok()?;

        // Step 4: base64 to JSON text to data.
        let json = STANDARD.decode(payload).ok()?;
        serde_json::from_slice(&json).ok()
    }

    /// Writes the `Set-Cookie` value for `data`.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession_bench::{Fixture, Floor};
    ///
    /// let floor = Floor::new(&Fixture::load());
    /// let set_cookie = floor.commit(&serde_json::Map::new());
    /// assert!(set_cookie.starts_with("__session=e30%3D."));
    /// assert!(set_cookie.ends_with("; Path=/; HttpOnly; Secure; SameSite=Lax"));
    /// ```
    pub fn commit(&self, data: &Map<String, Value>) -> String {
        // Step 1: JSON text in base64.
        let json = serde_json::to_vec(data).expect("a JSON map always serializes");
        let mut signed = STANDARD.encode(json);

        // Step 2: HMAC-SHA256 of the base64 text, appended after a dot.
        let mut mac = self.key.clone();
        mac.update(signed.as_bytes());
        let tag = mac.finalize().into_bytes();
        signed.push('.');
        STANDARD_NO_PAD.encode_string(tag, &mut signed);

        // Step 3: the header value.
        let encoded = utf8_percent_encode(&signed, URI_COMPONENT);
        format!("{}={encoded}{ATTRIBUTES}", self.name)
    }
}
