//! Sessions in [axum](https://docs.rs/axum) services, behind the cargo feature `axum`.
//!
//! Two ways to use a [`SessionStorage`](crate::SessionStorage) kept as
//! `Arc<dyn SessionStorage>`:
//!
//! - [`LoadedSession`] is an extractor that loads the session through the storage in the
//!   application state. The handler commits or destroys it itself and returns the
//!   [`SetSessionCookie`], as in the JavaScript API. [`LoadedSession::commit_if_needed`]
//!   saves only a changed session or one whose cookie needs re-signing after a secret
//!   rotation, and [`PrivateResponse`] marks responses that show session data without
//!   sending a cookie.
//! - [`SessionLayer`] saves sessions automatically: handlers extract a [`ManagedSession`],
//!   and the layer commits it when it changed, re-signs it after a secret rotation,
//!   destroys it on request, extends it on each request if asked to, and marks the
//!   response with `Vary: Cookie` and `Cache-Control: private`.
//!
//! At login, call [`ManagedSession::rotate_id`] or [`LoadedSession::rotate_id`]: they move
//! the session's data to a fresh id, so that an id planted or read before login (session
//! fixation) is worthless after it.
//!
//! When the layer or an extractor fails, for example on a route without [`SessionLayer`] or
//! with a store that is down, the response is a bare `500 Internal Server Error` with an
//! empty body. The reason is logged only through [`tracing`](https://docs.rs/tracing), at
//! error level, so an application should install a `tracing` subscriber (for example
//! `tracing_subscriber::fmt::init()`) to see why a request failed. One failure keeps the
//! handler's response: when re-signing or extending a session that the handler neither
//! changed nor saved with `commit_with` fails, the layer sends no `Set-Cookie` and logs a
//! warning. The layer saves after the
//! handler has returned, so a handler that must handle a failed save itself (a session over
//! the cookie size limit, say) uses [`LoadedSession`], whose commit returns the error.
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use axum::{body::Body, http::Request, routing::{get, post}, Router};
//! use tower::ServiceExt;
//! use websession::axum::{ManagedSession, SessionLayer};
//! use websession::{CookieSessionStorage, SessionStorage};
//!
//! async fn login(mut session: ManagedSession) -> &'static str {
//!     session.set("user", "alice");
//!     session.flash("notice", "Welcome back");
//!     "signed in"
//! }
//!
//! async fn home(mut session: ManagedSession) -> String {
//!     let notice = session.get("notice");
//!     format!("user {:?}, notice {:?}", session.get("user"), notice)
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let storage: Arc<dyn SessionStorage> = Arc::new(CookieSessionStorage::with_secrets(["s3cr3t"])?);
//! let app = Router::new()
//!     .route("/login", post(login))
//!     .route("/", get(home))
//!     .layer(SessionLayer::new(storage));
//!
//! let response = app.clone().oneshot(Request::post("/login").body(Body::empty())?).await?;
//! let set_cookie = response.headers()["set-cookie"].to_str()?;
//! let cookie = set_cookie.split(';').next().unwrap().to_owned();
//!
//! let request = Request::get("/").header("cookie", &cookie).body(Body::empty())?;
//! let response = app.oneshot(request).await?;
//! // Reading the flash value changed the session, so the layer sent a new cookie.
//! assert!(response.headers().contains_key("set-cookie"));
//! let body = axum::body::to_bytes(response.into_body(), 1024).await?;
//! assert_eq!(body, r#"user Some(String("alice")), notice Some(String("Welcome back"))"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod error;
mod extract;
mod future;
mod layer;
mod managed;
mod private;
mod save;
mod service;
mod set_cookie;
mod slot;

pub use error::SessionError;
pub use extract::LoadedSession;
pub use future::ResponseFuture;
pub use layer::SessionLayer;
pub use managed::ManagedSession;
pub use private::PrivateResponse;
pub use service::SessionService;
pub use set_cookie::SetSessionCookie;
