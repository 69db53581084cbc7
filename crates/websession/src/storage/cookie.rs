//! [`CookieSessionStorage`]: all session data inside the signed cookie.

use async_trait::async_trait;
use serde_json::Value;

use super::session_storage::{SessionStorage, StorageError};
use crate::cookie::{Cookie, CookieOptions, ParsedCookie};
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
    /// # Errors
    ///
    /// [`ConfigError::EmptySecret`](crate::ConfigError::EmptySecret) when a secret is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{CookieSessionStorage, SessionStorage};
    ///
    /// let storage = CookieSessionStorage::with_secrets(["s3cr3t"])?;
    /// assert_eq!(storage.cookie().name(), "__session");
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn with_secrets<I, S>(secrets: I) -> Result<Self, crate::ConfigError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        Ok(Self::new(
            Cookie::builder("__session").secrets(secrets).build()?,
        ))
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

    async fn commit_session(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<String, StorageError> {
        let header = self.cookie.serialize_object(session.data(), overrides)?;
        if header.len() > MAX_COOKIE_LEN {
            return Err(StorageError::CookieTooLarge {
                length: header.len(),
                limit: MAX_COOKIE_LEN,
            });
        }
        session.mark_saved();
        Ok(header)
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
