//! Helpers shared by the storage and axum tests: temporary directories, a Redis server of
//! their own, a store that records its calls, the conformance scenarios that every store
//! passes, and requests through an axum router.

#![allow(dead_code)]

#[cfg(feature = "axum")]
pub mod axum_http;
pub mod conformance;
pub mod log_capture;
pub mod recording_store;
#[cfg(feature = "redis")]
pub mod redis_server;

use std::path::{Path, PathBuf};

/// A directory under the system's temporary directory, deleted with its contents on drop.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "websession-{label}-{}",
            websession::generate_session_id()
        ));
        std::fs::create_dir_all(&path).expect("temporary directory can be created");
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Returns the `name=value` part of a `Set-Cookie` value, as a browser sends it back.
pub fn request_cookie(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap_or_default()
}
