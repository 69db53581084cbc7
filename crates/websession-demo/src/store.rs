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
    /// The Redis server cannot be reached.
    #[error(
        "cannot connect to the Redis store: {0}; check that redis-server runs at the --store URL"
    )]
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
