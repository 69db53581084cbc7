//! [`ServerSessionStorage`]: session data in a [`SessionStore`], only the id in the cookie.

use std::time::SystemTime;

use async_trait::async_trait;
use serde_json::Value;

use super::cookie::MAX_COOKIE_LEN;
use super::memory::MemoryStore;
use super::session_id::is_valid_session_id;
use super::session_storage::{SessionStorage, StorageError};
use super::store::{SessionStore, StoreError};
use crate::cookie::{expiry_of, Cookie, CookieOptions, EncodeError, ParsedCookie};
use crate::session::Session;

/// Keeps session data in a [`SessionStore`] on the server and only the session id in the
/// cookie, the Rust form of `createSessionStorage`.
///
/// The cookie value is the id as a JSON string, signed like any other cookie value:
/// `__session=InNpZC0xIg%3D%3D.<signature>` carries the id `sid-1`. The data never leaves the
/// server, so it can be larger than a cookie, and destroying a session ends it on the server
/// too: a copy of the cookie kept by the client then reads as an empty session.
///
/// # Behaviour
///
/// - **Loading:** an id read from the cookie is checked with
///   [`is_valid_session_id`](crate::is_valid_session_id) before the store sees it, even when
///   the cookie has no secrets. An invalid id, an id without a live record (expired, deleted,
///   or made up by the client) and a value that is not a string all give a new, empty session
///   with no id. The id is never adopted, so a client cannot choose its session id.
/// - **Committing:** a session without an id gets a fresh record from
///   [`SessionStore::create`]; a loaded session updates its record. The expiry handed to the
///   store is the commit's `max_age` (or else `expires`) when the call sets one, else the
///   cookie's [`Cookie::expires`].
/// - **Destroyed while a request ran:** when the record of a loaded session no longer exists
///   at commit, because another request destroyed it or it expired, the commit does not bring
///   it back. It returns the deletion cookie instead, the session becomes empty with no id, and
///   the changes of this request are dropped. [`SessionStorage::touch_session`] drops the
///   changes in the same way but returns `None`, so that the cookie another request sent
///   (with the new id of a login, say) stays in the browser. The axum layer saves sessions
///   that way.
/// - **Destroying** deletes the record and returns the deletion cookie: empty value,
///   `Expires` at the Unix epoch, no `Max-Age`.
/// - **Id rotation:** [`SessionStorage::rotate_id`] moves the data to a fresh id, for example
///   at login, so that an id planted before login (session fixation) is worthless after it.
///   Rotating a loaded session whose record is gone behaves like the commit above, and
///   [`SessionStorage::try_rotate_id`], which the axum layer uses, returns `None` as
///   `touch_session` does.
///
/// # Limits
///
/// Two requests of one session that commit at the same time do not merge their changes: the
/// store keeps the data of the last writer. The cookie's secrets protect the id from being
/// changed, not the data from being read by whoever can read the store.
///
/// # Examples
///
/// ```
/// use websession::{Cookie, CookieOptions, ServerSessionStorage, SessionStorage};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let cookie = Cookie::builder("__session").secrets(["s3cr3t"]).build()?;
/// let storage = ServerSessionStorage::memory(cookie);
///
/// let mut session = storage.get_session(None).await?;
/// session.set("user", "alice");
/// let set_cookie = storage.commit_session(&mut session, &CookieOptions::default()).await?;
/// assert_eq!(session.id().len(), 22);
///
/// let request_cookie = set_cookie.split(';').next().unwrap();
/// let mut next = storage.get_session(Some(request_cookie)).await?;
/// assert_eq!(next.get("user"), Some("alice".into()));
///
/// storage.destroy_session(&mut next, &CookieOptions::default()).await?;
/// let gone = storage.get_session(Some(request_cookie)).await?;
/// assert!(gone.data().is_empty());
/// assert_eq!(gone.id(), "");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct ServerSessionStorage<S> {
    cookie: Cookie,
    store: S,
}

impl<S: SessionStore> ServerSessionStorage<S> {
    /// Creates the storage; logs a warning when the cookie has no secrets.
    ///
    /// The store keeps its own clock for record expiry. When the cookie has a custom clock,
    /// such as a [`ManualClock`](crate::ManualClock) in tests, give the store the same one
    /// with its `with_clock`; [`ServerSessionStorage::memory`] does that itself.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{Cookie, MemoryStore, ServerSessionStorage, SessionStorage};
    ///
    /// let cookie = Cookie::builder("sid").secrets(["s3cr3t"]).build()?;
    /// let storage = ServerSessionStorage::new(cookie, MemoryStore::new());
    /// assert_eq!(storage.cookie().name(), "sid");
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn new(cookie: Cookie, store: S) -> Self {
        if !cookie.is_signed() {
            tracing::warn!(
                cookie = cookie.name(),
                "session id cookie has no secrets, so clients can send any id they like; \
                 add secrets to the cookie"
            );
        }
        Self { cookie, store }
    }

    /// Returns the store.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{Cookie, ServerSessionStorage};
    ///
    /// let storage = ServerSessionStorage::memory(Cookie::builder("s").secrets(["k"]).build()?);
    /// assert!(storage.store().is_empty());
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Returns the expiry that a commit with `overrides` hands to the store.
    fn expiry_for(&self, overrides: &CookieOptions) -> Option<SystemTime> {
        if overrides.max_age.is_some() || overrides.expires.is_some() {
            expiry_of(overrides, self.cookie.clock().now())
        } else {
            self.cookie.expires()
        }
    }

    /// Checks what a commit needs before the store is touched: valid options for this call
    /// and data that can be written as JSON.
    fn check_commit(
        &self,
        session: &Session,
        overrides: &CookieOptions,
    ) -> Result<(), StorageError> {
        self.check_options(overrides)?;
        crate::json::stringify_object(session.data()).map_err(EncodeError::from)?;
        Ok(())
    }

    /// Checks the options of this call before the store is touched.
    fn check_options(&self, overrides: &CookieOptions) -> Result<(), StorageError> {
        // The deletion cookie merges and validates `overrides` exactly as a commit does.
        self.cookie.deletion(overrides)?;
        Ok(())
    }

    /// Creates or updates the session's record and returns its cookie, or `None` when the
    /// session has an id whose record is gone.
    async fn write_record(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<Option<String>, StorageError> {
        self.check_commit(session, overrides)?;
        let expires = self.expiry_for(overrides);

        if session.id().is_empty() {
            let (id, header) = self.create_record(session, expires, overrides).await?;
            return Ok(Some(committed(session, id, header)));
        }

        let id = session.id().to_owned();
        if !is_valid_session_id(&id) {
            return Ok(None);
        }
        // The cookie comes first, so that one too large leaves the record as it was.
        let header = self.id_cookie(&id, overrides)?;
        if !self.store.update(&id, session.data(), expires).await? {
            return Ok(None);
        }
        Ok(Some(committed(session, id, header)))
    }

    /// Moves the session's data to a record under a fresh id and returns its cookie, or
    /// `None` when the session has an id whose record is gone.
    async fn move_record(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<Option<String>, StorageError> {
        self.check_commit(session, overrides)?;
        let expires = self.expiry_for(overrides);

        // A loaded session whose record is gone was destroyed, expired or rotated by another
        // request while this one ran. Rotating it would bring the data back under a new id.
        // A destroy that lands after this read deletes only the old id, which is also what a
        // destroy after the whole rotation does.
        if !session.id().is_empty() && !self.record_exists(session.id()).await? {
            return Ok(None);
        }

        // The new record and its cookie exist before the old record goes, so a failure in
        // between leaves the session readable under its old id.
        let (new_id, header) = self.create_record(session, expires, overrides).await?;
        if is_valid_session_id(session.id()) {
            self.store.delete(session.id()).await?;
        }
        Ok(Some(committed(session, new_id, header)))
    }

    /// Returns the `Set-Cookie` value that names `id`.
    fn id_cookie(&self, id: &str, overrides: &CookieOptions) -> Result<String, StorageError> {
        let header = self
            .cookie
            .serialize(&Value::String(id.to_owned()), overrides)?;
        // Only attributes can make an id's cookie this long, for example a very long `Path`.
        if header.len() > MAX_COOKIE_LEN {
            return Err(StorageError::CookieTooLarge {
                length: header.len(),
                limit: MAX_COOKIE_LEN,
            });
        }
        Ok(header)
    }

    async fn record_exists(&self, id: &str) -> Result<bool, StorageError> {
        Ok(is_valid_session_id(id) && self.store.read(id).await?.is_some())
    }

    /// Empties a session whose record vanished while the request ran and returns the deletion
    /// cookie, so that the destroyed session stays destroyed.
    fn drop_vanished(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<String, StorageError> {
        tracing::debug!(
            cookie = self.cookie.name(),
            "session record is gone at commit, destroyed or expired meanwhile; \
             sending the deletion cookie"
        );
        *session = Session::new();
        Ok(self.cookie.deletion(overrides)?)
    }

    /// Returns `written`, the cookie of a `step` that wrote the record. When the record had
    /// vanished (`written` is `None`), also empties the session, whose changes are dropped;
    /// no cookie is sent, so the one another request sent meanwhile stays.
    fn skip_vanished(
        &self,
        session: &mut Session,
        written: Option<String>,
        step: &'static str,
    ) -> Option<String> {
        if written.is_none() {
            tracing::debug!(
                cookie = self.cookie.name(),
                step,
                "session record is gone, destroyed or replaced meanwhile; dropping the \
                 changes and sending no cookie"
            );
            *session = Session::new();
        }
        written
    }

    /// Creates a record of the session's data and returns its id and cookie. When the cookie
    /// cannot be written, the record is deleted again, so that the failed commit leaves
    /// nothing behind.
    async fn create_record(
        &self,
        session: &Session,
        expires: Option<SystemTime>,
        overrides: &CookieOptions,
    ) -> Result<(String, String), StorageError> {
        let id = self.store.create(session.data(), expires).await?;
        let cookie = if is_valid_session_id(&id) {
            self.id_cookie(&id, overrides)
        } else {
            Err(StoreError::InvalidId { length: id.len() }.into())
        };
        match cookie {
            Ok(header) => Ok((id, header)),
            Err(error) => {
                self.discard_record(&id).await;
                Err(error)
            }
        }
    }

    /// Deletes a record just created for a commit that then failed, so that no record stays
    /// without a cookie pointing to it. An invalid id goes back to the store that made it.
    async fn discard_record(&self, id: &str) {
        if let Err(cleanup) = self.store.delete(id).await {
            tracing::warn!(
                error = %cleanup,
                cookie = self.cookie.name(),
                "deleting the record of a failed commit also failed; the record stays until it \
                 expires"
            );
        }
    }
}

/// Records `id` in the session as its saved state and returns the cookie `header`.
fn committed(session: &mut Session, id: String, header: String) -> String {
    session.set_id(id);
    session.mark_saved();
    header
}

impl ServerSessionStorage<MemoryStore> {
    /// Creates a storage that keeps its records in a new [`MemoryStore`] with the cookie's
    /// clock, the Rust form of `createMemorySessionStorage`.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{Cookie, CookieOptions, ServerSessionStorage, SessionStorage};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let storage = ServerSessionStorage::memory(Cookie::builder("s").secrets(["k"]).build()?);
    /// let mut session = storage.get_session(None).await?;
    /// storage.commit_session(&mut session, &CookieOptions::default()).await?;
    /// assert_eq!(storage.store().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn memory(cookie: Cookie) -> Self {
        let store = MemoryStore::new().with_clock(cookie.clock().clone());
        Self::new(cookie, store)
    }
}

#[async_trait]
impl<S: SessionStore> SessionStorage for ServerSessionStorage<S> {
    fn cookie(&self) -> &Cookie {
        &self.cookie
    }

    async fn load_session(&self, parsed: Option<ParsedCookie>) -> Result<Session, StorageError> {
        let Some(parsed) = parsed else {
            return Ok(Session::new());
        };
        let Value::String(id) = &parsed.value else {
            return Ok(Session::new());
        };
        if !is_valid_session_id(id) {
            tracing::debug!(
                cookie = self.cookie.name(),
                "session cookie holds an invalid id; starting a new session"
            );
            return Ok(Session::new());
        }
        let Some(data) = self.store.read(id).await? else {
            return Ok(Session::new());
        };
        let mut session = Session::from_data(id.as_str(), data);
        session.set_needs_resign(parsed.is_signed_with_old_secret());
        Ok(session)
    }

    async fn commit_session(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<String, StorageError> {
        match self.write_record(session, overrides).await? {
            Some(header) => Ok(header),
            None => self.drop_vanished(session, overrides),
        }
    }

    async fn touch_session(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<Option<String>, StorageError> {
        // A commit creates the record of a session without an id, and drops an id that a
        // loaded session cannot have.
        if !is_valid_session_id(session.id()) {
            return self.commit_session(session, overrides).await.map(Some);
        }
        if session.is_changed() {
            let written = self.write_record(session, overrides).await?;
            return Ok(self.skip_vanished(session, written, "commit"));
        }
        let expires = self.expiry_for(overrides);
        let id = session.id().to_owned();
        // The cookie also checks the options, before the store is touched.
        let header = self.id_cookie(&id, overrides)?;
        if !self.store.touch(&id, expires).await? {
            tracing::debug!(
                cookie = self.cookie.name(),
                "session record is gone at touch, destroyed or replaced meanwhile; sending \
                 no cookie"
            );
            return Ok(None);
        }
        Ok(Some(committed(session, id, header)))
    }

    async fn destroy_session(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<String, StorageError> {
        let header = self.cookie.deletion(overrides)?;
        // A session that was never stored has the empty id, which the JavaScript libraries
        // also pass to `deleteData`, so a store shared with them gets the same calls from
        // both. Other ids that no store can hold are not passed on.
        let id = session.id();
        if id.is_empty() || is_valid_session_id(id) {
            self.store.delete(id).await?;
        }
        *session = Session::new();
        Ok(header)
    }

    async fn rotate_id(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<String, StorageError> {
        match self.move_record(session, overrides).await? {
            Some(header) => Ok(header),
            None => self.drop_vanished(session, overrides),
        }
    }

    async fn try_rotate_id(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<Option<String>, StorageError> {
        let moved = self.move_record(session, overrides).await?;
        Ok(self.skip_vanished(session, moved, "rotation"))
    }
}
