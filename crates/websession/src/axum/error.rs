//! [`SessionError`], the error of the axum integration, and its plain 500 response.

use axum::http::header::InvalidHeaderValue;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::storage::StorageError;

/// Error from the session extractors and from explicit commits in a handler.
///
/// As a response it is a bare `500 Internal Server Error` with an empty body; the details go
/// to the log with `tracing` at error level, never to the client.
///
/// # Examples
///
/// ```
/// use axum::response::IntoResponse;
/// use websession::axum::SessionError;
///
/// let response = SessionError::MissingLayer.into_response();
/// assert_eq!(response.status(), 500);
/// assert!(SessionError::MissingLayer.to_string().contains("SessionLayer"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// A handler asked for a [`ManagedSession`](super::ManagedSession) on a route without
    /// [`SessionLayer`](super::SessionLayer).
    #[error(
        "no session layer on this route: add `.layer(SessionLayer::new(storage))` to the router \
         that serves it, after the route (a layer covers only the routes added before it), or \
         extract `LoadedSession` instead"
    )]
    MissingLayer,
    /// A second [`ManagedSession`](super::ManagedSession) was requested while the first was
    /// still alive in the same request, or after code that owned it in this request panicked,
    /// because the session may then be half changed.
    #[error(
        "session already extracted for this request: take `ManagedSession` once per request \
         and pass it by reference to the code that needs it; middleware that extracts it must \
         drop it before calling the next service, and must not extract it again after code \
         that owned it panicked"
    )]
    AlreadyExtracted,
    /// The storage failed to load, commit or destroy the session.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The storage returned a `Set-Cookie` value that is not a valid header value.
    #[error(
        "session storage returned a Set-Cookie value that is not a valid header value: it \
         contains a control character such as a line break; a custom SessionStorage must \
         encode those, as Cookie::serialize does"
    )]
    InvalidSetCookie(#[from] InvalidHeaderValue),
}

impl IntoResponse for SessionError {
    fn into_response(self) -> Response {
        tracing::error!(error = %self, "session handling failed; responding 500");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    }
}
