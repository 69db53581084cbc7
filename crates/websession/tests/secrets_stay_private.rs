//! Secrets never appear in `Debug` output or in logs, and the missing-secret warning is
//! logged.

use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Mutex, Once};

use websession::{Cookie, CookieOptions, CookieSessionStorage, SessionStorage};

const SECRET: &str = "correct-horse-battery-staple";
const OLD_SECRET: &str = "tr0ub4dor-and-3";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

thread_local! {
    static THREAD_LOG: RefCell<Option<Captured>> = const { RefCell::new(None) };
}

/// Writes to the log of the test on the current thread, if it captures one.
struct ThreadLogWriter;

impl Write for ThreadLogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        THREAD_LOG.with(|log| {
            if let Some(log) = &*log.borrow() {
                log.0.lock().unwrap().extend_from_slice(bytes);
            }
        });
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Starts capturing every log line, at every level, written on this thread.
    ///
    /// One global subscriber serves all tests of this binary. A per-test subscriber
    /// (`set_default`) loses events when a test on another thread reaches a log call first,
    /// because tracing then caches that no subscriber is interested in it.
    fn this_thread() -> Captured {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_writer(|| ThreadLogWriter)
                .with_ansi(false)
                .finish();
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other global subscriber");
        });
        let log = Captured::default();
        THREAD_LOG.with(|slot| *slot.borrow_mut() = Some(log.clone()));
        log
    }

    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[tokio::test]
async fn secrets_absent_from_debug_and_logs() {
    let logs = Captured::this_thread();

    let builder = Cookie::builder("__session").secrets([SECRET, OLD_SECRET]);
    let mut debug_output = vec![format!("{builder:?}")];
    let cookie = builder.build().unwrap();
    debug_output.push(format!("{cookie:?}"));
    let storage = CookieSessionStorage::new(cookie.clone());
    debug_output.push(format!("{storage:?}"));

    // Exercise every path that could log: commit, read, tampered read, destroy.
    let mut session = storage.get_session(None).await.unwrap();
    session.set("user", "alice");
    let header = storage
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    let request = header.split(';').next().unwrap().to_owned();
    let parsed = cookie.parse_fields([request.as_bytes()]).unwrap();
    debug_output.push(format!("{parsed:?}"));
    let tampered = request.replacen("eyJ", "eyK", 1);
    let session = storage.get_session(Some(&tampered)).await.unwrap();
    assert!(session.data().is_empty());
    debug_output.push(format!("{session:?}"));
    let empty_secret_error = Cookie::builder("s").secrets([""]).build().unwrap_err();
    debug_output.push(format!("{empty_secret_error:?} {empty_secret_error}"));

    let logged = logs.text();
    for text in debug_output.iter().chain([&logged]) {
        assert!(!text.contains(SECRET), "secret leaked: {text}");
        assert!(!text.contains(OLD_SECRET), "old secret leaked: {text}");
    }
    assert!(
        debug_output[0].contains("2 redacted"),
        "{}",
        debug_output[0]
    );
}

#[test]
fn unsigned_session_cookie_logs_a_warning() {
    let logs = Captured::this_thread();

    let _storage = CookieSessionStorage::new(Cookie::builder("__session").build().unwrap());
    let _signed = CookieSessionStorage::with_secrets([SECRET]).unwrap();

    let logged = logs.text();
    assert_eq!(logged.matches("WARN").count(), 1, "{logged}");
    assert!(logged.contains("no secrets"), "{logged}");
    assert!(logged.contains("__session"), "{logged}");
}
