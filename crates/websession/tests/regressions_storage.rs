//! Regression tests for the failure kinds of server-side session storages, run against every
//! store: [`MemoryStore`], [`FileStore`] and, with the `redis` feature, [`RedisStore`] on a
//! `redis-server` of the test's own.
//!
//! Where the JavaScript `createSessionStorage` decides the expected values, the test also
//! checks them against the output recorded from @remix-run/node 2.17.5 (`remix.json` of the
//! vectors).

mod common;

use std::any::Any;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::recording_store::{js_expires, RecordingStore};
use common::{request_cookie, TempDir};
use serde_json::{json, Value};
use websession::{
    Cookie, CookieOptions, FileStore, ManualClock, MemoryStore, ServerSessionStorage, Session,
    SessionStorage, SessionStore,
};

/// The frozen clock of the recorded vectors: 2023-11-14T22:13:20Z.
const START_SECS: u64 = 1_700_000_000;

const DELETION: &str = "__session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax";

fn start() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(START_SECS)
}

/// Returns the vector `id` recorded from the Remix 2 packages.
fn remix_vector(id: &str) -> &'static Value {
    static VECTORS: OnceLock<Vec<Value>> = OnceLock::new();
    let vectors = VECTORS.get_or_init(|| {
        let path =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/remix.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
        serde_json::from_str(&text).expect("remix.json is a JSON array")
    });
    vectors
        .iter()
        .find(|vector| vector["id"] == id)
        .unwrap_or_else(|| panic!("vector {id} not found in remix.json"))
}

fn cookie(clock: &ManualClock, max_age: Option<i64>) -> Cookie {
    let mut builder = Cookie::builder("__session")
        .secrets(["s3cr3t"])
        .clock(Arc::new(clock.clone()));
    if let Some(seconds) = max_age {
        builder = builder.max_age(seconds);
    }
    builder.build().unwrap()
}

fn none() -> CookieOptions {
    CookieOptions::default()
}

// ---------------------------------------------------------------------------------------
// One store under test, with a way to count the records it physically contains
// ---------------------------------------------------------------------------------------

/// A store of one kind, its clock, and whatever must live as long as it (a directory, a
/// Redis server).
struct Backend<S> {
    store: S,
    clock: ManualClock,
    /// Counts the records the store physically contains, expired ones included.
    count_records: Box<dyn Fn() -> usize + Send + Sync>,
    /// The file store's directory, for the tests that look at files.
    directory: Option<PathBuf>,
    _keep_alive: Box<dyn Any + Send>,
}

impl<S: SessionStore + Clone + 'static> Backend<S> {
    fn storage(&self, max_age: Option<i64>) -> ServerSessionStorage<S> {
        ServerSessionStorage::new(cookie(&self.clock, max_age), self.store.clone())
    }

    fn records(&self) -> usize {
        (self.count_records)()
    }
}

fn memory_backend() -> Backend<MemoryStore> {
    let clock = ManualClock::new(start());
    let store = MemoryStore::new().with_clock(Arc::new(clock.clone()));
    let counted = store.clone();
    Backend {
        store,
        clock,
        count_records: Box::new(move || counted.len()),
        directory: None,
        _keep_alive: Box::new(()),
    }
}

fn count_files(directory: &Path, suffix: &str) -> usize {
    std::fs::read_dir(directory)
        .expect("store directory is readable")
        .filter(|entry| {
            let name = entry.as_ref().unwrap().file_name();
            name.to_string_lossy().ends_with(suffix)
        })
        .count()
}

fn file_backend() -> Backend<FileStore> {
    let clock = ManualClock::new(start());
    let directory = TempDir::new("regressions");
    let store = FileStore::new(directory.path())
        .unwrap()
        .with_clock(Arc::new(clock.clone()));
    let path = directory.path().to_path_buf();
    let counted = path.clone();
    Backend {
        store,
        clock,
        count_records: Box::new(move || count_files(&counted, ".json")),
        directory: Some(path),
        _keep_alive: Box::new(directory),
    }
}

#[cfg(feature = "redis")]
async fn redis_backend() -> Backend<websession::RedisStore> {
    use common::redis_server::RedisServer;

    let server = Arc::new(RedisServer::start());
    let clock = ManualClock::new(start());
    let store = websession::RedisStore::connect(&server.url())
        .await
        .unwrap()
        .with_clock(Arc::new(clock.clone()));
    let counted = server.clone();
    Backend {
        store,
        clock,
        count_records: Box::new(move || counted.command::<usize>(&redis::cmd("DBSIZE"))),
        directory: None,
        _keep_alive: Box::new(server),
    }
}

/// Runs each scenario against every store, as one test per store.
macro_rules! for_every_store {
    ($($scenario:ident),* $(,)?) => {
        mod memory {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $scenario() {
                    super::$scenario(memory_backend()).await;
                }
            )*
        }
        mod file {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $scenario() {
                    super::$scenario(file_backend()).await;
                }
            )*
        }
        #[cfg(feature = "redis")]
        mod redis_store {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $scenario() {
                    super::$scenario(redis_backend().await).await;
                }
            )*
        }
    };
}

for_every_store!(
    expired_record_reads_as_new_and_is_removed,
    planted_id_is_never_adopted,
    invalid_ids_never_reach_store,
    rotation_makes_planted_cookie_worthless,
    concurrent_writers_never_leave_partial_record,
    logout_racing_slow_request_stays_logged_out,
    rotation_after_logout_stays_logged_out,
    bad_id_signatures_give_new_session,
    deletion_cookie_matches_commit_attributes,
    same_site_none_requires_secure,
    flash_survives_until_committed,
    characters_above_latin1_round_trip,
);

// ---------------------------------------------------------------------------------------
// Scenarios run against every store
// ---------------------------------------------------------------------------------------

async fn expired_record_reads_as_new_and_is_removed<S: SessionStore + Clone + 'static>(
    backend: Backend<S>,
) {
    let storage = backend.storage(Some(60));
    let mut session = Session::new();
    session.set("user", "alice");
    let header = storage.commit_session(&mut session, &none()).await.unwrap();
    let request = request_cookie(&header);

    backend.clock.advance(Duration::from_secs(59));
    let mut stale = storage.get_session(Some(request)).await.unwrap();
    assert_eq!(
        stale.get("user"),
        Some(json!("alice")),
        "alive one second before expiry"
    );

    // Expiry is inclusive: at exactly 60 s the record is gone, as in Remix's memory storage.
    backend.clock.advance(Duration::from_secs(1));
    let expired = storage.get_session(Some(request)).await.unwrap();
    assert!(expired.data().is_empty());
    assert_eq!(expired.id(), "", "an expired id is not kept");
    assert_eq!(
        backend.records(),
        0,
        "the expired record is deleted when read"
    );
    let vector = remix_vector("mem-expiry-cookie-maxage");
    assert_eq!(vector["expected"]["steps"][6]["data"], json!({}));
    assert_eq!(
        vector["expected"]["steps"][5]["nowMs"],
        json!(1_700_000_060_000u64)
    );

    // A request that loaded the session before it expired cannot bring it back.
    stale.set("user", "mallory");
    let header = storage.commit_session(&mut stale, &none()).await.unwrap();
    assert_eq!(header, DELETION);
    assert_eq!(backend.records(), 0);
}

async fn planted_id_is_never_adopted<S: SessionStore + Clone + 'static>(backend: Backend<S>) {
    let storage = backend.storage(None);

    // A correctly signed cookie whose id has no record: made up, expired or deleted.
    let planted = storage
        .cookie()
        .serialize(&json!("planted-by-someone-else"), &none())
        .unwrap();
    let mut session = storage
        .get_session(Some(request_cookie(&planted)))
        .await
        .unwrap();
    assert_eq!(session.id(), "", "the planted id is dropped");
    assert!(session.data().is_empty());

    session.set("user", "alice");
    let header = storage.commit_session(&mut session, &none()).await.unwrap();
    assert_ne!(session.id(), "planted-by-someone-else");
    assert_eq!(session.id().len(), 22);
    assert!(!header.contains(request_cookie(&planted)));
    assert_eq!(backend.records(), 1);

    // The planted cookie still reads as nothing.
    let again = storage
        .get_session(Some(request_cookie(&planted)))
        .await
        .unwrap();
    assert!(again.data().is_empty());

    // Remix adopts the unknown id ("ghost") and writes it back; this library does not.
    let vector = remix_vector("st-unknown-id");
    assert_eq!(vector["expected"]["steps"][0]["id"], json!("ghost"));
    let ghost = vector["input"]["steps"][0]["header"].as_str().unwrap();
    let session = storage.get_session(Some(ghost)).await.unwrap();
    assert_eq!(session.id(), "");
}

async fn invalid_ids_never_reach_store<S: SessionStore + Clone + 'static>(backend: Backend<S>) {
    // Without secrets the client chooses the cookie value freely.
    let unsigned = Cookie::builder("__session")
        .clock(Arc::new(backend.clock.clone()))
        .build()
        .unwrap();
    let storage = ServerSessionStorage::new(unsigned.clone(), backend.store.clone());
    let hostile_ids = [
        "../../../../tmp/escaped",
        "..",
        "a/b",
        "a\\b",
        "a.json",
        "key*",
        "prefix:other",
        " padded ",
        "",
        &"a".repeat(129),
        "é",
    ];
    for id in hostile_ids {
        let header = unsigned.serialize(&json!(id), &none()).unwrap();
        let mut session = storage
            .get_session(Some(request_cookie(&header)))
            .await
            .unwrap();
        assert_eq!(session.id(), "", "{id:?}");
        session.set("x", 1);
        storage.commit_session(&mut session, &none()).await.unwrap();
        assert!(!hostile_ids.contains(&session.id()), "{id:?}");
    }
    assert_eq!(backend.records(), hostile_ids.len());

    if let Some(directory) = &backend.directory {
        let parent = directory.parent().unwrap();
        assert!(!parent.join("escaped").exists());
        assert!(!Path::new("/tmp/escaped").exists());
    }

    // The same ids never reach a store even through its own methods.
    let recording = RecordingStore::new();
    let storage = ServerSessionStorage::new(unsigned.clone(), recording.clone());
    for id in hostile_ids {
        let header = unsigned.serialize(&json!(id), &none()).unwrap();
        storage
            .get_session(Some(request_cookie(&header)))
            .await
            .unwrap();
    }
    assert_eq!(recording.calls(), Vec::<Value>::new());
}

async fn rotation_makes_planted_cookie_worthless<S: SessionStore + Clone + 'static>(
    backend: Backend<S>,
) {
    let storage = backend.storage(None);

    // The attacker gets a real session cookie and plants it in the victim's browser.
    let mut attacker = Session::new();
    attacker.set("visited", true);
    let planted = storage
        .commit_session(&mut attacker, &none())
        .await
        .unwrap();
    let planted_id = attacker.id().to_owned();

    // The victim logs in with it; the application rotates the id at login.
    let mut victim = storage
        .get_session(Some(request_cookie(&planted)))
        .await
        .unwrap();
    assert_eq!(victim.id(), planted_id);
    victim.set("user", "alice");
    let rotated = storage.rotate_id(&mut victim, &none()).await.unwrap();
    assert_ne!(victim.id(), planted_id);
    assert_eq!(backend.records(), 1, "the old record is deleted");

    let with_planted = storage
        .get_session(Some(request_cookie(&planted)))
        .await
        .unwrap();
    assert!(
        with_planted.data().is_empty(),
        "the planted cookie gives no access"
    );
    let mut with_rotated = storage
        .get_session(Some(request_cookie(&rotated)))
        .await
        .unwrap();
    assert_eq!(with_rotated.get("user"), Some(json!("alice")));
    assert_eq!(
        with_rotated.get("visited"),
        Some(json!(true)),
        "data moves with the id"
    );
}

async fn concurrent_writers_never_leave_partial_record<S: SessionStore + Clone + 'static>(
    backend: Backend<S>,
) {
    const WRITERS: usize = 6;
    const COMMITS: usize = 25;
    const READS: usize = 100;

    let storage = Arc::new(backend.storage(None));
    let blob = |writer: usize, step: usize| format!("{writer}-{step};").repeat(400);
    let mut session = Session::new();
    session.set("writer", 0);
    session.set("step", 0);
    session.set("blob", blob(0, 0));
    let header = storage.commit_session(&mut session, &none()).await.unwrap();
    let request = request_cookie(&header).to_owned();

    let mut tasks = Vec::new();
    for writer in 1..=WRITERS {
        let (storage, request) = (storage.clone(), request.clone());
        tasks.push(tokio::spawn(async move {
            for step in 1..=COMMITS {
                let mut session = storage.get_session(Some(&request)).await.unwrap();
                session.set("writer", writer);
                session.set("step", step);
                session.set("blob", blob(writer, step));
                storage.commit_session(&mut session, &none()).await.unwrap();
            }
        }));
    }
    for _ in 0..2 {
        let (storage, request) = (storage.clone(), request.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..READS {
                let session = storage.get_session(Some(&request)).await.unwrap();
                let data = session.data();
                assert!(!data.is_empty(), "a reader saw no record while writers ran");
                let writer = data["writer"].as_u64().unwrap() as usize;
                let step = data["step"].as_u64().unwrap() as usize;
                assert_eq!(
                    data["blob"],
                    json!(blob(writer, step)),
                    "mixed or partial record"
                );
            }
        }));
    }
    for task in tasks {
        task.await
            .expect("writer and reader tasks finish without panicking");
    }

    assert_eq!(backend.records(), 1);
    if let Some(directory) = &backend.directory {
        assert_eq!(
            count_files(directory, ".tmp"),
            0,
            "temporary files left behind"
        );
    }
}

async fn logout_racing_slow_request_stays_logged_out<S: SessionStore + Clone + 'static>(
    backend: Backend<S>,
) {
    let storage = Arc::new(backend.storage(Some(3600)));
    let mut session = Session::new();
    session.set("user", "alice");
    let header = storage.commit_session(&mut session, &none()).await.unwrap();
    let request = request_cookie(&header).to_owned();

    // A slow request loads the session, then waits while a logout runs.
    let (loaded_sender, loaded) = tokio::sync::oneshot::channel::<()>();
    let (logged_out_sender, logged_out) = tokio::sync::oneshot::channel::<()>();
    let slow = {
        let (storage, request) = (storage.clone(), request.clone());
        tokio::spawn(async move {
            let mut session = storage.get_session(Some(&request)).await.unwrap();
            assert_eq!(session.get("user"), Some(json!("alice")));
            loaded_sender.send(()).unwrap();
            logged_out.await.unwrap();
            session.set("cart", json!(["book"]));
            storage.commit_session(&mut session, &none()).await.unwrap()
        })
    };

    loaded.await.unwrap();
    let mut logout = storage.get_session(Some(&request)).await.unwrap();
    let deletion = storage.destroy_session(&mut logout, &none()).await.unwrap();
    assert_eq!(deletion, DELETION);
    logged_out_sender.send(()).unwrap();

    // The slow request's commit does not revive the session: it deletes the cookie too.
    let slow_header = slow.await.unwrap();
    assert_eq!(slow_header, DELETION);
    assert_eq!(backend.records(), 0);
    let after = storage.get_session(Some(&request)).await.unwrap();
    assert!(after.data().is_empty());
}

async fn rotation_after_logout_stays_logged_out<S: SessionStore + Clone + 'static>(
    backend: Backend<S>,
) {
    let storage = backend.storage(Some(3600));
    let mut session = Session::new();
    session.set("user", "alice");
    let header = storage.commit_session(&mut session, &none()).await.unwrap();
    let request = request_cookie(&header).to_owned();

    // A slow request loaded the session before a logout destroyed it.
    let mut slow = storage.get_session(Some(&request)).await.unwrap();
    let mut logout = storage.get_session(Some(&request)).await.unwrap();
    storage.destroy_session(&mut logout, &none()).await.unwrap();

    let rotated = storage.rotate_id(&mut slow, &none()).await.unwrap();
    assert_eq!(rotated, DELETION);
    assert_eq!(slow.id(), "");
    assert!(slow.data().is_empty());
    assert_eq!(backend.records(), 0);
}

async fn bad_id_signatures_give_new_session<S: SessionStore + Clone + 'static>(
    backend: Backend<S>,
) {
    let storage = backend.storage(None);
    let mut session = Session::new();
    session.set("user", "alice");
    let header = storage.commit_session(&mut session, &none()).await.unwrap();
    let request = request_cookie(&header);
    let (payload, signature) = request.rsplit_once('.').unwrap();

    let mut changed_signature = signature.to_owned();
    let last = changed_signature.pop().unwrap();
    changed_signature.push(if last == 'A' { 'B' } else { 'A' });
    let mut changed_payload = payload.to_owned();
    let last = changed_payload.pop().unwrap();
    changed_payload.push(if last == 'A' { 'B' } else { 'A' });
    let retired = Cookie::builder("__session")
        .secrets(["retired secret"])
        .build()
        .unwrap()
        .serialize(&json!(session.id()), &none())
        .unwrap();
    let variants = [
        ("without signature", payload.to_owned()),
        (
            "changed signature",
            format!("{payload}.{changed_signature}"),
        ),
        ("changed payload", format!("{changed_payload}.{signature}")),
        ("retired secret", request_cookie(&retired).to_owned()),
    ];
    for (case, cookie_header) in variants {
        let loaded = storage.get_session(Some(&cookie_header)).await.unwrap();
        assert!(loaded.data().is_empty(), "{case}");
        assert_eq!(loaded.id(), "", "{case}");
    }

    // A secret still in the list reads, and the next commit signs with the first one.
    let rotated = ServerSessionStorage::new(
        Cookie::builder("__session")
            .secrets(["new secret", "s3cr3t"])
            .clock(Arc::new(backend.clock.clone()))
            .build()
            .unwrap(),
        backend.store.clone(),
    );
    let mut loaded = rotated.get_session(Some(request)).await.unwrap();
    assert_eq!(loaded.get("user"), Some(json!("alice")));
    assert!(loaded.needs_resign());
    let resigned = rotated.commit_session(&mut loaded, &none()).await.unwrap();
    assert_ne!(request_cookie(&resigned), request);
    assert_eq!(loaded.id(), session.id(), "re-signing keeps the id");
}

async fn deletion_cookie_matches_commit_attributes<S: SessionStore + Clone + 'static>(
    backend: Backend<S>,
) {
    let cookie = Cookie::builder("__session")
        .secrets(["s3cr3t"])
        .max_age(3600)
        .path("/app")
        .domain("example.com")
        .clock(Arc::new(backend.clock.clone()))
        .build()
        .unwrap();
    let storage = ServerSessionStorage::new(cookie, backend.store.clone());
    let expected = "__session=; Domain=example.com; Path=/app; \
                    Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax";

    // The cookie's Max-Age is dropped, and so is a per-call one.
    let mut session = Session::new();
    session.set("user", "alice");
    storage.commit_session(&mut session, &none()).await.unwrap();
    let header = storage
        .destroy_session(&mut session, &none())
        .await
        .unwrap();
    assert_eq!(header, expected);
    assert_eq!(backend.records(), 0);
    let per_call = CookieOptions {
        max_age: Some(10),
        ..none()
    };
    let header = storage
        .destroy_session(&mut Session::new(), &per_call)
        .await
        .unwrap();
    assert_eq!(header, expected);

    // A per-call Path and Domain are repeated too.
    let elsewhere = CookieOptions {
        path: Some("/other".into()),
        domain: Some(".example.org".into()),
        ..none()
    };
    let header = storage
        .destroy_session(&mut Session::new(), &elsewhere)
        .await
        .unwrap();
    assert_eq!(
        header,
        "__session=; Domain=.example.org; Path=/other; \
         Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"
    );

    // Max-Age=0 and negative values are written as given and keep nothing in the store.
    for max_age in [0, -1] {
        let ending = CookieOptions {
            max_age: Some(max_age),
            ..none()
        };
        let mut session = Session::new();
        session.set("user", "alice");
        let header = storage.commit_session(&mut session, &ending).await.unwrap();
        assert!(
            header.contains(&format!("; Max-Age={max_age};")),
            "{header}"
        );
        let loaded = storage
            .get_session(Some(request_cookie(&header)))
            .await
            .unwrap();
        assert!(loaded.data().is_empty(), "Max-Age={max_age}");
    }
}

async fn same_site_none_requires_secure<S: SessionStore + Clone + 'static>(backend: Backend<S>) {
    let storage = backend.storage(None);
    let none_without_secure = CookieOptions {
        same_site: Some(websession::SameSite::None),
        ..none()
    };
    let mut session = Session::new();
    session.set("user", "alice");
    let commit = storage
        .commit_session(&mut session, &none_without_secure)
        .await;
    assert!(
        matches!(commit, Err(websession::StorageError::Config(_))),
        "{commit:?}"
    );
    assert_eq!(backend.records(), 0, "a rejected commit stores nothing");
    let destroy = storage
        .destroy_session(&mut session, &none_without_secure)
        .await;
    assert!(
        matches!(destroy, Err(websession::StorageError::Config(_))),
        "{destroy:?}"
    );

    let with_secure = CookieOptions {
        secure: Some(true),
        ..none_without_secure
    };
    let header = storage
        .commit_session(&mut session, &with_secure)
        .await
        .unwrap();
    assert!(header.ends_with("; Secure; SameSite=None"), "{header}");
    let header = storage
        .destroy_session(&mut session, &with_secure)
        .await
        .unwrap();
    assert!(header.ends_with("; Secure; SameSite=None"), "{header}");
}

async fn flash_survives_until_committed<S: SessionStore + Clone + 'static>(backend: Backend<S>) {
    let storage = backend.storage(None);
    let mut session = Session::new();
    session.flash("notice", "saved");
    let header = storage.commit_session(&mut session, &none()).await.unwrap();
    let request = request_cookie(&header);

    // Read without commit: still in the store for the next request.
    let mut first = storage.get_session(Some(request)).await.unwrap();
    assert_eq!(first.get("notice"), Some(json!("saved")));
    let mut second = storage.get_session(Some(request)).await.unwrap();
    assert_eq!(second.get("notice"), Some(json!("saved")));

    // Read and commit: gone for every later request.
    storage.commit_session(&mut second, &none()).await.unwrap();
    let mut third = storage.get_session(Some(request)).await.unwrap();
    assert_eq!(third.get("notice"), None);
}

async fn characters_above_latin1_round_trip<S: SessionStore + Clone + 'static>(
    backend: Backend<S>,
) {
    // Server-side data never goes into the cookie, so even a Latin-1 cookie can carry it.
    let cookie = Cookie::builder("__session")
        .secrets(["s3cr3t"])
        .payload_encoding(websession::PayloadEncoding::Latin1)
        .clock(Arc::new(backend.clock.clone()))
        .build()
        .unwrap();
    let storage = ServerSessionStorage::new(cookie, backend.store.clone());
    let text = "日本語 🙂 \u{2028} \u{0} \"quoted\" \\";
    let mut session = Session::new();
    session.set("text", text);
    session.set("ключ", 1);
    let header = storage.commit_session(&mut session, &none()).await.unwrap();
    let mut loaded = storage
        .get_session(Some(request_cookie(&header)))
        .await
        .unwrap();
    assert_eq!(loaded.get("text"), Some(json!(text)));
    assert_eq!(loaded.get("ключ"), Some(json!(1)));
}

// ---------------------------------------------------------------------------------------
// Store-specific regressions
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn expiry_passed_to_store_follows_commit() {
    let clock = ManualClock::new(start());
    let created_expiry = |store: &RecordingStore| store.calls().last().unwrap()["expires"].clone();

    // The cookie's Max-Age, then a per-call Max-Age, as Remix computes them.
    let cases = [
        ("st-cookie-maxage", Some(3600), none()),
        (
            "st-commit-maxage",
            None,
            CookieOptions {
                max_age: Some(60),
                ..none()
            },
        ),
    ];
    for (id, max_age, overrides) in cases {
        let store = RecordingStore::new();
        let storage = ServerSessionStorage::new(cookie(&clock, max_age), store.clone());
        let mut session = Session::new();
        session.set("a", 1);
        storage
            .commit_session(&mut session, &overrides)
            .await
            .unwrap();
        let expected = &remix_vector(id)["expected"]["calls"][0]["expires"];
        assert_eq!(&created_expiry(&store), expected, "{id}");
    }

    // Max-Age wins over a cookie's Expires.
    let store = RecordingStore::new();
    let both = Cookie::builder("__session")
        .secrets(["s3cr3t"])
        .max_age(60)
        .expires(UNIX_EPOCH + Duration::from_millis(1_700_086_400_000))
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let storage = ServerSessionStorage::new(both, store.clone());
    storage
        .commit_session(&mut Session::new(), &none())
        .await
        .unwrap();
    let expected = &remix_vector("st-cookie-both")["expected"]["calls"][0]["expires"];
    assert_eq!(&created_expiry(&store), expected);

    // A per-call Expires, and no expiry at all.
    let store = RecordingStore::new();
    let storage = ServerSessionStorage::new(cookie(&clock, None), store.clone());
    let at = start() + Duration::from_secs(86_400);
    let fixed = CookieOptions {
        expires: Some(at),
        ..none()
    };
    storage
        .commit_session(&mut Session::new(), &fixed)
        .await
        .unwrap();
    assert_eq!(created_expiry(&store), js_expires(Some(at)));
    storage
        .commit_session(&mut Session::new(), &none())
        .await
        .unwrap();
    assert_eq!(created_expiry(&store), Value::Null);
}

#[tokio::test]
async fn expiry_recomputed_at_each_commit() {
    let clock = ManualClock::new(start());
    let store = RecordingStore::new();
    let storage = ServerSessionStorage::new(cookie(&clock, Some(60)), store.clone());

    let mut session = Session::new();
    session.set("a", 1);
    let header = storage.commit_session(&mut session, &none()).await.unwrap();

    clock.advance(Duration::from_secs(45));
    let mut session = storage
        .get_session(Some(request_cookie(&header)))
        .await
        .unwrap();
    session.set("a", 2);
    storage.commit_session(&mut session, &none()).await.unwrap();

    let expiries: Vec<Value> = store
        .calls()
        .iter()
        .filter(|call| call["fn"] == "createData" || call["fn"] == "updateData")
        .map(|call| call["expires"].clone())
        .collect();
    assert_eq!(
        expiries,
        vec![
            js_expires(Some(start() + Duration::from_secs(60))),
            js_expires(Some(start() + Duration::from_secs(105))),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_session_file_reads_as_new_session() {
    let backend = file_backend();
    let storage = backend.storage(None);
    let mut session = Session::new();
    session.set("user", "alice");
    let header = storage.commit_session(&mut session, &none()).await.unwrap();
    let path = backend
        .directory
        .as_ref()
        .unwrap()
        .join(format!("{}.json", session.id()));
    let text = std::fs::read(&path).unwrap();

    // A file cut short, as after a crash of a writer that did not use a temporary file.
    for cut in [0, 1, text.len() / 2, text.len() - 1] {
        std::fs::write(&path, &text[..cut]).unwrap();
        let loaded = storage
            .get_session(Some(request_cookie(&header)))
            .await
            .unwrap();
        assert!(loaded.data().is_empty(), "cut at {cut}");
        assert!(path.exists(), "the damaged file stays (cut at {cut})");
    }

    // Garbage that is not a record at all.
    std::fs::write(&path, b"\xff\xfe{\"expires\":").unwrap();
    let loaded = storage
        .get_session(Some(request_cookie(&header)))
        .await
        .unwrap();
    assert!(loaded.data().is_empty());
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_ttl_is_in_seconds() {
    let backend = redis_backend().await;
    let key_of = |id: &str| format!("{}{id}", backend.store.prefix());
    let redis_server = backend
        ._keep_alive
        .downcast_ref::<Arc<common::redis_server::RedisServer>>()
        .unwrap()
        .clone();
    let ttl = |id: &str| redis_server.command::<i64>(redis::cmd("TTL").arg(key_of(id)));
    let pttl = |id: &str| redis_server.command::<i64>(redis::cmd("PTTL").arg(key_of(id)));

    for (max_age, expected_seconds) in [(60, 60), (90 * 24 * 3600, 90 * 24 * 3600), (1, 1)] {
        let storage = backend.storage(Some(max_age));
        let mut session = Session::new();
        session.set("a", 1);
        storage.commit_session(&mut session, &none()).await.unwrap();
        assert_eq!(ttl(session.id()), expected_seconds, "Max-Age={max_age}");
        let millis = pttl(session.id());
        assert!(
            millis > (expected_seconds - 1) * 1000 && millis <= expected_seconds * 1000,
            "PTTL {millis} ms for Max-Age={max_age}"
        );
    }

    // A fraction of a second left is rounded up, never to a TTL of zero.
    let storage = backend.storage(None);
    let in_1500_ms = CookieOptions {
        expires: Some(start() + Duration::from_millis(1500)),
        ..none()
    };
    let mut session = Session::new();
    storage
        .commit_session(&mut session, &in_1500_ms)
        .await
        .unwrap();
    assert_eq!(ttl(session.id()), 2);

    // Max-Age=0 keeps nothing in Redis.
    let storage = backend.storage(Some(0));
    let before = backend.records();
    let mut session = Session::new();
    storage.commit_session(&mut session, &none()).await.unwrap();
    assert_eq!(backend.records(), before);

    // Without any expiry the store's maximum lifetime (14 days by default) applies.
    let storage = backend.storage(None);
    let mut session = Session::new();
    storage.commit_session(&mut session, &none()).await.unwrap();
    assert_eq!(
        ttl(session.id()),
        websession::DEFAULT_MAX_LIFETIME.as_secs() as i64
    );
}
