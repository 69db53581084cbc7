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
/// (a consumed flash value counts) or if its cookie verified only with an older secret, and
/// deletes it if the handler called [`destroy`](Self::destroy). Requests whose handlers
/// never extract a `ManagedSession` cost no storage access.
///
/// Take it once per handler: a second extraction while the first is alive fails with
/// [`SessionError::AlreadyExtracted`]. Drop it before the handler returns; a
/// `ManagedSession` moved into a spawned task that outlives the response is not saved, and
/// the layer logs a warning.
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
        // After a second destroy, the first session is the one the storage holds a record of.
        if state.destroyed.is_none() {
            state.destroyed = Some(old);
        }
    }

    /// Commits the session after the handler returns even when it did not change, with
    /// `overrides` replacing cookie attributes for this response, such as a longer
    /// `Max-Age` for "remember me". A later [`destroy`](Self::destroy) uses the same
    /// overrides for the removal cookie.
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
        self.slot.lock().cookie_options = Some(overrides);
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
        let session = std::mem::take(&mut self.session);
        self.slot.lock().session = Loan::Returned(session);
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
