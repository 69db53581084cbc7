//! [`LoadedSession`], the extractor for handlers that commit and destroy sessions themselves.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;

use super::error::SessionError;
use super::save::refresh;
use super::set_cookie::SetSessionCookie;
use crate::cookie::CookieOptions;
use crate::session::Session;
use crate::storage::SessionStorage;
use crate::warn_limit::WarnLimit;

/// The request's session, loaded from the `Cookie` headers through the
/// `Arc<dyn SessionStorage>` in the application state; the handler saves it itself.
///
/// This is the JavaScript API's flow: read the session, change it, then call
/// [`commit`](Self::commit), [`rotate_id`](Self::rotate_id) or [`destroy`](Self::destroy)
/// and return the [`SetSessionCookie`] they produce. Nothing is saved otherwise. For
/// automatic saving, use [`SessionLayer`](super::SessionLayer) and
/// [`ManagedSession`](super::ManagedSession).
///
/// The state is either `Arc<dyn SessionStorage>` itself or a type from which one is taken
/// through [`FromRef`]. `LoadedSession` dereferences to [`Session`].
///
/// A returned [`SetSessionCookie`] marks the response with `Vary: Cookie` and
/// `Cache-Control: private`. A handler that only reads the session returns none, so its
/// response is not marked: when it shows session data, return a
/// [`PrivateResponse`](super::PrivateResponse) too, or a shared cache may serve one
/// visitor's page to another. [`SessionLayer`](super::SessionLayer) marks every response
/// whose handler extracted the session.
///
/// After a secret rotation, a cookie signed with an older secret keeps verifying only while
/// that secret is listed. The layer re-signs such cookies on their next request; with this
/// extractor, a handler that ends with [`commit_if_needed`](Self::commit_if_needed) does.
///
/// # Errors
///
/// As an extractor it rejects the request with [`SessionError::Storage`], a plain 500, when
/// the storage fails to load the session. A missing or invalid cookie is no error: it gives
/// a new, empty session.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use axum::{body::Body, http::Request, routing::post, Router};
/// use tower::ServiceExt;
/// use websession::axum::{LoadedSession, SessionError, SetSessionCookie};
/// use websession::{CookieSessionStorage, SessionStorage};
///
/// async fn login(mut session: LoadedSession) -> Result<(SetSessionCookie, &'static str), SessionError> {
///     session.set("user", "alice");
///     Ok((session.commit().await?, "signed in"))
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let storage: Arc<dyn SessionStorage> = Arc::new(CookieSessionStorage::with_secrets(["s3cr3t"])?);
/// let app = Router::new().route("/login", post(login)).with_state(storage);
///
/// let request = Request::post("/login").body(Body::empty())?;
/// let response = app.oneshot(request).await?;
/// assert!(response.headers()["set-cookie"].to_str()?.starts_with("__session=eyJ1c2VyIjoiYWxpY2UifQ"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub struct LoadedSession {
    session: Session,
    storage: Arc<dyn SessionStorage>,
}

impl LoadedSession {
    /// Saves the session with the cookie's own attributes and returns the `Set-Cookie` value
    /// to send; the JavaScript `commitSession(session)`.
    ///
    /// # Errors
    ///
    /// [`SessionError::Storage`] when the storage fails, for example because the data would
    /// make the cookie too large; [`SessionError::InvalidSetCookie`] when the storage returns
    /// a value that cannot be a header.
    ///
    /// # Examples
    ///
    /// ```
    /// # use axum::{extract::FromRequestParts, http::Request};
    /// # use std::sync::Arc;
    /// # use websession::{axum::LoadedSession, CookieSessionStorage, SessionStorage};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let storage: Arc<dyn SessionStorage> = Arc::new(CookieSessionStorage::with_secrets(["s3cr3t"])?);
    /// # let (mut parts, ()) = Request::new(()).into_parts();
    /// let mut session = LoadedSession::from_request_parts(&mut parts, &storage).await?;
    /// session.set("theme", "dark");
    /// let set_cookie = session.commit().await?;
    /// assert!(set_cookie.value().to_str()?.starts_with("__session="));
    /// assert!(!session.is_changed());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn commit(&mut self) -> Result<SetSessionCookie, SessionError> {
        self.commit_with(&CookieOptions::default()).await
    }

    /// Saves the session with `overrides` replacing cookie attributes for this response,
    /// such as a longer `Max-Age` for "remember me"; the JavaScript
    /// `commitSession(session, options)`.
    ///
    /// # Errors
    ///
    /// As [`commit`](Self::commit), and [`SessionError::Storage`] when `overrides` are
    /// invalid.
    ///
    /// # Examples
    ///
    /// ```
    /// # use axum::{extract::FromRequestParts, http::Request};
    /// # use std::sync::Arc;
    /// # use websession::{axum::LoadedSession, CookieOptions, CookieSessionStorage, SessionStorage};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let storage: Arc<dyn SessionStorage> = Arc::new(CookieSessionStorage::with_secrets(["s3cr3t"])?);
    /// # let (mut parts, ()) = Request::new(()).into_parts();
    /// let mut session = LoadedSession::from_request_parts(&mut parts, &storage).await?;
    /// let remember = CookieOptions { max_age: Some(30 * 24 * 3600), ..Default::default() };
    /// let set_cookie = session.commit_with(&remember).await?;
    /// assert!(set_cookie.value().to_str()?.contains("Max-Age=2592000"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn commit_with(
        &mut self,
        overrides: &CookieOptions,
    ) -> Result<SetSessionCookie, SessionError> {
        let value = self
            .storage
            .as_ref()
            .commit_session(&mut self.session, overrides)
            .await?;
        SetSessionCookie::new(value)
    }

    /// Saves the session if it needs saving and returns the `Set-Cookie` value to send, or
    /// `None`. A changed session is committed as [`commit`](Self::commit) does. An unchanged
    /// session whose cookie verified only with an older secret is signed again with the
    /// current one, as [`SessionLayer`](super::SessionLayer) does, through
    /// [`SessionStorage::touch_session`], so that a server-side storage only extends its
    /// record. Call it where a handler may or may not change the session: a handler that
    /// never commits an unchanged session leaves cookies signed with an older secret as they
    /// are, and they stop verifying once that secret leaves the list.
    ///
    /// A failed re-sign of an unchanged session is no error, because the browser's cookie
    /// stays valid while the older secret is listed. It can fail when the new signature makes
    /// the cookie longer than the size limit, or when the store is down. The method then logs
    /// a warning, at most one a minute in the process, and returns `None`.
    ///
    /// # Errors
    ///
    /// As [`commit`](Self::commit), for a changed session only.
    ///
    /// # Examples
    ///
    /// ```
    /// # use axum::{extract::FromRequestParts, http::Request};
    /// # use std::sync::Arc;
    /// # use websession::{axum::LoadedSession, Cookie, CookieSessionStorage, SessionStorage};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// // The secrets after a rotation: "new" signs, "s3cr3t" still verifies.
    /// let cookie = Cookie::builder("__session").secrets(["new", "s3cr3t"]).build()?;
    /// let storage: Arc<dyn SessionStorage> = Arc::new(CookieSessionStorage::new(cookie));
    ///
    /// // `{"user":"alice"}`, signed with `s3cr3t`.
    /// let old = "__session=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D.ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS%2Bf0tjIJPiXU";
    /// let (mut parts, ()) = Request::get("/").header("cookie", old).body(())?.into_parts();
    /// let mut session = LoadedSession::from_request_parts(&mut parts, &storage).await?;
    /// let set_cookie = session.commit_if_needed().await?.expect("re-signed");
    /// assert!(set_cookie.value().to_str()?.starts_with("__session=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D."));
    /// assert_eq!(session.commit_if_needed().await?, None, "nothing left to save");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn commit_if_needed(&mut self) -> Result<Option<SetSessionCookie>, SessionError> {
        self.commit_if_needed_with(&CookieOptions::default()).await
    }

    /// Saves the session if it needs saving, like
    /// [`commit_if_needed`](Self::commit_if_needed), with `overrides` replacing cookie
    /// attributes for the commit or the re-sign. Give a remembered session the same longer
    /// `Max-Age` on every call, so that neither a later change nor a re-sign turns it into a
    /// browser-session cookie.
    ///
    /// # Errors
    ///
    /// As [`commit_with`](Self::commit_with), for a changed session only. Invalid
    /// `overrides` make a re-sign fail, which is logged and returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use axum::{extract::FromRequestParts, http::Request};
    /// # use std::sync::Arc;
    /// # use websession::{axum::LoadedSession, CookieOptions, CookieSessionStorage, SessionStorage};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let storage: Arc<dyn SessionStorage> = Arc::new(CookieSessionStorage::with_secrets(["s3cr3t"])?);
    /// # let (mut parts, ()) = Request::new(()).into_parts();
    /// let mut session = LoadedSession::from_request_parts(&mut parts, &storage).await?;
    /// session.set("remember", true);
    /// let remember = CookieOptions {
    ///     max_age: session.has("remember").then_some(30 * 24 * 3600),
    ///     ..Default::default()
    /// };
    /// let set_cookie = session.commit_if_needed_with(&remember).await?.expect("changed");
    /// assert!(set_cookie.value().to_str()?.contains("Max-Age=2592000"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn commit_if_needed_with(
        &mut self,
        overrides: &CookieOptions,
    ) -> Result<Option<SetSessionCookie>, SessionError> {
        if self.session.is_changed() {
            return self.commit_with(overrides).await.map(Some);
        }
        if !self.session.needs_resign() {
            return Ok(None);
        }
        // Every request with such a cookie fails the same way, so one warning a minute in the
        // process is enough.
        static WARNINGS: WarnLimit = WarnLimit::new();
        let storage = self.storage.as_ref();
        Ok(refresh(storage, &mut self.session, overrides, true, &WARNINGS).await)
    }

    /// Gives the session a fresh id, keeping its data, and returns the `Set-Cookie` value to
    /// send. Call it at login in place of [`commit`](Self::commit), so that an id planted
    /// or read before then (session fixation) is worthless after it.
    ///
    /// It calls [`SessionStorage::rotate_id`] with the cookie's own attributes. A
    /// server-side storage moves the data to a new id and deletes the old record, so the
    /// old cookie reads as an empty session. The cookie storage has no ids and just commits.
    /// When another request destroyed the session or rotated its id before this rotation
    /// reads the old record, the value is the deletion cookie;
    /// [`SessionLayer`](super::SessionLayer) sends none in that case.
    ///
    /// # Errors
    ///
    /// As [`commit`](Self::commit): [`SessionError::Storage`] also when the store fails to
    /// create the new record or to delete the old one.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use axum::{extract::FromRequestParts, http::Request};
    /// use websession::axum::LoadedSession;
    /// use websession::{Cookie, CookieOptions, ServerSessionStorage, SessionStorage};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let cookie = Cookie::builder("__session").secrets(["s3cr3t"]).build()?;
    /// let storage: Arc<dyn SessionStorage> = Arc::new(ServerSessionStorage::memory(cookie));
    /// let mut cart = storage.get_session(None).await?;
    /// cart.set("cart", 3);
    /// let set_cookie = storage.commit_session(&mut cart, &CookieOptions::default()).await?;
    /// let before = set_cookie.split(';').next().unwrap();
    ///
    /// let request = Request::post("/login").header("cookie", before).body(())?;
    /// let (mut parts, ()) = request.into_parts();
    /// let mut session = LoadedSession::from_request_parts(&mut parts, &storage).await?;
    /// session.set("user", "alice");
    /// let set_cookie = session.rotate_id().await?;
    /// let after = set_cookie.value().to_str()?.split(';').next().unwrap();
    /// assert_ne!(after, before);
    ///
    /// // The old id has no record left, and the new one contains the cart and the user.
    /// assert!(storage.get_session(Some(before)).await?.data().is_empty());
    /// let mut moved = storage.get_session(Some(after)).await?;
    /// assert_eq!(moved.get("cart"), Some(3.into()));
    /// assert_eq!(moved.get("user"), Some("alice".into()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn rotate_id(&mut self) -> Result<SetSessionCookie, SessionError> {
        self.rotate_id_with(&CookieOptions::default()).await
    }

    /// Gives the session a fresh id like [`rotate_id`](Self::rotate_id), with `overrides`
    /// replacing cookie attributes for this response, such as a longer `Max-Age` for
    /// "remember me" at login.
    ///
    /// # Errors
    ///
    /// As [`rotate_id`](Self::rotate_id), and [`SessionError::Storage`] when `overrides`
    /// are invalid.
    ///
    /// # Examples
    ///
    /// ```
    /// # use axum::{extract::FromRequestParts, http::Request};
    /// # use std::sync::Arc;
    /// # use websession::axum::LoadedSession;
    /// # use websession::{Cookie, CookieOptions, ServerSessionStorage, SessionStorage};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let cookie = Cookie::builder("__session").secrets(["s3cr3t"]).build()?;
    /// # let storage: Arc<dyn SessionStorage> = Arc::new(ServerSessionStorage::memory(cookie));
    /// # let (mut parts, ()) = Request::new(()).into_parts();
    /// let mut session = LoadedSession::from_request_parts(&mut parts, &storage).await?;
    /// session.set("user", "alice");
    /// let first = session.commit().await?;
    /// let old_id = session.id().to_owned();
    ///
    /// let remember = CookieOptions { max_age: Some(30 * 24 * 3600), ..Default::default() };
    /// let set_cookie = session.rotate_id_with(&remember).await?;
    /// assert!(set_cookie.value().to_str()?.contains("Max-Age=2592000"));
    /// assert_ne!(set_cookie, first);
    /// assert_ne!(session.id(), old_id);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn rotate_id_with(
        &mut self,
        overrides: &CookieOptions,
    ) -> Result<SetSessionCookie, SessionError> {
        let value = self
            .storage
            .as_ref()
            .rotate_id(&mut self.session, overrides)
            .await?;
        SetSessionCookie::new(value)
    }

    /// Deletes the session and returns the `Set-Cookie` value that removes the cookie; the
    /// JavaScript `destroySession(session)`. The session is then new and empty.
    ///
    /// # Errors
    ///
    /// [`SessionError::Storage`] when the storage fails to delete the record.
    ///
    /// # Examples
    ///
    /// ```
    /// # use axum::{extract::FromRequestParts, http::Request};
    /// # use std::sync::Arc;
    /// # use websession::{axum::LoadedSession, CookieSessionStorage, SessionStorage};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let storage: Arc<dyn SessionStorage> = Arc::new(CookieSessionStorage::with_secrets(["s3cr3t"])?);
    /// # let (mut parts, ()) = Request::new(()).into_parts();
    /// let mut session = LoadedSession::from_request_parts(&mut parts, &storage).await?;
    /// session.set("user", "alice");
    /// let set_cookie = session.destroy().await?;
    /// assert!(set_cookie.value().to_str()?.contains("Expires=Thu, 01 Jan 1970 00:00:00 GMT"));
    /// assert!(session.data().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn destroy(&mut self) -> Result<SetSessionCookie, SessionError> {
        self.destroy_with(&CookieOptions::default()).await
    }

    /// Deletes the session like [`destroy`](Self::destroy), with `overrides` replacing
    /// cookie attributes of the removal cookie, such as a `Path` or `Domain` used at commit.
    ///
    /// # Errors
    ///
    /// As [`destroy`](Self::destroy), and [`SessionError::Storage`] when `overrides` are
    /// invalid.
    ///
    /// # Examples
    ///
    /// ```
    /// # use axum::{extract::FromRequestParts, http::Request};
    /// # use std::sync::Arc;
    /// # use websession::{axum::LoadedSession, CookieOptions, CookieSessionStorage, SessionStorage};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let storage: Arc<dyn SessionStorage> = Arc::new(CookieSessionStorage::with_secrets(["s3cr3t"])?);
    /// # let (mut parts, ()) = Request::new(()).into_parts();
    /// let mut session = LoadedSession::from_request_parts(&mut parts, &storage).await?;
    /// let admin = CookieOptions { path: Some("/admin".into()), ..Default::default() };
    /// let set_cookie = session.destroy_with(&admin).await?;
    /// assert!(set_cookie.value().to_str()?.contains("Path=/admin"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn destroy_with(
        &mut self,
        overrides: &CookieOptions,
    ) -> Result<SetSessionCookie, SessionError> {
        let value = self
            .storage
            .as_ref()
            .destroy_session(&mut self.session, overrides)
            .await?;
        SetSessionCookie::new(value)
    }

    /// Returns the storage the session was loaded from.
    ///
    /// # Examples
    ///
    /// ```
    /// # use axum::{extract::FromRequestParts, http::Request};
    /// # use std::sync::Arc;
    /// # use websession::{axum::LoadedSession, CookieSessionStorage, SessionStorage};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let storage: Arc<dyn SessionStorage> = Arc::new(CookieSessionStorage::with_secrets(["s3cr3t"])?);
    /// # let (mut parts, ()) = Request::new(()).into_parts();
    /// let session = LoadedSession::from_request_parts(&mut parts, &storage).await?;
    /// assert_eq!(session.storage().cookie().name(), "__session");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn storage(&self) -> &Arc<dyn SessionStorage> {
        &self.storage
    }

    /// Returns the session, dropping the link to its storage.
    ///
    /// # Examples
    ///
    /// ```
    /// # use axum::{extract::FromRequestParts, http::Request};
    /// # use std::sync::Arc;
    /// # use websession::{axum::LoadedSession, CookieSessionStorage, SessionStorage};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let storage: Arc<dyn SessionStorage> = Arc::new(CookieSessionStorage::with_secrets(["s3cr3t"])?);
    /// # let (mut parts, ()) = Request::new(()).into_parts();
    /// let session = LoadedSession::from_request_parts(&mut parts, &storage).await?;
    /// let session: websession::Session = session.into_inner();
    /// assert!(session.data().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn into_inner(self) -> Session {
        self.session
    }
}

impl<S> FromRequestParts<S> for LoadedSession
where
    Arc<dyn SessionStorage>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = SessionError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let storage = Arc::<dyn SessionStorage>::from_ref(state);
        // Through `as_ref`, the call skips the `Arc`'s own impl and the future it would box.
        let session = storage
            .as_ref()
            .get_session_from_headers(&parts.headers)
            .await?;
        Ok(Self { session, storage })
    }
}

impl Deref for LoadedSession {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.session
    }
}

impl DerefMut for LoadedSession {
    fn deref_mut(&mut self) -> &mut Session {
        &mut self.session
    }
}

impl std::fmt::Debug for LoadedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedSession")
            .field("session", &self.session)
            .field("cookie", &self.storage.cookie().name())
            .finish()
    }
}
