//! The demo's routes and handlers.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::Value;
use websession::axum::{ManagedSession, SessionLayer};
use websession::{CookieOptions, Session, SessionStorage};

use crate::access_log::log_request;
use crate::json_view;
use crate::pages;

/// Session key of the signed-in user's name.
const USER: &str = "user";
/// Session key of the visit count.
const VISITS: &str = "visits";
/// Flash key of the message shown once on the next page.
const NOTICE: &str = "notice";
/// Session key set when the user chose to stay signed in after the browser closes.
const REMEMBER: &str = "remember";
/// How long the cookie of a remembered session lasts after its last save, in seconds.
const REMEMBERED_MAX_AGE: i64 = 30 * 24 * 3600;
/// Longest accepted user name, in characters.
const MAX_USER_LEN: usize = 64;

/// Page settings besides the session: the storage's label and the cookie's name.
#[derive(Clone)]
struct PageState {
    store_label: Arc<str>,
    cookie_name: Arc<str>,
}

/// Builds the demo's router: sessions in `storage`, one log line per request.
pub fn app(storage: Arc<dyn SessionStorage>, store_label: &str) -> Router {
    let state = PageState {
        store_label: store_label.into(),
        cookie_name: storage.cookie().name().into(),
    };
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", axum::routing::post(logout))
        .route("/session", get(session_page))
        .with_state(state)
        .layer(SessionLayer::new(storage).cookie_options(remembered_options))
        .layer(middleware::from_fn(log_request))
}

/// Chooses a `Max-Age` of 30 days for each save of a remembered session. Other sessions get
/// the cookie's own attributes, so without a configured `Max-Age` they end when the browser
/// closes.
fn remembered_options(session: &Session) -> CookieOptions {
    CookieOptions {
        max_age: session.has(REMEMBER).then_some(REMEMBERED_MAX_AGE),
        ..CookieOptions::default()
    }
}

async fn home(mut session: ManagedSession) -> Html<String> {
    let notice = flash_text(&mut session);
    let Some(user) = user_name(&mut session) else {
        return Html(pages::signed_out(notice.as_deref()));
    };

    // A count stored by another app in another shape starts again from zero.
    let visits = session
        .get_as::<u64>(VISITS)
        .ok()
        .flatten()
        .unwrap_or(0)
        .saturating_add(1);
    session.set(VISITS, visits);
    Html(pages::greeting(&user, visits, notice.as_deref()))
}

async fn login_page() -> Html<String> {
    Html(pages::login_form(None))
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    user: String,
    /// The "remember me" checkbox, which browsers send only when it is checked.
    #[serde(default)]
    remember: Option<String>,
}

async fn login(mut session: ManagedSession, Form(form): Form<LoginForm>) -> Response {
    let user = form.user.trim();
    if user.is_empty() {
        let page = pages::login_form(Some("Enter a user name."));
        return (StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response();
    }
    if user.chars().count() > MAX_USER_LEN {
        let message = format!("Enter a user name of at most {MAX_USER_LEN} characters.");
        let page = pages::login_form(Some(&message));
        return (StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response();
    }

    // A fresh id on login, so a session id planted in the browser before login (session
    // fixation) does not become a signed-in one. The data from before login stays.
    session.rotate_id();
    // The visit count belongs to the user who was signed in, so another user starts again.
    let previous = session.get_as::<String>(USER).ok().flatten();
    if previous.is_some_and(|previous| previous != user) {
        session.unset(VISITS);
    }
    session.set(USER, user);
    if form.remember.is_some() {
        session.set(REMEMBER, true);
    } else {
        session.unset(REMEMBER);
    }
    session.flash(NOTICE, format!("Welcome, {user}! You are signed in."));
    tracing::debug!("user signed in");
    Redirect::to("/").into_response()
}

async fn logout(mut session: ManagedSession) -> Redirect {
    session.destroy();
    session.flash(NOTICE, "You have signed out.");
    tracing::debug!("user signed out");
    Redirect::to("/")
}

async fn session_page(State(state): State<PageState>, session: ManagedSession) -> Html<String> {
    let data = Value::Object(session.data().clone());
    let json = json_view::indented(&data)
        .unwrap_or_else(|error| format!("(session data cannot be shown: {error})"));
    Html(pages::session_data(
        &json,
        &state.store_label,
        &state.cookie_name,
    ))
}

/// Returns the flash notice as text, consuming it.
fn flash_text(session: &mut ManagedSession) -> Option<String> {
    session.get(NOTICE).map(|value| display_text(&value))
}

/// Returns the signed-in user's name, or `None` when nobody is signed in.
fn user_name(session: &mut ManagedSession) -> Option<String> {
    match session.get(USER)? {
        Value::Null => None,
        Value::String(name) if name.is_empty() => None,
        value => Some(display_text(&value)),
    }
}

/// Returns a JSON value as text: a string as it is, anything else as JSON, since an app
/// sharing the cookie may store other shapes.
fn display_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, Response};
    use serde_json::json;
    use tower::ServiceExt;
    use websession::{Cookie, CookieOptions, CookieSessionStorage, ServerSessionStorage};

    use super::*;

    const SECRET: &str = "routes test secret";

    fn cookie() -> Cookie {
        Cookie::builder("__session")
            .secrets([SECRET])
            .http_only(true)
            .build()
            .unwrap()
    }

    fn test_app() -> Router {
        app(Arc::new(CookieSessionStorage::new(cookie())), "cookie")
    }

    async fn send(request: Request<Body>) -> Response<Body> {
        test_app().oneshot(request).await.unwrap()
    }

    async fn body_text(response: Response<Body>) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    /// Returns the `Cookie` request header for a session cookie holding `data`, as a
    /// JavaScript app with the same secret writes it.
    fn shared_cookie(data: Value) -> String {
        let set_cookie = cookie()
            .serialize(&data, &CookieOptions::default())
            .unwrap();
        set_cookie.split(';').next().unwrap().to_owned()
    }

    #[tokio::test]
    async fn home_without_cookie_signed_out() {
        let response = send(Request::get("/").body(Body::empty()).unwrap()).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().get("set-cookie").is_none());
        assert!(body_text(response).await.contains("id=\"signed-out\""));
    }

    #[tokio::test]
    async fn login_rejects_empty_name() {
        let request = Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("user=+++"))
            .unwrap();
        let response = send(request).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.headers().get("set-cookie").is_none());
        assert!(body_text(response).await.contains("Enter a user name."));
    }

    #[tokio::test]
    async fn login_rejects_long_name() {
        let request = Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!("user={}", "x".repeat(65))))
            .unwrap();
        let response = send(request).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body_text(response).await.contains("at most 64 characters"));
    }

    #[tokio::test]
    async fn login_sets_user_and_flash() {
        let request = Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("user=+ada+"))
            .unwrap();
        let response = send(request).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/");
        let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
        let parsed = cookie().parse(Some(set_cookie.split(';').next().unwrap()));
        assert_eq!(
            parsed,
            Some(json!({"user": "ada", "__flash_notice__": "Welcome, ada! You are signed in."}))
        );
    }

    fn login_request(user: &str, cookie: Option<&str>) -> Request<Body> {
        let mut request =
            Request::post("/login").header("content-type", "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.body(Body::from(format!("user={user}"))).unwrap()
    }

    /// Returns the `Cookie` request header for the response's single `Set-Cookie`.
    fn next_cookie(response: &Response<Body>) -> String {
        let values: Vec<_> = response.headers().get_all("set-cookie").iter().collect();
        assert_eq!(values.len(), 1, "{values:?}");
        let set_cookie = values[0].to_str().unwrap();
        set_cookie.split(';').next().unwrap().to_owned()
    }

    /// Returns the attributes of the response's single `Set-Cookie`.
    fn set_cookie_attributes(response: &Response<Body>) -> Vec<String> {
        let values: Vec<_> = response.headers().get_all("set-cookie").iter().collect();
        assert_eq!(values.len(), 1, "{values:?}");
        let set_cookie = values[0].to_str().unwrap();
        set_cookie.split("; ").skip(1).map(str::to_owned).collect()
    }

    #[tokio::test]
    async fn remembered_login_keeps_max_age() {
        let app = test_app();
        let response = app
            .clone()
            .oneshot(login_request("ada&remember=on", None))
            .await
            .unwrap();
        assert_eq!(
            set_cookie_attributes(&response),
            ["Max-Age=2592000", "Path=/", "HttpOnly", "SameSite=Lax"]
        );

        // The home page reads the flash notice and counts the visit, so it saves again.
        let cookie = next_cookie(&response);
        let request = Request::get("/")
            .header("cookie", &cookie)
            .body(Body::empty())
            .unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert_eq!(
            set_cookie_attributes(&response),
            ["Max-Age=2592000", "Path=/", "HttpOnly", "SameSite=Lax"]
        );
    }

    #[tokio::test]
    async fn login_without_remember_forgets_it() {
        let response = send(login_request("ada&remember=on", None)).await;
        let remembered = next_cookie(&response);

        let response = send(login_request("ada", Some(&remembered))).await;
        assert_eq!(
            set_cookie_attributes(&response),
            ["Path=/", "HttpOnly", "SameSite=Lax"]
        );
        let parsed = cookie().parse(Some(&next_cookie(&response)));
        assert_eq!(parsed.unwrap().get("remember"), None);
    }

    #[tokio::test]
    async fn login_keeps_shared_data() {
        let before_login = shared_cookie(json!({"cart": ["book"], "visits": 41}));
        let response = send(login_request("ada", Some(&before_login))).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);

        let parsed = cookie().parse(Some(&next_cookie(&response)));
        assert_eq!(
            parsed,
            Some(json!({
                "cart": ["book"],
                "visits": 41,
                "user": "ada",
                "__flash_notice__": "Welcome, ada! You are signed in."
            }))
        );
    }

    #[tokio::test]
    async fn login_as_another_user_drops_visits() {
        let bob = shared_cookie(json!({"cart": ["book"], "user": "bob", "visits": 5}));
        let response = send(login_request("ada", Some(&bob))).await;
        let parsed = cookie().parse(Some(&next_cookie(&response))).unwrap();
        assert_eq!(parsed["user"], json!("ada"));
        assert_eq!(parsed["cart"], json!(["book"]));
        assert_eq!(parsed.get("visits"), None);

        let ada = shared_cookie(json!({"user": "ada", "visits": 5}));
        let response = send(login_request("ada", Some(&ada))).await;
        let parsed = cookie().parse(Some(&next_cookie(&response))).unwrap();
        assert_eq!(parsed["visits"], json!(5));
    }

    #[tokio::test]
    async fn memory_store_login_changes_id() {
        let storage: Arc<dyn SessionStorage> = Arc::new(ServerSessionStorage::memory(cookie()));
        let app = app(storage.clone(), "memory");
        let id_in = |cookie: &str| match storage.cookie().parse(Some(cookie)) {
            Some(Value::String(id)) => id,
            other => panic!("no session id in {cookie:?}: {other:?}"),
        };

        let response = app
            .clone()
            .oneshot(login_request("ada", None))
            .await
            .unwrap();
        let first = next_cookie(&response);
        let home = Request::get("/")
            .header("cookie", &first)
            .body(Body::empty());
        let response = app.clone().oneshot(home.unwrap()).await.unwrap();
        assert_eq!(next_cookie(&response), first, "same id while signed in");
        assert!(body_text(response)
            .await
            .contains("<span id=\"visits\">1</span>"));

        let response = app
            .clone()
            .oneshot(login_request("ada", Some(&first)))
            .await
            .unwrap();
        let second = next_cookie(&response);
        assert_ne!(id_in(&second), id_in(&first));

        let home = Request::get("/")
            .header("cookie", &first)
            .body(Body::empty());
        let page = body_text(app.clone().oneshot(home.unwrap()).await.unwrap()).await;
        assert!(page.contains("id=\"signed-out\""), "old id is gone: {page}");

        let home = Request::get("/")
            .header("cookie", &second)
            .body(Body::empty());
        let page = body_text(app.oneshot(home.unwrap()).await.unwrap()).await;
        assert!(page.contains("Hello, ada!"), "{page}");
        assert!(
            page.contains("<span id=\"visits\">2</span>"),
            "count kept: {page}"
        );
    }

    #[tokio::test]
    async fn shared_cookie_shown_and_greeted() {
        let cookie = shared_cookie(json!({
            "user": "grace",
            "visits": 41,
            "__flash_notice__": "from the JavaScript app"
        }));

        let request = Request::get("/session")
            .header("cookie", &cookie)
            .body(Body::empty())
            .unwrap();
        let response = send(request).await;
        assert!(response.headers().get("set-cookie").is_none(), "read only");
        let page = body_text(response).await;
        assert!(
            page.contains("&quot;user&quot;: &quot;grace&quot;"),
            "{page}"
        );
        assert!(page.contains("&quot;__flash_notice__&quot;"), "{page}");

        let request = Request::get("/")
            .header("cookie", &cookie)
            .body(Body::empty())
            .unwrap();
        let page = body_text(send(request).await).await;
        assert!(page.contains("Hello, grace!"), "{page}");
        assert!(page.contains("<span id=\"visits\">42</span>"), "{page}");
        assert!(page.contains("from the JavaScript app"), "{page}");
    }

    #[tokio::test]
    async fn foreign_value_shapes_shown_as_json() {
        let cookie = shared_cookie(json!({"user": {"id": 7}, "visits": "many"}));
        let request = Request::get("/")
            .header("cookie", &cookie)
            .body(Body::empty())
            .unwrap();
        let page = body_text(send(request).await).await;
        assert!(page.contains("Hello, {&quot;id&quot;:7}!"), "{page}");
        assert!(page.contains("<span id=\"visits\">1</span>"), "{page}");
    }
}
