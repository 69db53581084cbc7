//! Session storages: where session data lives between requests.

mod cookie;
mod file;
mod memory;
mod record;
#[cfg(feature = "redis")]
mod redis;
mod server;
mod session_id;
mod session_storage;
mod shared;
mod store;

pub use cookie::{CookieSessionStorage, MAX_COOKIE_LEN};
pub use file::FileStore;
pub use memory::MemoryStore;
#[cfg(feature = "redis")]
pub use redis::RedisStore;
pub use server::ServerSessionStorage;
pub use session_id::{generate_session_id, is_valid_session_id, MAX_SESSION_ID_LEN};
pub use session_storage::{SessionStorage, StorageError};
pub use store::{SessionStore, StoreError, DEFAULT_MAX_LIFETIME};
