//! The [`SessionStorage`] trait and its error type.

use async_trait::async_trait;
use http::HeaderMap;

use super::store::StoreError;
use crate::cookie::{
    ConfigError, Cookie, CookieOptions, EncodeError, ParsedCookie, SerializeError,
};
use crate::session::Session;

/// Error from a session storage. Hostile or broken cookies never produce one: they read as a
/// new, empty session. Errors are for the server's own faults.
///
/// # Examples
///
/// ```
/// use websession::{CookieOptions, CookieSessionStorage, SessionStorage, StorageError};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let storage = CookieSessionStorage::with_secrets(["s3cr3t"])?;
/// let mut session = storage.get_session(None).await?;
/// session.set("pad", "x".repeat(5000));
/// let error = storage.commit_session(&mut session, &CookieOptions::default()).await.unwrap_err();
/// assert!(matches!(error, StorageError::CookieTooLarge { limit: 4096, .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The `Set-Cookie` value would be longer than browsers accept.
    #[error(
        "session cookie too large: the Set-Cookie value would be {length} characters, over the \
         browser limit of {limit}; store less data in the session, use a server-side storage, \
         or shorten the cookie's Path and Domain"
    )]
    CookieTooLarge {
        /// Length of the `Set-Cookie` value that would have been written.
        length: usize,
        /// The largest length allowed.
        limit: usize,
    },
    /// The session data cannot be encoded into the cookie.
    #[error("session data cannot be encoded: {0}")]
    Encode(#[from] EncodeError),
    /// The per-call cookie options are invalid.
    #[error("invalid cookie options: {0}")]
    Config(#[from] ConfigError),
    /// The store of a server-side storage failed, for example because it is unreachable. The
    /// message and the source are the store error's own, so an error report does not repeat
    /// the message. Match this variant to reach the [`StoreError`].
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SerializeError> for StorageError {
    fn from(error: SerializeError) -> Self {
        match error {
            SerializeError::Config(error) => StorageError::Config(error),
            SerializeError::Encode(error) => StorageError::Encode(error),
        }
    }
}

/// Loads and saves [`Session`]s through a cookie, the Rust form of the `SessionStorage`
/// object of Remix, React Router 7 and solid-start.
///
/// The trait is object-safe, so an application can keep any storage as
/// `Arc<dyn SessionStorage>`. Its methods are declared with the
/// [`async_trait`](https://docs.rs/async-trait) macro, which is why the generated
/// documentation shows them returning `Pin<Box<dyn Future>>`: callers simply `.await` them,
/// and an implementation outside this crate puts `#[websession::async_trait]` (the
/// re-exported `async_trait` attribute) on its `impl` block. Such an implementation keeps the
/// session's state as the contract of each method states, with
/// [`Session::set_needs_resign`] in `load_session`, and [`Session::set_id`] and
/// [`Session::mark_saved`] in `commit_session`. Most stores need not implement this trait at
/// all:
/// [`ServerSessionStorage`](crate::ServerSessionStorage) turns any
/// [`SessionStore`](crate::SessionStore) into a storage.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use websession::{Cookie, CookieOptions, CookieSessionStorage, SessionStorage};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let cookie = Cookie::builder("__session").secrets(["s3cr3t"]).build()?;
/// let storage: Arc<dyn SessionStorage> = Arc::new(CookieSessionStorage::new(cookie));
///
/// let mut session = storage.get_session(None).await?;
/// session.set("user", "alice");
/// let set_cookie = storage.commit_session(&mut session, &CookieOptions::default()).await?;
///
/// let request_cookie = set_cookie.split(';').next().unwrap();
/// let mut next = storage.get_session(Some(request_cookie)).await?;
/// assert_eq!(next.get("user"), Some("alice".into()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[async_trait]
pub trait SessionStorage: Send + Sync {
    /// Returns the cookie that carries the session (its data or its id).
    fn cookie(&self) -> &Cookie;

    /// Builds the session for a cookie value read from a request, or a new empty session
    /// when there is none (`parsed` is `None`).
    ///
    /// # Errors
    ///
    /// [`StorageError::Store`] when the backing store fails.
    async fn load_session(&self, parsed: Option<ParsedCookie>) -> Result<Session, StorageError>;

    /// Saves the session and returns the `Set-Cookie` value to send, with `overrides`
    /// replacing cookie attributes for this call. The session is then marked unchanged. A
    /// server-side storage also stores the record's id in the session, so a later commit in
    /// the same request updates that record. When that record is gone at commit, the session
    /// is emptied and the deletion cookie is returned instead (see
    /// [`ServerSessionStorage`](crate::ServerSessionStorage)).
    ///
    /// # Errors
    ///
    /// [`StorageError`] when the data cannot be encoded, the options are invalid, the cookie
    /// would be too large, or the store fails.
    async fn commit_session(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<String, StorageError>;

    /// Deletes the session and returns the `Set-Cookie` value that removes the cookie. The
    /// session is then empty, with no id, so a later commit in the same request starts a new
    /// session.
    ///
    /// # Errors
    ///
    /// [`StorageError`] when the options are invalid or the store fails.
    async fn destroy_session(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<String, StorageError>;

    /// Gives the session a fresh id, keeping its data, and returns the `Set-Cookie` value
    /// to send, as a commit does.
    ///
    /// Call it when the privileges of a session change, above all at login, so that an id
    /// someone planted or read before then (session fixation) does not carry over. A
    /// server-side storage creates a record under a new id and then deletes the old record,
    /// so the old cookie reads as an empty session afterwards. A storage without ids, such
    /// as [`CookieSessionStorage`](crate::CookieSessionStorage), just commits: this default
    /// implementation calls [`commit_session`](SessionStorage::commit_session).
    ///
    /// # Errors
    ///
    /// As [`commit_session`](SessionStorage::commit_session).
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{Cookie, CookieOptions, ServerSessionStorage, SessionStorage};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let storage = ServerSessionStorage::memory(Cookie::builder("s").secrets(["k"]).build()?);
    /// let mut session = storage.get_session(None).await?;
    /// session.set("cart", 3);
    /// let before = storage.commit_session(&mut session, &CookieOptions::default()).await?;
    /// let old_id = session.id().to_owned();
    ///
    /// session.set("user", "alice");
    /// let after = storage.rotate_id(&mut session, &CookieOptions::default()).await?;
    /// assert_ne!(session.id(), old_id);
    ///
    /// let old = storage.get_session(Some(before.split(';').next().unwrap())).await?;
    /// assert!(old.data().is_empty());
    /// let mut new = storage.get_session(Some(after.split(';').next().unwrap())).await?;
    /// assert_eq!(new.get("cart"), Some(3.into()));
    /// assert_eq!(new.get("user"), Some("alice".into()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    async fn rotate_id(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<String, StorageError> {
        self.commit_session(session, overrides).await
    }

    /// Gives the session a fresh id as [`rotate_id`](SessionStorage::rotate_id) does, or
    /// returns `None` when the session's record is already gone.
    ///
    /// The record is gone when another request destroyed the session or rotated its id, as
    /// a second login of the same browser does. `rotate_id` then returns the deletion cookie,
    /// while this method returns `None` and empties the session, so the cookie that the other
    /// request sent is not replaced. The axum layer rotates this way.
    ///
    /// This default implementation calls [`rotate_id`](SessionStorage::rotate_id). A storage
    /// that wraps another should forward this method, or it gets this default.
    ///
    /// # Errors
    ///
    /// As [`commit_session`](SessionStorage::commit_session).
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{Cookie, CookieOptions, ServerSessionStorage, SessionStorage};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let storage = ServerSessionStorage::memory(Cookie::builder("s").secrets(["k"]).build()?);
    /// let mut session = storage.get_session(None).await?;
    /// let set_cookie = storage.commit_session(&mut session, &CookieOptions::default()).await?;
    /// let request_cookie = set_cookie.split(';').next().unwrap();
    ///
    /// // Two logins of one browser load the same session; the first rotates its id.
    /// let mut first = storage.get_session(Some(request_cookie)).await?;
    /// let mut second = storage.get_session(Some(request_cookie)).await?;
    /// storage.rotate_id(&mut first, &CookieOptions::default()).await?;
    ///
    /// let rotated = storage.try_rotate_id(&mut second, &CookieOptions::default()).await?;
    /// assert_eq!(rotated, None);
    /// assert_eq!(storage.store().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    async fn try_rotate_id(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<Option<String>, StorageError> {
        self.rotate_id(session, overrides).await.map(Some)
    }

    /// Extends the session's expiry as a commit with `overrides` would, and returns the
    /// `Set-Cookie` value to send, or `None` when nothing should be sent.
    ///
    /// A server-side storage sets the expiry of an unchanged session's record with
    /// [`SessionStore::touch`](crate::SessionStore::touch), without writing its data, so that
    /// a change another request made meanwhile stays. A changed session is committed. When
    /// the record is already gone, because another request destroyed the session or rotated
    /// its id, it returns `None`, so the cookie that request sent is not replaced. A changed
    /// session is then emptied, as a commit would do. A session whose id is empty is
    /// committed, which creates a record. For an invalid id, the commit empties the session and
    /// returns the deletion cookie. The cookie is written with the current secret, so this also
    /// re-signs a cookie that verified with an older one.
    ///
    /// This default implementation commits, which for
    /// [`CookieSessionStorage`](crate::CookieSessionStorage) sends the data as loaded: of two
    /// requests that run at the same time, the cookie of the one that finishes last wins. A
    /// storage that wraps another should forward this method, or it gets this default.
    ///
    /// # Errors
    ///
    /// As [`commit_session`](SessionStorage::commit_session).
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{Cookie, CookieOptions, ServerSessionStorage, SessionStorage};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let storage = ServerSessionStorage::memory(Cookie::builder("s").secrets(["k"]).build()?);
    /// let mut session = storage.get_session(None).await?;
    /// session.set("cart", 1);
    /// let set_cookie = storage.commit_session(&mut session, &CookieOptions::default()).await?;
    /// let request_cookie = set_cookie.split(';').next().unwrap();
    ///
    /// // One request loads the session and only reads it; another changes it meanwhile.
    /// let mut reader = storage.get_session(Some(request_cookie)).await?;
    /// let mut writer = storage.get_session(Some(request_cookie)).await?;
    /// writer.set("cart", 2);
    /// storage.commit_session(&mut writer, &CookieOptions::default()).await?;
    ///
    /// let touched = storage.touch_session(&mut reader, &CookieOptions::default()).await?;
    /// assert_eq!(touched.as_deref(), Some(set_cookie.as_str()));
    /// let mut now = storage.get_session(Some(request_cookie)).await?;
    /// assert_eq!(now.get("cart"), Some(2.into()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    async fn touch_session(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<Option<String>, StorageError> {
        self.commit_session(session, overrides).await.map(Some)
    }

    /// Loads the session from a `Cookie` request header; `None` or a header without a valid
    /// session cookie gives a new empty session, and so does a session cookie whose name and
    /// value take more than 4096 bytes together, which browsers never send.
    ///
    /// # Errors
    ///
    /// [`StorageError::Store`] when the backing store fails.
    async fn get_session(&self, cookie_header: Option<&str>) -> Result<Session, StorageError> {
        let parsed = cookie_header
            .and_then(|header| self.cookie().parse_session_fields([header.as_bytes()]));
        self.load_session(parsed).await
    }

    /// Loads the session from every `Cookie` field of a request's headers.
    ///
    /// # Errors
    ///
    /// [`StorageError::Store`] when the backing store fails.
    async fn get_session_from_headers(&self, headers: &HeaderMap) -> Result<Session, StorageError> {
        let parsed = self.cookie().parse_session_headers(headers);
        self.load_session(parsed).await
    }
}
