//! The scenarios that every session store passes, written once and run by
//! [`conformance_suite!`] against the memory, file and Redis stores.
//!
//! Each scenario receives a fresh store and the manual clock that the store reads, set to
//! [`start`].

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};
use websession::{
    is_valid_session_id, Cookie, CookieOptions, ManualClock, ServerSessionStorage, Session,
    SessionStorage, SessionStore, DEFAULT_MAX_LIFETIME,
};

use super::request_cookie;

/// Returns the time every scenario starts at: 2023-11-14T22:13:20Z.
pub fn start() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

/// The deletion cookie of the default test cookie.
pub const DELETION: &str =
    "__session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax";

/// Defines one `#[tokio::test]` per scenario, each calling `$make().await` for a
/// `(store, clock, guard)` triple; the guard keeps the store's resources alive.
#[allow(unused_macros)]
macro_rules! conformance_suite {
    ($make:path) => {
        $crate::common::conformance::conformance_suite!(@tests $make;
            round_trip,
            update,
            second_commit_updates_same_record,
            destroy,
            destroy_of_new_session,
            rotation,
            rotation_of_new_session,
            expiry_from_cookie_max_age,
            expiry_from_commit_override,
            expiry_max_age_zero,
            expiry_in_past,
            expiry_refreshed_by_commit,
            touch_extends_expiry_keeping_newer_data,
            touch_of_vanished_record_sends_nothing,
            changed_touch_of_vanished_record_sends_nothing,
            second_rotation_sends_nothing,
            touch_with_past_expiry_removes_record,
            no_expiry_uses_max_lifetime,
            unknown_id_not_adopted,
            invalid_ids_read_as_new,
            concurrent_commits_last_writer_wins,
            concurrent_new_sessions,
            destroyed_then_committed,
            expired_then_committed,
            old_secret_resigned
        );
    };
    (@tests $make:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (store, clock, _guard) = $make().await;
                $crate::common::conformance::$name(store, clock).await;
            }
        )*
    };
}
#[allow(unused_imports)]
pub(crate) use conformance_suite;

/// Builds the test cookie: `__session`, signed, with the store's clock.
pub fn cookie(clock: &ManualClock, max_age: Option<i64>) -> Cookie {
    let mut builder = Cookie::builder("__session")
        .secrets(["s3cr3t"])
        .clock(Arc::new(clock.clone()));
    if let Some(seconds) = max_age {
        builder = builder.max_age(seconds);
    }
    builder.build().expect("valid test cookie")
}

fn storage<S: SessionStore + Clone>(store: &S, clock: &ManualClock) -> ServerSessionStorage<S> {
    ServerSessionStorage::new(cookie(clock, None), store.clone())
}

fn object(value: Value) -> Map<String, Value> {
    value.as_object().cloned().expect("an object")
}

fn none() -> CookieOptions {
    CookieOptions::default()
}

/// Commits a new session holding `data` and returns the request cookie for it.
async fn committed<S: SessionStore>(storage: &ServerSessionStorage<S>, data: Value) -> String {
    let mut session = storage.get_session(None).await.expect("new session");
    for (key, value) in object(data) {
        session.set(key, value);
    }
    let set_cookie = storage
        .commit_session(&mut session, &none())
        .await
        .expect("commit");
    request_cookie(&set_cookie).to_owned()
}

async fn load<S: SessionStore>(storage: &ServerSessionStorage<S>, cookie: &str) -> Session {
    storage.get_session(Some(cookie)).await.expect("load")
}

pub async fn round_trip<S: SessionStore + Clone>(store: S, clock: ManualClock) {
    let storage = storage(&store, &clock);
    let mut session = storage.get_session(None).await.unwrap();
    assert_eq!(session.id(), "");
    session.set("user", "alice");
    session.set("nested", json!({"roles": ["admin", "dev"], "n": 1.5}));
    session.flash("notice", "welcome");

    let set_cookie = storage.commit_session(&mut session, &none()).await.unwrap();
    let id = session.id().to_owned();
    assert_eq!(id.len(), 22, "a fresh id is 128 bits in URL-safe base64");
    assert!(is_valid_session_id(&id));
    assert!(!session.is_changed());
    let expected_cookie = storage
        .cookie()
        .serialize(&Value::String(id.clone()), &none())
        .unwrap();
    assert_eq!(
        set_cookie, expected_cookie,
        "the cookie carries the signed id"
    );

    let mut loaded = load(&storage, request_cookie(&set_cookie)).await;
    assert_eq!(loaded.id(), id);
    assert_eq!(loaded.data(), session.data());
    assert_eq!(loaded.get("notice"), Some(json!("welcome")));
    assert!(!loaded.needs_resign());
    assert_eq!(
        store.read(&id).await.unwrap().unwrap(),
        object(
            json!({"user": "alice", "nested": {"roles": ["admin", "dev"], "n": 1.5}, "__flash_notice__": "welcome"})
        )
    );
}

pub async fn update<S: SessionStore + Clone>(store: S, clock: ManualClock) {
    let storage = storage(&store, &clock);
    let cookie = committed(&storage, json!({"count": 1, "theme": "dark"})).await;

    let mut session = load(&storage, &cookie).await;
    let id = session.id().to_owned();
    session.set("count", 2);
    session.unset("theme");
    let set_cookie = storage.commit_session(&mut session, &none()).await.unwrap();
    assert_eq!(request_cookie(&set_cookie), cookie, "the id stays the same");
    assert_eq!(session.id(), id);

    let loaded = load(&storage, &cookie).await;
    assert_eq!(loaded.data(), &object(json!({"count": 2})));
}

pub async fn second_commit_updates_same_record<S: SessionStore + Clone>(
    store: S,
    clock: ManualClock,
) {
    let storage = storage(&store, &clock);
    let mut session = storage.get_session(None).await.unwrap();
    session.set("user", "alice");
    let first = storage.commit_session(&mut session, &none()).await.unwrap();
    let id = session.id().to_owned();
    assert!(is_valid_session_id(&id), "the commit records the new id");

    session.set("cart", 1);
    let second = storage.commit_session(&mut session, &none()).await.unwrap();
    assert_eq!(second, first, "the same id, so the same cookie");
    assert_eq!(
        store.read(&id).await.unwrap(),
        Some(object(json!({"user": "alice", "cart": 1})))
    );

    storage
        .destroy_session(&mut session, &none())
        .await
        .unwrap();
    assert_eq!(store.read(&id).await.unwrap(), None, "destroy deletes it");
    assert_eq!(session.id(), "");
}

pub async fn destroy<S: SessionStore + Clone>(store: S, clock: ManualClock) {
    let storage = storage(&store, &clock);
    let cookie = committed(&storage, json!({"user": "bob"})).await;
    let mut session = load(&storage, &cookie).await;
    let id = session.id().to_owned();

    let set_cookie = storage
        .destroy_session(&mut session, &none())
        .await
        .unwrap();
    assert_eq!(set_cookie, DELETION);
    assert_eq!(session.id(), "");
    assert!(session.data().is_empty());
    assert_eq!(
        store.read(&id).await.unwrap(),
        None,
        "the record is deleted"
    );

    let again = load(&storage, &cookie).await;
    assert_eq!(again.id(), "", "the old cookie reads as a new session");
    assert!(again.data().is_empty());
}

/// Destroying a session that was never stored passes the empty id to `delete`, which must
/// succeed and leave the other records alone.
pub async fn destroy_of_new_session<S: SessionStore + Clone>(store: S, clock: ManualClock) {
    let storage = storage(&store, &clock);
    let cookie = committed(&storage, json!({"user": "bob"})).await;
    let mut session = load(&storage, "").await;
    assert_eq!(session.id(), "");

    let set_cookie = storage
        .destroy_session(&mut session, &none())
        .await
        .unwrap();
    assert_eq!(set_cookie, DELETION);
    store.delete("").await.unwrap();
    let other = load(&storage, &cookie).await;
    assert_eq!(other.data()["user"], "bob", "the other record stays");
}

pub async fn rotation<S: SessionStore + Clone>(store: S, clock: ManualClock) {
    let storage = storage(&store, &clock);
    let old_cookie = committed(&storage, json!({"cart": [1, 2]})).await;
    let mut session = load(&storage, &old_cookie).await;
    let old_id = session.id().to_owned();
    session.set("user", "alice");

    let set_cookie = storage.rotate_id(&mut session, &none()).await.unwrap();
    let new_id = session.id().to_owned();
    assert_ne!(new_id, old_id);
    assert!(is_valid_session_id(&new_id));
    assert!(!session.is_changed());
    assert_eq!(
        store.read(&old_id).await.unwrap(),
        None,
        "old record deleted"
    );

    let old = load(&storage, &old_cookie).await;
    assert_eq!(old.id(), "");
    assert!(old.data().is_empty(), "the old cookie reads as empty");
    let new = load(&storage, request_cookie(&set_cookie)).await;
    assert_eq!(new.id(), new_id);
    assert_eq!(
        new.data(),
        &object(json!({"cart": [1, 2], "user": "alice"}))
    );
}

pub async fn rotation_of_new_session<S: SessionStore + Clone>(store: S, clock: ManualClock) {
    let storage = storage(&store, &clock);
    let mut session = storage.get_session(None).await.unwrap();
    session.set("a", 1);
    let set_cookie = storage.rotate_id(&mut session, &none()).await.unwrap();
    let loaded = load(&storage, request_cookie(&set_cookie)).await;
    assert_eq!(loaded.data(), &object(json!({"a": 1})));
}

pub async fn expiry_from_cookie_max_age<S: SessionStore + Clone>(store: S, clock: ManualClock) {
    let storage = ServerSessionStorage::new(cookie(&clock, Some(60)), store.clone());
    let cookie = committed(&storage, json!({"a": 1})).await;

    clock.advance(Duration::from_secs(59));
    assert_eq!(
        load(&storage, &cookie).await.data(),
        &object(json!({"a": 1}))
    );

    clock.advance(Duration::from_secs(1));
    let expired = load(&storage, &cookie).await;
    assert_eq!(expired.id(), "", "expired exactly at expires == now");
    assert!(expired.data().is_empty());
}

pub async fn expiry_from_commit_override<S: SessionStore + Clone>(store: S, clock: ManualClock) {
    let storage = ServerSessionStorage::new(cookie(&clock, Some(3600)), store.clone());
    let mut session = storage.get_session(None).await.unwrap();
    session.set("a", 1);
    let overrides = CookieOptions {
        max_age: Some(10),
        ..CookieOptions::default()
    };
    let set_cookie = storage
        .commit_session(&mut session, &overrides)
        .await
        .unwrap();
    assert!(set_cookie.contains("Max-Age=10"), "{set_cookie}");

    clock.advance(Duration::from_millis(9_999));
    assert!(!load(&storage, request_cookie(&set_cookie))
        .await
        .data()
        .is_empty());
    clock.advance(Duration::from_millis(1));
    assert!(
        load(&storage, request_cookie(&set_cookie))
            .await
            .data()
            .is_empty(),
        "the commit's max_age, not the cookie's, decides the record's expiry"
    );
}

pub async fn expiry_max_age_zero<S: SessionStore + Clone>(store: S, clock: ManualClock) {
    let storage = storage(&store, &clock);
    let cookie = committed(&storage, json!({"a": 1})).await;
    let mut session = load(&storage, &cookie).await;
    let id = session.id().to_owned();

    let zero = CookieOptions {
        max_age: Some(0),
        ..CookieOptions::default()
    };
    let set_cookie = storage.commit_session(&mut session, &zero).await.unwrap();
    assert!(set_cookie.contains("Max-Age=0"), "{set_cookie}");
    assert_eq!(
        store.read(&id).await.unwrap(),
        None,
        "expired from the start"
    );
    assert!(load(&storage, &cookie).await.data().is_empty());

    let mut fresh = storage.get_session(None).await.unwrap();
    fresh.set("b", 2);
    let set_cookie = storage.commit_session(&mut fresh, &zero).await.unwrap();
    assert!(is_valid_session_id(fresh.id()));
    assert_eq!(store.read(fresh.id()).await.unwrap(), None);
    assert!(load(&storage, request_cookie(&set_cookie))
        .await
        .data()
        .is_empty());
}

pub async fn expiry_in_past<S: SessionStore + Clone>(store: S, clock: ManualClock) {
    let storage = storage(&store, &clock);
    let mut session = storage.get_session(None).await.unwrap();
    session.set("a", 1);
    let past = CookieOptions {
        expires: Some(start() - Duration::from_secs(1)),
        ..CookieOptions::default()
    };
    let set_cookie = storage.commit_session(&mut session, &past).await.unwrap();
    assert_eq!(store.read(session.id()).await.unwrap(), None);
    assert!(load(&storage, request_cookie(&set_cookie))
        .await
        .data()
        .is_empty());

    let id = store
        .create(&object(json!({"a": 1})), Some(start()))
        .await
        .unwrap();
    assert_eq!(
        store.read(&id).await.unwrap(),
        None,
        "expires == now is expired"
    );
}

pub async fn expiry_refreshed_by_commit<S: SessionStore + Clone>(store: S, clock: ManualClock) {
    let storage = ServerSessionStorage::new(cookie(&clock, Some(60)), store.clone());
    let cookie = committed(&storage, json!({"a": 1})).await;

    clock.advance(Duration::from_secs(50));
    let mut session = load(&storage, &cookie).await;
    storage.commit_session(&mut session, &none()).await.unwrap();

    clock.advance(Duration::from_secs(50));
    assert_eq!(
        load(&storage, &cookie).await.data(),
        &object(json!({"a": 1})),
        "alive 100 s after creation because the commit at 50 s moved the expiry"
    );
    clock.advance(Duration::from_secs(10));
    assert!(load(&storage, &cookie).await.data().is_empty());
}

pub async fn touch_extends_expiry_keeping_newer_data<S: SessionStore + Clone>(
    store: S,
    clock: ManualClock,
) {
    let storage = ServerSessionStorage::new(cookie(&clock, Some(60)), store.clone());
    let cookie = committed(&storage, json!({"cart": 1})).await;
    // Two requests load the session; the writer changes it while the reader only reads.
    let mut reader = load(&storage, &cookie).await;
    let mut writer = load(&storage, &cookie).await;
    writer.set("cart", 2);
    storage.commit_session(&mut writer, &none()).await.unwrap();

    clock.advance(Duration::from_secs(50));
    let touched = storage.touch_session(&mut reader, &none()).await.unwrap();
    let touched = touched.expect("a live record sends its cookie");
    assert_eq!(request_cookie(&touched), cookie);
    assert!(touched.contains("; Max-Age=60"), "{touched}");

    clock.advance(Duration::from_secs(50));
    assert_eq!(
        load(&storage, &cookie).await.data(),
        &object(json!({"cart": 2})),
        "alive 100 s after creation, with the writer's data, because the touch at 50 s moved \
         only the expiry"
    );
    clock.advance(Duration::from_secs(10));
    assert!(load(&storage, &cookie).await.data().is_empty());
}

/// Loads one committed session as two requests would and rotates its id through the second.
/// Returns the storage, the first request's session with its id, and the second's.
async fn loaded_then_rotated_elsewhere<S: SessionStore + Clone>(
    store: &S,
    clock: &ManualClock,
) -> (ServerSessionStorage<S>, Session, String, Session) {
    let storage = storage(store, clock);
    let cookie = committed(&storage, json!({"user": "alice"})).await;
    let reader = load(&storage, &cookie).await;
    let old_id = reader.id().to_owned();
    let mut other = load(&storage, &cookie).await;
    storage.rotate_id(&mut other, &none()).await.unwrap();
    (storage, reader, old_id, other)
}

pub async fn touch_of_vanished_record_sends_nothing<S: SessionStore + Clone>(
    store: S,
    clock: ManualClock,
) {
    let (storage, mut reader, old_id, other) = loaded_then_rotated_elsewhere(&store, &clock).await;

    let touched = storage.touch_session(&mut reader, &none()).await.unwrap();
    assert_eq!(
        touched, None,
        "the rotated cookie of the other request must stand"
    );
    assert!(!store.touch(&old_id, None).await.unwrap());
    assert_eq!(
        store.read(&old_id).await.unwrap(),
        None,
        "touch creates no record"
    );
    assert_eq!(
        store.read(other.id()).await.unwrap(),
        Some(object(json!({"user": "alice"})))
    );
}

pub async fn changed_touch_of_vanished_record_sends_nothing<S: SessionStore + Clone>(
    store: S,
    clock: ManualClock,
) {
    let (storage, mut reader, old_id, other) = loaded_then_rotated_elsewhere(&store, &clock).await;

    reader.set("visits", 7);
    let touched = storage.touch_session(&mut reader, &none()).await.unwrap();
    assert_eq!(
        touched, None,
        "the rotated cookie of the other request must stand"
    );
    assert_eq!(reader.id(), "", "the changes are dropped as in a commit");
    assert!(reader.data().is_empty());
    assert_eq!(
        store.read(&old_id).await.unwrap(),
        None,
        "the old record is not brought back"
    );
    assert_eq!(
        store.read(other.id()).await.unwrap(),
        Some(object(json!({"user": "alice"})))
    );
}

pub async fn second_rotation_sends_nothing<S: SessionStore + Clone>(store: S, clock: ManualClock) {
    let (storage, mut second, old_id, first) = loaded_then_rotated_elsewhere(&store, &clock).await;

    second.set("user", "bob");
    let rotated = storage.try_rotate_id(&mut second, &none()).await.unwrap();
    assert_eq!(rotated, None, "the first rotation's cookie must stand");
    assert_eq!(second.id(), "", "the changes are dropped as in a commit");
    assert!(second.data().is_empty());
    assert_eq!(store.read(&old_id).await.unwrap(), None);
    assert_eq!(
        store.read(first.id()).await.unwrap(),
        Some(object(json!({"user": "alice"}))),
        "the first rotation's record is untouched"
    );

    let mut again = storage.get_session(None).await.unwrap();
    let fresh = storage.try_rotate_id(&mut again, &none()).await.unwrap();
    assert!(fresh.is_some(), "a session without an id is created");
}

pub async fn touch_with_past_expiry_removes_record<S: SessionStore + Clone>(
    store: S,
    clock: ManualClock,
) {
    let storage = storage(&store, &clock);
    let cookie = committed(&storage, json!({"a": 1})).await;
    let id = load(&storage, &cookie).await.id().to_owned();

    let past = start() - Duration::from_secs(1);
    assert!(store.touch(&id, Some(past)).await.unwrap());
    assert_eq!(store.read(&id).await.unwrap(), None);
}

pub async fn no_expiry_uses_max_lifetime<S: SessionStore + Clone>(store: S, clock: ManualClock) {
    let storage = storage(&store, &clock);
    assert_eq!(storage.cookie().expires(), None);
    let cookie = committed(&storage, json!({"a": 1})).await;

    clock.advance(DEFAULT_MAX_LIFETIME - Duration::from_secs(1));
    assert!(!load(&storage, &cookie).await.data().is_empty());
    clock.advance(Duration::from_secs(1));
    assert!(
        load(&storage, &cookie).await.data().is_empty(),
        "a record without expiry ends after the maximum lifetime"
    );
}

pub async fn unknown_id_not_adopted<S: SessionStore + Clone>(store: S, clock: ManualClock) {
    let storage = storage(&store, &clock);
    let planted = storage
        .cookie()
        .serialize(&json!("ghostghostghostghost22"), &none())
        .unwrap();

    let mut session = load(&storage, request_cookie(&planted)).await;
    assert_eq!(
        session.id(),
        "",
        "a signed id without a record is not adopted"
    );
    assert!(session.data().is_empty());

    session.set("a", 1);
    let set_cookie = storage.commit_session(&mut session, &none()).await.unwrap();
    assert_ne!(session.id(), "ghostghostghostghost22");
    assert_ne!(request_cookie(&set_cookie), request_cookie(&planted));
    assert_eq!(store.read("ghostghostghostghost22").await.unwrap(), None);
    assert_eq!(
        load(&storage, request_cookie(&set_cookie)).await.data(),
        &object(json!({"a": 1}))
    );
}

pub async fn invalid_ids_read_as_new<S: SessionStore + Clone>(store: S, clock: ManualClock) {
    let signed = storage(&store, &clock);
    let unsigned = ServerSessionStorage::new(
        Cookie::builder("__session")
            .clock(Arc::new(clock.clone()))
            .build()
            .unwrap(),
        store.clone(),
    );
    let hostile = [
        json!("../../../../etc/passwd"),
        json!("..\\..\\boot.ini"),
        json!("a/b"),
        json!("websession:*"),
        json!("x\r\nFLUSHALL\r\n"),
        json!(""),
        json!("x".repeat(129)),
        json!(42),
        json!({"id": "x"}),
        json!(null),
    ];
    for storage in [&signed, &unsigned] {
        for value in &hostile {
            let set_cookie = storage.cookie().serialize(value, &none()).unwrap();
            let session = load(storage, request_cookie(&set_cookie)).await;
            assert_eq!(session.id(), "", "{value}");
            assert!(session.data().is_empty(), "{value}");
        }
    }
    assert_eq!(store.read("../../../../etc/passwd").await.unwrap(), None);
    assert!(!store.update("a/b", &Map::new(), None).await.unwrap());
    store.delete("../x").await.unwrap();
}

pub async fn concurrent_commits_last_writer_wins<S: SessionStore + Clone + 'static>(
    store: S,
    clock: ManualClock,
) {
    let storage = Arc::new(storage(&store, &clock));
    let cookie = committed(&storage, json!({"writer": -1})).await;

    // Every request loads the session before any of them commits, as concurrent requests
    // of one browser tab do.
    let mut sessions = Vec::new();
    for writer in 0..20 {
        let mut session = load(&storage, &cookie).await;
        session.set("writer", writer);
        session.set(format!("key-{writer}"), writer);
        sessions.push(session);
    }
    let mut tasks = Vec::new();
    for mut session in sessions {
        let storage = Arc::clone(&storage);
        tasks.push(tokio::spawn(async move {
            storage.commit_session(&mut session, &none()).await.unwrap()
        }));
    }
    for task in tasks {
        let set_cookie = task.await.unwrap();
        assert_eq!(request_cookie(&set_cookie), cookie);
    }

    let session = load(&storage, &cookie).await;
    let writer = session.data()["writer"].as_i64().unwrap();
    assert!((0..20).contains(&writer), "writer {writer}");
    assert_eq!(
        session.data(),
        &object(json!({"writer": writer, format!("key-{writer}"): writer})),
        "the whole data of the last writer, with no merge"
    );
}

pub async fn concurrent_new_sessions<S: SessionStore + Clone + 'static>(
    store: S,
    clock: ManualClock,
) {
    let storage = Arc::new(storage(&store, &clock));
    let mut tasks = Vec::new();
    for number in 0..50 {
        let storage = Arc::clone(&storage);
        tasks.push(tokio::spawn(async move {
            let mut session = storage.get_session(None).await.unwrap();
            session.set("number", number);
            let set_cookie = storage.commit_session(&mut session, &none()).await.unwrap();
            (number, request_cookie(&set_cookie).to_owned())
        }));
    }
    let mut cookies = HashSet::new();
    for task in tasks {
        let (number, cookie) = task.await.unwrap();
        assert!(cookies.insert(cookie.clone()), "ids are distinct");
        let session = load(&storage, &cookie).await;
        assert_eq!(session.data()["number"], json!(number));
    }
}

pub async fn destroyed_then_committed<S: SessionStore + Clone>(store: S, clock: ManualClock) {
    let storage = storage(&store, &clock);
    let cookie = committed(&storage, json!({"user": "alice"})).await;

    // Request A loads the session; request B logs out while A is still running.
    let mut request_a = load(&storage, &cookie).await;
    let id = request_a.id().to_owned();
    let mut request_b = load(&storage, &cookie).await;
    storage
        .destroy_session(&mut request_b, &none())
        .await
        .unwrap();

    request_a.set("visits", 7);
    let set_cookie = storage
        .commit_session(&mut request_a, &none())
        .await
        .unwrap();
    assert_eq!(set_cookie, DELETION, "A gets the deletion cookie");
    assert_eq!(request_a.id(), "");
    assert!(request_a.data().is_empty());
    assert_eq!(
        store.read(&id).await.unwrap(),
        None,
        "the record stays deleted"
    );
    assert!(load(&storage, &cookie).await.data().is_empty());
}

pub async fn expired_then_committed<S: SessionStore + Clone>(store: S, clock: ManualClock) {
    let storage = ServerSessionStorage::new(cookie(&clock, Some(60)), store.clone());
    let cookie = committed(&storage, json!({"a": 1})).await;
    let mut session = load(&storage, &cookie).await;
    let id = session.id().to_owned();

    clock.advance(Duration::from_secs(61));
    session.set("b", 2);
    let set_cookie = storage.commit_session(&mut session, &none()).await.unwrap();
    assert_eq!(
        set_cookie,
        "__session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"
    );
    assert_eq!(session.id(), "");
    assert_eq!(store.read(&id).await.unwrap(), None);
}

pub async fn old_secret_resigned<S: SessionStore + Clone>(store: S, clock: ManualClock) {
    let old = ServerSessionStorage::new(
        Cookie::builder("__session")
            .secrets(["old"])
            .clock(Arc::new(clock.clone()))
            .build()
            .unwrap(),
        store.clone(),
    );
    let cookie = committed(&old, json!({"a": 1})).await;

    let rotated = ServerSessionStorage::new(
        Cookie::builder("__session")
            .secrets(["new", "old"])
            .clock(Arc::new(clock.clone()))
            .build()
            .unwrap(),
        store.clone(),
    );
    let mut session = load(&rotated, &cookie).await;
    assert!(session.needs_resign());
    assert_eq!(session.data(), &object(json!({"a": 1})));
    let set_cookie = rotated.commit_session(&mut session, &none()).await.unwrap();
    assert!(!session.needs_resign());
    assert_ne!(
        request_cookie(&set_cookie),
        cookie,
        "signed with the new secret"
    );
    assert!(!load(&rotated, request_cookie(&set_cookie))
        .await
        .needs_resign());
}
