//! [`SessionService`], the middleware that [`SessionLayer`](super::SessionLayer) builds.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::{Request, Response};
use tower_service::Service;

use super::future::ResponseFuture;
use super::save::SaveSettings;
use super::slot::SessionSlot;
use crate::storage::SessionStorage;
use crate::warn_limit::WarnLimit;
use crate::{CookieOptions, Session};

/// Middleware that gives handlers a [`ManagedSession`](super::ManagedSession) and saves it
/// after they return; built by [`SessionLayer`](super::SessionLayer), which documents what
/// it does to responses.
///
/// # Examples
///
/// ```
/// use axum::{body::Body, http::{Request, Response}};
/// use tower::{service_fn, ServiceExt};
/// use websession::axum::SessionService;
/// use websession::CookieSessionStorage;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let storage = CookieSessionStorage::with_secrets(["s3cr3t"])?;
/// let inner = service_fn(|_: Request<Body>| async { Ok::<_, std::convert::Infallible>(Response::new(Body::empty())) });
/// let service = SessionService::new(inner, std::sync::Arc::new(storage));
/// let response = service.oneshot(Request::new(Body::empty())).await?;
/// assert_eq!(response.status(), 200);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct SessionService<S> {
    inner: S,
    storage: Arc<dyn SessionStorage>,
    settings: Arc<SaveSettings>,
}

/// The function that chooses a session's cookie options, set by
/// [`SessionLayer::cookie_options`](super::SessionLayer::cookie_options).
pub(super) type CookieOptionsFn = Arc<dyn Fn(&Session) -> CookieOptions + Send + Sync>;

impl<S> SessionService<S> {
    /// Wraps `inner`, keeping sessions in `storage`; usually built by
    /// [`SessionLayer`](super::SessionLayer) instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::{body::Body, http::{Request, Response}};
    /// use websession::{axum::SessionService, CookieSessionStorage};
    ///
    /// let storage = CookieSessionStorage::with_secrets(["s3cr3t"])?;
    /// let inner = tower::service_fn(|_: Request<Body>| async {
    ///     Ok::<_, std::convert::Infallible>(Response::new(Body::empty()))
    /// });
    /// let service = SessionService::new(inner, std::sync::Arc::new(storage));
    /// # let _ = service;
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn new(inner: S, storage: Arc<dyn SessionStorage>) -> Self {
        Self {
            inner,
            storage,
            settings: Arc::new(SaveSettings {
                rolling_expiry: false,
                cookie_options: None,
                refresh_warnings: Arc::new(WarnLimit::new()),
            }),
        }
    }

    /// Shares the rate limit of the warnings about failed refreshes with the other services
    /// of one layer.
    pub(super) fn sharing_refresh_warnings(mut self, warnings: Arc<WarnLimit>) -> Self {
        Arc::make_mut(&mut self.settings).refresh_warnings = warnings;
        self
    }

    /// Chooses the cookie options of each save from the session, as
    /// [`SessionLayer::cookie_options`](super::SessionLayer::cookie_options) describes.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::{body::Body, http::{Request, Response}};
    /// use websession::{axum::SessionService, CookieOptions, CookieSessionStorage};
    ///
    /// let storage = CookieSessionStorage::with_secrets(["s3cr3t"])?;
    /// let inner = tower::service_fn(|_: Request<Body>| async {
    ///     Ok::<_, std::convert::Infallible>(Response::new(Body::empty()))
    /// });
    /// let service = SessionService::new(inner, std::sync::Arc::new(storage))
    ///     .cookie_options(|session| CookieOptions {
    ///         max_age: session.has("remember").then_some(30 * 24 * 3600),
    ///         ..CookieOptions::default()
    ///     });
    /// assert!(format!("{service:?}").contains("cookie_options: true"));
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    #[must_use]
    pub fn cookie_options(
        self,
        options: impl Fn(&Session) -> CookieOptions + Send + Sync + 'static,
    ) -> Self {
        self.choosing_cookie_options(Some(Arc::new(options)))
    }

    /// Sets or clears the function that chooses each save's cookie options.
    pub(super) fn choosing_cookie_options(mut self, options: Option<CookieOptionsFn>) -> Self {
        Arc::make_mut(&mut self.settings).cookie_options = options;
        self
    }

    /// Extends every loaded session with data or an id, changed or not, as
    /// [`SessionLayer::rolling_expiry`](super::SessionLayer::rolling_expiry) describes.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::{body::Body, http::{Request, Response}};
    /// use websession::{axum::SessionService, CookieSessionStorage};
    ///
    /// let storage = CookieSessionStorage::with_secrets(["s3cr3t"])?;
    /// let inner = tower::service_fn(|_: Request<Body>| async {
    ///     Ok::<_, std::convert::Infallible>(Response::new(Body::empty()))
    /// });
    /// let service = SessionService::new(inner, std::sync::Arc::new(storage)).rolling_expiry(true);
    /// assert!(format!("{service:?}").contains("rolling_expiry: true"));
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    #[must_use]
    pub fn rolling_expiry(mut self, enabled: bool) -> Self {
        Arc::make_mut(&mut self.settings).rolling_expiry = enabled;
        self
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let slot = SessionSlot::new(self.storage.clone());
        request.extensions_mut().insert(slot.clone());
        ResponseFuture::new(self.inner.call(request), slot, self.settings.clone())
    }
}

impl<S> fmt::Debug for SessionService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionService")
            .field("cookie", &self.storage.cookie().name())
            .field("rolling_expiry", &self.settings.rolling_expiry)
            .field("cookie_options", &self.settings.cookie_options.is_some())
            .finish_non_exhaustive()
    }
}
