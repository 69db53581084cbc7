//! Opening the session storage chosen with `--store`.

use std::sync::Arc;
use std::time::Duration;

use websession::{
    Cookie, CookieSessionStorage, FileStore, MemoryStore, RedisStore, ServerSessionStorage,
    SessionStorage, StoreError,
};

use crate::config::StoreChoice;

/// Time between two sweeps of expired records in a file store.
const FILE_SWEEP_INTERVAL: Duration = Duration::from_secs(600);

/// Error from opening a session storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreOpenError {
    /// The file store's directory cannot be created.
    #[error("cannot open the file store: {0}")]
    File(#[source] StoreError),
    /// The `--store` URL is invalid or its Redis server cannot be reached. The library's
    /// message already ends with a hint that fits the error, so this one adds none.
    #[error("cannot open the Redis store given with --store: {0}")]
    Redis(#[source] StoreError),
}

/// Opens the storage for `choice`, with `cookie` carrying the session data or id.
pub async fn open(
    choice: &StoreChoice,
    cookie: Cookie,
) -> Result<Arc<dyn SessionStorage>, StoreOpenError> {
    match choice {
        StoreChoice::Cookie => Ok(Arc::new(CookieSessionStorage::new(cookie))),
        StoreChoice::Memory => Ok(Arc::new(ServerSessionStorage::new(
            cookie,
            MemoryStore::new(),
        ))),
        StoreChoice::File(directory) => {
            let store = FileStore::new(directory).map_err(StoreOpenError::File)?;
            tokio::spawn(sweep_file_store(store.clone()));
            Ok(Arc::new(ServerSessionStorage::new(cookie, store)))
        }
        StoreChoice::Redis(url) => {
            let store = RedisStore::connect(url)
                .await
                .map_err(StoreOpenError::Redis)?;
            Ok(Arc::new(ServerSessionStorage::new(cookie, store)))
        }
    }
}

/// Removes expired records from a file store now and then, since files of sessions that
/// are never requested again would otherwise stay on disk.
async fn sweep_file_store(store: FileStore) {
    let mut interval = tokio::time::interval(FILE_SWEEP_INTERVAL);
    loop {
        interval.tick().await;
        match store.remove_expired().await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed expired session files"),
            Err(error) => tracing::error!(%error, "sweeping expired session files failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookie() -> Cookie {
        Cookie::builder("__session")
            .secrets(["store test secret"])
            .build()
            .unwrap()
    }

    /// Returns the message of the error from opening `url` as a Redis store.
    async fn redis_open_error(url: &str) -> String {
        let Err(error) = open(&StoreChoice::Redis(url.to_owned()), cookie()).await else {
            panic!("opening {url} as a Redis store succeeded");
        };
        error.to_string()
    }

    #[tokio::test]
    async fn redis_bad_url_gives_one_url_hint() {
        let message = redis_open_error("redis://127.0.0.1:6379/not-a-number").await;

        assert!(
            message.starts_with("cannot open the Redis store given with --store: redis connect"),
            "{message}"
        );
        assert_eq!(message.matches("; check").count(), 1, "{message}");
        assert!(message.contains("check the URL's form"), "{message}");
        assert!(!message.contains("running and reachable"), "{message}");
    }

    #[tokio::test]
    async fn redis_closed_port_gives_one_server_hint() {
        // A port that was free a moment ago, so nothing should listen on it.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);

        let message = redis_open_error(&format!("redis://127.0.0.1:{port}/")).await;

        assert!(
            message.starts_with("cannot open the Redis store given with --store: redis connect"),
            "{message}"
        );
        assert_eq!(message.matches("; check").count(), 1, "{message}");
        assert!(
            message.ends_with("; check that the Redis server is running and reachable"),
            "{message}"
        );
    }
}
