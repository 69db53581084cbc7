//! The [`Cookie`] type: parsing a value out of request headers and serializing one into a
//! `Set-Cookie` header.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::header::COOKIE;
use http::HeaderMap;
use serde_json::{Map, Value};

use super::attributes::CookieOptions;
use super::builder::CookieBuilder;
use super::payload::{self, EncodeError, PayloadEncoding};
use super::signing::Signer;
use super::validate::{check_options, ConfigError};
use super::{header, set_cookie};
use crate::clock::Clock;
use crate::json::StringifyError;

/// A named cookie with its attributes and signing secrets, the Rust form of `createCookie`
/// from Remix, React Router 7 and solid-start.
///
/// With secrets, the value is signed with HMAC-SHA256: a client can read it (it is base64 of
/// JSON, not encrypted) but cannot change it without the change being detected. The first
/// secret signs; every secret verifies, in order, so a new secret can be put first while
/// cookies signed with older ones still read back.
///
/// # Examples
///
/// ```
/// use serde_json::json;
/// use websession::{Cookie, CookieOptions};
///
/// let cookie = Cookie::builder("__session").secrets(["s3cr3t"]).build()?;
/// let set_cookie = cookie.serialize(&json!({"user": "alice"}), &CookieOptions::default())?;
/// // The same bytes that Remix 2 writes for this value and secret.
/// assert_eq!(
///     set_cookie,
///     "__session=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D.ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS%2Bf0tjIJPiXU; \
///      Path=/; SameSite=Lax"
/// );
///
/// let request_header = set_cookie.split(';').next().unwrap();
/// assert_eq!(cookie.parse(Some(request_header)), Some(json!({"user": "alice"})));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Cookie {
    pub(super) name: String,
    pub(super) options: CookieOptions,
    pub(super) signer: Signer,
    pub(super) encoding: PayloadEncoding,
    pub(super) clock: Arc<dyn Clock>,
}

/// A cookie value read from a request, with how its signature checked out.
///
/// # Examples
///
/// ```
/// use websession::{Cookie, Signature};
///
/// let cookie = Cookie::builder("__session").secrets(["s3cr3t"]).build()?;
/// let header = "__session=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D.ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS%2Bf0tjIJPiXU";
/// let parsed = cookie.parse_fields([header.as_bytes()]).unwrap();
/// assert_eq!(parsed.value, serde_json::json!({"user": "alice"}));
/// assert_eq!(parsed.signature, Signature::Verified { secret_index: 0 });
/// # Ok::<(), websession::ConfigError>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct ParsedCookie {
    /// The decoded value. A value whose signature verifies but whose payload is not base64 of
    /// JSON is an empty object, as in the JavaScript libraries.
    pub value: Value,
    /// The secret that verified the value, if any.
    pub signature: Signature,
}

/// Shows the kind of value and the signature but not the value, which is session data or a
/// session id.
impl fmt::Debug for ParsedCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        f.debug_struct("ParsedCookie")
            .field("value", &format_args!("[redacted {kind}]"))
            .field("signature", &self.signature)
            .finish()
    }
}

/// A cookie value read from a request with its JSON text left unparsed.
pub(crate) struct CookieText {
    pub(crate) text: PayloadText,
    pub(crate) signature: Signature,
}

/// The payload of a [`CookieText`].
pub(crate) enum PayloadText {
    /// The empty value, which reads as the empty string.
    Empty,
    /// A value that is not base64, which reads as an empty object.
    NotBase64,
    /// The decoded text, which may or may not be JSON.
    Json(String),
}

impl CookieText {
    /// As [`ParsedCookie::is_signed_with_old_secret`].
    pub(crate) fn is_signed_with_old_secret(&self) -> bool {
        self.signature.is_older_secret()
    }
}

/// Verification result of a parsed cookie value.
///
/// # Examples
///
/// ```
/// use websession::{Cookie, Signature};
///
/// let unsigned = Cookie::builder("s").build()?;
/// let parsed = unsigned.parse_fields([b"s=MQ%3D%3D".as_slice()]).unwrap();
/// assert_eq!(parsed.signature, Signature::Unsigned);
/// # Ok::<(), websession::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    /// The cookie has no secrets, so the value was not checked; or the value was empty.
    Unsigned,
    /// The secret at this position in the list verified the value; 0 is the signing secret.
    Verified {
        /// Position of the secret, from 0.
        secret_index: usize,
    },
}

impl Signature {
    /// Returns `true` when a secret other than the signing one verified the value.
    pub(crate) fn is_older_secret(self) -> bool {
        matches!(self, Self::Verified { secret_index } if secret_index > 0)
    }
}

/// Returns the values of every `Cookie` field of a request's headers.
fn cookie_fields(headers: &HeaderMap) -> impl Iterator<Item = &[u8]> {
    headers.get_all(COOKIE).iter().map(|value| value.as_bytes())
}

impl ParsedCookie {
    /// Returns `true` when the value verified only with an older secret, so it should be
    /// signed again with the current one at the next commit.
    ///
    /// # Examples
    ///
    /// ```
    /// use serde_json::json;
    /// use websession::{Cookie, CookieOptions};
    ///
    /// let old = Cookie::builder("s").secrets(["old"]).build()?;
    /// let rotated = Cookie::builder("s").secrets(["new", "old"]).build()?;
    /// let header = old.serialize(&json!(1), &CookieOptions::default())?;
    /// let parsed = rotated.parse_fields([header.as_bytes()]).unwrap();
    /// assert!(parsed.is_signed_with_old_secret());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_signed_with_old_secret(&self) -> bool {
        self.signature.is_older_secret()
    }
}

/// Error from [`Cookie::serialize`].
///
/// # Examples
///
/// ```
/// use websession::{Cookie, CookieOptions, SerializeError};
///
/// let cookie = Cookie::builder("s").build()?;
/// let overrides = CookieOptions { path: Some("/a;b".into()), ..Default::default() };
/// let error = cookie.serialize(&serde_json::json!(1), &overrides).unwrap_err();
/// assert!(matches!(error, SerializeError::Config(_)));
/// # Ok::<(), websession::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SerializeError {
    /// The per-call options are invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The value cannot be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

impl Cookie {
    /// Starts building a cookie named `name`, with `Path=/`, `SameSite=Lax`, UTF-8 payloads,
    /// no secrets and the system clock.
    ///
    /// # Examples
    ///
    /// ```
    /// let cookie = websession::Cookie::builder("__session").max_age(3600).build()?;
    /// assert_eq!(cookie.name(), "__session");
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn builder(name: impl Into<String>) -> CookieBuilder {
        CookieBuilder::new(name.into())
    }

    /// Returns the cookie's name.
    ///
    /// # Examples
    ///
    /// ```
    /// let cookie = websession::Cookie::builder("prefs").build()?;
    /// assert_eq!(cookie.name(), "prefs");
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Returns `true` when the cookie has secrets, so its values are signed and verified.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::Cookie;
    ///
    /// assert!(Cookie::builder("s").secrets(["k"]).build()?.is_signed());
    /// assert!(!Cookie::builder("s").build()?.is_signed());
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn is_signed(&self) -> bool {
        !self.signer.is_empty()
    }

    /// Returns when a cookie written now would expire: now plus `Max-Age` when it is set,
    /// else the `Expires` option, else `None` (a browser-session cookie).
    ///
    /// The time is read from the cookie's clock at each call.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use websession::{Cookie, ManualClock};
    ///
    /// let clock = ManualClock::new(UNIX_EPOCH);
    /// let cookie = Cookie::builder("s").max_age(60).clock(Arc::new(clock.clone())).build()?;
    /// assert_eq!(cookie.expires(), Some(UNIX_EPOCH + Duration::from_secs(60)));
    /// clock.advance(Duration::from_secs(10));
    /// assert_eq!(cookie.expires(), Some(UNIX_EPOCH + Duration::from_secs(70)));
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn expires(&self) -> Option<SystemTime> {
        expiry_of(&self.options, self.clock.now())
    }

    /// Returns the cookie's attributes.
    ///
    /// # Examples
    ///
    /// ```
    /// let cookie = websession::Cookie::builder("s").build()?;
    /// assert_eq!(cookie.options().path.as_deref(), Some("/"));
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn options(&self) -> &CookieOptions {
        &self.options
    }

    /// Returns the text encoding of the payload.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{Cookie, PayloadEncoding};
    ///
    /// let cookie = Cookie::builder("s").build()?;
    /// assert_eq!(cookie.payload_encoding(), PayloadEncoding::Utf8);
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn payload_encoding(&self) -> PayloadEncoding {
        self.encoding
    }

    /// Returns the clock that expiry is computed with.
    ///
    /// # Examples
    ///
    /// ```
    /// let cookie = websession::Cookie::builder("s").build()?;
    /// assert!(cookie.clock().now() > std::time::UNIX_EPOCH);
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Reads this cookie's value from a `Cookie` request header, as `cookie.parse` does in
    /// JavaScript.
    ///
    /// Returns `None` when the header is absent, the cookie is not in it, or its signature
    /// does not verify. A value that is not base64 of JSON reads as an empty object once it
    /// verified, or when the cookie has no secrets. An empty value reads as the empty string.
    ///
    /// When the header has this cookie more than once, only the first is read, as the
    /// JavaScript libraries do: if it does not verify, the result is `None` even when a later
    /// one would. Browsers send a cookie set for a longer path before others of the same
    /// name, and one that a sibling subdomain set for the parent domain may come first too;
    /// a `__Host-` name rules both out.
    ///
    /// # Examples
    ///
    /// ```
    /// use serde_json::json;
    ///
    /// let cookie = websession::Cookie::builder("__session").build()?;
    /// let header = "theme=dark; __session=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D";
    /// assert_eq!(cookie.parse(Some(header)), Some(json!({"user": "alice"})));
    /// assert_eq!(cookie.parse(Some("theme=dark")), None);
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn parse(&self, header: Option<&str>) -> Option<Value> {
        let header = header?;
        self.parse_fields([header.as_bytes()])
            .map(|parsed| parsed.value)
    }

    /// Reads this cookie's value from one or several `Cookie` header fields, searched in
    /// order as if joined into one header, and reports which secret verified it.
    ///
    /// The fields are bytes, so a header that is not valid UTF-8 is searched too; malformed
    /// parts of it are skipped.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{Cookie, Signature};
    ///
    /// let cookie = Cookie::builder("s").build()?;
    /// let fields: [&[u8]; 2] = [b"a=\xff", b"s=MQ%3D%3D"];
    /// let parsed = cookie.parse_fields(fields).unwrap();
    /// assert_eq!(parsed.value, serde_json::json!(1));
    /// assert_eq!(parsed.signature, Signature::Unsigned);
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn parse_fields<'a, I>(&self, fields: I) -> Option<ParsedCookie>
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        let raw = header::find(fields, &self.name)?;
        self.decode(&raw)
    }

    /// Reads this cookie's value from every `Cookie` field of a request's headers.
    ///
    /// # Examples
    ///
    /// ```
    /// use http::{header::COOKIE, HeaderMap, HeaderValue};
    ///
    /// let cookie = websession::Cookie::builder("s").build()?;
    /// let mut headers = HeaderMap::new();
    /// headers.append(COOKIE, HeaderValue::from_static("a=1"));
    /// headers.append(COOKIE, HeaderValue::from_static("s=MQ%3D%3D"));
    /// assert_eq!(cookie.parse_headers(&headers).unwrap().value, serde_json::json!(1));
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn parse_headers(&self, headers: &HeaderMap) -> Option<ParsedCookie> {
        self.parse_fields(cookie_fields(headers))
    }

    /// Reads the value of a session cookie as [`parse_fields`](Self::parse_fields) does, except
    /// that a cookie whose name and value are longer than browsers send reads as absent.
    pub(crate) fn parse_session_fields<'a, I>(&self, fields: I) -> Option<ParsedCookie>
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        let raw = header::find_browser_sized(fields, &self.name)?;
        self.decode(&raw)
    }

    /// Reads this cookie's value from every `Cookie` field of a request's headers, as
    /// [`parse_session_fields`](Self::parse_session_fields) does.
    pub(crate) fn parse_session_headers(&self, headers: &HeaderMap) -> Option<ParsedCookie> {
        self.parse_session_fields(cookie_fields(headers))
    }

    /// Reads this cookie's value from every `Cookie` field of a request's headers, as
    /// [`parse_headers`](Self::parse_headers) does, but leaves the JSON text unparsed. A
    /// session is never read from a cookie whose name and value are longer than browsers
    /// send, so such a cookie reads as absent here.
    pub(crate) fn read_text(&self, headers: &HeaderMap) -> Option<CookieText> {
        self.read_text_fields(cookie_fields(headers))
    }

    /// Reads this cookie's value as [`read_text`](Self::read_text) does, from header fields
    /// given one by one.
    pub(crate) fn read_text_fields<'a, I>(&self, fields: I) -> Option<CookieText>
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        let raw = header::find_browser_sized(fields, &self.name)?;
        let (payload, signature) = self.verify(&raw)?;
        let text = match payload {
            None => PayloadText::Empty,
            Some(payload) => payload::decode_text(payload, self.encoding)
                .map_or(PayloadText::NotBase64, PayloadText::Json),
        };
        Some(CookieText { text, signature })
    }

    fn decode(&self, raw: &str) -> Option<ParsedCookie> {
        let (payload, signature) = self.verify(raw)?;
        let value = match payload {
            None => Value::String(String::new()),
            Some(payload) => {
                payload::decode(payload, self.encoding).unwrap_or_else(|| Value::Object(Map::new()))
            }
        };
        Some(ParsedCookie { value, signature })
    }

    /// Checks the signature of a raw cookie value and returns its payload, or `None` for
    /// the empty value, which is neither signed nor encoded.
    fn verify<'r>(&self, raw: &'r str) -> Option<(Option<&'r str>, Signature)> {
        if raw.is_empty() {
            return Some((None, Signature::Unsigned));
        }
        if self.signer.is_empty() {
            return Some((Some(raw), Signature::Unsigned));
        }
        let Some((payload, secret_index)) = self.signer.verify(raw) else {
            // Debug level, because any client can send such values at any rate.
            tracing::debug!(
                cookie = self.name.as_str(),
                bytes = raw.len(),
                "cookie value is unsigned, tampered with or signed with a secret not in the \
                 list; reading it as absent"
            );
            return None;
        };
        Some((Some(payload), Signature::Verified { secret_index }))
    }

    /// Serializes `value` into a `Set-Cookie` header value, with `overrides` replacing the
    /// cookie's attributes for this call.
    ///
    /// The empty string is written as an empty value, without JSON or signature, as the
    /// JavaScript libraries do.
    ///
    /// # Errors
    ///
    /// - [`SerializeError::Config`] when the merged attributes are invalid (see
    ///   [`ConfigError`]).
    /// - [`SerializeError::Encode`] when the value cannot be encoded: a character above U+00FF
    ///   other than U+FFFD with [`PayloadEncoding::Latin1`], or nesting deeper than
    ///   [`json::MAX_DEPTH`](crate::json::MAX_DEPTH).
    ///
    /// # Examples
    ///
    /// ```
    /// use serde_json::json;
    /// use websession::{Cookie, CookieOptions};
    ///
    /// let cookie = Cookie::builder("s").max_age(100).build()?;
    /// let overrides = CookieOptions { max_age: Some(5), ..Default::default() };
    /// assert_eq!(
    ///     cookie.serialize(&json!({"a": 1}), &overrides)?,
    ///     "s=eyJhIjoxfQ%3D%3D; Max-Age=5; Path=/; SameSite=Lax"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn serialize(
        &self,
        value: &Value,
        overrides: &CookieOptions,
    ) -> Result<String, SerializeError> {
        let options = self.merged(overrides)?;
        if value.as_str() == Some("") {
            return Ok(set_cookie::write(&self.name, "", &options));
        }
        let mut signed = String::with_capacity(256);
        payload::encode_value(value, self.encoding, &mut signed)?;
        Ok(self.finish(signed, &options))
    }

    /// Serializes a JSON object that `write_json` writes as its `JSON.stringify` text, as
    /// [`Cookie::serialize`] would for the object as a `Value`. Invalid options are reported
    /// before `write_json` runs, in the same order as `serialize`.
    pub(crate) fn serialize_json_object(
        &self,
        write_json: impl FnOnce() -> Result<String, StringifyError>,
        overrides: &CookieOptions,
    ) -> Result<String, SerializeError> {
        let options = self.merged(overrides)?;
        let json = write_json().map_err(EncodeError::from)?;
        let mut signed = String::with_capacity(256);
        payload::encode_json(&json, self.encoding, &mut signed)?;
        Ok(self.finish(signed, &options))
    }

    /// Writes the `Set-Cookie` value that makes a browser delete this cookie: an empty value,
    /// `Expires` at the Unix epoch and no `Max-Age`, with the cookie's other attributes so
    /// that it replaces the right cookie.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when the merged attributes are invalid.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{Cookie, CookieOptions};
    ///
    /// let cookie = Cookie::builder("s").max_age(3600).build()?;
    /// assert_eq!(
    ///     cookie.deletion(&CookieOptions::default())?,
    ///     "s=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"
    /// );
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn deletion(&self, overrides: &CookieOptions) -> Result<String, ConfigError> {
        let mut options = self.merged(overrides)?.into_owned();
        options.max_age = None;
        options.expires = Some(UNIX_EPOCH);
        Ok(set_cookie::write(&self.name, "", &options))
    }

    fn merged<'a>(
        &'a self,
        overrides: &CookieOptions,
    ) -> Result<Cow<'a, CookieOptions>, ConfigError> {
        if overrides.is_empty() {
            return Ok(Cow::Borrowed(&self.options));
        }
        let options = self.options.merged(overrides);
        check_options(&self.name, &options)?;
        Ok(Cow::Owned(options))
    }

    fn finish(&self, mut payload: String, options: &CookieOptions) -> String {
        if !self.signer.is_empty() {
            let mut signature = String::with_capacity(44);
            self.signer.sign_into(&payload, &mut signature);
            payload.push_str(&signature);
        }
        set_cookie::write(&self.name, &payload, options)
    }
}

/// Returns the expiry that `options` give to a cookie written at `now`.
pub(crate) fn expiry_of(options: &CookieOptions, now: SystemTime) -> Option<SystemTime> {
    match options.max_age {
        Some(seconds) if seconds >= 0 => {
            now.checked_add(Duration::from_secs(seconds.unsigned_abs()))
        }
        Some(seconds) => now.checked_sub(Duration::from_secs(seconds.unsigned_abs())),
        None => options.expires,
    }
}

impl fmt::Debug for Cookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cookie")
            .field("name", &self.name)
            .field("options", &self.options)
            .field("signer", &self.signer)
            .field("encoding", &self.encoding)
            .finish_non_exhaustive()
    }
}
