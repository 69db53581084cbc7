//! `LoadedSession`, the extractor whose handlers commit and destroy explicitly, driven with
//! real requests through `oneshot`.
#![cfg(feature = "axum")]

mod common;

use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::FromRef;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use common::axum_http::{
    assert_rotated_keeping_data, body_text, cookie_storage, header_values, id_in, memory_storage,
    send, send_for_set_cookie, set_cookies,
};
use common::log_capture::CapturedLog;
use serde_json::json;
use websession::axum::{LoadedSession, PrivateResponse, SessionError, SetSessionCookie};
use websession::{
    Cookie, CookieOptions, CookieSessionStorage, ParsedCookie, Session, SessionStorage,
    StorageError, StoreError,
};

/// An application state holding the storage among other things.
#[derive(Clone)]
struct AppState {
    storage: Arc<dyn SessionStorage>,
    greeting: &'static str,
}

impl FromRef<AppState> for Arc<dyn SessionStorage> {
    fn from_ref(state: &AppState) -> Self {
        state.storage.clone()
    }
}

async fn login(
    mut session: LoadedSession,
) -> Result<(SetSessionCookie, &'static str), SessionError> {
    session.set("user", "alice");
    Ok((session.commit().await?, "signed in"))
}

async fn remember(
    mut session: LoadedSession,
) -> Result<(SetSessionCookie, &'static str), SessionError> {
    let options = CookieOptions {
        max_age: Some(600),
        ..CookieOptions::default()
    };
    Ok((session.commit_with(&options).await?, "remembered"))
}

async fn add_to_cart(
    mut session: LoadedSession,
) -> Result<(SetSessionCookie, &'static str), SessionError> {
    session.set("cart", json!(["book"]));
    Ok((session.commit().await?, "added"))
}

async fn login_rotating(
    mut session: LoadedSession,
) -> Result<(SetSessionCookie, &'static str), SessionError> {
    session.set("user", "alice");
    Ok((session.rotate_id().await?, "signed in"))
}

async fn rotate_only(
    mut session: LoadedSession,
) -> Result<(SetSessionCookie, &'static str), SessionError> {
    Ok((session.rotate_id().await?, "rotated"))
}

async fn rotate_remembered(
    mut session: LoadedSession,
) -> Result<(SetSessionCookie, &'static str), SessionError> {
    let options = CookieOptions {
        max_age: Some(600),
        ..CookieOptions::default()
    };
    Ok((session.rotate_id_with(&options).await?, "remembered"))
}

async fn whoami(mut session: LoadedSession) -> String {
    format!("user={}", session.get("user").unwrap_or_default())
}

/// Returns the session's `Debug` output and whether it has a user, read through `Deref`.
async fn describe(session: LoadedSession) -> String {
    format!("{session:?} has_user={}", session.has("user"))
}

/// Takes the session out of the extractor and reads the user from it.
async fn whoami_inner(session: LoadedSession) -> String {
    let mut session = session.into_inner();
    format!("user={}", session.get("user").unwrap_or_default())
}

async fn logout(
    mut session: LoadedSession,
) -> Result<(SetSessionCookie, &'static str), SessionError> {
    Ok((session.destroy().await?, "signed out"))
}

async fn greet(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut session: LoadedSession,
) -> String {
    format!(
        "{} {}",
        state.greeting,
        session.get("user").unwrap_or_default()
    )
}

/// Reads the user and the theme, sets the theme that the query names, if any, and saves only
/// what needs saving.
async fn visit(
    mut session: LoadedSession,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Result<(PrivateResponse, Option<SetSessionCookie>, String), SessionError> {
    if let Some(theme) = query
        .as_deref()
        .and_then(|query| query.strip_prefix("theme="))
    {
        session.set("theme", theme);
    }
    let body = format!(
        "user={} theme={}",
        session.get("user").unwrap_or_default(),
        session.get("theme").unwrap_or_default()
    );
    Ok((PrivateResponse, session.commit_if_needed().await?, body))
}

/// Reads the user and saves what needs saving with a `Max-Age` of ten minutes.
async fn visit_remembered(
    mut session: LoadedSession,
) -> Result<(Option<SetSessionCookie>, String), SessionError> {
    let body = format!("user={}", session.get("user").unwrap_or_default());
    let options = CookieOptions {
        max_age: Some(600),
        ..CookieOptions::default()
    };
    Ok((session.commit_if_needed_with(&options).await?, body))
}

fn storage() -> Arc<dyn SessionStorage> {
    Arc::new(CookieSessionStorage::with_secrets(["extract test secret"]).unwrap())
}

fn app(storage: Arc<dyn SessionStorage>) -> Router {
    Router::new()
        .route("/login", post(login))
        .route("/remember", post(remember))
        .route("/whoami", get(whoami))
        .route("/describe", get(describe))
        .route("/whoami-inner", get(whoami_inner))
        .route("/logout", post(logout))
        .route("/cart", post(add_to_cart))
        .route("/login-rotating", post(login_rotating))
        .route("/rotate", post(rotate_only))
        .route("/rotate-remembered", post(rotate_remembered))
        .route("/visit", get(visit))
        .route("/visit-remembered", get(visit_remembered))
        .with_state(storage)
}

async fn login_cookie(app: &Router) -> String {
    let response = send(app, "POST", "/login", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let values = set_cookies(&response);
    assert_eq!(values.len(), 1, "{values:?}");
    values[0].split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn commit_returns_readable_cookie() {
    let storage = storage();
    let app = app(storage.clone());
    let response = send(&app, "POST", "/login", None).await;
    assert_eq!(response.headers()["vary"], "Cookie");
    assert_eq!(response.headers()["cache-control"], "private");
    let values = set_cookies(&response);
    assert_eq!(
        values,
        ["__session=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D.1sF6PSHi80VU7l3fbTND3J0nIlbWAf7N6dyV4Pqowgc; Path=/; SameSite=Lax"]
    );

    let cookie = values[0].split(';').next().unwrap();
    let mut session = storage.get_session(Some(cookie)).await.unwrap();
    assert_eq!(session.get("user"), Some(json!("alice")));
}

#[tokio::test]
async fn handler_reads_cookie() {
    let app = app(storage());
    let cookie = login_cookie(&app).await;
    let response = send(&app, "GET", "/whoami", Some(&cookie)).await;
    assert!(set_cookies(&response).is_empty(), "no commit, no cookie");
    assert_eq!(body_text(response).await, "user=\"alice\"");
}

#[tokio::test]
async fn into_inner_keeps_loaded_data() {
    let app = app(storage());
    let cookie = login_cookie(&app).await;
    let response = send(&app, "GET", "/whoami-inner", Some(&cookie)).await;
    assert_eq!(body_text(response).await, "user=\"alice\"");
}

#[tokio::test]
async fn loaded_session_debug_and_deref() {
    let app = app(storage());
    let cookie = login_cookie(&app).await;
    let response = send(&app, "GET", "/describe", Some(&cookie)).await;
    assert_eq!(
        body_text(response).await,
        "LoadedSession { session: Session { id: \"\", keys: [\"user\"], changed: false, \
         needs_resign: false }, cookie: \"__session\" } has_user=true"
    );
}

#[tokio::test]
async fn commit_with_applies_overrides() {
    let app = app(storage());
    let response = send(&app, "POST", "/remember", None).await;
    let values = set_cookies(&response);
    assert_eq!(values.len(), 1);
    assert!(values[0].contains("; Max-Age=600;"), "{values:?}");
}

#[tokio::test]
async fn destroy_returns_removal_cookie() {
    let app = app(storage());
    let cookie = login_cookie(&app).await;
    let response = send(&app, "POST", "/logout", Some(&cookie)).await;
    assert_eq!(
        set_cookies(&response),
        ["__session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"]
    );
}

/// Returns the `name=value` pair of a `Set-Cookie` value, as the browser sends it back.
fn request_cookie(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn rotate_id_moves_data_to_new_id() {
    let (server, storage) = memory_storage("extract test secret");
    let app = app(storage.clone());
    let before = request_cookie(&send_for_set_cookie(&app, "/cart", None).await);

    let after = request_cookie(&send_for_set_cookie(&app, "/login-rotating", Some(&before)).await);
    assert_ne!(id_in(&storage, &after), id_in(&storage, &before));
    assert_eq!(server.store().len(), 1, "the old record is deleted");
    assert_rotated_keeping_data(&storage, &before, &after).await;
}

#[tokio::test]
async fn rotate_id_unchanged_sends_new_id() {
    let (server, storage) = memory_storage("extract test secret");
    let app = app(storage.clone());
    let before = request_cookie(&send_for_set_cookie(&app, "/cart", None).await);

    let after = request_cookie(&send_for_set_cookie(&app, "/rotate", Some(&before)).await);
    assert_ne!(id_in(&storage, &after), id_in(&storage, &before));
    assert_eq!(server.store().len(), 1);
    let mut new = storage.get_session(Some(&after)).await.unwrap();
    assert_eq!(new.get("cart"), Some(json!(["book"])));
}

#[tokio::test]
async fn rotate_id_with_cookie_storage_commits() {
    let app = app(storage());
    let cookie = login_cookie(&app).await;

    let set_cookie = send_for_set_cookie(&app, "/rotate", Some(&cookie)).await;
    assert_eq!(
        set_cookie,
        "__session=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D.1sF6PSHi80VU7l3fbTND3J0nIlbWAf7N6dyV4Pqowgc; Path=/; SameSite=Lax",
        "no id to change: the same value as the commit at login"
    );
}

#[tokio::test]
async fn rotate_id_with_applies_overrides() {
    let (_server, storage) = memory_storage("extract test secret");
    let app = app(storage.clone());
    let before = request_cookie(&send_for_set_cookie(&app, "/cart", None).await);

    let set_cookie = send_for_set_cookie(&app, "/rotate-remembered", Some(&before)).await;
    assert!(set_cookie.contains("; Max-Age=600;"), "{set_cookie}");
    let after = request_cookie(&set_cookie);
    assert_ne!(id_in(&storage, &after), id_in(&storage, &before));
    let mut session = storage.get_session(Some(&after)).await.unwrap();
    assert_eq!(session.get("cart"), Some(json!(["book"])));
}

#[tokio::test]
async fn storage_taken_from_app_state() {
    let state = AppState {
        storage: storage(),
        greeting: "hello",
    };
    let login_app = app(state.storage.clone());
    let cookie = login_cookie(&login_app).await;

    let app = Router::new().route("/", get(greet)).with_state(state);
    let response = send(&app, "GET", "/", Some(&cookie)).await;
    assert_eq!(body_text(response).await, "hello \"alice\"");
}

/// A storage whose backing store is always down.
struct DownStorage {
    cookie: Cookie,
}

#[async_trait]
impl SessionStorage for DownStorage {
    fn cookie(&self) -> &Cookie {
        &self.cookie
    }

    async fn load_session(&self, _parsed: Option<ParsedCookie>) -> Result<Session, StorageError> {
        Err(StorageError::Store(StoreError::Other(
            "the test store is down".into(),
        )))
    }

    async fn commit_session(
        &self,
        _session: &mut Session,
        _overrides: &CookieOptions,
    ) -> Result<String, StorageError> {
        Err(StorageError::Store(StoreError::Other(
            "the test store is down".into(),
        )))
    }

    async fn destroy_session(
        &self,
        _session: &mut Session,
        _overrides: &CookieOptions,
    ) -> Result<String, StorageError> {
        Err(StorageError::Store(StoreError::Other(
            "the test store is down".into(),
        )))
    }
}

#[tokio::test]
async fn load_error_is_plain_500() {
    let down: Arc<dyn SessionStorage> = Arc::new(DownStorage {
        cookie: Cookie::builder("__session").build().unwrap(),
    });
    let response = send(&app(down), "GET", "/whoami", None).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(body_text(response).await, "");
}

#[tokio::test]
async fn error_message_names_the_cause() {
    let error = SessionError::from(StorageError::Store(StoreError::Other(
        "the test store is down".into(),
    )));
    assert_eq!(
        error.to_string(),
        "custom session store failed: the test store is down"
    );
}

#[tokio::test]
async fn commit_if_needed_skips_unchanged() {
    let app = app(storage());
    let cookie = login_cookie(&app).await;

    let response = send(&app, "GET", "/visit", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(set_cookies(&response).is_empty(), "nothing changed");
    assert_eq!(header_values(response.headers(), "vary"), ["Cookie"]);
    assert_eq!(
        header_values(response.headers(), "cache-control"),
        ["private"]
    );
    assert_eq!(body_text(response).await, "user=\"alice\" theme=null");
}

#[tokio::test]
async fn commit_if_needed_commits_change() {
    let storage = storage();
    let app = app(storage.clone());
    let cookie = login_cookie(&app).await;

    let response = send(&app, "GET", "/visit?theme=dark", Some(&cookie)).await;
    let values = set_cookies(&response);
    assert_eq!(values.len(), 1, "{values:?}");
    let mut session = storage
        .get_session(Some(&request_cookie(&values[0])))
        .await
        .unwrap();
    assert_eq!(session.get("user"), Some(json!("alice")));
    assert_eq!(session.get("theme"), Some(json!("dark")));
}

#[tokio::test]
async fn commit_if_needed_resigns_old_cookie() {
    let old_cookie = login_cookie(&app(cookie_storage(&["extract test secret"]))).await;
    let rotated = app(cookie_storage(&["new secret", "extract test secret"]));

    let response = send(&rotated, "GET", "/visit", Some(&old_cookie)).await;
    let values = set_cookies(&response);
    assert_eq!(body_text(response).await, "user=\"alice\" theme=null");
    assert_eq!(values.len(), 1, "{values:?}");
    let new_cookie = request_cookie(&values[0]);
    assert_ne!(new_cookie, old_cookie);

    // Once the old secret is gone, only the re-signed cookie still reads.
    let new_only = cookie_storage(&["new secret"]);
    let mut session = new_only.get_session(Some(&new_cookie)).await.unwrap();
    assert_eq!(session.get("user"), Some(json!("alice")));
    let session = new_only.get_session(Some(&old_cookie)).await.unwrap();
    assert!(session.data().is_empty());

    let response = send(&rotated, "GET", "/visit", Some(&new_cookie)).await;
    assert!(
        set_cookies(&response).is_empty(),
        "signed with the current secret"
    );
}

#[tokio::test]
async fn commit_if_needed_with_applies_to_resign() {
    let old_cookie = login_cookie(&app(cookie_storage(&["extract test secret"]))).await;
    let rotated = app(cookie_storage(&["new secret", "extract test secret"]));

    let response = send(&rotated, "GET", "/visit-remembered", Some(&old_cookie)).await;
    let values = set_cookies(&response);
    assert_eq!(body_text(response).await, "user=\"alice\"");
    assert_eq!(values.len(), 1, "{values:?}");
    assert_eq!(
        values[0].split("; ").skip(1).collect::<Vec<_>>(),
        ["Max-Age=600", "Path=/", "SameSite=Lax"]
    );
    assert_ne!(request_cookie(&values[0]), old_cookie);

    let new_cookie = request_cookie(&values[0]);
    let response = send(&rotated, "GET", "/visit-remembered", Some(&new_cookie)).await;
    assert!(set_cookies(&response).is_empty(), "nothing to save");
}

/// A storage whose cookies all verified with an older secret and whose commits all fail
/// because the cookie would be too large.
struct UnsignableStorage {
    cookie: Cookie,
}

#[async_trait]
impl SessionStorage for UnsignableStorage {
    fn cookie(&self) -> &Cookie {
        &self.cookie
    }

    async fn load_session(&self, _parsed: Option<ParsedCookie>) -> Result<Session, StorageError> {
        let mut data = serde_json::Map::new();
        data.insert("user".to_owned(), json!("alice"));
        let mut session = Session::from_data("", data);
        session.set_needs_resign(true);
        Ok(session)
    }

    async fn commit_session(
        &self,
        _session: &mut Session,
        _overrides: &CookieOptions,
    ) -> Result<String, StorageError> {
        Err(StorageError::CookieTooLarge {
            length: 4100,
            limit: 4096,
        })
    }

    async fn destroy_session(
        &self,
        _session: &mut Session,
        _overrides: &CookieOptions,
    ) -> Result<String, StorageError> {
        Ok("__session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT".to_owned())
    }
}

/// The only test of this binary whose re-sign fails: the warning it checks is limited to one
/// a minute in the whole process.
#[tokio::test]
async fn commit_if_needed_resign_failure_keeps_response() {
    let log = CapturedLog::capture_this_thread();
    let storage: Arc<dyn SessionStorage> = Arc::new(UnsignableStorage {
        cookie: Cookie::builder("__session").build().unwrap(),
    });
    let app = app(storage);

    let response = send(&app, "GET", "/visit", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(body_text(response).await, "user=\"alice\" theme=null");
    let text = log.text();
    assert!(text.contains("WARN"), "{text}");
    assert!(
        text.contains("re-signing or extending an unchanged session failed"),
        "{text}"
    );
    assert!(text.contains("resign=true"), "{text}");
    assert!(text.contains("cookie=\"__session\""), "{text}");

    // A change that cannot be saved is the handler's error.
    let response = send(&app, "GET", "/visit?theme=dark", None).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}
