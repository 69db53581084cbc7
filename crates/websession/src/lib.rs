//! Signed cookie sessions for Rust web services, wire-compatible with the session API of
//! Remix, React Router 7 and solid-start 0.2.
//!
//! - [`Cookie`]: a named cookie with attributes and secrets; parses `Cookie` request headers
//!   and writes `Set-Cookie` values, signed with HMAC-SHA256.
//! - [`Session`]: the data of one visitor, with flash values.
//! - [`SessionStorage`]: loads and saves sessions. [`CookieSessionStorage`] keeps all data in
//!   the signed cookie. [`ServerSessionStorage`] keeps the data in a [`SessionStore`]
//!   ([`MemoryStore`], [`FileStore`], or `RedisStore` with the `redis` feature) and only a
//!   signed session id in the cookie.
//!
//! A cookie written here for some data and secrets is byte-for-byte the cookie the JavaScript
//! libraries write for the same data and secrets, and their cookies read back here.
//! Untrusted input never panics and never errors: a missing, tampered or malformed cookie
//! reads as a new, empty session.
//!
//! # Example
//!
//! ```
//! use websession::{CookieOptions, CookieSessionStorage, SessionStorage};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let storage = CookieSessionStorage::with_secrets(["a long random secret"])?;
//!
//! // First request: no cookie yet.
//! let mut session = storage.get_session(None).await?;
//! session.set("user", "alice");
//! let set_cookie = storage.commit_session(&mut session, &CookieOptions::default()).await?;
//!
//! // Next request: the browser sends the cookie back.
//! let cookie_header = set_cookie.split(';').next().unwrap();
//! let mut session = storage.get_session(Some(cookie_header)).await?;
//! assert_eq!(session.get("user"), Some("alice".into()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! # Features
//!
//! No feature is on by default.
//!
//! - `axum`: the `websession::axum` module, an extractor and a Tower layer for axum 0.8.
//! - `redis`: `RedisStore`, a session store in Redis for services that run on many
//!   machines.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// Compiles and runs the Rust examples of the README as doctests; they need the `axum` and
/// `redis` features.
#[cfg(all(doctest, feature = "axum", feature = "redis"))]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

#[cfg(feature = "axum")]
pub mod axum;
mod clock;
mod cookie;
pub mod json;
mod session;
mod storage;
mod warn_limit;

/// The `serde_json` crate, whose `Value` and `Map` hold session data, for applications that do
/// not depend on it themselves.
pub use serde_json;

/// The `redis` crate, whose connection manager [`RedisStore::new`] takes and whose error
/// [`StoreError::Redis`] carries, at the version this crate is built with.
#[cfg(feature = "redis")]
pub use redis;

/// The `async_trait` attribute, which implementations of [`SessionStore`] and
/// [`SessionStorage`] put on their `impl` block, for applications that do not depend on the
/// `async-trait` crate themselves.
pub use async_trait::async_trait;

pub use clock::{Clock, ManualClock, SystemClock};
pub use cookie::{inspect_value, InspectedValue, MAX_COOKIE_NAME_VALUE_LEN};
pub use cookie::{
    ConfigError, Cookie, CookieBuilder, CookieOptions, EncodeError, ParsedCookie, PayloadEncoding,
    Priority, SameSite, SerializeError, Signature, UnknownAttributeValue,
};
pub use session::{Session, ValueError};
#[cfg(feature = "redis")]
pub use storage::RedisStore;
pub use storage::{
    generate_session_id, is_valid_session_id, FileStore, MemoryStore, ServerSessionStorage,
    SessionStore, StoreError, DEFAULT_MAX_LIFETIME, MAX_SESSION_ID_LEN,
};
pub use storage::{CookieSessionStorage, SessionStorage, StorageError, MAX_COOKIE_LEN};
