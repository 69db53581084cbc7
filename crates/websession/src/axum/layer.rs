//! [`SessionLayer`], the Tower layer that saves sessions after each handler.

use std::fmt;
use std::sync::Arc;

use tower_layer::Layer;

use super::service::SessionService;
use crate::storage::SessionStorage;

/// A Tower layer that gives handlers a [`ManagedSession`](super::ManagedSession) and saves it
/// when the handler returns.
///
/// After the inner service responds, for a request whose handler extracted the session:
///
/// - it commits the session when it changed (a consumed flash value counts), when its
///   cookie verified only with an older secret (re-signing it with the current one), or
///   when the handler called [`ManagedSession::commit_with`](super::ManagedSession::commit_with);
/// - it gives the session a fresh id, keeping its data, when the handler called
///   [`ManagedSession::rotate_id`](super::ManagedSession::rotate_id), and then sends a
///   cookie even when the data did not change;
/// - it deletes the session when the handler called
///   [`ManagedSession::destroy`](super::ManagedSession::destroy);
/// - it appends the resulting `Set-Cookie` header, keeping the handler's own cookies;
/// - it adds `Vary: Cookie` and, unless the handler set its own `Cache-Control`,
///   `Cache-Control: private`, because the response may depend on session data. A handler
///   that sets `Cache-Control: public` on such a response lets shared caches store it,
///   `Set-Cookie` included, so keep such headers off routes that use the session;
/// - when the storage fails, it replaces the response with a bare
///   `500 Internal Server Error` and logs the error with `tracing`.
///
/// The layer saves whatever the response's status: changes a handler made before it returned
/// an error page are saved too. Requests that only read the session send no cookie, so they
/// do not extend a `Max-Age` or a server-side record; see
/// [`ManagedSession::commit_with`](super::ManagedSession::commit_with) for a rolling expiry.
///
/// Responses of requests that never extracted the session pass through unchanged.
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
/// async fn hello(session: ManagedSession) -> String {
///     format!("{} keys", session.data().len())
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let storage = CookieSessionStorage::with_secrets(["s3cr3t"])?;
/// let app = Router::new()
///     .route("/", get(hello))
///     .route("/health", get(|| async { "ok" }))
///     .layer(SessionLayer::from_storage(storage));
///
/// let response = app.clone().oneshot(Request::get("/").body(Body::empty())?).await?;
/// assert_eq!(response.headers()["vary"], "Cookie");
/// assert!(response.headers().get("set-cookie").is_none(), "nothing changed, nothing sent");
///
/// let response = app.oneshot(Request::get("/health").body(Body::empty())?).await?;
/// assert!(response.headers().get("vary").is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct SessionLayer {
    storage: Arc<dyn SessionStorage>,
}

impl SessionLayer {
    /// Creates the layer for a storage shared as `Arc<dyn SessionStorage>`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use websession::{axum::SessionLayer, CookieSessionStorage, SessionStorage};
    ///
    /// let storage: Arc<dyn SessionStorage> = Arc::new(CookieSessionStorage::with_secrets(["s3cr3t"])?);
    /// let layer = SessionLayer::new(storage.clone());
    /// assert!(Arc::ptr_eq(layer.storage(), &storage));
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn new(storage: Arc<dyn SessionStorage>) -> Self {
        Self { storage }
    }

    /// Creates the layer for a storage value, wrapping it in an `Arc`.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{axum::SessionLayer, CookieSessionStorage};
    ///
    /// let layer = SessionLayer::from_storage(CookieSessionStorage::with_secrets(["s3cr3t"])?);
    /// assert_eq!(layer.storage().cookie().name(), "__session");
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn from_storage(storage: impl SessionStorage + 'static) -> Self {
        Self::new(Arc::new(storage))
    }

    /// Returns the storage the layer loads and saves sessions with.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{axum::SessionLayer, CookieSessionStorage};
    ///
    /// let layer = SessionLayer::from_storage(CookieSessionStorage::with_secrets(["s3cr3t"])?);
    /// assert!(layer.storage().cookie().is_signed());
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn storage(&self) -> &Arc<dyn SessionStorage> {
        &self.storage
    }
}

impl<S> Layer<S> for SessionLayer {
    type Service = SessionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SessionService::new(inner, self.storage.clone())
    }
}

impl fmt::Debug for SessionLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionLayer")
            .field("cookie", &self.storage.cookie().name())
            .finish_non_exhaustive()
    }
}
