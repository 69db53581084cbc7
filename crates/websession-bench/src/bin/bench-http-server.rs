//! A minimal axum server for the HTTP-level benchmark, on one thread, on loopback.
//!
//! ```text
//! bench-http-server PORT        (0: any free port, printed on startup)
//! ```
//!
//! Routes, all responding with the session's `userId` (a constant without the session layer):
//!
//! - `GET /plain`: no session layer;
//! - `GET /untouched`: `SessionLayer` over the cookie session storage, and the same handler as
//!   `/plain`, which does not extract the session, so the layer never loads it;
//! - `GET /read`: the same layer; the handler reads `userId`,
//!   so the session is unchanged and no `Set-Cookie` is sent;
//! - `GET /write`: the same layer; the handler also changes `theme`, so the layer commits the
//!   session and sends `Set-Cookie`.
//! - `GET /floor-read` and `GET /floor-write`: no session layer. The handler does the work of
//!   `/read` or `/write` by hand with [`Floor`], the plainest code for the same wire format,
//!   so the difference to `/read` and `/write` is what the layer and `websession` add to the
//!   work itself. These responses lack the `Vary` and `Cache-Control` headers that the layer
//!   adds.
//!
//! On startup it prints `cookie: <header>`, the `Cookie` request header that carries the small
//! benchmark payload, then `listening on <address>`.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};

use std::sync::Arc;

use axum::extract::Request;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::routing::get;
use axum::Router;
use serde_json::{Map, Value};
use websession::axum::{ManagedSession, SessionLayer};
use websession::{Cookie, CookieSessionStorage};
use websession_bench::{Fixture, Floor, Ours};

const USER_ID: &str = "7f3c9a2e-4b1d-4e8a-9c6f-2d5e8b1a0f47";

static COUNTER: AtomicU64 = AtomicU64::new(0);

async fn plain() -> &'static str {
    USER_ID
}

async fn read(mut session: ManagedSession) -> String {
    user_id(&mut session)
}

async fn write(mut session: ManagedSession) -> String {
    session.set("theme", next_theme());
    user_id(&mut session)
}

/// Alternates the theme, so that each `/write` changes the session.
fn next_theme() -> &'static str {
    if COUNTER.fetch_add(1, Ordering::Relaxed) & 1 == 1 {
        "dark"
    } else {
        "lite"
    }
}

/// Reads the session data by hand with the floor, or an empty map without a valid cookie.
fn floor_data(floor: &Floor, request: &Request) -> Map<String, Value> {
    let header = request
        .headers()
        .get(COOKIE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    floor.get(header).unwrap_or_default()
}

fn floor_user_id(data: &Map<String, Value>) -> String {
    match data.get("userId") {
        Some(Value::String(id)) => id.clone(),
        _ => String::new(),
    }
}

// The handlers take the whole request, which axum moves into them, because a `HeaderMap`
// argument would clone every header of the request first.
async fn floor_read(floor: Arc<Floor>, request: Request) -> String {
    floor_user_id(&floor_data(&floor, &request))
}

async fn floor_write(
    floor: Arc<Floor>,
    request: Request,
) -> ([(axum::http::HeaderName, String); 1], String) {
    let mut data = floor_data(&floor, &request);
    data.insert("theme".to_owned(), next_theme().into());
    let set_cookie = floor.commit(&data);
    ([(SET_COOKIE, set_cookie)], floor_user_id(&data))
}

fn user_id(session: &mut ManagedSession) -> String {
    match session.get("userId") {
        Some(serde_json::Value::String(id)) => id,
        _ => String::new(),
    }
}

fn main() -> std::io::Result<()> {
    let port: u16 = match std::env::args().nth(1).map(|text| text.parse()) {
        Some(Ok(port)) => port,
        _ => {
            eprintln!("usage: bench-http-server PORT");
            std::process::exit(2);
        }
    };

    let fixture = Fixture::load();
    let header = fixture.request_header(&Ours::new(&fixture).commit_data(fixture.payload("small")));
    let cookie = Cookie::builder(fixture.cookie_name.clone())
        .secrets(&fixture.secrets)
        .http_only(true)
        .secure(true)
        .build()
        .expect("the fixture's secrets are not empty");
    let sessions = Router::new()
        .route("/untouched", get(plain))
        .route("/read", get(read))
        .route("/write", get(write))
        .layer(SessionLayer::from_storage(CookieSessionStorage::new(
            cookie,
        )));
    let floor = Arc::new(Floor::new(&fixture));
    let by_hand = Router::new()
        .route(
            "/floor-read",
            get({
                let floor = floor.clone();
                move |request: Request| floor_read(floor.clone(), request)
            }),
        )
        .route(
            "/floor-write",
            get(move |request: Request| floor_write(floor.clone(), request)),
        );
    let app = Router::new()
        .route("/plain", get(plain))
        .merge(sessions)
        .merge(by_hand);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let listener = tokio::net::TcpListener::bind(address).await?;
        println!("cookie: {header}");
        println!("listening on {}", listener.local_addr()?);
        axum::serve(listener, app).await
    })
}
