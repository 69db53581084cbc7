//! [`ServerSessionStorage`] checked through a store that records its calls: which calls a
//! flow makes, in which order, and which inputs never reach the store.

mod common;

use std::error::Error as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use common::conformance::{cookie, start, DELETION};
use common::recording_store::RecordingStore;
use common::request_cookie;
use serde_json::{json, Map, Value};
use websession::{
    Cookie, CookieOptions, ManualClock, MemoryStore, ServerSessionStorage, Session, SessionStorage,
    SessionStore, StorageError, StoreError,
};

fn recording() -> (ServerSessionStorage<RecordingStore>, RecordingStore) {
    let clock = ManualClock::new(start());
    let store = RecordingStore::new();
    (
        ServerSessionStorage::new(cookie(&clock, None), store.clone()),
        store,
    )
}

fn functions(store: &RecordingStore) -> Vec<String> {
    store
        .calls()
        .iter()
        .map(|call| {
            format!(
                "{} {}",
                call["fn"].as_str().unwrap(),
                call["id"].as_str().unwrap_or("")
            )
        })
        .collect()
}

fn none() -> CookieOptions {
    CookieOptions::default()
}

fn object(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap()
}

#[tokio::test]
async fn rotation_creates_before_deleting() {
    let (storage, store) = recording();
    store.preload("sid-old", object(json!({"cart": 1})));
    let header = storage
        .cookie()
        .serialize(&json!("sid-old"), &none())
        .unwrap();
    let mut session = storage
        .get_session(Some(request_cookie(&header)))
        .await
        .unwrap();

    let set_cookie = storage.rotate_id(&mut session, &none()).await.unwrap();
    // The load reads the record, rotation checks that it still exists, then creates the new
    // record before deleting the old one.
    assert_eq!(
        functions(&store),
        [
            "readData sid-old",
            "readData sid-old",
            "createData ",
            "deleteData sid-old"
        ]
    );
    assert_eq!(store.calls()[2]["returned"], json!("sid-1"));
    assert_eq!(store.calls()[2]["data"], json!({"cart": 1}));
    assert_eq!(session.id(), "sid-1");
    assert_eq!(
        request_cookie(&set_cookie),
        "__session=InNpZC0xIg%3D%3D.9yINvMudmodbTceHsv4M2VIEEL%2BphDXlh6CV%2BvESpP0"
    );
    assert!(!store.contains("sid-old"));
}

#[tokio::test]
async fn invalid_ids_never_reach_store() {
    let (signed, store) = recording();
    let clock = ManualClock::new(start());
    let unsigned = ServerSessionStorage::new(
        Cookie::builder("__session")
            .clock(Arc::new(clock))
            .build()
            .unwrap(),
        store.clone(),
    );
    for storage in [&signed, &unsigned] {
        for id in ["../x", "a b", "k:*", "", &"a".repeat(129), "é"] {
            let header = storage.cookie().serialize(&json!(id), &none()).unwrap();
            let session = storage
                .get_session(Some(request_cookie(&header)))
                .await
                .unwrap();
            assert_eq!(session.id(), "", "{id:?}");
        }
    }
    assert_eq!(store.calls(), Vec::<Value>::new());
}

#[tokio::test]
async fn invalid_set_id_never_reaches_store() {
    let (storage, store) = recording();
    for id in ["../x", "a b", "k:*", &"a".repeat(129), "é"] {
        let mut session = Session::new();
        session.set_id(id.to_owned());
        session.set("user", "mallory");
        let set_cookie = storage.commit_session(&mut session, &none()).await.unwrap();
        assert_eq!(set_cookie, DELETION, "commit {id:?}");
        assert_eq!(session.id(), "", "commit {id:?}");
        assert!(session.data().is_empty(), "commit {id:?}");

        session.set_id(id.to_owned());
        session.set("user", "mallory");
        let set_cookie = storage.touch_session(&mut session, &none()).await.unwrap();
        assert_eq!(set_cookie.as_deref(), Some(DELETION), "touch {id:?}");
        assert_eq!(session.id(), "", "touch {id:?}");
    }
    assert_eq!(store.calls(), Vec::<Value>::new());
}

#[tokio::test]
async fn unknown_id_creates_fresh_record() {
    let (storage, store) = recording();
    let header = "__session=Imdob3N0Ig%3D%3D.bb8fcL9EWEF4kjXg0iUDZNXm8CFFb5bJ5yH3k7U%2BrwU";
    let mut session = storage.get_session(Some(header)).await.unwrap();
    assert_eq!(session.id(), "");
    storage.commit_session(&mut session, &none()).await.unwrap();
    assert_eq!(functions(&store), ["readData ghost", "createData "]);
    assert_eq!(session.id(), "sid-1");
}

#[tokio::test]
async fn vanished_record_gives_deletion_cookie() {
    let (storage, store) = recording();
    store.preload("sid-9", object(json!({"a": 1})));
    let header = storage
        .cookie()
        .serialize(&json!("sid-9"), &none())
        .unwrap();
    let mut session = storage
        .get_session(Some(request_cookie(&header)))
        .await
        .unwrap();
    store.delete("sid-9").await.unwrap();

    session.set("b", 2);
    let set_cookie = storage.commit_session(&mut session, &none()).await.unwrap();
    assert_eq!(
        set_cookie,
        "__session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"
    );
    assert_eq!(
        functions(&store),
        ["readData sid-9", "deleteData sid-9", "updateData sid-9"]
    );
    assert!(!store.contains("sid-9"), "update did not create the record");
    assert_eq!(session.id(), "");
}

#[tokio::test]
async fn destroying_new_session_deletes_empty_id() {
    // The JavaScript libraries call `deleteData("")` here, and a store shared with them
    // gets the same calls from both.
    let (storage, store) = recording();
    let mut session = storage.get_session(None).await.unwrap();
    let set_cookie = storage
        .destroy_session(&mut session, &none())
        .await
        .unwrap();
    assert!(set_cookie.starts_with("__session=; Path=/; Expires=Thu, 01 Jan 1970"));
    assert_eq!(functions(&store), ["deleteData "]);

    // An id that no store can hold, set by hand, is not passed on.
    session.set_id("../x".to_owned());
    storage
        .destroy_session(&mut session, &none())
        .await
        .unwrap();
    assert_eq!(functions(&store), ["deleteData "]);
}

#[tokio::test]
async fn bad_commit_input_touches_no_store() {
    let (storage, store) = recording();
    let mut session = storage.get_session(None).await.unwrap();
    let deep = (0..200).fold(json!(0), |inner, _| json!([inner]));
    session.set("deep", deep);
    let error = storage
        .commit_session(&mut session, &none())
        .await
        .unwrap_err();
    assert!(matches!(error, StorageError::Encode(_)), "{error:?}");

    let mut session = storage.get_session(None).await.unwrap();
    let bad_path = CookieOptions {
        path: Some("/a;b".into()),
        ..CookieOptions::default()
    };
    let error = storage
        .commit_session(&mut session, &bad_path)
        .await
        .unwrap_err();
    assert!(matches!(error, StorageError::Config(_)), "{error:?}");
    let error = storage
        .rotate_id(&mut session, &bad_path)
        .await
        .unwrap_err();
    assert!(matches!(error, StorageError::Config(_)), "{error:?}");
    assert_eq!(store.calls(), Vec::<Value>::new());

    // A destroy with invalid options fails before it deletes the record.
    store.preload("sid-9", object(json!({"user": "alice"})));
    let mut session = Session::from_data("sid-9", object(json!({"user": "alice"})));
    let error = storage
        .destroy_session(&mut session, &bad_path)
        .await
        .unwrap_err();
    assert!(matches!(error, StorageError::Config(_)), "{error:?}");
    assert!(store.contains("sid-9"));
    assert_eq!(store.calls(), Vec::<Value>::new());
}

fn long_path() -> CookieOptions {
    CookieOptions {
        path: Some(format!("/{}", "p".repeat(4100))),
        ..CookieOptions::default()
    }
}

fn assert_too_large(error: StorageError) {
    let StorageError::CookieTooLarge { length, limit } = error else {
        panic!("expected CookieTooLarge, got {error:?}");
    };
    assert_eq!(limit, 4096);
    assert!(length > 4100, "{length}");
}

#[tokio::test]
async fn oversized_id_cookie_leaves_store_as_it_was() {
    let (storage, store) = recording();

    // A new session: the record created for it is deleted again.
    let mut session = storage.get_session(None).await.unwrap();
    session.set("user", "alice");
    let error = storage
        .commit_session(&mut session, &long_path())
        .await
        .unwrap_err();
    assert_too_large(error);
    assert!(session.is_changed(), "the session is not marked saved");
    assert_eq!(session.id(), "", "the session gets no id");
    assert_eq!(functions(&store), ["createData ", "deleteData sid-1"]);
    assert!(!store.contains("sid-1"));

    // A saved session: neither a change nor a rotation reaches its record.
    let set_cookie = storage.commit_session(&mut session, &none()).await.unwrap();
    assert!(set_cookie.len() < 200, "{set_cookie}");
    let id = session.id().to_owned();
    session.set("user", "bob");
    let error = storage
        .commit_session(&mut session, &long_path())
        .await
        .unwrap_err();
    assert_too_large(error);
    let error = storage
        .rotate_id(&mut session, &long_path())
        .await
        .unwrap_err();
    assert_too_large(error);
    assert_eq!(session.id(), id, "the failed rotation keeps the id");
    assert_eq!(
        store.read(&id).await.unwrap(),
        Some(object(json!({"user": "alice"}))),
        "the record keeps its data"
    );
    let error = storage
        .touch_session(&mut session, &long_path())
        .await
        .unwrap_err();
    assert_too_large(error);

    // An unchanged session: the failed touch does not extend the record.
    let mut session = storage
        .get_session(Some(request_cookie(&set_cookie)))
        .await
        .unwrap();
    let calls_before = store.calls().len();
    let error = storage
        .touch_session(&mut session, &long_path())
        .await
        .unwrap_err();
    assert_too_large(error);
    assert_eq!(store.calls().len(), calls_before, "{:?}", functions(&store));
}

fn path_of_length(length: usize) -> CookieOptions {
    CookieOptions {
        path: Some(format!("/{}", "p".repeat(length - 1))),
        ..CookieOptions::default()
    }
}

#[tokio::test]
async fn id_cookie_4096_passes_4097_fails() {
    let (storage, store) = recording();
    let mut session = storage.get_session(None).await.unwrap();
    let short = storage
        .commit_session(&mut session, &path_of_length(1))
        .await
        .unwrap();

    // The record keeps its id, so the cookie grows by exactly the added path characters.
    let path_length = 1 + 4096 - short.len();
    let exact = storage
        .commit_session(&mut session, &path_of_length(path_length))
        .await
        .unwrap();
    assert_eq!(exact.len(), 4096, "{exact}");

    let error = storage
        .commit_session(&mut session, &path_of_length(path_length + 1))
        .await
        .unwrap_err();
    let StorageError::CookieTooLarge { length, limit } = error else {
        panic!("expected CookieTooLarge, got {error:?}");
    };
    assert_eq!((length, limit), (4097, 4096));
    assert_eq!(
        functions(&store),
        ["createData ", "updateData sid-1"],
        "the rejected commit does not reach the store"
    );
}

#[tokio::test]
async fn commit_expiry_follows_overrides() {
    let clock = ManualClock::new(start());
    let store = RecordingStore::new();
    let storage = ServerSessionStorage::new(cookie(&clock, Some(3600)), store.clone());
    let at = |seconds: u64| json!({"$date": (1_700_000_000 + seconds) * 1000});

    let mut session = storage.get_session(None).await.unwrap();
    storage.commit_session(&mut session, &none()).await.unwrap();
    let max_age = CookieOptions {
        max_age: Some(60),
        ..CookieOptions::default()
    };
    storage
        .commit_session(&mut session, &max_age)
        .await
        .unwrap();
    let expires = CookieOptions {
        expires: Some(start() + std::time::Duration::from_secs(5)),
        ..CookieOptions::default()
    };
    storage
        .commit_session(&mut session, &expires)
        .await
        .unwrap();

    let calls = store.calls();
    assert_eq!(calls[0]["expires"], at(3600), "the cookie's max_age");
    assert_eq!(calls[1]["expires"], at(60), "the commit's max_age");
    assert_eq!(calls[2]["expires"], at(5), "the commit's expires");
}

/// A store that hands out ids that cannot be read back from a cookie, and records the ids
/// it is asked to delete.
#[derive(Debug, Default)]
struct BadIds {
    deleted: std::sync::Mutex<Vec<String>>,
}

#[async_trait]
impl SessionStore for BadIds {
    async fn create(
        &self,
        _: &Map<String, Value>,
        _: Option<SystemTime>,
    ) -> Result<String, StoreError> {
        Ok("not/a/valid/id".into())
    }
    async fn read(&self, _: &str) -> Result<Option<Map<String, Value>>, StoreError> {
        Err(StoreError::Other("backend offline".into()))
    }
    async fn update(
        &self,
        _: &str,
        _: &Map<String, Value>,
        _: Option<SystemTime>,
    ) -> Result<bool, StoreError> {
        Ok(false)
    }
    async fn delete(&self, id: &str) -> Result<(), StoreError> {
        self.deleted.lock().unwrap().push(id.to_owned());
        Ok(())
    }
}

#[tokio::test]
async fn store_errors_are_typed() {
    let clock = ManualClock::new(start());
    let store = Arc::new(BadIds::default());
    let storage = ServerSessionStorage::new(cookie(&clock, None), store.clone());

    let mut session = storage.get_session(None).await.unwrap();
    let error = storage
        .commit_session(&mut session, &none())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StorageError::Store(StoreError::InvalidId { length: 14 })
        ),
        "{error:?}"
    );
    assert_eq!(session.id(), "");
    assert_eq!(
        *store.deleted.lock().unwrap(),
        ["not/a/valid/id"],
        "the record made under the invalid id is deleted again"
    );

    let header = storage.cookie().serialize(&json!("abc"), &none()).unwrap();
    let error = storage
        .get_session(Some(request_cookie(&header)))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "custom session store failed: backend offline"
    );
    let cause = error
        .source()
        .expect("the custom store's error is the source");
    assert_eq!(cause.to_string(), "backend offline");
    assert!(cause.source().is_none(), "no level repeats the message");
    assert!(matches!(error, StorageError::Store(StoreError::Other(_))));
}

#[tokio::test]
async fn debug_hides_ids_and_secrets() {
    let clock = ManualClock::new(start());
    let storage = ServerSessionStorage::memory(cookie(&clock, None));
    let mut session = storage.get_session(None).await.unwrap();
    session.set("password_hint", "hunter2");
    storage.commit_session(&mut session, &none()).await.unwrap();

    let text = format!("{storage:?} {session:?}");
    assert!(!text.contains(session.id()), "{text}");
    assert!(!text.contains("s3cr3t"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("records: 1"), "{text}");
}

/// Keeps records in a [`MemoryStore`] and counts the calls to its own `touch`.
#[derive(Default)]
struct CountingTouches {
    records: MemoryStore,
    touches: AtomicUsize,
}

#[async_trait]
impl SessionStore for CountingTouches {
    async fn create(
        &self,
        data: &Map<String, Value>,
        expires: Option<SystemTime>,
    ) -> Result<String, StoreError> {
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

    async fn touch(&self, id: &str, expires: Option<SystemTime>) -> Result<bool, StoreError> {
        self.touches.fetch_add(1, Ordering::SeqCst);
        self.records.touch(id, expires).await
    }

    async fn delete(&self, id: &str) -> Result<(), StoreError> {
        self.records.delete(id).await
    }
}

/// Commits a new session through `storage` and loads it back as the next request would.
/// Returns the committed session, its `Set-Cookie` value and the loaded copy.
async fn committed_and_loaded<S: SessionStorage + ?Sized>(
    storage: &S,
) -> (Session, String, Session) {
    let mut session = storage.get_session(None).await.unwrap();
    session.set("user", "alice");
    let set_cookie = storage.commit_session(&mut session, &none()).await.unwrap();
    let loaded = storage
        .get_session(Some(request_cookie(&set_cookie)))
        .await
        .unwrap();
    (session, set_cookie, loaded)
}

#[tokio::test]
async fn shared_store_forwards_touch() {
    let clock = ManualClock::new(start());
    let store = Arc::new(CountingTouches::default());
    let storage = ServerSessionStorage::new(cookie(&clock, None), Arc::clone(&store));
    let (_, set_cookie, mut loaded) = committed_and_loaded(&storage).await;

    let touched = storage.touch_session(&mut loaded, &none()).await.unwrap();
    assert_eq!(touched.as_deref(), Some(set_cookie.as_str()));
    assert_eq!(
        store.touches.load(Ordering::SeqCst),
        1,
        "the store's own touch runs behind the Arc, not the read-and-update default"
    );
}

#[tokio::test]
async fn shared_store_forwards_update() {
    let clock = ManualClock::new(start());
    let store = Arc::new(MemoryStore::new().with_clock(Arc::new(clock.clone())));
    let storage = ServerSessionStorage::new(cookie(&clock, None), Arc::clone(&store));
    let (_, set_cookie, mut loaded) = committed_and_loaded(&storage).await;

    loaded.set("user", "bob");
    let committed = storage.commit_session(&mut loaded, &none()).await.unwrap();
    assert_eq!(committed, set_cookie, "the update keeps the id");
    assert_eq!(
        store.read(loaded.id()).await.unwrap(),
        Some(object(json!({"user": "bob"})))
    );
}

#[tokio::test]
async fn shared_storage_forwards_load() {
    let clock = ManualClock::new(start());
    let storage: Arc<dyn SessionStorage> =
        Arc::new(ServerSessionStorage::memory(cookie(&clock, None)));
    let (session, set_cookie, _) = committed_and_loaded(&storage).await;

    let request = request_cookie(&set_cookie);
    let parsed = storage.cookie().parse_fields([request.as_bytes()]);
    let mut loaded = storage.load_session(parsed).await.unwrap();
    assert_eq!(loaded.id(), session.id());
    assert_eq!(loaded.get("user"), Some(json!("alice")));
}

/// Touches and then rotates `session` through `storage`, as generic code over any storage
/// does, and returns both results.
async fn touch_and_rotate_through<S: SessionStorage>(
    storage: &S,
    session: &mut Session,
) -> (Option<String>, Option<String>) {
    let touched = storage.touch_session(session, &none()).await.unwrap();
    let rotated = storage.try_rotate_id(session, &none()).await.unwrap();
    (touched, rotated)
}

#[tokio::test]
async fn shared_storage_forwards_overrides() {
    let clock = ManualClock::new(start());
    let storage: Arc<dyn SessionStorage> =
        Arc::new(ServerSessionStorage::memory(cookie(&clock, None)));
    let (mut session, _, mut loaded) = committed_and_loaded(storage.as_ref()).await;
    storage.rotate_id(&mut session, &none()).await.unwrap();

    let (touched, rotated) = touch_and_rotate_through(&storage, &mut loaded).await;
    assert_eq!(
        touched, None,
        "the server-side touch runs behind the Arc, not the default that commits"
    );
    assert_eq!(
        rotated, None,
        "the server-side rotation runs behind the Arc, not the default"
    );
}
