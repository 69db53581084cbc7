//! Opening the session storage chosen with `--store`.

use std::sync::Arc;

use websession::{Cookie, CookieSessionStorage, SessionStorage};

use crate::config::StoreChoice;

/// Error from opening a session storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreOpenError {
    /// The storage exists in the library but is not wired into this build of the demo.
    #[error("store {store:?} is not available in this build of the demo: use --store cookie")]
    Unavailable {
        /// The requested storage.
        store: String,
    },
}

/// Opens the storage for `choice`, with `cookie` carrying the session data or id.
pub async fn open(
    choice: &StoreChoice,
    cookie: Cookie,
) -> Result<Arc<dyn SessionStorage>, StoreOpenError> {
    match choice {
        StoreChoice::Cookie => Ok(Arc::new(CookieSessionStorage::new(cookie))),
        other => Err(StoreOpenError::Unavailable {
            store: other.label(),
        }),
    }
}
