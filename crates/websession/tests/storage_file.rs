//! [`FileStore`] behaviour beyond the conformance scenarios: atomic writes under many
//! writers, damaged files, ids that try to leave the directory, and cleanup.

mod common;

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use common::conformance::{cookie, start};
use common::{request_cookie, TempDir};
use serde_json::{json, Map, Value};
use websession::{
    CookieOptions, FileStore, ManualClock, ServerSessionStorage, SessionStorage, SessionStore,
    StoreError,
};

/// Log output of every test in this file; warnings are checked by their text.
fn captured_logs() -> &'static Mutex<Vec<u8>> {
    static LOGS: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();
    static INSTALLED: OnceLock<()> = OnceLock::new();
    let logs = LOGS.get_or_init(|| Mutex::new(Vec::new()));
    INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::WARN)
            .with_writer(|| LogWriter)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("first subscriber");
    });
    logs
}

struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        captured_logs().lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs_text() -> String {
    logs_since(0)
}

/// Returns the length of the log so far, to pass to [`logs_since`]. Tests run in parallel
/// and share the log, so a test reads from its own mark instead of clearing the log.
fn log_mark() -> usize {
    captured_logs().lock().unwrap().len()
}

fn logs_since(mark: usize) -> String {
    String::from_utf8_lossy(&captured_logs().lock().unwrap()[mark..]).into_owned()
}

/// Returns the damaged-file warnings logged since `mark` for the store in `directory`.
fn damaged_file_warnings(mark: usize, directory: &TempDir) -> Vec<String> {
    logs_since(mark)
        .lines()
        .filter(|line| {
            line.contains("session file is damaged, truncated, a directory or not a session record")
                && line.contains(&directory.path().display().to_string())
        })
        .map(str::to_owned)
        .collect()
}

fn object(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap()
}

fn store_in(directory: &TempDir, clock: &ManualClock) -> FileStore {
    FileStore::new(directory.path())
        .unwrap()
        .with_clock(Arc::new(clock.clone()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_writers_never_expose_partial_file() {
    let directory = TempDir::new("writers");
    let clock = ManualClock::new(start());
    let store = store_in(&directory, &clock);
    // Large values make a torn write likely to be seen if writes were not atomic.
    let payload = |writer: usize| {
        object(json!({
            "writer": writer,
            "padding": "x".repeat(64 * 1024 + writer),
        }))
    };
    let id = store.create(&payload(0), None).await.unwrap();
    let path = directory.path().join(format!("{id}.json"));

    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (store, id, path, done) = (store.clone(), id.clone(), path.clone(), done.clone());
        tokio::spawn(async move {
            let mut reads = 0;
            while !done.load(Ordering::Relaxed) || reads < 100 {
                let data = store.read(&id).await.unwrap().expect("never missing");
                let writer = data["writer"].as_u64().unwrap() as usize;
                assert_eq!(data["padding"].as_str().unwrap().len(), 64 * 1024 + writer);

                let raw = std::fs::read(&path).expect("the file always exists");
                let text = std::str::from_utf8(&raw).expect("complete UTF-8");
                let value: Value = serde_json::from_str(text).expect("complete JSON");
                assert!(value["data"]["writer"].is_u64());
                reads += 1;
            }
            reads
        })
    };

    let mut writers = Vec::new();
    for writer in 1..=50 {
        let (store, id) = (store.clone(), id.clone());
        writers.push(tokio::spawn(async move {
            for _ in 0..4 {
                assert!(store.update(&id, &payload(writer), None).await.unwrap());
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    done.store(true, Ordering::Relaxed);
    let reads = reader.await.unwrap();
    assert!(reads >= 100);

    let final_data = store.read(&id).await.unwrap().unwrap();
    let writer = final_data["writer"].as_u64().unwrap() as usize;
    assert!((1..=50).contains(&writer));
    assert_eq!(final_data, payload(writer));
    let mut leftovers: Vec<_> = std::fs::read_dir(directory.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    leftovers.sort();
    let mut expected = vec![".locks".to_owned(), format!("{id}.json")];
    expected.sort();
    assert_eq!(leftovers, expected, "no temporary files left");
}

#[tokio::test]
async fn damaged_file_reads_as_no_session_with_warning() {
    let directory = TempDir::new("damaged");
    let clock = ManualClock::new(start());
    let store = store_in(&directory, &clock);
    let storage = ServerSessionStorage::new(cookie(&clock, None), store.clone());

    let mut session = storage.get_session(None).await.unwrap();
    session.set("user", "alice");
    let set_cookie = storage
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    let path = directory.path().join(format!("{}.json", session.id()));
    let complete = std::fs::read(&path).unwrap();

    let damaged: [&[u8]; 4] = [
        &complete[..complete.len() / 2],
        b"",
        b"\xff\xfe garbage",
        br#"{"expires":"later","data":{"user":"mallory"}}"#,
    ];
    for (case, bytes) in damaged.iter().enumerate() {
        let mark = log_mark();
        std::fs::write(&path, bytes).unwrap();

        // A fresh store for each case, because a store warns at most once a minute.
        let storage = ServerSessionStorage::new(cookie(&clock, None), store_in(&directory, &clock));
        let loaded = storage
            .get_session(Some(request_cookie(&set_cookie)))
            .await
            .unwrap();
        assert_eq!(loaded.id(), "", "case {case}");
        assert!(loaded.data().is_empty(), "case {case}");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            *bytes,
            "case {case}: the damaged file stays as it was"
        );
        let warnings = damaged_file_warnings(mark, &directory);
        assert_eq!(warnings.len(), 1, "case {case}: {warnings:?}");
        assert!(warnings[0].contains("WARN"), "case {case}: {warnings:?}");
        let text = logs_text();
        assert!(!text.contains(session.id()), "the id is not logged: {text}");
    }

    // Requests that repeat the cookie add no warning within a minute.
    let mark = log_mark();
    for _ in 0..3 {
        let loaded = storage
            .get_session(Some(request_cookie(&set_cookie)))
            .await
            .unwrap();
        assert!(loaded.data().is_empty());
    }
    let warnings = damaged_file_warnings(mark, &directory);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("held_back=0"), "{warnings:?}");
}

#[tokio::test]
async fn sweep_and_delete_warn_on_damaged_file() {
    let directory = TempDir::new("damaged-sweep");
    let clock = ManualClock::new(start());
    let path = directory.path().join("damaged.json");
    std::fs::write(&path, "{").unwrap();

    // A fresh store for each operation, because a store warns at most once a minute.
    let mark = log_mark();
    let swept = store_in(&directory, &clock).remove_expired().await.unwrap();
    assert_eq!(swept, 0);
    let warnings = damaged_file_warnings(mark, &directory);
    assert_eq!(warnings.len(), 1, "remove_expired: {warnings:?}");
    assert_eq!(std::fs::read(&path).unwrap(), b"{");

    let mark = log_mark();
    store_in(&directory, &clock)
        .delete("damaged")
        .await
        .unwrap();
    let warnings = damaged_file_warnings(mark, &directory);
    assert_eq!(warnings.len(), 1, "delete: {warnings:?}");
    assert_eq!(std::fs::read(&path).unwrap(), b"{");
}

#[tokio::test]
async fn ids_cannot_leave_directory() {
    let parent = TempDir::new("traversal");
    let sessions = parent.path().join("sessions");
    let clock = ManualClock::new(start());
    let store = FileStore::new(&sessions)
        .unwrap()
        .with_clock(Arc::new(clock.clone()));
    let storage = ServerSessionStorage::new(cookie(&clock, None), store.clone());

    // A valid record outside the store's directory, and cookies that point at it.
    let outside = parent.path().join("secret.json");
    let record = r#"{"expires":99999999999999,"data":{"role":"admin"}}"#;
    std::fs::write(&outside, record).unwrap();
    for id in ["../secret", "..%2Fsecret", "/tmp/../secret", "..\\secret"] {
        let set_cookie = storage
            .cookie()
            .serialize(&json!(id), &CookieOptions::default())
            .unwrap();
        let mut session = storage
            .get_session(Some(request_cookie(&set_cookie)))
            .await
            .unwrap();
        assert!(session.data().is_empty(), "{id}");
        storage
            .destroy_session(&mut session, &CookieOptions::default())
            .await
            .unwrap();
        assert_eq!(store.read(id).await.unwrap(), None, "{id}");
        assert!(!store.update(id, &Map::new(), None).await.unwrap(), "{id}");
        store.delete(id).await.unwrap();
    }
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), record);
}

#[tokio::test]
async fn cookie_naming_other_file_leaves_it() {
    let directory = TempDir::new("other-files");
    let clock = ManualClock::new(start());
    let store = store_in(&directory, &clock);
    let storage = ServerSessionStorage::new(cookie(&clock, None), store.clone());

    // Another program's file under a name that is a valid id, named by a signed cookie, as
    // when a value signed for another cookie with the same secrets is sent as this one.
    let config = directory.path().join("config.json");
    let text = r#"{"debug":true,"expires":"never"}"#;
    std::fs::write(&config, text).unwrap();
    let set_cookie = storage
        .cookie()
        .serialize(&json!("config"), &CookieOptions::default())
        .unwrap();

    let mut session = storage
        .get_session(Some(request_cookie(&set_cookie)))
        .await
        .unwrap();
    assert!(session.data().is_empty());
    storage
        .destroy_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    store.delete("config").await.unwrap();
    assert!(!store.update("config", &Map::new(), None).await.unwrap());
    assert!(!store.touch("config", None).await.unwrap());
    clock.advance(Duration::from_secs(365 * 24 * 3600));
    assert_eq!(store.remove_expired().await.unwrap(), 0);

    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
}

#[tokio::test]
async fn directory_named_as_record_reads_as_none() {
    let directory = TempDir::new("directory-as-record");
    let clock = ManualClock::new(start());
    let store = store_in(&directory, &clock);
    let inner = directory.path().join("assets.json");
    std::fs::create_dir(&inner).unwrap();
    std::fs::write(inner.join("keep.txt"), "kept").unwrap();

    let mark = log_mark();
    assert_eq!(store.read("assets").await.unwrap(), None);
    let warnings = damaged_file_warnings(mark, &directory);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(!store.update("assets", &Map::new(), None).await.unwrap());
    assert!(!store.touch("assets", None).await.unwrap());
    store.delete("assets").await.unwrap();
    clock.advance(Duration::from_secs(365 * 24 * 3600));
    assert_eq!(store.remove_expired().await.unwrap(), 0);

    assert_eq!(
        std::fs::read_to_string(inner.join("keep.txt")).unwrap(),
        "kept"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn unreadable_record_is_io_error() {
    // A symbolic link to itself fails to open with an error other than "not found", as
    // an unreadable file does. Permissions cannot make one, because tests may run as root.
    let directory = TempDir::new("unreadable");
    let store = FileStore::new(directory.path()).unwrap();
    let path = directory.path().join("looped.json");
    std::os::unix::fs::symlink(&path, &path).unwrap();

    let result = store.read("looped").await;
    assert!(
        matches!(
            result,
            Err(StoreError::Io {
                operation: "read",
                ..
            })
        ),
        "{result:?}"
    );
    assert!(std::fs::symlink_metadata(&path).is_ok(), "the link stays");
}

#[tokio::test]
async fn create_expiring_now_writes_no_file() {
    let directory = TempDir::new("expired-create");
    let clock = ManualClock::new(start());
    let store = store_in(&directory, &clock);

    let id = store
        .create(&object(json!({"k": 1})), Some(start()))
        .await
        .unwrap();

    assert!(!id.is_empty());
    assert!(!directory.path().join(format!("{id}.json")).exists());
    assert_eq!(store.read(&id).await.unwrap(), None);
}

#[test]
fn debug_shows_directory_and_lifetime() {
    let directory = TempDir::new("debug");
    let store = FileStore::new(directory.path())
        .unwrap()
        .with_max_lifetime(Duration::from_secs(90));
    let text = format!("{store:?}");
    assert!(text.starts_with("FileStore"), "{text}");
    assert!(text.contains(&format!("{:?}", directory.path())), "{text}");
    assert!(text.contains("max_lifetime: 90s"), "{text}");
}

#[tokio::test]
async fn remove_expired_sweeps_directory() {
    let directory = TempDir::new("sweep");
    let clock = ManualClock::new(start());
    let store = store_in(&directory, &clock);
    let soon = Some(start() + Duration::from_secs(10));
    for _ in 0..3 {
        store.create(&Map::new(), soon).await.unwrap();
    }
    let kept = store.create(&object(json!({"k": 1})), None).await.unwrap();
    std::fs::write(directory.path().join("notes.txt"), "not a session").unwrap();
    std::fs::write(directory.path().join("broken-one.json"), "{").unwrap();
    // Temporary files of writes, named as the store names them, and another program's.
    let stale = directory.path().join(".crashed.AAAAAAAAAAAAAAAAAAAAAA.tmp");
    let fresh = directory.path().join(".running.BBBBBBBBBBBBBBBBBBBBBB.tmp");
    let foreign = directory.path().join(".editor-swap.tmp");
    // It has a valid id but a random part of the wrong length, so the store did not make it.
    let foreign_with_dots = directory.path().join(".notes.backup.tmp");
    for path in [&stale, &fresh, &foreign, &foreign_with_dots] {
        std::fs::write(path, "partial").unwrap();
    }
    let two_hours_ago = std::time::SystemTime::now() - Duration::from_secs(7200);
    for path in [&stale, &foreign, &foreign_with_dots] {
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
    }

    assert_eq!(
        store.remove_expired().await.unwrap(),
        0,
        "nothing has expired, and the damaged file is not a record"
    );
    clock.advance(Duration::from_secs(10));
    assert_eq!(store.remove_expired().await.unwrap(), 3);

    let mut names: Vec<String> = std::fs::read_dir(directory.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut expected = vec![
        ".editor-swap.tmp".to_owned(),
        ".locks".to_owned(),
        ".notes.backup.tmp".to_owned(),
        ".running.BBBBBBBBBBBBBBBBBBBBBB.tmp".to_owned(),
        format!("{kept}.json"),
        "broken-one.json".to_owned(),
        "notes.txt".to_owned(),
    ];
    expected.sort();
    assert_eq!(
        names, expected,
        "expired records and the stale temporary file are gone"
    );
}

#[tokio::test]
async fn temporary_file_stale_after_one_hour() {
    let directory = TempDir::new("stale-age");
    let store = FileStore::new(directory.path()).unwrap();
    // The ages sit a minute either side of the hour, a margin for the time the test takes.
    let older = directory.path().join(".older.AAAAAAAAAAAAAAAAAAAAAA.tmp");
    let younger = directory.path().join(".younger.BBBBBBBBBBBBBBBBBBBBBB.tmp");
    let now = std::time::SystemTime::now();
    for (path, age) in [(&older, 3660), (&younger, 3540)] {
        std::fs::write(path, "partial").unwrap();
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(now - Duration::from_secs(age))
            .unwrap();
    }

    assert_eq!(store.remove_expired().await.unwrap(), 0);
    assert!(!older.exists(), "a temporary file of 61 minutes is removed");
    assert!(younger.exists(), "a temporary file of 59 minutes stays");
}

#[tokio::test]
async fn files_are_private_to_owner() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;

        let parent = TempDir::new("modes");
        let directory = parent.path().join("new");
        let store = FileStore::new(&directory).unwrap();
        let id = store.create(&Map::new(), None).await.unwrap();
        let mode =
            |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&directory), 0o700);
        assert_eq!(mode(&directory.join(format!("{id}.json"))), 0o600);

        // The create took the lock of its id, which made the lock directory and one file.
        let locks = directory.join(".locks");
        assert_eq!(mode(&locks), 0o700);
        let lock_files: Vec<_> = std::fs::read_dir(&locks)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        assert_eq!(lock_files.len(), 1, "{lock_files:?}");
        assert_eq!(mode(&lock_files[0]), 0o600);
    }
}

#[test]
fn outside_tokio_is_typed_error() {
    let directory = TempDir::new("no-runtime");
    let store = FileStore::new(directory.path()).unwrap();
    let result = block_on_without_tokio(store.read("abc"));
    assert!(matches!(result, Err(StoreError::NoRuntime)), "{result:?}");
}

#[test]
fn missing_directory_parent_is_io_error() {
    let directory = TempDir::new("blocked");
    let file = directory.path().join("a-file");
    std::fs::File::create(&file)
        .unwrap()
        .write_all(b"x")
        .unwrap();
    let error = FileStore::new(file.join("sessions")).unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Io {
                operation: "create",
                ..
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "failed to create the session directory {}: ",
            file.join("sessions").display()
        )),
        "{message}"
    );
    assert!(
        message.ends_with("check that the path and its parents name directories, not files"),
        "{message}"
    );
}

/// Polls a future to completion on this thread, with no Tokio runtime around it.
fn block_on_without_tokio<F: std::future::Future>(future: F) -> F::Output {
    struct ThreadWaker(std::thread::Thread);

    impl Wake for ThreadWaker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }

    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::park();
    }
}

/// Two `FileStore` values on one directory stand for two processes: they share no memory,
/// only the directory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn separate_stores_never_revive_deleted_record() {
    let directory = TempDir::new("two-stores");
    let first = FileStore::new(directory.path()).unwrap();
    let second = FileStore::new(directory.path()).unwrap();
    let data = object(json!({"user": "alice"}));

    for round in 0..300 {
        let id = first.create(&data, None).await.unwrap();
        let (deleted, updated) = tokio::join!(
            tokio::spawn({
                let (store, id) = (first.clone(), id.clone());
                async move { store.delete(&id).await }
            }),
            tokio::spawn({
                let (store, id, data) = (second.clone(), id.clone(), data.clone());
                async move { store.update(&id, &data, None).await }
            }),
        );
        deleted.unwrap().unwrap();
        updated.unwrap().unwrap();
        assert_eq!(
            second.read(&id).await.unwrap(),
            None,
            "round {round}: an update that overlapped the delete brought the record back"
        );
    }
}

#[tokio::test]
async fn removed_directory_fails_until_made_again() {
    let parent = TempDir::new("removed");
    let sessions = parent.path().join("sessions");
    let store = FileStore::new(&sessions).unwrap();
    let id = store.create(&object(json!({"a": 1})), None).await.unwrap();

    std::fs::remove_dir_all(&sessions).unwrap();
    let error = store.read(&id).await.unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Io {
                operation: "read",
                ..
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains(&format!(
            "{}: the directory does not exist",
            sessions.display()
        )),
        "{message}"
    );
    let error = store.create(&Map::new(), None).await.unwrap_err();
    assert!(matches!(error, StoreError::Io { .. }), "{error:?}");
    assert!(
        !sessions.exists(),
        "the store does not make the directory again"
    );

    // An operator makes the directory again; the store works without a restart.
    std::fs::create_dir(&sessions).unwrap();
    assert_eq!(store.read(&id).await.unwrap(), None);
    let id = store.create(&object(json!({"b": 2})), None).await.unwrap();
    assert_eq!(
        store.read(&id).await.unwrap(),
        Some(object(json!({"b": 2})))
    );
    store.delete(&id).await.unwrap();
    assert_eq!(store.read(&id).await.unwrap(), None);
}

/// A read takes the write lock only to remove an expired record, so a directory that the
/// process may only read serves every other read.
#[tokio::test]
async fn reads_without_expiry_take_no_lock() {
    let directory = TempDir::new("read-only");
    let clock = ManualClock::new(start());
    let store = store_in(&directory, &clock);
    let live = r#"{"expires":99999999999999,"data":{"user":"alice"}}"#;
    std::fs::write(directory.path().join("live.json"), live).unwrap();
    std::fs::write(directory.path().join("damaged.json"), "{").unwrap();

    assert_eq!(
        store.read("live").await.unwrap(),
        Some(object(json!({"user": "alice"})))
    );
    assert_eq!(store.read("damaged").await.unwrap(), None);
    assert_eq!(store.read("missing").await.unwrap(), None);
    assert!(
        !directory.path().join(".locks").exists(),
        "no read made the lock directory"
    );
}
