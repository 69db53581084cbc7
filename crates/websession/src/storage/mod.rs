//! Session storages: where session data lives between requests.

mod cookie;
mod session_storage;

pub use cookie::{CookieSessionStorage, MAX_COOKIE_LEN};
pub use session_storage::{SessionStorage, StorageError};
