//! `SessionLayer` and `ManagedSession` driven with real requests through `oneshot`.
#![cfg(feature = "axum")]

mod common;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, UNIX_EPOCH};

use async_trait::async_trait;
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{Request, Response, StatusCode};
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use common::axum_http::{
    assert_rotated_keeping_data, body_text, header_values, id_in, memory_storage, send,
    send_for_set_cookie, set_cookies,
};
use common::log_capture::CapturedLog;
use common::recording_store::RecordingStore;
use futures::FutureExt as _;
use serde_json::json;
use tokio::sync::Notify;
use tower::Service;
use websession::axum::{ManagedSession, SessionLayer, SessionService};
use websession::{
    Cookie, CookieBuilder, CookieOptions, CookieSessionStorage, MemoryStore, ParsedCookie,
    Priority, SameSite, ServerSessionStorage, Session, SessionStorage, StorageError, StoreError,
};

const SECRET: &str = "layer test secret";

fn storage_with(builder: CookieBuilder) -> Arc<dyn SessionStorage> {
    Arc::new(CookieSessionStorage::new(builder.build().unwrap()))
}

fn signed_storage() -> Arc<dyn SessionStorage> {
    storage_with(Cookie::builder("__session").secrets([SECRET]))
}

async fn login(mut session: ManagedSession) -> &'static str {
    session.set("user", "alice");
    session.flash("notice", "Welcome, alice");
    "signed in"
}

async fn show_user(mut session: ManagedSession) -> String {
    format!("user={}", session.get("user").unwrap_or_default())
}

/// Returns the session's `Debug` output and whether it has a user, read through `Deref`.
async fn describe(session: ManagedSession) -> String {
    format!("{session:?} has_user={}", session.has("user"))
}

async fn read_notice(mut session: ManagedSession) -> String {
    format!("notice={}", session.get("notice").unwrap_or_default())
}

async fn logout(mut session: ManagedSession) -> &'static str {
    session.destroy();
    "signed out"
}

async fn logout_with_flash(mut session: ManagedSession) -> &'static str {
    session.destroy();
    session.flash("notice", "Goodbye");
    "signed out"
}

async fn remember(mut session: ManagedSession) -> &'static str {
    session.commit_with(CookieOptions {
        max_age: Some(86_400),
        ..CookieOptions::default()
    });
    "remembered"
}

async fn add_to_cart(mut session: ManagedSession) -> &'static str {
    session.set("cart", json!(["book"]));
    "added"
}

async fn login_rotating(mut session: ManagedSession) -> &'static str {
    session.rotate_id();
    session.set("user", "alice");
    "signed in"
}

async fn rotate_only(mut session: ManagedSession) -> &'static str {
    session.rotate_id();
    "rotated"
}

async fn rotate_then_destroy(mut session: ManagedSession) -> &'static str {
    session.rotate_id();
    session.destroy();
    "destroyed"
}

async fn destroy_then_rotate(mut session: ManagedSession) -> &'static str {
    session.destroy();
    session.rotate_id();
    "destroyed"
}

async fn destroy_then_rotate_with_flash(mut session: ManagedSession) -> &'static str {
    session.destroy();
    session.rotate_id();
    session.flash("notice", "Goodbye");
    "destroyed"
}

async fn rotate_remembered(mut session: ManagedSession) -> &'static str {
    session.rotate_id();
    session.commit_with(CookieOptions {
        max_age: Some(86_400),
        ..CookieOptions::default()
    });
    "remembered"
}

async fn own_cache_headers(mut session: ManagedSession) -> impl IntoResponse {
    session.set("seen", true);
    (
        [("cache-control", "no-store"), ("vary", "Accept-Encoding")],
        "cached my way",
    )
}

async fn public_cache_headers(mut session: ManagedSession) -> impl IntoResponse {
    session.set("seen", true);
    (
        [("cache-control", "public, max-age=600")],
        "cached for everyone",
    )
}

async fn extract_twice(_first: ManagedSession, _second: ManagedSession) -> &'static str {
    "unreachable"
}

async fn other_cookie(mut session: ManagedSession) -> impl IntoResponse {
    session.set("x", 1);
    ([("set-cookie", "theme=dark; Path=/")], "two cookies")
}

fn app(storage: Arc<dyn SessionStorage>) -> Router {
    Router::new()
        .route("/login", post(login))
        .route("/user", get(show_user))
        .route("/notice", get(read_notice))
        .route("/describe", get(describe))
        .route("/logout", post(logout))
        .route("/logout-flash", post(logout_with_flash))
        .route("/remember", post(remember))
        .route("/own-cache", get(own_cache_headers))
        .route("/public-cache", get(public_cache_headers))
        .route("/twice", get(extract_twice))
        .route("/other-cookie", get(other_cookie))
        .route("/cart", post(add_to_cart))
        .route("/login-rotating", post(login_rotating))
        .route("/rotate", post(rotate_only))
        .route("/rotate-then-destroy", post(rotate_then_destroy))
        .route("/destroy-then-rotate", post(destroy_then_rotate))
        .route(
            "/destroy-then-rotate-flash",
            post(destroy_then_rotate_with_flash),
        )
        .route("/rotate-remembered", post(rotate_remembered))
        .route("/plain", get(|| async { "no session here" }))
        .layer(SessionLayer::new(storage))
}

/// Returns the `name=value` pair of a `Set-Cookie` value, as the browser sends it back.
fn request_cookie(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

async fn logged_in_cookie(app: &Router) -> String {
    let response = send(app, "POST", "/login", None).await;
    let set_cookie = set_cookies(&response);
    assert_eq!(set_cookie.len(), 1, "{set_cookie:?}");
    request_cookie(&set_cookie[0])
}

/// Commits `{"user": "alice"}` through a storage built from `builder` and returns the
/// single `Set-Cookie` value the layer sent.
async fn login_set_cookie(builder: CookieBuilder) -> String {
    let response = send(&app(storage_with(builder)), "POST", "/login", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let values = set_cookies(&response);
    assert_eq!(values.len(), 1, "{values:?}");
    values.into_iter().next().unwrap()
}

macro_rules! attribute_test {
    ($name:ident, $builder:expr, $expected:expr) => {
        #[tokio::test]
        async fn $name() {
            let set_cookie = login_set_cookie($builder).await;
            let attributes: Vec<&str> = set_cookie.split("; ").skip(1).collect();
            assert!(
                attributes.contains(&$expected),
                "expected {:?} in {set_cookie:?}",
                $expected
            );
        }
    };
}

attribute_test!(
    attribute_path,
    Cookie::builder("s").secrets([SECRET]).path("/app"),
    "Path=/app"
);
attribute_test!(
    attribute_domain,
    Cookie::builder("s").secrets([SECRET]).domain("example.com"),
    "Domain=example.com"
);
attribute_test!(
    attribute_max_age,
    Cookie::builder("s").secrets([SECRET]).max_age(3600),
    "Max-Age=3600"
);
attribute_test!(
    attribute_expires,
    Cookie::builder("s")
        .secrets([SECRET])
        .expires(UNIX_EPOCH + Duration::from_secs(4_102_444_800)),
    "Expires=Fri, 01 Jan 2100 00:00:00 GMT"
);
attribute_test!(
    attribute_http_only,
    Cookie::builder("s").secrets([SECRET]).http_only(true),
    "HttpOnly"
);
attribute_test!(
    attribute_secure,
    Cookie::builder("s").secrets([SECRET]).secure(true),
    "Secure"
);
attribute_test!(
    attribute_same_site_strict,
    Cookie::builder("s")
        .secrets([SECRET])
        .same_site(SameSite::Strict),
    "SameSite=Strict"
);
attribute_test!(
    attribute_same_site_none,
    Cookie::builder("s")
        .secrets([SECRET])
        .secure(true)
        .same_site(SameSite::None),
    "SameSite=None"
);
attribute_test!(
    attribute_priority,
    Cookie::builder("s")
        .secrets([SECRET])
        .priority(Priority::High),
    "Priority=High"
);
attribute_test!(
    attribute_partitioned,
    Cookie::builder("s")
        .secrets([SECRET])
        .secure(true)
        .partitioned(true),
    "Partitioned"
);

#[tokio::test]
async fn default_attributes_are_path_and_lax() {
    let set_cookie = login_set_cookie(Cookie::builder("s").secrets([SECRET])).await;
    let attributes: Vec<&str> = set_cookie.split("; ").skip(1).collect();
    assert_eq!(attributes, ["Path=/", "SameSite=Lax"]);
}

#[tokio::test]
async fn committed_cookie_reads_back() {
    let storage = signed_storage();
    let app = app(storage.clone());
    let cookie = logged_in_cookie(&app).await;

    let mut session = storage.get_session(Some(&cookie)).await.unwrap();
    assert_eq!(session.get("user"), Some(json!("alice")));
    assert_eq!(session.get("notice"), Some(json!("Welcome, alice")));
}

#[tokio::test]
async fn managed_session_debug_and_deref() {
    let app = app(signed_storage());
    let cookie = logged_in_cookie(&app).await;

    let response = send(&app, "GET", "/describe", Some(&cookie)).await;
    assert!(set_cookies(&response).is_empty());
    assert_eq!(
        body_text(response).await,
        "ManagedSession { session: Session { id: \"\", keys: [\"user\", \"__flash_notice__\"], \
         changed: false, needs_resign: false }, .. } has_user=true"
    );
}

#[test]
fn layer_debug_names_settings() {
    let layer = SessionLayer::new(signed_storage());
    assert_eq!(
        format!("{layer:?}"),
        "SessionLayer { cookie: \"__session\", rolling_expiry: false, cookie_options: false, .. }"
    );
    let layer = layer
        .rolling_expiry(true)
        .cookie_options(|_| CookieOptions::default());
    assert_eq!(
        format!("{layer:?}"),
        "SessionLayer { cookie: \"__session\", rolling_expiry: true, cookie_options: true, .. }"
    );
}

#[tokio::test]
async fn unchanged_session_sends_no_cookie() {
    let app = app(signed_storage());
    let cookie = logged_in_cookie(&app).await;

    let response = send(&app, "GET", "/user", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(body_text(response).await, "user=\"alice\"");
}

#[tokio::test]
async fn new_unchanged_session_sends_no_cookie() {
    // Rolling expiry does not create a session for a visitor who has none either.
    for app in [app(signed_storage()), rolling_app(signed_storage())] {
        let response = send(&app, "GET", "/user", None).await;
        assert!(set_cookies(&response).is_empty());
        assert_eq!(body_text(response).await, "user=null");
    }
}

#[tokio::test]
async fn tampered_cookie_reads_as_new_session() {
    let app = app(signed_storage());
    let cookie = logged_in_cookie(&app).await;
    let tampered = cookie.replace("eyJ1c2VyIjoiYWxpY2Ui", "eyJ1c2VyIjoibWFsbG9yeSI");
    assert_ne!(tampered, cookie);

    let response = send(&app, "GET", "/user", Some(&tampered)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(body_text(response).await, "user=null");
}

#[tokio::test]
async fn failed_verification_logged_at_debug() {
    let log = CapturedLog::capture_this_thread();
    let session = signed_storage()
        .get_session(Some("__session=eyJhIjoxfQ%3D%3D.forged"))
        .await
        .unwrap();
    assert!(session.data().is_empty());

    let text = log.text();
    assert!(text.contains("DEBUG"), "{text}");
    assert!(
        text.contains("signed with a secret not in the list"),
        "{text}"
    );
    assert!(text.contains("cookie=\"__session\""), "{text}");
    assert!(
        !text.contains("eyJhIjoxfQ"),
        "the value stays out of the log: {text}"
    );
}

#[tokio::test]
async fn flash_consumed_once() {
    let app = app(signed_storage());
    let cookie = logged_in_cookie(&app).await;

    let response = send(&app, "GET", "/notice", Some(&cookie)).await;
    let values = set_cookies(&response);
    assert_eq!(values.len(), 1, "a consumed flash is a change: {values:?}");
    assert_eq!(body_text(response).await, "notice=\"Welcome, alice\"");
    let after_flash = request_cookie(&values[0]);

    let response = send(&app, "GET", "/notice", Some(&after_flash)).await;
    assert!(set_cookies(&response).is_empty());
    assert_eq!(body_text(response).await, "notice=null");

    let response = send(&app, "GET", "/user", Some(&after_flash)).await;
    assert_eq!(body_text(response).await, "user=\"alice\"", "user survives");
}

#[tokio::test]
async fn destroy_removes_cookie() {
    let app = app(signed_storage());
    let cookie = logged_in_cookie(&app).await;

    let response = send(&app, "POST", "/logout", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        set_cookies(&response),
        ["__session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"]
    );
}

#[tokio::test]
async fn destroy_then_flash_starts_new_session() {
    let storage = signed_storage();
    let app = app(storage.clone());
    let cookie = logged_in_cookie(&app).await;

    let response = send(&app, "POST", "/logout-flash", Some(&cookie)).await;
    let values = set_cookies(&response);
    assert_eq!(values.len(), 1, "{values:?}");
    assert!(
        !values[0].contains("Expires=Thu, 01 Jan 1970"),
        "{values:?}"
    );

    let session = storage
        .get_session(Some(&request_cookie(&values[0])))
        .await
        .unwrap();
    let keys: Vec<&String> = session.data().keys().collect();
    assert_eq!(keys, ["__flash_notice__"], "the old data is gone");
}

#[tokio::test]
async fn commit_with_forces_commit_and_applies_options() {
    let app = app(signed_storage());
    let cookie = logged_in_cookie(&app).await;

    let response = send(&app, "POST", "/remember", Some(&cookie)).await;
    let values = set_cookies(&response);
    assert_eq!(values.len(), 1, "{values:?}");
    assert!(values[0].starts_with(&cookie), "same data: {values:?}");
    assert!(values[0].contains("; Max-Age=86400"), "{values:?}");
}

#[tokio::test]
async fn rotated_secret_resigns_cookie() {
    let old_storage = storage_with(Cookie::builder("__session").secrets(["old secret"]));
    let old_cookie = logged_in_cookie(&app(old_storage)).await;

    let rotated = storage_with(Cookie::builder("__session").secrets(["new secret", "old secret"]));
    let app = app(rotated);
    let response = send(&app, "GET", "/user", Some(&old_cookie)).await;
    let values = set_cookies(&response);
    assert_eq!(
        values.len(),
        1,
        "re-signed even though unchanged: {values:?}"
    );
    assert_eq!(body_text(response).await, "user=\"alice\"");
    let resigned = request_cookie(&values[0]);
    assert_ne!(resigned, old_cookie);

    let new_only = storage_with(Cookie::builder("__session").secrets(["new secret"]));
    let mut session = new_only.get_session(Some(&resigned)).await.unwrap();
    assert_eq!(session.get("user"), Some(json!("alice")));
    assert_eq!(
        session.get("notice"),
        Some(json!("Welcome, alice")),
        "re-signing keeps the unread flash"
    );

    let response = send(&app, "GET", "/user", Some(&resigned)).await;
    assert!(
        set_cookies(&response).is_empty(),
        "current secret: no re-sign"
    );
}

#[tokio::test]
async fn session_response_is_private() {
    let app = app(signed_storage());
    let response = send(&app, "GET", "/user", None).await;
    assert_eq!(header_values(response.headers(), "vary"), ["Cookie"]);
    assert_eq!(
        header_values(response.headers(), "cache-control"),
        ["private"]
    );

    let response = send(&app, "POST", "/login", None).await;
    assert_eq!(header_values(response.headers(), "vary"), ["Cookie"]);
    assert_eq!(
        header_values(response.headers(), "cache-control"),
        ["private"]
    );
}

#[tokio::test]
async fn handler_cache_control_is_kept() {
    let app = app(signed_storage());
    let response = send(&app, "GET", "/own-cache", None).await;
    assert_eq!(set_cookies(&response).len(), 1);
    assert_eq!(
        header_values(response.headers(), "cache-control"),
        ["no-store"]
    );
    assert_eq!(
        header_values(response.headers(), "vary"),
        ["Accept-Encoding", "Cookie"]
    );
}

#[tokio::test]
async fn route_without_session_untouched() {
    let app = app(signed_storage());
    let cookie = logged_in_cookie(&app).await;
    let response = send(&app, "GET", "/plain", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("vary").is_none());
    assert!(response.headers().get("cache-control").is_none());
    assert!(set_cookies(&response).is_empty());
}

#[tokio::test]
async fn handler_cookies_are_kept() {
    let app = app(signed_storage());
    let response = send(&app, "GET", "/other-cookie", None).await;
    let values = set_cookies(&response);
    assert_eq!(values.len(), 2, "{values:?}");
    assert_eq!(values[0], "theme=dark; Path=/");
    assert!(values[1].starts_with("__session="), "{values:?}");
}

#[tokio::test]
async fn second_extraction_is_500() {
    let app = app(signed_storage());
    let response = send(&app, "GET", "/twice", None).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body_text(response).await, "");
}

/// Turns a panic of the inner service into a 500, as a panic-catching layer does.
async fn catch_panic(request: Request<Body>, next: Next) -> Response<Body> {
    AssertUnwindSafe(next.run(request))
        .catch_unwind()
        .await
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn change_then_panic(mut session: ManagedSession) -> &'static str {
    session.set("user", "mallory");
    session.rotate_id();
    panic!("handler failed halfway");
}

#[tokio::test]
async fn panicking_handler_saves_nothing() {
    let (store, storage) = recording_storage();
    let app = Router::new()
        .route("/login", post(login))
        .route("/user", get(show_user))
        .route("/panic", post(change_then_panic))
        .layer(middleware::from_fn(catch_panic))
        .layer(SessionLayer::new(storage));
    let cookie = logged_in_cookie(&app).await;
    let calls_before = store.calls().len();
    let log = CapturedLog::capture_this_thread();

    let response = send(&app, "POST", "/panic", Some(&cookie)).await;

    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(
        header_values(response.headers(), "cache-control"),
        ["private"]
    );
    let calls = &store.calls()[calls_before..];
    assert_eq!(calls.len(), 1, "only the load: {calls:?}");
    assert_eq!(calls[0]["fn"], "readData");
    let text = log.text();
    assert!(
        text.contains("the handler panicked while its ManagedSession was alive"),
        "{text}"
    );
    let response = send(&app, "GET", "/user", Some(&cookie)).await;
    assert_eq!(body_text(response).await, "user=\"alice\"");
}

/// Extracts the session, changes it and panics, as a faulty middleware might.
async fn change_then_panic_in_parts(parts: &mut Parts) {
    let mut session = ManagedSession::from_request_parts(parts, &())
        .await
        .unwrap();
    session.set("user", "mallory");
    panic!("middleware failed halfway");
}

/// Runs [`change_then_panic_in_parts`], catches its panic and then calls the handler.
async fn panic_then_continue(request: Request<Body>, next: Next) -> Response<Body> {
    let (mut parts, body) = request.into_parts();
    let caught = AssertUnwindSafe(change_then_panic_in_parts(&mut parts))
        .catch_unwind()
        .await;
    assert!(caught.is_err());
    next.run(Request::from_parts(parts, body)).await
}

#[tokio::test]
async fn session_abandoned_by_panic_cannot_be_extracted_again() {
    let storage = signed_storage();
    let plain = app(storage.clone());
    let cookie = logged_in_cookie(&plain).await;
    let app = Router::new()
        .route("/user", get(show_user))
        .layer(middleware::from_fn(panic_then_continue))
        .layer(SessionLayer::new(storage));
    let log = CapturedLog::capture_this_thread();

    let response = send(&app, "GET", "/user", Some(&cookie)).await;

    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(set_cookies(&response).is_empty());
    let text = log.text();
    assert!(
        text.contains("session already extracted for this request"),
        "{text}"
    );
    let response = send(&plain, "GET", "/user", Some(&cookie)).await;
    assert_eq!(body_text(response).await, "user=\"alice\"");
}

#[tokio::test]
async fn missing_layer_is_500() {
    let app = Router::new().route("/user", get(show_user));
    let response = send(&app, "GET", "/user", None).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body_text(response).await, "");
}

#[tokio::test]
async fn rotate_id_moves_data_to_new_id() {
    let (server, storage) = memory_storage(SECRET);
    let app = app(storage.clone());
    let before = request_cookie(&send_for_set_cookie(&app, "/cart", None).await);
    let old_id = id_in(&storage, &before);

    let after = request_cookie(&send_for_set_cookie(&app, "/login-rotating", Some(&before)).await);
    let new_id = id_in(&storage, &after);
    assert_ne!(new_id, old_id);
    assert_eq!(server.store().len(), 1, "the old record is deleted");
    assert_rotated_keeping_data(&storage, &before, &after).await;
}

#[tokio::test]
async fn rotate_id_sends_cookie_when_unchanged() {
    let (server, storage) = memory_storage(SECRET);
    let app = app(storage.clone());
    let before = request_cookie(&send_for_set_cookie(&app, "/cart", None).await);

    let response = send(&app, "GET", "/user", Some(&before)).await;
    assert!(set_cookies(&response).is_empty(), "no rotation, no cookie");

    let after = request_cookie(&send_for_set_cookie(&app, "/rotate", Some(&before)).await);
    assert_ne!(id_in(&storage, &after), id_in(&storage, &before));
    assert_eq!(server.store().len(), 1);
    let mut new = storage.get_session(Some(&after)).await.unwrap();
    assert_eq!(new.get("cart"), Some(json!(["book"])));
    assert_eq!(new.data().len(), 1, "{:?}", new.data());
}

#[tokio::test]
async fn rotate_id_without_cookie_creates_record() {
    let (server, storage) = memory_storage(SECRET);
    let app = app(storage.clone());
    let set_cookie = send_for_set_cookie(&app, "/rotate", None).await;

    assert_eq!(server.store().len(), 1);
    let session = storage
        .get_session(Some(&request_cookie(&set_cookie)))
        .await
        .unwrap();
    assert_eq!(session.id(), id_in(&storage, &request_cookie(&set_cookie)));
    assert!(session.data().is_empty(), "{:?}", session.data());
}

/// Returns a server-side storage whose store records every call, and that store.
fn recording_storage() -> (RecordingStore, Arc<dyn SessionStorage>) {
    let store = RecordingStore::new();
    let cookie = Cookie::builder("__session")
        .secrets([SECRET])
        .build()
        .unwrap();
    let storage = Arc::new(ServerSessionStorage::new(cookie, store.clone()));
    (store, storage)
}

#[tokio::test]
async fn rotate_id_calls_create_then_delete() {
    let (store, storage) = recording_storage();
    let app = app(storage);
    let before = request_cookie(&send_for_set_cookie(&app, "/cart", None).await);
    let calls_before = store.calls().len();

    send_for_set_cookie(&app, "/login-rotating", Some(&before)).await;
    let calls = &store.calls()[calls_before..];
    let names: Vec<&str> = calls
        .iter()
        .map(|call| call["fn"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["readData", "readData", "createData", "deleteData"],
        "{calls:?}"
    );
    assert_eq!(calls[2]["returned"], "sid-2");
    assert_eq!(calls[3]["id"], "sid-1");
    assert!(!store.contains("sid-1"));
    assert!(store.contains("sid-2"));
}

#[tokio::test]
async fn rotate_id_with_cookie_storage_commits() {
    let storage = signed_storage();
    let app = app(storage.clone());
    let cookie = logged_in_cookie(&app).await;

    let set_cookie = send_for_set_cookie(&app, "/rotate", Some(&cookie)).await;
    assert_eq!(
        request_cookie(&set_cookie),
        cookie,
        "no id, same data, same value"
    );

    let rotated = send_for_set_cookie(&app, "/login-rotating", Some(&cookie)).await;
    let mut session = storage
        .get_session(Some(&request_cookie(&rotated)))
        .await
        .unwrap();
    assert_eq!(session.id(), "");
    assert_eq!(session.get("user"), Some(json!("alice")));
    assert_eq!(session.get("notice"), Some(json!("Welcome, alice")));
}

#[tokio::test]
async fn rotate_then_destroy_destroys() {
    let (server, storage) = memory_storage(SECRET);
    let app = app(storage.clone());
    let before = request_cookie(&send_for_set_cookie(&app, "/cart", None).await);

    let set_cookie = send_for_set_cookie(&app, "/rotate-then-destroy", Some(&before)).await;
    assert_eq!(
        set_cookie,
        "__session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"
    );
    assert!(server.store().is_empty(), "no record under any id");
    let old = storage.get_session(Some(&before)).await.unwrap();
    assert!(old.data().is_empty());
}

#[tokio::test]
async fn destroy_then_rotate_without_data_destroys() {
    let (server, storage) = memory_storage(SECRET);
    let app = app(storage.clone());
    let before = request_cookie(&send_for_set_cookie(&app, "/cart", None).await);

    let set_cookie = send_for_set_cookie(&app, "/destroy-then-rotate", Some(&before)).await;
    assert_eq!(
        set_cookie,
        "__session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"
    );
    assert!(server.store().is_empty(), "no empty record created");
}

#[tokio::test]
async fn destroy_then_rotate_commits_new_data() {
    let (server, storage) = memory_storage(SECRET);
    let app = app(storage.clone());
    let before = request_cookie(&send_for_set_cookie(&app, "/cart", None).await);

    let set_cookie = send_for_set_cookie(&app, "/destroy-then-rotate-flash", Some(&before)).await;
    let after = request_cookie(&set_cookie);
    assert_ne!(id_in(&storage, &after), id_in(&storage, &before));
    assert_eq!(server.store().len(), 1, "only the new session is stored");

    let session = storage.get_session(Some(&after)).await.unwrap();
    let keys: Vec<&String> = session.data().keys().collect();
    assert_eq!(keys, ["__flash_notice__"], "the cart went with the destroy");
}

#[tokio::test]
async fn rotate_id_uses_commit_with_options() {
    let (_server, storage) = memory_storage(SECRET);
    let app = app(storage.clone());
    let before = request_cookie(&send_for_set_cookie(&app, "/cart", None).await);

    let set_cookie = send_for_set_cookie(&app, "/rotate-remembered", Some(&before)).await;
    assert!(set_cookie.contains("; Max-Age=86400"), "{set_cookie}");
    let after = request_cookie(&set_cookie);
    assert_ne!(id_in(&storage, &after), id_in(&storage, &before));
    let mut session = storage.get_session(Some(&after)).await.unwrap();
    assert_eq!(session.get("cart"), Some(json!(["book"])));
}

/// A storage whose backing store fails at the chosen step.
struct FailingStorage {
    cookie: Cookie,
    fail_load: bool,
    fail_commit: bool,
    fail_destroy: bool,
}

impl FailingStorage {
    fn new() -> Self {
        Self {
            cookie: Cookie::builder("__session")
                .secrets([SECRET])
                .build()
                .unwrap(),
            fail_load: false,
            fail_commit: false,
            fail_destroy: false,
        }
    }
}

fn store_down() -> StorageError {
    StorageError::Store(StoreError::Other(
        "connection refused by the test store".into(),
    ))
}

#[async_trait]
impl SessionStorage for FailingStorage {
    fn cookie(&self) -> &Cookie {
        &self.cookie
    }

    async fn load_session(&self, parsed: Option<ParsedCookie>) -> Result<Session, StorageError> {
        if self.fail_load {
            return Err(store_down());
        }
        let data = match parsed.map(|parsed| parsed.value) {
            Some(serde_json::Value::Object(data)) => data,
            _ => serde_json::Map::new(),
        };
        Ok(Session::from_data("", data))
    }

    async fn commit_session(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<String, StorageError> {
        if self.fail_commit {
            return Err(store_down());
        }
        let data = serde_json::Value::Object(session.data().clone());
        Ok(self.cookie.serialize(&data, overrides)?)
    }

    async fn destroy_session(
        &self,
        _session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<String, StorageError> {
        if self.fail_destroy {
            return Err(store_down());
        }
        Ok(self.cookie.deletion(overrides)?)
    }
}

async fn assert_plain_500(response: Response<Body>) {
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(set_cookies(&response).is_empty());
    assert!(response.headers().get("vary").is_none());
    assert_eq!(body_text(response).await, "");
}

#[tokio::test]
async fn working_failing_storage_commits() {
    let app = app(Arc::new(FailingStorage::new()));
    let response = send(&app, "POST", "/login", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(set_cookies(&response).len(), 1);
}

#[tokio::test]
async fn commit_error_is_plain_500() {
    let storage = FailingStorage {
        fail_commit: true,
        ..FailingStorage::new()
    };
    let response = send(&app(Arc::new(storage)), "POST", "/login", None).await;
    assert_plain_500(response).await;
}

#[tokio::test]
async fn load_error_is_plain_500() {
    let storage = FailingStorage {
        fail_load: true,
        ..FailingStorage::new()
    };
    let app = app(Arc::new(storage));
    let response = send(&app, "GET", "/user", None).await;
    assert_plain_500(response).await;

    let response = send(&app, "GET", "/plain", None).await;
    assert_eq!(response.status(), StatusCode::OK, "no session, no load");
}

#[tokio::test]
async fn destroy_error_is_plain_500() {
    let storage = FailingStorage {
        fail_destroy: true,
        ..FailingStorage::new()
    };
    let response = send(&app(Arc::new(storage)), "POST", "/logout", None).await;
    assert_plain_500(response).await;
}

#[tokio::test]
async fn rotate_error_is_plain_500() {
    let storage = FailingStorage {
        fail_commit: true,
        ..FailingStorage::new()
    };
    let app = app(Arc::new(storage));
    let response = send(&app, "POST", "/rotate", None).await;
    assert_plain_500(response).await;
}

#[tokio::test]
async fn oversized_session_is_plain_500() {
    async fn huge(mut session: ManagedSession) -> &'static str {
        session.set("blob", "x".repeat(5000));
        "too big"
    }
    let app = Router::new()
        .route("/huge", post(huge))
        .layer(SessionLayer::new(signed_storage()));
    let response = send(&app, "POST", "/huge", None).await;
    assert_plain_500(response).await;
}

/// Commits `{"user": "alice", "pad": "x…", "variant": variant}` with a pad of `pad` bytes and
/// returns the `Set-Cookie` value, or `None` when it would be too large.
async fn padded_set_cookie(
    storage: &Arc<dyn SessionStorage>,
    cookie: Option<&str>,
    pad: usize,
    variant: u32,
) -> Option<String> {
    let mut session = storage.get_session(cookie).await.unwrap();
    if cookie.is_none() {
        session.set("user", "alice");
        session.set("pad", "x".repeat(pad));
        session.set("variant", variant);
    }
    match storage
        .commit_session(&mut session, &CookieOptions::default())
        .await
    {
        Ok(set_cookie) => Some(set_cookie),
        Err(StorageError::CookieTooLarge { .. }) => None,
        Err(error) => panic!("commit failed: {error}"),
    }
}

/// Returns a cookie signed with the old secret that fits the size limit although the same
/// data signed with the new secret does not. The two differ only in how many `+` and `/`
/// characters of the signature grow to `%2B` and `%2F`, so the search takes the largest pad
/// that fits and tries variants of the same length.
async fn cookie_too_large_to_resign(
    old: &Arc<dyn SessionStorage>,
    rotated: &Arc<dyn SessionStorage>,
) -> String {
    let mut pad = 2900;
    while padded_set_cookie(old, None, pad + 1, 100).await.is_some() {
        pad += 1;
    }
    for variant in 100..1000 {
        let Some(set_cookie) = padded_set_cookie(old, None, pad, variant).await else {
            continue;
        };
        let cookie = request_cookie(&set_cookie);
        if padded_set_cookie(rotated, Some(&cookie), 0, 0)
            .await
            .is_none()
        {
            return cookie;
        }
    }
    panic!("no variant makes the re-signed cookie too large");
}

#[tokio::test]
async fn resign_too_large_keeps_response() {
    let log = CapturedLog::capture_this_thread();
    let old = storage_with(Cookie::builder("__session").secrets(["old secret"]));
    let rotated = storage_with(Cookie::builder("__session").secrets(["new secret", "old secret"]));
    let cookie = cookie_too_large_to_resign(&old, &rotated).await;

    let app = app(rotated);
    let response = send(&app, "GET", "/user", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(header_values(response.headers(), "vary"), ["Cookie"]);
    assert_eq!(body_text(response).await, "user=\"alice\"");

    let text = log.text();
    assert!(text.contains("WARN"), "{text}");
    assert!(
        text.contains("re-signing or extending an unchanged session failed"),
        "{text}"
    );
    assert!(text.contains("resign=true"), "{text}");

    // Another route of the same layer: the response is kept, and the warning waits a minute.
    let response = send(&app, "GET", "/notice", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(set_cookies(&response).is_empty());
    let warnings = log
        .text()
        .matches("re-signing or extending an unchanged session failed")
        .count();
    assert_eq!(
        warnings, 1,
        "one warning a minute for all routes of a layer"
    );
}

#[tokio::test]
async fn rolling_expiry_failure_keeps_response() {
    let storage = FailingStorage {
        fail_commit: true,
        ..FailingStorage::new()
    };
    let app = rolling_app(Arc::new(storage));
    let cookie = logged_in_cookie(&rolling_app(signed_storage())).await;

    let response = send(&app, "GET", "/user", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(body_text(response).await, "user=\"alice\"");

    let response = send(&app, "POST", "/login", Some(&cookie)).await;
    assert_plain_500(response).await;
}

#[tokio::test]
async fn commit_error_logged_without_data() {
    let log = CapturedLog::capture_this_thread();

    let storage = FailingStorage {
        fail_commit: true,
        ..FailingStorage::new()
    };
    let response = send(&app(Arc::new(storage)), "POST", "/login", None).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);

    let text = log.text();
    assert!(text.contains("ERROR"), "{text}");
    assert!(text.contains("saving the session failed"), "{text}");
    assert!(
        text.contains("connection refused by the test store"),
        "{text}"
    );
    assert!(text.contains("cookie=\"__session\""), "{text}");
    assert!(text.contains("step=\"commit\""), "{text}");
    assert!(
        !text.contains("alice"),
        "session data stays out of the log: {text}"
    );
    assert!(
        !text.contains(SECRET),
        "the secret stays out of the log: {text}"
    );
}

#[tokio::test]
async fn destroy_error_logged_with_step() {
    let log = CapturedLog::capture_this_thread();
    let storage = FailingStorage {
        fail_destroy: true,
        ..FailingStorage::new()
    };
    let response = send(&app(Arc::new(storage)), "POST", "/logout", None).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);

    let text = log.text();
    assert!(text.contains("saving the session failed"), "{text}");
    assert!(text.contains("step=\"destroy\""), "{text}");
}

#[tokio::test]
async fn missing_layer_logged_at_error() {
    let log = CapturedLog::capture_this_thread();

    let app = Router::new().route("/user", get(show_user));
    let response = send(&app, "GET", "/user", None).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);

    let text = log.text();
    assert!(text.contains("ERROR"), "{text}");
    assert!(text.contains("no session layer on this route"), "{text}");
}

#[tokio::test]
async fn public_cache_with_cookie_warns() {
    let log = CapturedLog::capture_this_thread();
    let app = app(signed_storage());

    let response = send(&app, "GET", "/own-cache", None).await;
    assert!(response.headers().contains_key("set-cookie"));
    assert!(!log.text().contains("shared cache"), "{}", log.text());

    let response = send(&app, "GET", "/public-cache", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key("set-cookie"));
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=600",
        "the handler's header is kept"
    );
    let text = log.text();
    assert!(text.contains("WARN"), "{text}");
    assert!(
        text.contains("a cache may serve the cookie to other visitors"),
        "{text}"
    );
    assert!(text.contains("cookie=\"__session\""), "{text}");

    let response = send(&app, "GET", "/public-cache", None).await;
    assert!(response.headers().contains_key("set-cookie"));
    let text = log.text();
    assert_eq!(
        text.matches("a cache may serve the cookie").count(),
        1,
        "the warning is logged once per process: {text}"
    );
}

/// Builds the login and read routes of [`app`] under a layer with rolling expiry.
fn rolling_app(storage: Arc<dyn SessionStorage>) -> Router {
    Router::new()
        .route("/login", post(login))
        .route("/user", get(show_user))
        .layer(SessionLayer::new(storage).rolling_expiry(true))
}

#[tokio::test]
async fn rolling_expiry_resends_read_session() {
    let storage = storage_with(Cookie::builder("__session").secrets([SECRET]).max_age(600));
    let app = rolling_app(storage.clone());
    let cookie = logged_in_cookie(&app).await;

    let response = send(&app, "GET", "/user", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let values = set_cookies(&response);
    assert_eq!(values.len(), 1, "{values:?}");
    let set_cookie = &values[0];
    assert!(set_cookie.contains("; Max-Age=600"), "{set_cookie}");
    let session = storage
        .get_session(Some(&request_cookie(set_cookie)))
        .await
        .unwrap();
    assert_eq!(session.data()["user"], json!("alice"));
}

#[tokio::test]
async fn rolling_expiry_updates_server_record() {
    let (store, storage) = recording_storage();
    let calls_of = |app: Router, cookie: String| {
        let store = store.clone();
        async move {
            let before = store.calls().len();
            send(&app, "GET", "/user", Some(&cookie)).await;
            let calls = store.calls()[before..].to_vec();
            calls
                .iter()
                .map(|call| call["fn"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let cookie = logged_in_cookie(&app(storage.clone())).await;

    let plain = calls_of(app(storage.clone()), cookie.clone()).await;
    assert_eq!(plain, ["readData"]);
    let rolling = calls_of(rolling_app(storage), cookie).await;
    // `RecordingStore` keeps the default `touch`, which reads the record and writes it back.
    assert_eq!(rolling, ["readData", "readData", "updateData"]);
}

/// Lets a test hold a request between loading its session and returning.
#[derive(Clone, Default)]
struct Gate {
    loaded: Arc<Notify>,
    release: Arc<Notify>,
}

/// Reads the user, then waits until the test releases the request.
async fn slow_user(State(gate): State<Gate>, mut session: ManagedSession) -> String {
    let user = session.get("user").unwrap_or_default();
    gate.loaded.notify_one();
    gate.release.notified().await;
    format!("user={user}")
}

/// Reads the flash notice, which changes the session, then waits like [`slow_user`].
async fn slow_notice(State(gate): State<Gate>, mut session: ManagedSession) -> String {
    let notice = session.get("notice").unwrap_or_default();
    gate.loaded.notify_one();
    gate.release.notified().await;
    format!("notice={notice}")
}

/// Signs in with a fresh id like [`login_rotating`], then waits like [`slow_user`].
async fn slow_login(State(gate): State<Gate>, mut session: ManagedSession) -> &'static str {
    session.rotate_id();
    session.set("user", "alice");
    gate.loaded.notify_one();
    gate.release.notified().await;
    "signed in"
}

/// Asks for a longer `Max-Age` without changing the data, then waits like [`slow_user`].
async fn slow_remember(State(gate): State<Gate>, mut session: ManagedSession) -> &'static str {
    session.commit_with(CookieOptions {
        max_age: Some(86400),
        ..CookieOptions::default()
    });
    gate.loaded.notify_one();
    gate.release.notified().await;
    "remembered"
}

/// Runs a request to `slow_path` (`/slow-user`, `/slow-notice`, `/slow-login` or
/// `/slow-remember`) with `cookie` that a request to `path` overlaps with the same cookie,
/// and returns the slow request's response.
async fn overlapped(
    storage: Arc<dyn SessionStorage>,
    cookie: &str,
    slow_path: &str,
    path: &str,
    rolling_expiry: bool,
) -> Response<Body> {
    let gate = Gate::default();
    let app = Router::new()
        .route("/slow-user", get(slow_user))
        .route("/slow-notice", get(slow_notice))
        .route("/slow-login", post(slow_login))
        .route("/slow-remember", get(slow_remember))
        .route("/cart", post(add_to_cart))
        .route("/login-rotating", post(login_rotating))
        .route("/logout", post(logout))
        .with_state(gate.clone())
        .layer(SessionLayer::new(storage).rolling_expiry(rolling_expiry));
    let slow = tokio::spawn({
        let (app, cookie, slow_path) = (app.clone(), cookie.to_owned(), slow_path.to_owned());
        let method = if slow_path == "/slow-login" {
            "POST"
        } else {
            "GET"
        };
        async move { send(&app, method, &slow_path, Some(&cookie)).await }
    });
    gate.loaded.notified().await;
    send_for_set_cookie(&app, path, Some(cookie)).await;
    gate.release.notify_one();
    slow.await.unwrap()
}

#[tokio::test]
async fn rolling_expiry_keeps_overlapping_change() {
    let (_, storage) = memory_storage(SECRET);
    let cookie = logged_in_cookie(&app(storage.clone())).await;

    let response = overlapped(storage.clone(), &cookie, "/slow-user", "/cart", true).await;
    assert_eq!(
        set_cookies(&response).len(),
        1,
        "the read still extends the expiry"
    );
    let session = storage.get_session(Some(&cookie)).await.unwrap();
    assert_eq!(session.data()["cart"], json!(["book"]));
    assert_eq!(session.data()["user"], json!("alice"));
}

#[tokio::test]
async fn rolling_expiry_leaves_rotated_cookie_alone() {
    let (server, storage) = memory_storage(SECRET);
    let cookie = logged_in_cookie(&app(storage.clone())).await;

    let response = overlapped(
        storage.clone(),
        &cookie,
        "/slow-user",
        "/login-rotating",
        true,
    )
    .await;
    assert!(
        set_cookies(&response).is_empty(),
        "the rotated cookie of the other request must not be replaced or deleted"
    );
    assert_eq!(server.store().len(), 1, "only the rotated record is left");
}

#[tokio::test]
async fn changed_session_leaves_rotated_cookie_alone() {
    let (server, storage) = memory_storage(SECRET);
    let cookie = logged_in_cookie(&app(storage.clone())).await;

    let response = overlapped(
        storage.clone(),
        &cookie,
        "/slow-notice",
        "/login-rotating",
        false,
    )
    .await;
    assert!(
        set_cookies(&response).is_empty(),
        "the rotated cookie of the other request must not be replaced or deleted"
    );
    assert_eq!(body_text(response).await, r#"notice="Welcome, alice""#);
    assert_eq!(
        server.store().len(),
        1,
        "the old record is not brought back"
    );
    assert!(storage
        .get_session(Some(&cookie))
        .await
        .unwrap()
        .data()
        .is_empty());
}

#[tokio::test]
async fn second_login_leaves_first_alone() {
    let (server, storage) = memory_storage(SECRET);
    let cookie = request_cookie(&send_for_set_cookie(&app(storage.clone()), "/cart", None).await);

    let response = overlapped(
        storage.clone(),
        &cookie,
        "/slow-login",
        "/login-rotating",
        false,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        set_cookies(&response).is_empty(),
        "the first login's cookie must not be replaced or deleted"
    );
    assert_eq!(
        server.store().len(),
        1,
        "only the first login's record is left"
    );
}

#[tokio::test]
async fn changed_session_leaves_logout_alone() {
    let (server, storage) = memory_storage(SECRET);
    let cookie = logged_in_cookie(&app(storage.clone())).await;

    let response = overlapped(storage.clone(), &cookie, "/slow-notice", "/logout", false).await;
    assert!(
        set_cookies(&response).is_empty(),
        "the logout's deletion cookie stands"
    );
    assert_eq!(
        server.store().len(),
        0,
        "the destroyed record is not brought back"
    );
}

/// Returns a memory storage signed with `old secret` and one that shares its records and
/// signs with `new secret`, keeping the old one for verifying.
fn storages_across_secret_rotation() -> (Arc<dyn SessionStorage>, Arc<dyn SessionStorage>) {
    let store = MemoryStore::new();
    let storage = |secrets: &[&str]| -> Arc<dyn SessionStorage> {
        let cookie = Cookie::builder("__session")
            .secrets(secrets.iter().copied())
            .build()
            .unwrap();
        Arc::new(ServerSessionStorage::new(cookie, store.clone()))
    };
    (
        storage(&["old secret"]),
        storage(&["new secret", "old secret"]),
    )
}

#[tokio::test]
async fn resign_keeps_overlapping_change() {
    let (old, rotated) = storages_across_secret_rotation();
    let cookie = logged_in_cookie(&app(old)).await;

    let response = overlapped(rotated.clone(), &cookie, "/slow-user", "/cart", false).await;
    let values = set_cookies(&response);
    assert_eq!(values.len(), 1, "the read re-signs the cookie: {values:?}");
    let session = rotated
        .get_session(Some(&request_cookie(&values[0])))
        .await
        .unwrap();
    assert!(!session.needs_resign());
    assert_eq!(session.data()["cart"], json!(["book"]));
    assert_eq!(session.data()["user"], json!("alice"));
}

#[tokio::test]
async fn resign_leaves_rotated_cookie_alone() {
    let (old, rotated) = storages_across_secret_rotation();
    let cookie = logged_in_cookie(&app(old)).await;

    let response = overlapped(rotated, &cookie, "/slow-user", "/login-rotating", false).await;
    assert!(
        set_cookies(&response).is_empty(),
        "the rotated cookie of the other request must not be replaced or deleted"
    );
}

#[tokio::test]
async fn commit_with_keeps_overlapping_change() {
    let (_, storage) = memory_storage(SECRET);
    let cookie = logged_in_cookie(&app(storage.clone())).await;

    let response = overlapped(storage.clone(), &cookie, "/slow-remember", "/cart", false).await;
    let values = set_cookies(&response);
    assert_eq!(values.len(), 1, "{values:?}");
    assert!(values[0].contains("; Max-Age=86400"), "{}", values[0]);
    let session = storage.get_session(Some(&cookie)).await.unwrap();
    assert_eq!(session.data()["cart"], json!(["book"]));
}

#[tokio::test]
async fn commit_with_leaves_rotated_cookie_alone() {
    let (_, storage) = memory_storage(SECRET);
    let cookie = logged_in_cookie(&app(storage.clone())).await;

    let response = overlapped(storage, &cookie, "/slow-remember", "/login-rotating", false).await;
    assert!(set_cookies(&response).is_empty());
}

/// An inner service whose `poll_ready` always returns the same readiness.
#[derive(Clone)]
struct FixedReadiness(Poll<Result<(), &'static str>>);

impl Service<Request<Body>> for FixedReadiness {
    type Response = Response<Body>;
    type Error = &'static str;
    type Future = std::future::Ready<Result<Response<Body>, &'static str>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0
    }

    fn call(&mut self, _: Request<Body>) -> Self::Future {
        std::future::ready(Ok(Response::new(Body::empty())))
    }
}

#[test]
fn service_forwards_inner_readiness() {
    // Layers such as tower's `ConcurrencyLimit` or `Buffer` inside the session layer rely on
    // their `poll_ready` being called and its result being passed on.
    let mut context = Context::from_waker(Waker::noop());
    let mut ready = SessionService::new(FixedReadiness(Poll::Ready(Ok(()))), signed_storage());
    assert_eq!(ready.poll_ready(&mut context), Poll::Ready(Ok(())));

    let mut pending = SessionService::new(FixedReadiness(Poll::Pending), signed_storage());
    assert_eq!(pending.poll_ready(&mut context), Poll::Pending);

    let overloaded = FixedReadiness(Poll::Ready(Err("inner service overloaded")));
    let mut failing = SessionService::new(overloaded, signed_storage());
    assert_eq!(
        failing.poll_ready(&mut context),
        Poll::Ready(Err("inner service overloaded"))
    );
}

/// An inner service that counts its calls and is not `Clone`.
struct CountingService {
    calls: usize,
}

impl Service<Request<Body>> for CountingService {
    type Response = Response<Body>;
    type Error = &'static str;
    type Future = std::future::Ready<Result<Response<Body>, &'static str>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<Body>) -> Self::Future {
        self.calls += 1;
        let body = format!("call {}", self.calls);
        std::future::ready(Ok(Response::new(Body::from(body))))
    }
}

fn assert_send_and_unpin<T: Send + Unpin>(_: &T) {}

#[tokio::test]
async fn service_calls_polled_inner_service() {
    // The service calls its own inner service, the one `poll_ready` polled, in `call`, so the
    // inner service needs no `Clone` and keeps its state from call to call. Its future is
    // `Send`, as axum requires, and `Unpin`, as the inner one is.
    let mut service = SessionService::new(CountingService { calls: 0 }, signed_storage());
    for expected in ["call 1", "call 2"] {
        std::future::poll_fn(|context| service.poll_ready(context))
            .await
            .unwrap();
        let future = service.call(Request::new(Body::empty()));
        assert_send_and_unpin(&future);
        let response = future.await.unwrap();
        assert!(response.headers().is_empty(), "{:?}", response.headers());
        assert_eq!(body_text(response).await, expected);
    }
}
