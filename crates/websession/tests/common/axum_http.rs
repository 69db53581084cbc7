//! Requests through an axum `Router` and readers of their responses, for the axum tests.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, Response, StatusCode};
use axum::Router;
use tower::ServiceExt;
use websession::{Cookie, CookieSessionStorage, MemoryStore, ServerSessionStorage, SessionStorage};

/// Sends a request without a body, with `cookie` as its `Cookie` header when given.
pub async fn send(app: &Router, method: &str, path: &str, cookie: Option<&str>) -> Response<Body> {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    app.clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

/// Sends a POST request whose response must be 200 with exactly one `Set-Cookie`, and returns
/// that value.
pub async fn send_for_set_cookie(app: &Router, path: &str, cookie: Option<&str>) -> String {
    let response = send(app, "POST", path, cookie).await;
    assert_eq!(response.status(), StatusCode::OK, "POST {path}");
    let values = set_cookies(&response);
    assert_eq!(values.len(), 1, "POST {path}: {values:?}");
    values.into_iter().next().unwrap()
}

pub fn set_cookies(response: &Response<Body>) -> Vec<String> {
    header_values(response.headers(), "set-cookie")
}

pub fn header_values(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect()
}

pub async fn body_text(response: Response<Body>) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Creates a cookie storage for the `__session` cookie with `secrets`, the first signing.
pub fn cookie_storage(secrets: &[&str]) -> Arc<dyn SessionStorage> {
    let cookie = Cookie::builder("__session")
        .secrets(secrets)
        .build()
        .unwrap();
    Arc::new(CookieSessionStorage::new(cookie))
}

/// Creates a server-side storage with its records in memory, returned once as its own type
/// (to inspect the store) and once as the extractors and the layer take it.
pub fn memory_storage(
    secret: &str,
) -> (
    Arc<ServerSessionStorage<MemoryStore>>,
    Arc<dyn SessionStorage>,
) {
    let cookie = Cookie::builder("__session")
        .secrets([secret])
        .build()
        .unwrap();
    let storage = Arc::new(ServerSessionStorage::memory(cookie));
    (storage.clone(), storage)
}

/// Returns the session id that a server-side storage's request cookie carries.
pub fn id_in(storage: &Arc<dyn SessionStorage>, cookie: &str) -> String {
    match storage.cookie().parse(Some(cookie)) {
        Some(serde_json::Value::String(id)) => id,
        other => panic!("no session id in {cookie:?}: {other:?}"),
    }
}

/// Checks a login that rotated the session id from the request cookie `before` to `after`:
/// the old cookie reads as a new empty session, and the new one has its id and keeps the cart
/// from before the login along with the signed-in user `alice`.
pub async fn assert_rotated_keeping_data(
    storage: &Arc<dyn SessionStorage>,
    before: &str,
    after: &str,
) {
    let old = storage.get_session(Some(before)).await.unwrap();
    assert!(old.data().is_empty(), "{:?}", old.data());
    assert_eq!(old.id(), "");

    let mut new = storage.get_session(Some(after)).await.unwrap();
    assert_eq!(new.id(), id_in(storage, after));
    assert_eq!(
        new.get("cart"),
        Some(serde_json::json!(["book"])),
        "data from before login"
    );
    assert_eq!(new.get("user"), Some(serde_json::json!("alice")));
}
