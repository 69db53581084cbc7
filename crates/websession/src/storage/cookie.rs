//! [`CookieSessionStorage`]: all session data inside the signed cookie.

use async_trait::async_trait;
use http::HeaderMap;
use serde_json::Value;

use super::session_storage::{SessionStorage, StorageError};
use crate::cookie::{Cookie, CookieOptions, CookieText, ParsedCookie, PayloadText};
use crate::json::{FromText, LazyObject};
use crate::session::Session;

/// Largest `Set-Cookie` value, in characters, that browsers are required to accept
/// (RFC 6265 section 6.1: at least 4096 bytes per cookie, name and attributes included).
///
/// # Examples
///
/// ```
/// assert_eq!(websession::MAX_COOKIE_LEN, 4096);
/// ```
pub const MAX_COOKIE_LEN: usize = 4096;

/// Keeps all session data in the cookie itself, so no server-side store is needed; the Rust
/// form of `createCookieSessionStorage`.
///
/// With secrets, the data is signed, not encrypted: the visitor can read it but not change it.
/// Without secrets, the visitor can change it freely. The whole `Set-Cookie` value must fit in
/// [`MAX_COOKIE_LEN`] characters. Destroying a session only tells the browser to drop the
/// cookie; a copy kept by the client stays valid until it expires, because there is no
/// server-side record to delete.
///
/// # Examples
///
/// ```
/// use websession::{Cookie, CookieOptions, CookieSessionStorage, SessionStorage};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let storage = CookieSessionStorage::new(Cookie::builder("__session").secrets(["s3cr3t"]).build()?);
/// let mut session = storage.get_session(None).await?;
/// session.set("user", "alice");
/// let header = storage.commit_session(&mut session, &CookieOptions::default()).await?;
/// assert!(header.starts_with("__session=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D."));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct CookieSessionStorage {
    cookie: Cookie,
}

impl CookieSessionStorage {
    /// Creates the storage; logs a warning when the cookie has no secrets.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{Cookie, CookieSessionStorage, SessionStorage};
    ///
    /// let storage = CookieSessionStorage::new(Cookie::builder("__session").build()?);
    /// assert_eq!(storage.cookie().name(), "__session");
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn new(cookie: Cookie) -> Self {
        if !cookie.is_signed() {
            tracing::warn!(
                cookie = cookie.name(),
                "session cookie has no secrets, so clients can change their session data; \
                 add secrets to the cookie"
            );
        }
        Self { cookie }
    }

    /// Creates the storage with the default cookie, `__session`, signed with `secrets`.
    ///
    /// The cookie has `Path=/` and `SameSite=Lax`, without `HttpOnly` or `Secure`, as the
    /// JavaScript libraries' defaults are. Build one with [`Cookie::builder`] and pass it to
    /// [`CookieSessionStorage::new`] to set `http_only(true)` and `secure(true)`, as most
    /// applications should.
    ///
    /// # Errors
    ///
    /// - [`ConfigError::NoSecrets`](crate::ConfigError::NoSecrets) when `secrets` is empty,
    ///   because the storage would then accept data that clients changed. Build an unsigned
    ///   cookie with [`Cookie::builder`] and pass it to [`CookieSessionStorage::new`] if
    ///   that is intended.
    /// - [`ConfigError::EmptySecret`](crate::ConfigError::EmptySecret) when a secret is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{CookieSessionStorage, SessionStorage};
    ///
    /// let storage = CookieSessionStorage::with_secrets(["s3cr3t"])?;
    /// assert_eq!(storage.cookie().name(), "__session");
    ///
    /// let no_secrets: [&str; 0] = [];
    /// assert_eq!(
    ///     CookieSessionStorage::with_secrets(no_secrets).unwrap_err(),
    ///     websession::ConfigError::NoSecrets
    /// );
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn with_secrets<I, S>(secrets: I) -> Result<Self, crate::ConfigError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let cookie = Cookie::builder("__session").secrets(secrets).build()?;
        if !cookie.is_signed() {
            return Err(crate::ConfigError::NoSecrets);
        }
        Ok(Self::new(cookie))
    }
}

impl CookieSessionStorage {
    /// Writes the session's data into a `Set-Cookie` value and marks the session saved.
    fn write(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<String, StorageError> {
        let header = self
            .cookie
            .serialize_json_object(|| session.data_json(), overrides)?;
        if header.len() > MAX_COOKIE_LEN {
            return Err(StorageError::CookieTooLarge {
                length: header.len(),
                limit: MAX_COOKIE_LEN,
            });
        }
        session.mark_saved();
        Ok(header)
    }
}

#[async_trait]
impl SessionStorage for CookieSessionStorage {
    fn cookie(&self) -> &Cookie {
        &self.cookie
    }

    async fn load_session(&self, parsed: Option<ParsedCookie>) -> Result<Session, StorageError> {
        let Some(parsed) = parsed else {
            return Ok(Session::new());
        };
        let needs_resign = parsed.is_signed_with_old_secret();
        // A value that is valid JSON but not an object gives an empty session.
        let Value::Object(data) = parsed.value else {
            return Ok(Session::new());
        };
        let mut session = Session::from_data("", data);
        session.set_needs_resign(needs_resign);
        Ok(session)
    }

    // Both readers below keep the cookie's JSON text and parse a value only when a handler
    // reads it. The session equals the one that `load_session` builds from the parsed value,
    // except that a cookie longer than browsers send reads as a new session here.
    async fn get_session(&self, cookie_header: Option<&str>) -> Result<Session, StorageError> {
        let read =
            cookie_header.and_then(|header| self.cookie.read_text_fields([header.as_bytes()]));
        Ok(session_from_text(read))
    }

    async fn get_session_from_headers(&self, headers: &HeaderMap) -> Result<Session, StorageError> {
        Ok(session_from_text(self.cookie.read_text(headers)))
    }

    async fn commit_session(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<String, StorageError> {
        self.write(session, overrides)
    }

    /// Commits: the data lives in the cookie, so extending it means writing it again.
    // The same as the default, without the default's second boxed future on the axum
    // layer's saves.
    async fn touch_session(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<Option<String>, StorageError> {
        self.write(session, overrides).map(Some)
    }

    async fn destroy_session(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<String, StorageError> {
        let header = self.cookie.deletion(overrides)?;
        *session = Session::new();
        Ok(header)
    }
}

/// Builds the session that [`CookieSessionStorage::load_session`] builds for the same cookie,
/// with its data left as checked JSON text.
fn session_from_text(read: Option<CookieText>) -> Session {
    let Some(read) = read else {
        return Session::new();
    };
    let needs_resign = read.is_signed_with_old_secret();
    let data = match read.text {
        // The empty value reads as the empty string, which is not an object.
        PayloadText::Empty => return Session::new(),
        PayloadText::NotBase64 => LazyObject::default(),
        PayloadText::Json(text) => match LazyObject::from_text(text) {
            FromText::Object(data) => data,
            FromText::OtherValue => return Session::new(),
            FromText::Invalid => LazyObject::default(),
        },
    };
    let mut session = Session::loaded(String::new(), data);
    session.set_needs_resign(needs_resign);
    session
}
