//! [`ResponseFuture`], the future of one request through
//! [`SessionService`](super::SessionService).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, Response, StatusCode};
use pin_project_lite::pin_project;

use super::private::{mark_private, warn_if_shared_cacheable};
use super::save::{settle, store, PendingSave, SaveError, SaveSettings, Saved, Settled};
use super::set_cookie::SetSessionCookie;
use super::slot::SessionSlot;

pin_project! {
    /// The future that [`SessionService`](super::SessionService) returns as its
    /// `Service::Future`. Generic Tower code names it when it spells out the service's types.
    ///
    /// It resolves to the inner service's response once the session is saved, to a bare
    /// `500 Internal Server Error` when the save fails (as [`SessionLayer`](super::SessionLayer)
    /// describes), or to the inner service's error as it is, with nothing saved. It is `Unpin`
    /// when the inner future is.
    ///
    /// When the save needs no storage call, the response is completed in the poll that
    /// receives it, without boxing a future. That is the case when the handler did not
    /// extract the session, or left it unchanged without a destroy, a rotation or
    /// `commit_with` options, and its cookie needs no re-signing or rolling expiry. Any other
    /// save runs as a boxed future.
    pub struct ResponseFuture<F, B> {
        #[pin]
        stage: Stage<F, B>,
    }
}

pin_project! {
    #[project = StageProjection]
    enum Stage<F, B> {
        /// The inner service's future, which runs the handler and any services between the
        /// layer and it.
        Handler {
            #[pin]
            future: F,
            // `None` once the handler's response has arrived, whether or not a save follows.
            slot: Option<SessionSlot>,
            settings: Arc<SaveSettings>,
        },
        /// The save through the storage, which then completes the response.
        Saving {
            future: Pin<Box<dyn Future<Output = Response<B>> + Send>>,
        },
    }
}

impl<F, B> ResponseFuture<F, B> {
    /// Creates the future that awaits `future`, the inner service's, and then saves the
    /// session in `slot`.
    pub(super) fn new(future: F, slot: SessionSlot, settings: Arc<SaveSettings>) -> Self {
        Self {
            stage: Stage::Handler {
                future,
                slot: Some(slot),
                settings,
            },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Default + Send + 'static,
{
    type Output = Result<Response<B>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            let saving = match self.as_mut().project().stage.project() {
                StageProjection::Handler {
                    future,
                    slot,
                    settings,
                } => {
                    let response = std::task::ready!(future.poll(cx))?;
                    let slot = slot.take().expect("polled after completion");
                    match settle(&slot, settings) {
                        Settled::Done(saved) => {
                            return Poll::Ready(Ok(complete(response, &slot, Ok(saved))));
                        }
                        Settled::Store(pending) => {
                            finish(response, slot, settings.clone(), pending)
                        }
                    }
                }
                StageProjection::Saving { future } => return future.as_mut().poll(cx).map(Ok),
            };
            self.as_mut()
                .project()
                .stage
                .set(Stage::Saving { future: saving });
        }
    }
}

/// Saves the request's session through the storage, then completes the response.
// An async block rather than an `async fn`, whose future would hold its arguments twice:
// as passed, and as moved into its body. The future is copied to the heap whole.
fn finish<B: Default + Send + 'static>(
    response: Response<B>,
    slot: SessionSlot,
    settings: Arc<SaveSettings>,
    mut pending: PendingSave,
) -> Pin<Box<dyn Future<Output = Response<B>> + Send>> {
    Box::pin(async move {
        let saved = store(slot.storage(), &mut pending, &settings).await;
        complete(response, &slot, saved)
    })
}

/// Completes the response after the save: adds its cookies, or replaces it with a 500 when
/// the save failed.
fn complete<B: Default>(
    mut response: Response<B>,
    slot: &SessionSlot,
    saved: Result<Saved, SaveError>,
) -> Response<B> {
    match saved {
        Ok(Saved::Untouched) => {}
        Ok(Saved::Read { set_cookie }) => {
            send_cookies(response.headers_mut(), slot, set_cookie);
        }
        Ok(Saved::Replaced {
            removal,
            set_cookie,
        }) => {
            send_cookies(response.headers_mut(), slot, [removal, set_cookie]);
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
            response = Response::new(B::default());
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            // A destroy that succeeded before the failure still signs the browser out.
            if let Some(removal) = removal {
                send_cookies(response.headers_mut(), slot, [removal]);
            }
        }
    }
    response
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

impl<F, B> fmt::Debug for ResponseFuture<F, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match self.stage {
            Stage::Handler { .. } => "handler",
            Stage::Saving { .. } => "saving",
        };
        f.debug_struct("ResponseFuture")
            .field("stage", &stage)
            .finish()
    }
}
