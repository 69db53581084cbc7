//! Tests that poll `SessionService`'s response future by hand, stage by stage. They cover an
//! inner future that is pending before it completes, a store call that is pending until the
//! test releases it, an inner error, and a future dropped while it saves.
#![cfg(feature = "axum")]

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::SystemTime;

use async_trait::async_trait;
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::{Request, Response};
use common::axum_http::{body_text, header_values, set_cookies};
use common::recording_store::RecordingStore;
use serde_json::{json, Map, Value};
use tokio::sync::Notify;
use tower::Service;
use websession::axum::{ManagedSession, SessionService};
use websession::{Cookie, ServerSessionStorage, SessionStorage, SessionStore, StoreError};

/// A store whose `create` waits until the test calls [`GatedStore::release`]. The other calls
/// go straight to a [`RecordingStore`].
#[derive(Clone, Default)]
struct GatedStore {
    records: RecordingStore,
    gate: Arc<Notify>,
}

impl GatedStore {
    fn release(&self) {
        self.gate.notify_one();
    }
}

#[async_trait]
impl SessionStore for GatedStore {
    async fn create(
        &self,
        data: &Map<String, Value>,
        expires: Option<SystemTime>,
    ) -> Result<String, StoreError> {
        self.gate.notified().await;
        self.records.create(data, expires).await
    }

    async fn read(&self, id: &str) -> Result<Option<Map<String, Value>>, StoreError> {
        self.records.read(id).await
    }

    async fn update(
        &self,
        id: &str,
        data: &Map<String, Value>,
        expires: Option<SystemTime>,
    ) -> Result<bool, StoreError> {
        self.records.update(id, data, expires).await
    }

    async fn delete(&self, id: &str) -> Result<(), StoreError> {
        self.records.delete(id).await
    }
}

fn gated_storage() -> (GatedStore, Arc<dyn SessionStorage>) {
    let store = GatedStore::default();
    let cookie = Cookie::builder("__session")
        .secrets(["response future test secret"])
        .build()
        .unwrap();
    let storage = Arc::new(ServerSessionStorage::new(cookie, store.clone()));
    (store, storage)
}

/// What the inner service's handler does with the session.
#[derive(Clone, Copy)]
enum Handler {
    /// Sets `user` and responds 200.
    SetUser,
    /// Reads `user` and responds 200 with it as the body.
    ReadUser,
    /// Sets `user` and then fails.
    SetUserThenFail,
}

/// An inner service whose future is pending `pending_polls` times, waking its task each
/// time, and then runs `handler`.
#[derive(Clone)]
struct StallingService {
    pending_polls: usize,
    handler: Handler,
}

impl Service<Request<Body>> for StallingService {
    type Response = Response<Body>;
    type Error = &'static str;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, &'static str>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let (pending_polls, handler) = (self.pending_polls, self.handler);
        Box::pin(async move {
            for _ in 0..pending_polls {
                pending_once().await;
            }
            let (mut parts, _) = request.into_parts();
            let mut session = ManagedSession::from_request_parts(&mut parts, &())
                .await
                .map_err(|_| "session extraction failed")?;
            match handler {
                Handler::SetUser => session.set("user", "alice"),
                Handler::SetUserThenFail => {
                    session.set("user", "alice");
                    return Err("handler failed");
                }
                Handler::ReadUser => {
                    let user = session.get("user").unwrap_or_default();
                    return Ok(Response::new(Body::from(user.to_string())));
                }
            }
            Ok(Response::new(Body::empty()))
        })
    }
}

/// Returns `Pending` once, waking the task first, as a future that yields to the executor does.
async fn pending_once() {
    let mut polled = false;
    std::future::poll_fn(|context| {
        if polled {
            return Poll::Ready(());
        }
        polled = true;
        context.waker().wake_by_ref();
        Poll::Pending
    })
    .await;
}

/// A waker that counts its wakes.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl CountingWaker {
    fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn request() -> Request<Body> {
    Request::new(Body::empty())
}

#[tokio::test]
async fn pending_inner_then_pending_save() {
    let (store, storage) = gated_storage();
    let inner = StallingService {
        pending_polls: 3,
        handler: Handler::SetUser,
    };
    let mut future = SessionService::new(inner, storage).call(request());
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(counter.clone());
    let mut context = Context::from_waker(&waker);

    for wakes in 1..=3 {
        assert!(Pin::new(&mut future).poll(&mut context).is_pending());
        assert_eq!(counter.wakes(), wakes, "the inner future wakes the task");
        assert_eq!(
            format!("{future:?}"),
            r#"ResponseFuture { stage: "handler" }"#
        );
    }
    assert!(Pin::new(&mut future).poll(&mut context).is_pending());
    assert_eq!(
        format!("{future:?}"),
        r#"ResponseFuture { stage: "saving" }"#
    );
    assert!(store.records.calls().is_empty(), "create waits at the gate");

    store.release();
    assert_eq!(counter.wakes(), 4, "the store's wake reaches the task");
    let Poll::Ready(result) = Pin::new(&mut future).poll(&mut context) else {
        panic!("the save completes once the gate opens");
    };
    let response = result.unwrap();
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    assert!(cookies[0].starts_with("__session="), "{cookies:?}");
    assert_eq!(
        header_values(response.headers(), "cache-control"),
        ["private"]
    );
    let calls = store.records.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["fn"], "createData");
    assert_eq!(calls[0]["data"], json!({ "user": "alice" }));
}

#[tokio::test]
async fn unchanged_session_needs_no_save_stage() {
    let (store, storage) = gated_storage();
    let login = StallingService {
        pending_polls: 0,
        handler: Handler::SetUser,
    };
    store.release();
    let response = SessionService::new(login, storage.clone())
        .call(request())
        .await
        .unwrap();
    let set_cookie = set_cookies(&response).remove(0);
    let mut request = request();
    let cookie = common::request_cookie(&set_cookie).parse().unwrap();
    request.headers_mut().insert("cookie", cookie);
    let calls_before = store.records.calls().len();

    let inner = StallingService {
        pending_polls: 0,
        handler: Handler::ReadUser,
    };
    let mut future = SessionService::new(inner, storage).call(request);
    let mut context = Context::from_waker(Waker::noop());
    let Poll::Ready(result) = Pin::new(&mut future).poll(&mut context) else {
        panic!("an unchanged session completes in the first poll");
    };

    let response = result.unwrap();
    assert_eq!(
        format!("{future:?}"),
        r#"ResponseFuture { stage: "handler" }"#
    );
    assert!(set_cookies(&response).is_empty());
    assert_eq!(
        header_values(response.headers(), "cache-control"),
        ["private"]
    );
    assert_eq!(body_text(response).await, r#""alice""#);
    let calls = &store.records.calls()[calls_before..];
    assert_eq!(calls.len(), 1, "only the load: {calls:?}");
    assert_eq!(calls[0]["fn"], "readData");
}

#[tokio::test]
async fn inner_error_passes_through_unsaved() {
    let (store, storage) = gated_storage();
    let inner = StallingService {
        pending_polls: 2,
        handler: Handler::SetUserThenFail,
    };

    let result = SessionService::new(inner, storage).call(request()).await;

    assert_eq!(result.unwrap_err(), "handler failed");
    assert!(store.records.calls().is_empty(), "nothing is saved");
}

#[tokio::test]
async fn drop_while_saving_cancels_save() {
    let (store, storage) = gated_storage();
    let inner = StallingService {
        pending_polls: 0,
        handler: Handler::SetUser,
    };
    let mut future = SessionService::new(inner, storage).call(request());
    let mut context = Context::from_waker(Waker::noop());
    assert!(Pin::new(&mut future).poll(&mut context).is_pending());
    assert_eq!(
        format!("{future:?}"),
        r#"ResponseFuture { stage: "saving" }"#
    );

    drop(future);
    store.release();
    tokio::task::yield_now().await;

    assert!(
        store.records.calls().is_empty(),
        "the dropped save never ran"
    );
}
