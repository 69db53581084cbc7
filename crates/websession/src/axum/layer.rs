//! [`SessionLayer`], the Tower layer that saves sessions after each handler.

use std::fmt;
use std::sync::Arc;

use tower_layer::Layer;

use super::service::{CookieOptionsFn, SessionService};
use crate::storage::SessionStorage;
use crate::warn_limit::WarnLimit;
use crate::{CookieOptions, Session};

/// A Tower layer that gives handlers a [`ManagedSession`](super::ManagedSession) and saves it
/// when the handler returns.
///
/// After the inner service responds, for a request whose handler extracted the session:
///
/// - it commits the session when it changed (a consumed flash value counts), through
///   [`SessionStorage::touch_session`](crate::SessionStorage::touch_session), which commits
///   a changed session and only extends an unchanged one, so that with a
///   server-side storage nothing is sent when another request destroyed the session or
///   rotated its id meanwhile;
/// - it saves an unchanged session again through
///   [`SessionStorage::touch_session`](crate::SessionStorage::touch_session) when the
///   handler called [`ManagedSession::commit_with`](super::ManagedSession::commit_with),
///   when its cookie verified only with an older secret (re-signing it with the current
///   one), or, with [`rolling_expiry`](SessionLayer::rolling_expiry) on, when it has data or
///   an id. A server-side storage then sets the record's expiry without rewriting its data;
/// - it gives the session a fresh id, keeping its data, when the handler called
///   [`ManagedSession::rotate_id`](super::ManagedSession::rotate_id), and then sends a
///   cookie even when the data did not change, unless another request destroyed the
///   session or rotated its id meanwhile;
/// - it deletes the session when the handler called
///   [`ManagedSession::destroy`](super::ManagedSession::destroy);
/// - it appends the resulting `Set-Cookie` header, keeping the handler's own cookies;
/// - it adds `Vary: Cookie` and, unless the handler set its own `Cache-Control`,
///   `Cache-Control: private`, because the response may depend on session data;
/// - it keeps a handler's own `Cache-Control`. One with `public`, `s-maxage` or `max-age`
///   and without `private` or `no-store` lets shared caches store the response, `Set-Cookie`
///   included, so keep such headers off routes that use the session. A `private` that lists
///   fields, such as `private="X-Id"`, counts only when it lists `Set-Cookie`. The layer
///   logs a warning the first time it sends a cookie with such headers;
/// - when the storage fails, it replaces the response with a bare
///   `500 Internal Server Error` and logs the error with `tracing`. When the failure comes
///   after a destroy that succeeded, such as a commit of data set after the destroy, the
///   500 still carries the removal cookie, so the visitor is signed out. One failure keeps the
///   handler's response: a failed re-sign or rolling extension of a session that the
///   handler neither changed nor saved with
///   [`commit_with`](super::ManagedSession::commit_with). The browser's cookie then stays
///   valid, so the layer sends no `Set-Cookie` and logs a warning, at most one a minute per
///   layer. A re-signed cookie can fail this way when its new
///   signature percent-encodes to a longer value and the cookie no longer fits the size
///   limit.
///
/// The layer saves whatever the response's status: changes a handler made before it returned
/// an error page are saved too. Requests that only read the session send no cookie and do not
/// extend a `Max-Age` or a server-side record, unless its cookie needs re-signing or
/// [`rolling_expiry`](SessionLayer::rolling_expiry) is on.
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
    rolling_expiry: bool,
    cookie_options: Option<CookieOptionsFn>,
    refresh_warnings: Arc<WarnLimit>,
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
        Self {
            storage,
            rolling_expiry: false,
            cookie_options: None,
            refresh_warnings: Arc::new(WarnLimit::new()),
        }
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

    /// Extends every session that a handler loaded and that has data or an id, changed or
    /// not, so that each request restarts the cookie's `Max-Age` and the lifetime of a
    /// server-side record. Off by default, because it sends `Set-Cookie` on each such
    /// response and, with a server-side storage, writes to the store each time.
    ///
    /// An unchanged session goes through
    /// [`SessionStorage::touch_session`](crate::SessionStorage::touch_session), as one whose
    /// cookie needs re-signing does with the option off. A server-side storage then sets only
    /// the record's expiry, so a change that another request made meanwhile stays. It sends
    /// no cookie when the record
    /// is already gone at the time of the touch, because another request destroyed the
    /// session or rotated its id. The cookie storage sends the data as loaded, so of two
    /// requests that run at the same time, the cookie of the one that finishes last wins,
    /// even if it only read.
    ///
    /// Each extension uses the cookie's own attributes, or those that
    /// [`cookie_options`](Self::cookie_options) chooses: after a handler committed with
    /// other options through [`ManagedSession::commit_with`](super::ManagedSession::commit_with),
    /// such as a longer `Max-Age` for "remember me", the next request that only reads the
    /// session sets the configured `Max-Age` again. A re-signed cookie gets the same
    /// attributes.
    ///
    /// Sessions with no data and no id are left alone, so this creates no cookie or record
    /// for visitors without a session. They are those of visitors without a cookie or with a
    /// tampered or expired one, and cookie sessions whose data is `{}`; the `Max-Age` of the
    /// latter is then not extended unless the cookie needs re-signing. Every other response
    /// of a route that loads the session carries `Set-Cookie`, which makes the
    /// shared-caching warning above matter more.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::{body::Body, http::Request, routing::get, Router};
    /// use tower::ServiceExt;
    /// use websession::axum::{ManagedSession, SessionLayer};
    /// use websession::{Cookie, CookieSessionStorage};
    ///
    /// async fn read(mut session: ManagedSession) -> String {
    ///     format!("{:?}", session.get("user"))
    /// }
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let cookie = Cookie::builder("__session").secrets(["s3cr3t"]).max_age(3600).build()?;
    /// let app = Router::new()
    ///     .route("/", get(read))
    ///     .layer(SessionLayer::from_storage(CookieSessionStorage::new(cookie)).rolling_expiry(true));
    ///
    /// // `{"user":"alice"}`, signed with `s3cr3t`.
    /// let request = Request::get("/")
    ///     .header("cookie", "__session=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D.ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS%2Bf0tjIJPiXU")
    ///     .body(Body::empty())?;
    /// let response = app.oneshot(request).await?;
    /// assert!(response.headers()["set-cookie"].to_str()?.contains("Max-Age=3600"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    #[must_use]
    pub fn rolling_expiry(mut self, enabled: bool) -> Self {
        self.rolling_expiry = enabled;
        self
    }

    /// Chooses the cookie options of each save from the session as the handler left it, for
    /// example a longer `Max-Age` for a user who chose to be remembered. Without it, every
    /// save uses the cookie's own attributes. It applies to the saves the layer makes, of
    /// sessions that handlers extract as [`ManagedSession`](super::ManagedSession). A
    /// [`LoadedSession`](super::LoadedSession) handler saves with the options it passes, so
    /// it passes the same ones, for example to
    /// [`commit_if_needed_with`](super::LoadedSession::commit_if_needed_with).
    ///
    /// The layer calls `options` whenever it saves a session: a commit, a re-sign, a rolling
    /// extension, a rotation, and the removal cookie of a destroy. For the removal cookie it
    /// passes the destroyed session, data included, so that a `Path` or `Domain` chosen from
    /// the data matches the cookie to remove. When the handler sets data in the new session
    /// after the destroy and its cookie gets another `Path`, `Domain` or `Partitioned`, the
    /// layer sends the removal cookie and the new cookie. The function runs after the handler,
    /// only for requests that save, so it should be quick and must not block.
    ///
    /// Choose `Path`, `Domain` and `Partitioned` only from data that stays the same for the
    /// life of a session. A commit that moves a session's cookie to another path or domain
    /// writes a second cookie of the same name, and the browser keeps the first one as well.
    /// Invalid options, such as `SameSite=None` without `Secure`, make every save of a
    /// changed session fail with a 500, while a failed re-sign or rolling extension is only
    /// logged.
    ///
    /// Options that a handler gives to
    /// [`ManagedSession::commit_with`](super::ManagedSession::commit_with) take precedence,
    /// field by field, for that response, and for a destroy in it to the removal cookie as
    /// well as to the new cookie. A field that the handler leaves `None` keeps the chosen
    /// value, so an `expires` from the handler goes out next to a chosen `max_age`, which
    /// browsers then follow.
    ///
    /// Options passed to one commit apply to that response only, as with `commitSession` in
    /// JavaScript, so a "remember me" cookie committed once with a longer `Max-Age` would
    /// become a browser-session cookie at the next change. Keeping a flag in the session and
    /// choosing the options here keeps the longer `Max-Age` on every save.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::{body::Body, http::Request, routing::{get, post}, Router};
    /// use tower::ServiceExt;
    /// use websession::axum::{ManagedSession, SessionLayer};
    /// use websession::{CookieOptions, CookieSessionStorage};
    ///
    /// async fn login(mut session: ManagedSession) {
    ///     session.set("user", "alice");
    ///     session.set("remember", true);
    /// }
    ///
    /// async fn visit(mut session: ManagedSession) {
    ///     let visits = session.get("visits").and_then(|visits| visits.as_i64()).unwrap_or(0);
    ///     session.set("visits", visits + 1);
    /// }
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let layer = SessionLayer::from_storage(CookieSessionStorage::with_secrets(["s3cr3t"])?)
    ///     .cookie_options(|session| CookieOptions {
    ///         max_age: session.data().contains_key("remember").then_some(30 * 24 * 3600),
    ///         ..Default::default()
    ///     });
    /// let app = Router::new().route("/login", post(login)).route("/", get(visit)).layer(layer);
    ///
    /// let response = app.clone().oneshot(Request::post("/login").body(Body::empty())?).await?;
    /// let set_cookie = response.headers()["set-cookie"].to_str()?;
    /// assert!(set_cookie.contains("Max-Age=2592000"));
    ///
    /// let cookie = set_cookie.split(';').next().unwrap();
    /// let response = app.oneshot(Request::get("/").header("cookie", cookie).body(Body::empty())?).await?;
    /// assert!(response.headers()["set-cookie"].to_str()?.contains("Max-Age=2592000"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    #[must_use]
    pub fn cookie_options(
        mut self,
        options: impl Fn(&Session) -> CookieOptions + Send + Sync + 'static,
    ) -> Self {
        self.cookie_options = Some(Arc::new(options));
        self
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
            .rolling_expiry(self.rolling_expiry)
            .choosing_cookie_options(self.cookie_options.clone())
            .sharing_refresh_warnings(self.refresh_warnings.clone())
    }
}

impl fmt::Debug for SessionLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionLayer")
            .field("cookie", &self.storage.cookie().name())
            .field("rolling_expiry", &self.rolling_expiry)
            .field("cookie_options", &self.cookie_options.is_some())
            .finish_non_exhaustive()
    }
}
