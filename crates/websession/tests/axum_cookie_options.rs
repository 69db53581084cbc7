//! `SessionLayer::cookie_options`, which chooses each save's cookie options from the session,
//! driven with real requests through `oneshot`.
#![cfg(feature = "axum")]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use common::axum_http::{cookie_storage, send, set_cookies};
use common::request_cookie;
use serde_json::json;
use tower::ServiceExt;
use websession::axum::{ManagedSession, SessionLayer, SessionService};
use websession::{
    Cookie, CookieOptions, CookieSessionStorage, ManualClock, MemoryStore, SameSite,
    ServerSessionStorage, Session, SessionStorage,
};

const SECRET: &str = "cookie options test secret";
const THIRTY_DAYS: i64 = 30 * 24 * 3600;

async fn login(mut session: ManagedSession) -> &'static str {
    session.set("user", "alice");
    session.flash("notice", "Welcome, alice");
    "signed in"
}

async fn login_remembered(mut session: ManagedSession) -> &'static str {
    session.set("user", "alice");
    session.set("remember", true);
    session.flash("notice", "Welcome back, alice");
    "signed in"
}

async fn login_admin(mut session: ManagedSession) -> &'static str {
    session.set("user", "root");
    session.set("admin", true);
    "signed in"
}

async fn login_embedded(mut session: ManagedSession) -> &'static str {
    session.set("user", "alice");
    session.set("embedded", true);
    "signed in"
}

async fn logout_to_app_path(mut session: ManagedSession) -> &'static str {
    session.destroy();
    session.flash("notice", "Goodbye");
    session.commit_with(CookieOptions {
        path: Some("/app".to_owned()),
        ..CookieOptions::default()
    });
    "signed out"
}

async fn read_notice(mut session: ManagedSession) -> String {
    format!("notice={}", session.get("notice").unwrap_or_default())
}

async fn show_user(mut session: ManagedSession) -> String {
    format!("user={}", session.get("user").unwrap_or_default())
}

async fn short_lived(mut session: ManagedSession) -> &'static str {
    session.commit_with(CookieOptions {
        max_age: Some(60),
        ..CookieOptions::default()
    });
    "short"
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

/// Chooses a long `Max-Age` for sessions with the `remember` flag, and `HttpOnly` for every
/// session.
fn remembered_options(session: &Session) -> CookieOptions {
    CookieOptions {
        max_age: session.has("remember").then_some(THIRTY_DAYS),
        http_only: Some(true),
        ..CookieOptions::default()
    }
}

fn remember_me(layer: SessionLayer) -> SessionLayer {
    layer.cookie_options(remembered_options)
}

fn app(layer: SessionLayer) -> Router {
    Router::new()
        .route("/login", post(login))
        .route("/login-remembered", post(login_remembered))
        .route("/login-admin", post(login_admin))
        .route("/notice", get(read_notice))
        .route("/user", get(show_user))
        .route("/short", post(short_lived))
        .route("/logout", post(logout))
        .route("/logout-flash", post(logout_with_flash))
        .route("/login-embedded", post(login_embedded))
        .route("/logout-app-path", post(logout_to_app_path))
        .layer(layer)
}

/// Sends a request and returns the one `Set-Cookie` value of the response.
async fn single_set_cookie(app: &Router, method: &str, path: &str, cookie: Option<&str>) -> String {
    let response = send(app, method, path, cookie).await;
    let values = set_cookies(&response);
    assert_eq!(values.len(), 1, "{method} {path}: {values:?}");
    values.into_iter().next().unwrap()
}

/// Sends a request and returns the two `Set-Cookie` values of the response, in order.
async fn two_set_cookies(
    app: &Router,
    method: &str,
    path: &str,
    cookie: Option<&str>,
) -> Vec<String> {
    let response = send(app, method, path, cookie).await;
    let values = set_cookies(&response);
    assert_eq!(values.len(), 2, "{method} {path}: {values:?}");
    values
}

fn attributes(set_cookie: &str) -> Vec<&str> {
    set_cookie.split("; ").skip(1).collect()
}

#[tokio::test]
async fn chosen_max_age_kept_on_later_change() {
    let app = app(remember_me(SessionLayer::new(cookie_storage(&[SECRET]))));

    let set_cookie = single_set_cookie(&app, "POST", "/login-remembered", None).await;
    assert_eq!(
        attributes(&set_cookie),
        ["Max-Age=2592000", "Path=/", "HttpOnly", "SameSite=Lax"]
    );

    // Reading the flash value changes the session, and the new cookie keeps the Max-Age.
    let cookie = request_cookie(&set_cookie).to_owned();
    let set_cookie = single_set_cookie(&app, "GET", "/notice", Some(&cookie)).await;
    assert_eq!(
        attributes(&set_cookie),
        ["Max-Age=2592000", "Path=/", "HttpOnly", "SameSite=Lax"]
    );
}

#[tokio::test]
async fn session_without_flag_gets_no_max_age() {
    let app = app(remember_me(SessionLayer::new(cookie_storage(&[SECRET]))));

    let set_cookie = single_set_cookie(&app, "POST", "/login", None).await;
    assert_eq!(
        attributes(&set_cookie),
        ["Path=/", "HttpOnly", "SameSite=Lax"]
    );
}

#[tokio::test]
async fn without_chooser_cookie_attributes_apply() {
    let app = app(SessionLayer::new(cookie_storage(&[SECRET])));

    let set_cookie = single_set_cookie(&app, "POST", "/login-remembered", None).await;
    assert_eq!(attributes(&set_cookie), ["Path=/", "SameSite=Lax"]);
}

#[tokio::test]
async fn commit_with_overrides_chosen_fields() {
    let app = app(remember_me(SessionLayer::new(cookie_storage(&[SECRET]))));
    let set_cookie = single_set_cookie(&app, "POST", "/login-remembered", None).await;
    let cookie = request_cookie(&set_cookie).to_owned();

    let set_cookie = single_set_cookie(&app, "POST", "/short", Some(&cookie)).await;
    assert_eq!(
        attributes(&set_cookie),
        ["Max-Age=60", "Path=/", "HttpOnly", "SameSite=Lax"],
        "the handler's Max-Age wins, the chosen HttpOnly stays"
    );
}

#[tokio::test]
async fn chosen_options_apply_to_resign() {
    let old_app = app(SessionLayer::new(cookie_storage(&["old secret"])));
    let set_cookie = single_set_cookie(&old_app, "POST", "/login-remembered", None).await;
    let cookie = request_cookie(&set_cookie).to_owned();

    let rotated = cookie_storage(&[SECRET, "old secret"]);
    let app = app(remember_me(SessionLayer::new(rotated)));
    let set_cookie = single_set_cookie(&app, "GET", "/user", Some(&cookie)).await;
    assert_ne!(
        request_cookie(&set_cookie),
        cookie,
        "signed with the new secret"
    );
    assert_eq!(
        attributes(&set_cookie),
        ["Max-Age=2592000", "Path=/", "HttpOnly", "SameSite=Lax"]
    );
}

#[tokio::test]
async fn chosen_options_apply_to_rolling_expiry() {
    let layer = SessionLayer::new(cookie_storage(&[SECRET])).rolling_expiry(true);
    let app = app(remember_me(layer));
    let set_cookie = single_set_cookie(&app, "POST", "/login-remembered", None).await;
    let cookie = request_cookie(&set_cookie).to_owned();

    let set_cookie = single_set_cookie(&app, "GET", "/user", Some(&cookie)).await;
    assert_eq!(
        attributes(&set_cookie),
        ["Max-Age=2592000", "Path=/", "HttpOnly", "SameSite=Lax"]
    );
}

#[tokio::test]
async fn removal_cookie_uses_chosen_options() {
    let app = app(remember_me(SessionLayer::new(cookie_storage(&[SECRET]))));
    let set_cookie = single_set_cookie(&app, "POST", "/login-remembered", None).await;
    let cookie = request_cookie(&set_cookie).to_owned();

    let set_cookie = single_set_cookie(&app, "POST", "/logout", Some(&cookie)).await;
    assert_eq!(
        set_cookie,
        "__session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax"
    );
}

/// Makes the layer choose `Path=/admin` for sessions with the `admin` flag.
fn admin_path(layer: SessionLayer) -> SessionLayer {
    layer.cookie_options(|session| CookieOptions {
        path: session.has("admin").then(|| "/admin".to_owned()),
        ..CookieOptions::default()
    })
}

#[tokio::test]
async fn removal_cookie_options_from_destroyed_session() {
    let app = app(admin_path(SessionLayer::new(cookie_storage(&[SECRET]))));
    let set_cookie = single_set_cookie(&app, "POST", "/login-admin", None).await;
    assert_eq!(attributes(&set_cookie), ["Path=/admin", "SameSite=Lax"]);
    let cookie = request_cookie(&set_cookie).to_owned();

    let set_cookie = single_set_cookie(&app, "POST", "/logout", Some(&cookie)).await;
    assert_eq!(
        set_cookie, "__session=; Path=/admin; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax",
        "the removal cookie names the path of the cookie it removes"
    );
}

#[tokio::test]
async fn new_session_after_destroy_removes_old_path() {
    let app = app(admin_path(SessionLayer::new(cookie_storage(&[SECRET]))));
    let set_cookie = single_set_cookie(&app, "POST", "/login-admin", None).await;
    let cookie = request_cookie(&set_cookie).to_owned();

    let values = two_set_cookies(&app, "POST", "/logout-flash", Some(&cookie)).await;
    assert_eq!(
        values[0],
        "__session=; Path=/admin; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"
    );
    assert_eq!(attributes(&values[1]), ["Path=/", "SameSite=Lax"]);
    let storage = cookie_storage(&[SECRET]);
    let mut session = storage
        .get_session(Some(request_cookie(&values[1])))
        .await
        .unwrap();
    assert_eq!(session.get("notice"), Some(json!("Goodbye")));
    assert_eq!(session.get("admin"), None);
}

#[tokio::test]
async fn new_session_after_destroy_same_path_one_cookie() {
    let app = app(admin_path(SessionLayer::new(cookie_storage(&[SECRET]))));
    let set_cookie = single_set_cookie(&app, "POST", "/login", None).await;
    let cookie = request_cookie(&set_cookie).to_owned();

    let set_cookie = single_set_cookie(&app, "POST", "/logout-flash", Some(&cookie)).await;
    assert_eq!(
        attributes(&set_cookie),
        ["Path=/", "SameSite=Lax"],
        "the new cookie replaces the old one"
    );
}

#[tokio::test]
async fn new_session_after_destroy_removes_old_domain() {
    let layer =
        SessionLayer::new(cookie_storage(&[SECRET])).cookie_options(|session| CookieOptions {
            domain: session.has("admin").then(|| "admin.example.com".to_owned()),
            ..CookieOptions::default()
        });
    let app = app(layer);
    let set_cookie = single_set_cookie(&app, "POST", "/login-admin", None).await;
    let cookie = request_cookie(&set_cookie).to_owned();

    let values = two_set_cookies(&app, "POST", "/logout-flash", Some(&cookie)).await;
    assert_eq!(
        values[0],
        "__session=; Domain=admin.example.com; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"
    );
    assert_eq!(attributes(&values[1]), ["Path=/", "SameSite=Lax"]);
}

#[tokio::test]
async fn new_session_after_destroy_removes_partitioned() {
    let storage = Arc::new(CookieSessionStorage::new(
        Cookie::builder("__session")
            .secrets([SECRET])
            .secure(true)
            .build()
            .unwrap(),
    ));
    let layer = SessionLayer::new(storage).cookie_options(|session| CookieOptions {
        partitioned: Some(session.has("embedded")),
        ..CookieOptions::default()
    });
    let app = app(layer);
    let set_cookie = single_set_cookie(&app, "POST", "/login-embedded", None).await;
    assert!(
        attributes(&set_cookie).contains(&"Partitioned"),
        "{set_cookie}"
    );
    let cookie = request_cookie(&set_cookie).to_owned();

    let values = two_set_cookies(&app, "POST", "/logout-flash", Some(&cookie)).await;
    assert!(values[0].starts_with("__session=; "), "{}", values[0]);
    assert!(
        attributes(&values[0]).contains(&"Partitioned"),
        "{}",
        values[0]
    );
    assert!(
        !attributes(&values[1]).contains(&"Partitioned"),
        "{}",
        values[1]
    );
}

#[tokio::test]
async fn commit_with_applies_to_removal_and_new_cookie() {
    let app = app(admin_path(SessionLayer::new(cookie_storage(&[SECRET]))));
    let set_cookie = single_set_cookie(&app, "POST", "/login-admin", None).await;
    let cookie = request_cookie(&set_cookie).to_owned();

    // The handler's Path wins over the chosen one for both cookies, so they are one cookie
    // to the browser and only the new one is sent.
    let set_cookie = single_set_cookie(&app, "POST", "/logout-app-path", Some(&cookie)).await;
    assert_eq!(attributes(&set_cookie), ["Path=/app", "SameSite=Lax"]);
}

#[tokio::test]
async fn memory_store_destroy_then_flash_two_cookies() {
    let cookie = Cookie::builder("__session")
        .secrets([SECRET])
        .build()
        .unwrap();
    let storage = Arc::new(ServerSessionStorage::memory(cookie));
    let app = app(admin_path(SessionLayer::new(storage.clone())));
    let set_cookie = single_set_cookie(&app, "POST", "/login-admin", None).await;
    let cookie = request_cookie(&set_cookie).to_owned();
    assert_eq!(storage.store().len(), 1);

    let values = two_set_cookies(&app, "POST", "/logout-flash", Some(&cookie)).await;
    assert!(
        values[0].starts_with("__session=; Path=/admin; "),
        "{}",
        values[0]
    );
    assert_eq!(
        storage.store().len(),
        1,
        "old record deleted, new one created"
    );
    let old = storage.get_session(Some(&cookie)).await.unwrap();
    assert!(old.data().is_empty(), "the old record is gone");
    let mut new = storage
        .get_session(Some(request_cookie(&values[1])))
        .await
        .unwrap();
    assert_eq!(new.get("notice"), Some(json!("Goodbye")));
}

#[tokio::test]
async fn failed_commit_after_destroy_still_removes() {
    // Valid options for signed-in sessions, invalid ones (SameSite=None without Secure) for
    // the new session that a logout with a flash message leaves.
    let layer =
        SessionLayer::new(cookie_storage(&[SECRET])).cookie_options(|session| CookieOptions {
            same_site: (!session.has("user")).then_some(SameSite::None),
            ..CookieOptions::default()
        });
    let app = app(layer);
    let response = send(&app, "POST", "/login-remembered", None).await;
    let cookie = request_cookie(&set_cookies(&response)[0]).to_owned();

    let response = send(&app, "POST", "/logout-flash", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        set_cookies(&response),
        ["__session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"],
        "the destroy succeeded, so the browser is signed out"
    );
}

#[tokio::test]
async fn chooser_not_called_without_save() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let layer = SessionLayer::new(cookie_storage(&[SECRET])).cookie_options(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
        CookieOptions::default()
    });
    let app = app(layer);
    let set_cookie = single_set_cookie(&app, "POST", "/login", None).await;
    assert_eq!(calls.load(Ordering::Relaxed), 1, "one call for the commit");
    let cookie = request_cookie(&set_cookie).to_owned();
    let _ = single_set_cookie(&app, "GET", "/notice", Some(&cookie)).await;
    assert_eq!(
        calls.load(Ordering::Relaxed),
        2,
        "one call for the flash read"
    );

    let response = send(&app, "GET", "/user", Some(&cookie)).await;
    assert!(set_cookies(&response).is_empty());
    assert_eq!(calls.load(Ordering::Relaxed), 2, "no call for a read");
}

#[tokio::test]
async fn chosen_max_age_sets_record_expiry() {
    let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let cookie = Cookie::builder("__session")
        .secrets([SECRET])
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let store = MemoryStore::new().with_clock(Arc::new(clock.clone()));
    let storage: Arc<dyn SessionStorage> = Arc::new(ServerSessionStorage::new(cookie, store));
    let app = app(remember_me(SessionLayer::new(storage.clone())));

    let remembered = single_set_cookie(&app, "POST", "/login-remembered", None).await;
    let remembered = request_cookie(&remembered).to_owned();
    let plain = single_set_cookie(&app, "POST", "/login", None).await;
    let plain = request_cookie(&plain).to_owned();

    // Past the default lifetime of 14 days, within the chosen 30.
    clock.advance(Duration::from_secs(20 * 24 * 3600));
    let mut session = storage.get_session(Some(&remembered)).await.unwrap();
    assert_eq!(session.get("user"), Some(json!("alice")));
    let session = storage.get_session(Some(&plain)).await.unwrap();
    assert!(
        session.data().is_empty(),
        "the record without the flag expired"
    );
}

#[tokio::test]
async fn service_built_by_hand_chooses_options() {
    let routes = Router::new().route("/login-remembered", post(login_remembered));
    let service =
        SessionService::new(routes, cookie_storage(&[SECRET])).cookie_options(remembered_options);
    let request = Request::post("/login-remembered")
        .body(Body::empty())
        .unwrap();
    let response = service.oneshot(request).await.unwrap();
    let values = set_cookies(&response);
    assert_eq!(values.len(), 1, "{values:?}");
    assert_eq!(
        attributes(&values[0]),
        ["Max-Age=2592000", "Path=/", "HttpOnly", "SameSite=Lax"]
    );
}
