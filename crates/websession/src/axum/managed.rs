//! [`ManagedSession`], the extractor for handlers behind [`SessionLayer`](super::SessionLayer).

use std::ops::{Deref, DerefMut};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::error::SessionError;
use super::slot::{Loan, SessionSlot};
use crate::cookie::CookieOptions;
use crate::session::Session;

/// The request's session under [`SessionLayer`](super::SessionLayer), which saves it after
/// the handler returns.
///
/// It dereferences to [`Session`]. The layer loads the session the first time a handler
/// extracts it. Once the handler has returned, the layer commits the session if it changed
/// (a consumed flash value counts), saves it again if its cookie verified only with an older
/// secret or if the layer has [`rolling_expiry`](super::SessionLayer::rolling_expiry) on,
/// moves it to a new id if the handler called [`rotate_id`](Self::rotate_id), and deletes
/// it if the handler called [`destroy`](Self::destroy). Requests whose handlers
/// never extract a `ManagedSession` cost no storage access.
///
/// Take it once per handler: a second extraction while the first is alive fails with
/// [`SessionError::AlreadyExtracted`]. Drop it before the handler returns; a
/// `ManagedSession` moved into a spawned task that outlives the response is not saved, and
/// the layer logs a warning. When the handler panics while its `ManagedSession` is alive,
/// nothing of the session is saved, even when a panic-catching layer between the handler and
/// [`SessionLayer`](super::SessionLayer) turns the panic into a response. The layer logs a
/// warning then too, and a later extraction in the same request fails with
/// [`SessionError::AlreadyExtracted`].
///
/// # Errors
///
/// As an extractor it rejects the request, as a plain 500, with
/// [`SessionError::MissingLayer`] on a route without the layer, with
/// [`SessionError::AlreadyExtracted`] as above, and with [`SessionError::Storage`] when the
/// storage fails to load the session.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use axum::{body::Body, http::Request, routing::get, Router};
/// use tower::ServiceExt;
/// use websession::axum::{ManagedSession, SessionLayer};
/// use websession::{CookieSessionStorage, SessionStorage};
///
/// async fn visit(mut session: ManagedSession) -> String {
///     let visits = session.get_as::<u64>("visits").ok().flatten().unwrap_or(0) + 1;
///     session.set("visits", visits);
///     format!("visit number {visits}")
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let storage: Arc<dyn SessionStorage> = Arc::new(CookieSessionStorage::with_secrets(["s3cr3t"])?);
/// let app = Router::new().route("/", get(visit)).layer(SessionLayer::new(storage));
///
/// let response = app.oneshot(Request::get("/").body(Body::empty())?).await?;
/// assert!(response.headers()["set-cookie"].to_str()?.starts_with("__session=eyJ2aXNpdHMiOjF9"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub struct ManagedSession {
    session: Session,
    slot: SessionSlot,
}

impl ManagedSession {
    /// Deletes the session after the handler returns, and empties it now; the JavaScript
    /// `destroySession(session)`.
    ///
    /// The response then removes the cookie, and a server-side storage deletes the record.
    /// Data set after this call goes into a new session that the layer commits instead, with
    /// a new id, so a handler can destroy on logout and still flash a message.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use axum::{body::Body, http::Request, routing::post, Router};
    /// # use tower::ServiceExt;
    /// # use websession::axum::{ManagedSession, SessionLayer};
    /// # use websession::{CookieSessionStorage, SessionStorage};
    /// async fn logout(mut session: ManagedSession) -> &'static str {
    ///     session.destroy();
    ///     assert!(session.data().is_empty());
    ///     "signed out"
    /// }
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let storage: Arc<dyn SessionStorage> = Arc::new(CookieSessionStorage::with_secrets(["s3cr3t"])?);
    /// let app = Router::new().route("/logout", post(logout)).layer(SessionLayer::new(storage));
    /// let request = Request::post("/logout").header("cookie", "__session=e30%3D.x").body(Body::empty())?;
    /// let response = app.oneshot(request).await?;
    /// assert!(response.headers()["set-cookie"].to_str()?.contains("Expires=Thu, 01 Jan 1970"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn destroy(&mut self) {
        let old = std::mem::take(&mut self.session);
        let mut state = self.slot.lock();
        // The destroyed session's id goes away with its record, so a rotation requested
        // before this call has nothing left to rotate.
        state.rotate_id = false;
        // After a second destroy, the first session is the one the storage holds a record of.
        if state.destroyed.is_none() {
            state.destroyed = Some(Box::new(old));
        }
    }

    /// Gives the session a fresh id after the handler returns, keeping its data. Call it at
    /// login, so that an id planted or read before then (session fixation) is worthless
    /// after it.
    ///
    /// The layer then calls
    /// [`SessionStorage::try_rotate_id`](crate::SessionStorage::try_rotate_id) in place of a
    /// commit, with the overrides of [`commit_with`](Self::commit_with) when the handler gave
    /// any, and sends a `Set-Cookie` even when the data did not change. A server-side storage
    /// moves the data to a new id and deletes the old record, so the old cookie reads as an
    /// empty session. When another request destroyed the session or rotated its id before
    /// this rotation reads the old record (a second login of the same browser, say), it sends
    /// nothing, so that request's cookie stays. Two rotations that both read the old record
    /// before either deletes it both send a cookie, and the browser keeps the last one. The
    /// cookie storage has no ids and just commits. During the handler, [`id`](Session::id)
    /// still returns the old id.
    ///
    /// With [`destroy`](Self::destroy) in the same request, the order matters:
    ///
    /// - A destroy after this call wins: the layer deletes the session, and no rotation
    ///   takes place.
    /// - A call after a destroy applies to the new, empty session, which has no record and
    ///   so no id to replace. The layer commits that session when the handler set data in
    ///   it, as after any destroy, and otherwise sends only the removal cookie.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use axum::{body::Body, http::Request, routing::post, Router};
    /// use tower::ServiceExt;
    /// use websession::axum::{ManagedSession, SessionLayer};
    /// use websession::{Cookie, ServerSessionStorage, SessionStorage};
    ///
    /// async fn add_to_cart(mut session: ManagedSession) {
    ///     session.set("cart", 3);
    /// }
    ///
    /// async fn login(mut session: ManagedSession) {
    ///     session.rotate_id();
    ///     session.set("user", "alice");
    /// }
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let cookie = Cookie::builder("__session").secrets(["s3cr3t"]).build()?;
    /// let storage: Arc<dyn SessionStorage> = Arc::new(ServerSessionStorage::memory(cookie));
    /// let app = Router::new()
    ///     .route("/cart", post(add_to_cart))
    ///     .route("/login", post(login))
    ///     .layer(SessionLayer::new(storage.clone()));
    ///
    /// let response = app.clone().oneshot(Request::post("/cart").body(Body::empty())?).await?;
    /// let set_cookie = response.headers()["set-cookie"].to_str()?;
    /// let before = set_cookie.split(';').next().unwrap().to_owned();
    ///
    /// let request = Request::post("/login").header("cookie", &before).body(Body::empty())?;
    /// let response = app.oneshot(request).await?;
    /// let set_cookie = response.headers()["set-cookie"].to_str()?;
    /// let after = set_cookie.split(';').next().unwrap().to_owned();
    /// assert_ne!(after, before);
    ///
    /// // The old id has no record left, and the new one contains the cart and the user.
    /// assert!(storage.get_session(Some(&before)).await?.data().is_empty());
    /// let mut session = storage.get_session(Some(&after)).await?;
    /// assert_eq!(session.get("cart"), Some(3.into()));
    /// assert_eq!(session.get("user"), Some("alice".into()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn rotate_id(&mut self) {
        self.slot.lock().rotate_id = true;
    }

    /// Saves the session after the handler returns even when it did not change, with
    /// `overrides` replacing cookie attributes for this response, such as a longer
    /// `Max-Age` for "remember me". An unchanged session goes through
    /// [`SessionStorage::touch_session`](crate::SessionStorage::touch_session), so a
    /// server-side storage sets its record's expiry without rewriting its data. A
    /// [`rotate_id`](Self::rotate_id) and a [`destroy`](Self::destroy) in the same request use
    /// the same overrides, the latter for the removal cookie.
    ///
    /// The overrides apply to this response only. A later request that changes the session,
    /// even by reading a flash value, saves it with the cookie's own attributes, so a
    /// "remember me" cookie would lose its longer `Max-Age` there, as with `commitSession`
    /// in JavaScript. To keep it, store a flag in the session and choose the options from it
    /// with [`SessionLayer::cookie_options`](super::SessionLayer::cookie_options), whose
    /// options these overrides take precedence over, field by field.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use axum::{body::Body, http::Request, routing::post, Router};
    /// # use tower::ServiceExt;
    /// # use websession::axum::{ManagedSession, SessionLayer};
    /// # use websession::{CookieOptions, CookieSessionStorage, SessionStorage};
    /// async fn remember(mut session: ManagedSession) {
    ///     session.commit_with(CookieOptions { max_age: Some(86400), ..Default::default() });
    /// }
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let storage: Arc<dyn SessionStorage> = Arc::new(CookieSessionStorage::with_secrets(["s3cr3t"])?);
    /// let app = Router::new().route("/", post(remember)).layer(SessionLayer::new(storage));
    /// let response = app.oneshot(Request::post("/").body(Body::empty())?).await?;
    /// assert!(response.headers()["set-cookie"].to_str()?.contains("Max-Age=86400"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn commit_with(&mut self, overrides: CookieOptions) {
        self.slot.lock().cookie_options = Some(Box::new(overrides));
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ManagedSession {
    type Rejection = SessionError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let slot = parts
            .extensions
            .get::<SessionSlot>()
            .cloned()
            .ok_or(SessionError::MissingLayer)?;

        // Claim the session before loading it, so a concurrent second extraction fails
        // instead of loading a second copy.
        let previous = std::mem::replace(&mut slot.lock().session, Loan::Lent);
        let session = match previous {
            Loan::Returned(session) => session,
            Loan::Lent => return Err(SessionError::AlreadyExtracted),
            // A middleware that runs the handler again after a panic gets no half-changed
            // session.
            Loan::Abandoned => {
                slot.lock().session = Loan::Abandoned;
                return Err(SessionError::AlreadyExtracted);
            }
            Loan::NotLoaded => match slot
                .storage()
                .get_session_from_headers(&parts.headers)
                .await
            {
                Ok(session) => session,
                Err(error) => {
                    slot.lock().session = Loan::NotLoaded;
                    return Err(error.into());
                }
            },
        };
        Ok(Self { session, slot })
    }
}

impl Drop for ManagedSession {
    fn drop(&mut self) {
        // A handler that panics during this drop may have left the session half changed.
        // Such a session is not handed back, so the layer saves nothing of it, even when a
        // layer inside it turns the panic into a response.
        let loan = if std::thread::panicking() {
            Loan::Abandoned
        } else {
            Loan::Returned(std::mem::take(&mut self.session))
        };
        self.slot.lock().session = loan;
    }
}

impl Deref for ManagedSession {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.session
    }
}

impl DerefMut for ManagedSession {
    fn deref_mut(&mut self) -> &mut Session {
        &mut self.session
    }
}

impl std::fmt::Debug for ManagedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagedSession")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}
