//! Secrets never appear in `Debug` output or in logs, cookie values and session data stay
//! out of `Debug` output, and the missing-secret warning is logged.

mod common;

use common::log_capture::CapturedLog;
use common::TempDir;
use websession::{
    Cookie, CookieOptions, CookieSessionStorage, FileStore, ServerSessionStorage, SessionStorage,
};

const SECRET: &str = "correct-horse-battery-staple";
const OLD_SECRET: &str = "tr0ub4dor-and-3";

#[tokio::test]
async fn secrets_absent_from_debug_and_logs() {
    let logs = CapturedLog::capture_this_thread();

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

    assert_no_secrets(&debug_output, &logs.text());
    assert!(debug_output[1].contains("__session"), "{}", debug_output[1]);
}

/// Checks that neither secret appears in `debug_output` or `logged`, and that the first two
/// `Debug` texts count the two secrets as redacted.
fn assert_no_secrets(debug_output: &[String], logged: &str) {
    for text in debug_output.iter().map(String::as_str).chain([logged]) {
        assert!(!text.contains(SECRET), "secret leaked: {text}");
        assert!(!text.contains(OLD_SECRET), "old secret leaked: {text}");
    }
    for text in &debug_output[..2] {
        assert!(text.contains("2 redacted"), "{text}");
    }
}

#[tokio::test]
async fn server_side_secrets_absent_from_debug_and_logs() {
    let logs = CapturedLog::capture_this_thread();
    let cookie = Cookie::builder("__session")
        .secrets([SECRET, OLD_SECRET])
        .build()
        .unwrap();
    let memory = ServerSessionStorage::memory(cookie.clone());
    let directory = TempDir::new("secrets");
    let files =
        ServerSessionStorage::new(cookie.clone(), FileStore::new(directory.path()).unwrap());
    let mut debug_output = vec![format!("{memory:?}"), format!("{files:?}")];
    #[cfg(feature = "axum")]
    debug_output.push(format!(
        "{:?}",
        websession::axum::SessionLayer::from_storage(memory.clone())
    ));

    // Exercise every path that could log: commit, read, tampered read, rotation, destroy.
    let options = CookieOptions::default();
    let mut session = memory.get_session(None).await.unwrap();
    session.set("user", "alice");
    let header = memory.commit_session(&mut session, &options).await.unwrap();
    let request = header.split(';').next().unwrap().to_owned();
    let mut session = memory.get_session(Some(&request)).await.unwrap();
    assert_eq!(session.get("user"), Some("alice".into()));
    memory.rotate_id(&mut session, &options).await.unwrap();
    debug_output.push(format!("{session:?}"));
    let tampered = request.replacen("=", "=x", 1);
    assert!(memory
        .get_session(Some(&tampered))
        .await
        .unwrap()
        .is_empty());
    memory
        .destroy_session(&mut session, &options)
        .await
        .unwrap();

    let logged = logs.text();
    assert!(!logged.is_empty(), "the paths above log at debug level");
    assert_no_secrets(&debug_output, &logged);
}

#[test]
fn unsigned_session_cookie_logs_a_warning() {
    let logs = CapturedLog::capture_this_thread();

    let _storage = CookieSessionStorage::new(Cookie::builder("__session").build().unwrap());
    let _signed = CookieSessionStorage::with_secrets([SECRET]).unwrap();

    let logged = logs.text();
    assert_eq!(logged.matches("WARN").count(), 1, "{logged}");
    assert!(logged.contains("no secrets"), "{logged}");
    assert!(logged.contains("__session"), "{logged}");
}

#[tokio::test]
async fn cookie_values_absent_from_debug() {
    let storage = CookieSessionStorage::new(
        Cookie::builder("__session")
            .secrets([SECRET])
            .build()
            .unwrap(),
    );
    let mut session = storage.get_session(None).await.unwrap();
    session.set("user", "alice-the-admin");
    let header = storage
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    let request = header.split(';').next().unwrap();

    let parsed = storage.cookie().parse_fields([request.as_bytes()]).unwrap();
    let parsed_debug = format!("{parsed:?}");
    assert!(!parsed_debug.contains("alice"), "{parsed_debug}");
    assert!(parsed_debug.contains("[redacted object]"), "{parsed_debug}");

    #[cfg(feature = "axum")]
    {
        let value = request.strip_prefix("__session=").unwrap();
        let set_cookie = websession::axum::SetSessionCookie::new(header.clone()).unwrap();
        let set_cookie_debug = format!("{set_cookie:?}");
        assert!(!set_cookie_debug.contains(value), "{set_cookie_debug}");
        assert!(
            set_cookie_debug.contains("name: \"__session\""),
            "{set_cookie_debug}"
        );
    }
}
