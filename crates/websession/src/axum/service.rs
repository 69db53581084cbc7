//! [`SessionService`], the middleware that [`SessionLayer`](super::SessionLayer) builds.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, Request, Response, StatusCode};
use tower_service::Service;

use super::error::SessionError;
use super::private::{mark_private, warn_if_shared_cacheable};
use super::set_cookie::SetSessionCookie;
use super::slot::{Loan, SessionSlot, SlotState};
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
    rolling_expiry: bool,
    cookie_options: Option<CookieOptionsFn>,
    refresh_warnings: Arc<WarnLimit>,
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
    /// use websession::{axum::SessionService, CookieSessionStorage};
    ///
    /// let storage = CookieSessionStorage::with_secrets(["s3cr3t"])?;
    /// let service = SessionService::new(tower::service_fn(|()| async { Ok::<_, ()>(()) }), std::sync::Arc::new(storage));
    /// # let _ = service;
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn new(inner: S, storage: Arc<dyn SessionStorage>) -> Self {
        Self {
            inner,
            storage,
            rolling_expiry: false,
            cookie_options: None,
            refresh_warnings: Arc::new(WarnLimit::new()),
        }
    }

    /// Shares the rate limit of the warnings about failed refreshes with the other services
    /// of one layer.
    pub(super) fn sharing_refresh_warnings(mut self, warnings: Arc<WarnLimit>) -> Self {
        self.refresh_warnings = warnings;
        self
    }

    /// Chooses the cookie options of each save from the session, as
    /// [`SessionLayer::cookie_options`](super::SessionLayer::cookie_options) describes.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{axum::SessionService, CookieOptions, CookieSessionStorage};
    ///
    /// let storage = CookieSessionStorage::with_secrets(["s3cr3t"])?;
    /// let inner = tower::service_fn(|()| async { Ok::<_, ()>(()) });
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
        self.cookie_options = options;
        self
    }

    /// Extends every loaded session with data or an id, changed or not, as
    /// [`SessionLayer::rolling_expiry`](super::SessionLayer::rolling_expiry) describes.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{axum::SessionService, CookieSessionStorage};
    ///
    /// let storage = CookieSessionStorage::with_secrets(["s3cr3t"])?;
    /// let inner = tower::service_fn(|()| async { Ok::<_, ()>(()) });
    /// let service = SessionService::new(inner, std::sync::Arc::new(storage)).rolling_expiry(true);
    /// assert!(format!("{service:?}").contains("rolling_expiry: true"));
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    #[must_use]
    pub fn rolling_expiry(mut self, enabled: bool) -> Self {
        self.rolling_expiry = enabled;
        self
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    ReqBody: Send + 'static,
    ResBody: Default + Send,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        // The clone is not known to be ready, so the ready service goes into the future and
        // the clone stays for the next call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);

        let slot = SessionSlot::new(self.storage.clone());
        let settings = SaveSettings {
            rolling_expiry: self.rolling_expiry,
            cookie_options: self.cookie_options.clone(),
            refresh_warnings: self.refresh_warnings.clone(),
        };
        request.extensions_mut().insert(slot.clone());

        Box::pin(async move {
            let mut response = inner.call(request).await?;
            match save(&slot, &settings).await {
                Ok(Saved::Untouched) => {}
                Ok(Saved::Read { set_cookie }) => {
                    send_cookies(response.headers_mut(), &slot, set_cookie);
                }
                Ok(Saved::Replaced {
                    removal,
                    set_cookie,
                }) => {
                    send_cookies(response.headers_mut(), &slot, [removal, set_cookie]);
                }
                Err(SaveError {
                    step,
                    error,
                    removal,
                }) => {
                    tracing::error!(
                        error = %error,
                        cookie = slot.storage().cookie().name(),
                        step,
                        "saving the session failed; responding 500"
                    );
                    response = Response::new(ResBody::default());
                    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                    // A destroy that succeeded before the failure still signs the browser out.
                    if let Some(removal) = removal {
                        send_cookies(response.headers_mut(), &slot, [removal]);
                    }
                }
            }
            Ok(response)
        })
    }
}

/// Marks a response whose handler extracted the session as private and appends the
/// session's `Set-Cookie` headers, if any.
fn send_cookies(
    headers: &mut HeaderMap,
    slot: &SessionSlot,
    set_cookies: impl IntoIterator<Item = SetSessionCookie>,
) {
    // Marked first, so that the warning checks the headers that go out.
    mark_private(headers);
    for value in set_cookies {
        warn_if_shared_cacheable(headers, slot.storage().cookie().name());
        headers.append(SET_COOKIE, value.value().clone());
    }
}

impl<S> fmt::Debug for SessionService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionService")
            .field("cookie", &self.storage.cookie().name())
            .field("rolling_expiry", &self.rolling_expiry)
            .field("cookie_options", &self.cookie_options.is_some())
            .finish_non_exhaustive()
    }
}

/// Outcome of [`save`] for one request's session.
enum Saved {
    /// No handler extracted the session.
    Untouched,
    /// A handler extracted the session, so the response may depend on it; `set_cookie` is
    /// the header to send, if any.
    Read {
        set_cookie: Option<SetSessionCookie>,
    },
    /// A handler destroyed the session and set data in the new one, whose cookie has another
    /// `Path` or `Domain`, so the old cookie needs its own removal cookie.
    Replaced {
        removal: SetSessionCookie,
        set_cookie: SetSessionCookie,
    },
}

/// The layer's settings that [`save`] follows.
struct SaveSettings {
    rolling_expiry: bool,
    cookie_options: Option<CookieOptionsFn>,
    refresh_warnings: Arc<WarnLimit>,
}

impl SaveSettings {
    /// Returns the cookie options of a save: those the layer chooses for `session`, with the
    /// handler's own from `commit_with` taking precedence.
    fn options_for(&self, session: &Session, handler: Option<&CookieOptions>) -> CookieOptions {
        let chosen = match &self.cookie_options {
            Some(choose) => choose(session),
            None => CookieOptions::default(),
        };
        match handler {
            Some(handler) => chosen.merged(handler),
            None => chosen,
        }
    }
}

/// Commits, rotates or destroys the request's session as the handler left it.
async fn save(slot: &SessionSlot, settings: &SaveSettings) -> Result<Saved, SaveError> {
    let SlotState {
        session,
        destroyed,
        cookie_options: handler_options,
        rotate_id,
    } = slot.take();
    let cookie = slot.storage().cookie().name();

    let mut session = match session {
        Loan::NotLoaded => return Ok(Saved::Untouched),
        Loan::Returned(session) => session,
        Loan::Lent => {
            tracing::warn!(
                cookie,
                "session still held after the response was built, so its changes are not \
                 saved; drop ManagedSession before the handler returns"
            );
            return Ok(Saved::Read { set_cookie: None });
        }
        Loan::Abandoned => {
            tracing::warn!(
                cookie,
                "the handler panicked while its ManagedSession was alive, so the session is not saved"
            );
            return Ok(Saved::Read { set_cookie: None });
        }
    };
    let storage = slot.storage();
    let handler_options = handler_options.as_ref();

    if let Some(old) = destroyed {
        // Boxed, so that its future does not enlarge the state of every request.
        return Box::pin(save_after_destroy(
            storage,
            old,
            session,
            settings,
            handler_options,
        ))
        .await;
    }

    // A rotation sends a cookie even for unchanged data, because the id in it is new. When
    // another request destroyed the session or rotated its id meanwhile, nothing is sent.
    if rotate_id {
        let options = settings.options_for(&session, handler_options);
        let rotated = storage
            .try_rotate_id(&mut session, &options)
            .await
            .map_err(failed("rotate id"))?;
        tracing::debug!(cookie, sent = rotated.is_some(), "session id rotated");
        return sent_if_any(rotated).map_err(failed("rotate id"));
    }

    // Every other save goes through `touch_session`, which commits a changed session and
    // only extends an unchanged one, so that a server-side storage does not overwrite a
    // change that another request made meanwhile. When another request destroyed the session
    // or rotated its id meanwhile, nothing is sent, so the cookie of that request stays.
    // Rolling expiry leaves out empty sessions without an id, because extending them would
    // create a session for every visitor who has none.
    let changed = session.is_changed();
    let resign = session.needs_resign();
    let roll = settings.rolling_expiry && !(session.is_empty() && session.id().is_empty());
    if changed || handler_options.is_some() {
        let options = settings.options_for(&session, handler_options);
        let saved = storage
            .touch_session(&mut session, &options)
            .await
            .map_err(failed("commit"))?;
        tracing::debug!(cookie, changed, sent = saved.is_some(), "session saved");
        return sent_if_any(saved).map_err(failed("commit"));
    }
    if resign || roll {
        let options = settings.options_for(&session, handler_options);
        let warnings = &settings.refresh_warnings;
        let set_cookie = refresh(storage, &mut session, &options, resign, warnings).await;
        return Ok(Saved::Read { set_cookie });
    }
    Ok(Saved::Read { set_cookie: None })
}

/// Deletes the destroyed session `old` and commits `session`, the one that followed it, when
/// the handler set data in it.
async fn save_after_destroy(
    storage: &dyn SessionStorage,
    mut old: Session,
    mut session: Session,
    settings: &SaveSettings,
    handler_options: Option<&CookieOptions>,
) -> Result<Saved, SaveError> {
    let cookie = storage.cookie().name();

    // The removal cookie must carry the Path and Domain of the cookie it removes, which
    // was saved with the options chosen for the destroyed session.
    let removal_options = settings.options_for(&old, handler_options);
    let removal = storage
        .destroy_session(&mut old, &removal_options)
        .await
        .map_err(failed("destroy"))?;
    tracing::debug!(cookie, "session destroyed");

    // Only data set since the destroy makes the new session worth storing. It has no record
    // yet, so a rotation requested after the destroy is a plain commit.
    if !session.is_changed() {
        return sent(removal).map_err(failed("destroy"));
    }
    let removal = SetSessionCookie::new(removal).map_err(failed("destroy"))?;
    let options = settings.options_for(&session, handler_options);
    let value = match storage.commit_session(&mut session, &options).await {
        Ok(value) => value,
        Err(error) => {
            return Err(SaveError {
                removal: Some(removal),
                ..failed("commit after destroy")(error)
            })
        }
    };
    tracing::debug!(cookie, "new session committed after destroy");

    // With the same Path, Domain and partitioning, the new cookie replaces the old one in the
    // browser, so the removal cookie is not needed. With others, they are two cookies, and
    // the old one must be removed on its own.
    let own = storage.cookie().options();
    if is_same_cookie(&own.merged(&removal_options), &own.merged(&options)) {
        return sent(value).map_err(failed("commit after destroy"));
    }
    Ok(Saved::Replaced {
        removal,
        set_cookie: SetSessionCookie::new(value).map_err(failed("commit after destroy"))?,
    })
}

/// Returns `true` when cookies of one name written with `a` and with `b` are the same cookie
/// to a browser, which keeps one cookie per name, domain, path and partition.
fn is_same_cookie(a: &CookieOptions, b: &CookieOptions) -> bool {
    a.path == b.path
        && a.domain == b.domain
        && a.partitioned.unwrap_or(false) == b.partitioned.unwrap_or(false)
}

/// A failure of [`save`], with the step that failed for the log.
struct SaveError {
    step: &'static str,
    error: SessionError,
    /// The removal cookie of a destroy that succeeded before a later step failed.
    removal: Option<SetSessionCookie>,
}

/// Returns a function that wraps an error of `step` as a [`SaveError`], for `map_err`.
fn failed<E: Into<SessionError>>(step: &'static str) -> impl FnOnce(E) -> SaveError {
    move |error| SaveError {
        step,
        error: error.into(),
        removal: None,
    }
}

/// Re-signs or extends an unchanged session and returns the `Set-Cookie` value to send, if
/// any; the layer and [`LoadedSession`](super::LoadedSession) share it. The handler's response
/// does not depend on this: the cookie the browser has stays valid until its old expiry and
/// verifies while the older secret is listed. So a failure, such as a re-signed cookie that
/// grows past the size limit or a store that went down after the read, is logged, at most
/// once a minute per `warnings`, and the response goes out without `Set-Cookie`.
pub(super) async fn refresh(
    storage: &dyn SessionStorage,
    session: &mut Session,
    options: &CookieOptions,
    resign: bool,
    warnings: &WarnLimit,
) -> Option<SetSessionCookie> {
    let cookie = storage.cookie().name();
    let saved = storage
        .touch_session(session, options)
        .await
        .map_err(SessionError::from)
        .and_then(|value| value.map(SetSessionCookie::new).transpose());
    match saved {
        Ok(set_cookie) => {
            tracing::debug!(cookie, resign, "unchanged session saved again");
            set_cookie
        }
        Err(error) => {
            if let Some(held_back) = warnings.admit() {
                tracing::warn!(
                    error = %error,
                    cookie,
                    resign,
                    held_back,
                    "re-signing or extending an unchanged session failed; the response goes \
                     out without Set-Cookie and the browser keeps its cookie (at most one \
                     such warning a minute; held_back counts the others)"
                );
            }
            None
        }
    }
}

/// Wraps the `Set-Cookie` value a storage returned as the outcome of [`save`].
fn sent(value: String) -> Result<Saved, SessionError> {
    Ok(Saved::Read {
        set_cookie: Some(SetSessionCookie::new(value)?),
    })
}

/// Wraps the `Set-Cookie` value a storage returned, if any, as the outcome of [`save`].
fn sent_if_any(value: Option<String>) -> Result<Saved, SessionError> {
    match value {
        Some(value) => sent(value),
        None => Ok(Saved::Read { set_cookie: None }),
    }
}
