//! The [`SessionStore`] trait, which keeps session records on the server, and its error type.

use std::error::Error;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::json::StringifyError;

/// How long the stores of this crate keep a record that was saved without an expiry (a
/// cookie with neither `Max-Age` nor `Expires`): 14 days.
///
/// A cookie without an expiry lasts until the browser ends its session, which browsers that
/// restore tabs may never do, so the record cannot live exactly as long as the cookie. Each
/// store keeps such a record for this long from its last commit instead of forever; change
/// it with the store's `with_max_lifetime`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// assert_eq!(websession::DEFAULT_MAX_LIFETIME, Duration::from_secs(14 * 24 * 3600));
/// ```
pub const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(14 * 24 * 3600);

/// A place on the server that keeps session data under session ids, the Rust form of the
/// `createData` / `readData` / `updateData` / `deleteData` strategy of `createSessionStorage`.
///
/// [`ServerSessionStorage`](crate::ServerSessionStorage) turns any store into a
/// [`SessionStorage`](crate::SessionStorage); the cookie then carries only the signed id.
///
/// # Contract
///
/// - `expires` is the moment the record stops being valid. A record whose expiry is at or
///   before the current time (`expires <= now`) is expired: no method returns or updates it,
///   and the store removes it when it meets it. A record saved with an expiry that has
///   already passed, as a commit with `Max-Age=0` gives, is expired from the start.
/// - `expires: None` means the cookie has no expiry. The store then keeps the record for a
///   bounded, documented time, such as [`DEFAULT_MAX_LIFETIME`], never forever.
/// - Ids passed in satisfy [`is_valid_session_id`](crate::is_valid_session_id): the storage
///   checks them first. Ids returned by [`create`](SessionStore::create) must satisfy it
///   too, and must be unguessable, as [`generate_session_id`](crate::generate_session_id)
///   makes them. There are two exceptions, both for [`delete`](SessionStore::delete).
///   Destroying a session that was never stored passes the empty id, as the JavaScript
///   libraries do. When `create` returns an invalid id, the storage passes it back to remove
///   the record, and the commit fails with [`StoreError::InvalidId`].
/// - [`update`](SessionStore::update) never creates a record, so that a session destroyed
///   while another request of it was running does not come back.
/// - The methods run concurrently, also for one id, because a browser sends several
///   requests at once. [`update`](SessionStore::update) and [`touch`](SessionStore::touch)
///   check that a live record exists and write it in one step that a
///   [`delete`](SessionStore::delete) cannot fall between: a transaction, a conditional write
///   (`UPDATE … WHERE id = ? AND expires > ?`), a script that runs atomically in the
///   backend, or a lock. Otherwise a logout that lands between the check and the write is
///   undone.
/// - [`create`](SessionStore::create) never replaces an existing record. Insert only when
///   the id is free, and try a new id when it is not. Random 128-bit ids do not collide in
///   practice, so a store that keeps finding its new ids taken has a bug.
/// - A record that expires without being read again, as those of abandoned sessions do,
///   stays until something removes it. Use the backend's own expiry (a time to live) or
///   remove expired records periodically, as
///   [`FileStore::remove_expired`](crate::FileStore::remove_expired) does.
/// - The trait is declared with [`async_trait`](crate::async_trait), so an implementation
///   needs `#[websession::async_trait]` on its `impl` block, as in the example below.
///   Without it, the compiler rejects the `async fn` methods with error E0195.
///
/// # Examples
///
/// A store that forgets everything, to show the shape of an implementation:
///
/// ```
/// use std::time::SystemTime;
/// use websession::async_trait;
/// use serde_json::{Map, Value};
/// use websession::{generate_session_id, SessionStore, StoreError};
///
/// #[derive(Debug)]
/// struct Forgetful;
///
/// #[async_trait]
/// impl SessionStore for Forgetful {
///     async fn create(&self, _: &Map<String, Value>, _: Option<SystemTime>) -> Result<String, StoreError> {
///         Ok(generate_session_id())
///     }
///     async fn read(&self, _: &str) -> Result<Option<Map<String, Value>>, StoreError> {
///         Ok(None)
///     }
///     async fn update(&self, _: &str, _: &Map<String, Value>, _: Option<SystemTime>) -> Result<bool, StoreError> {
///         Ok(false)
///     }
///     async fn delete(&self, _: &str) -> Result<(), StoreError> {
///         Ok(())
///     }
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let id = Forgetful.create(&Map::new(), None).await?;
/// assert_eq!(Forgetful.read(&id).await?, None);
/// # Ok::<(), StoreError>(())
/// # }).unwrap();
/// ```
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores `data` under a new id and returns the id.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be written.
    async fn create(
        &self,
        data: &Map<String, Value>,
        expires: Option<SystemTime>,
    ) -> Result<String, StoreError>;

    /// Returns the data stored under `id`, or `None` when there is no record, the record
    /// has expired (it is then removed) or it cannot be read as session data.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or read.
    async fn read(&self, id: &str) -> Result<Option<Map<String, Value>>, StoreError>;

    /// Replaces the data and expiry of the record under `id` and returns `true`, or returns
    /// `false` and writes nothing when there is no live record under `id`.
    ///
    /// An `expires` that has already passed removes the record; the result is still `true`
    /// when the record was live until then.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or written.
    async fn update(
        &self,
        id: &str,
        data: &Map<String, Value>,
        expires: Option<SystemTime>,
    ) -> Result<bool, StoreError>;

    /// Sets the expiry of the record under `id` without changing its data and returns
    /// `true`, or returns `false` and writes nothing when there is no live record under `id`.
    /// An `expires` that has already passed removes the record, as with
    /// [`update`](SessionStore::update).
    ///
    /// The default reads the record and updates it with the data it read, so a change that
    /// another request writes in between is lost. The stores of this crate override it with
    /// one atomic step.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or written.
    async fn touch(&self, id: &str, expires: Option<SystemTime>) -> Result<bool, StoreError> {
        match self.read(id).await? {
            Some(data) => self.update(id, &data, expires).await,
            None => Ok(false),
        }
    }

    /// Removes the record under `id`; an id without a record is not an error.
    ///
    /// `id` is empty when a session that was never stored is destroyed. No record has that
    /// id, so there is nothing to remove.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or written.
    async fn delete(&self, id: &str) -> Result<(), StoreError>;
}

/// Error from a [`SessionStore`]. It reaches callers of
/// [`SessionStorage`](crate::SessionStorage) as
/// [`StorageError::Store`](crate::StorageError::Store).
///
/// The messages of this crate's stores never contain session ids or session data. The
/// message of [`StoreError::Other`] includes the custom store's own error as it is.
///
/// # Examples
///
/// ```
/// use websession::{StorageError, StoreError};
///
/// let error = StoreError::Other("backend offline".into());
/// assert_eq!(error.to_string(), "custom session store failed: backend offline");
/// assert!(matches!(StorageError::from(error), StorageError::Store(StoreError::Other(_))));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A file of a [`FileStore`](crate::FileStore) could not be read, written or removed.
    #[error(
        "failed to {}: {source}; {}",
        file_operation_words(operation, directory),
        file_hint(source.kind())
    )]
    Io {
        /// The failed operation: `create`, `list`, `lock`, `read`, `write`, `rename` or
        /// `remove`.
        operation: &'static str,
        /// The store's directory.
        directory: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A Redis command failed, for example because the URL is invalid or the server is down
    /// or unreachable, or the server is out of memory. When the error has a usual fix, such
    /// as a server that is down, over its `maxmemory` or in need of a password, the message
    /// ends with a hint.
    #[cfg(feature = "redis")]
    #[error(
        "redis {} failed{}: {source}{}",
        redis_operation_words(operation),
        server.as_ref().map(|server| format!(" on {server}")).unwrap_or_default(),
        redis_hint(source)
    )]
    Redis {
        /// The failed operation: `connect`, `create`, `read`, `update`, `touch` or `delete`.
        operation: &'static str,
        /// The server's address, `host:port` or a socket path and never a password. Stores
        /// made by [`RedisStore::connect`](crate::RedisStore::connect) fill it in, and stores
        /// made by [`RedisStore::new`](crate::RedisStore::new) leave it `None`.
        server: Option<String>,
        /// The error from the `redis` crate.
        #[source]
        source: redis::RedisError,
    },
    /// The session data cannot be written as JSON.
    #[error("session data cannot be stored: {0}")]
    Encode(#[from] StringifyError),
    /// A store that runs blocking work on Tokio's blocking threads was called outside a
    /// Tokio runtime.
    #[error(
        "the file session store needs a Tokio runtime; call it from a task of a Tokio runtime"
    )]
    NoRuntime,
    /// Blocking work of a store ended without a result, because it panicked or the runtime
    /// shut down.
    #[error(
        "a session store task did not complete: {0}; a panic there is a bug, reported above \
         by the panic message, and a cancelled task means that the runtime was shutting down"
    )]
    Task(#[source] tokio::task::JoinError),
    /// Every freshly generated id was already taken, which with 128-bit random ids points
    /// to a broken random number generator or a store that reports every id as taken.
    #[error(
        "no free session id after {attempts} attempts; check the store and the operating \
         system's random number generator"
    )]
    IdsExhausted {
        /// How many ids were tried.
        attempts: u32,
    },
    /// A store returned an id that [`is_valid_session_id`](crate::is_valid_session_id)
    /// rejects, so it could not be read back from the cookie.
    #[error(
        "the session store returned an invalid session id of {length} bytes; ids must be 1 to \
         128 characters of A-Z, a-z, 0-9, '-' and '_'"
    )]
    InvalidId {
        /// Length of the rejected id, in bytes.
        length: usize,
    },
    /// Any other failure of a custom store; the wrapped error is the source.
    #[error("custom session store failed: {0}")]
    Other(#[source] Box<dyn Error + Send + Sync>),
}

impl StoreError {
    /// Wraps any error of a custom store as [`StoreError::Other`], for use with `map_err`.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::StoreError;
    ///
    /// fn parse_ttl(text: &str) -> Result<u64, StoreError> {
    ///     text.parse().map_err(StoreError::other)
    /// }
    ///
    /// let error = parse_ttl("soon").unwrap_err();
    /// assert_eq!(error.to_string(), "custom session store failed: invalid digit found in string");
    /// ```
    pub fn other(error: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        StoreError::Other(error.into())
    }
}

/// Returns the fix to suggest for a [`StoreError::Io`] whose error is of `kind`.
fn file_hint(kind: std::io::ErrorKind) -> &'static str {
    use std::io::ErrorKind;
    match kind {
        ErrorKind::NotFound => "check that the directory exists",
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => {
            "check that this process may read and write the directory"
        }
        ErrorKind::AlreadyExists | ErrorKind::NotADirectory => {
            "check that the path and its parents name directories, not files"
        }
        ErrorKind::StorageFull => "free disk space where the directory is",
        ErrorKind::TimedOut => {
            "check for a stopped or hung process that shares the directory, or under heavy load \
             move the sessions to a faster disk or to RedisStore"
        }
        _ => "check that the directory exists and that this process may read and write it",
    }
}

/// Returns the words for a [`StoreError::Io`] operation on `directory`, as its message
/// writes them.
fn file_operation_words(operation: &str, directory: &std::path::Path) -> String {
    let directory = directory.display();
    match operation {
        "create" => format!("create the session directory {directory}"),
        "list" => format!("list the session directory {directory}"),
        other => format!("{other} a session file in {directory}"),
    }
}

/// Wraps a message as [`StoreError::Other`], for custom stores and tests.
///
/// # Examples
///
/// ```
/// use websession::StoreError;
///
/// let error = StoreError::from("backend offline");
/// assert!(matches!(error, StoreError::Other(_)));
/// ```
impl From<&str> for StoreError {
    fn from(message: &str) -> Self {
        StoreError::Other(message.into())
    }
}

/// Wraps a message as [`StoreError::Other`], for custom stores and tests.
///
/// # Examples
///
/// ```
/// use websession::StoreError;
///
/// let error = StoreError::from(format!("shard {} offline", 3));
/// assert_eq!(error.to_string(), "custom session store failed: shard 3 offline");
/// ```
impl From<String> for StoreError {
    fn from(message: String) -> Self {
        StoreError::Other(message.into())
    }
}

/// Returns a Redis operation in the words of an error message, such as "read of a session".
#[cfg(feature = "redis")]
fn redis_operation_words(operation: &str) -> String {
    match operation {
        "connect" => "connect to the session store".to_owned(),
        _ => format!("{operation} of a session"),
    }
}

/// Returns the fix to suggest for a Redis error, with its leading `"; "`, or `""` when the
/// kind of error has no usual fix.
#[cfg(feature = "redis")]
fn redis_hint(error: &redis::RedisError) -> &'static str {
    // Redis rejects writes with an OOM error once it is over `maxmemory` and its
    // `maxmemory-policy` evicts nothing. The `redis` crate (0.27) gives such errors no
    // kind of their own, only the code.
    if error.code() == Some("OOM") {
        return "; raise the Redis server's maxmemory or free memory there";
    }
    // A server with a password rejects every command of a client that has not authenticated
    // with "NOAUTH Authentication required.". Connecting sends SELECT when the URL names a
    // database other than 0, and the `redis` crate (0.27) reports that rejection as "refused
    // to switch database" with the detail but not the code. Otherwise connecting sends only
    // commands whose replies it ignores, so the error shows at the first operation.
    if error.code() == Some("NOAUTH") || error.detail() == Some("Authentication required.") {
        return "; add the server's password to the Redis URL, as in redis://:PASSWORD@HOST:PORT/";
    }
    // A database number beyond the server's `databases` setting (16 by default) is rejected
    // at connect, when the `redis` crate sends SELECT.
    if error.detail() == Some("DB index is out of range") {
        return "; choose a database number that the server has, below its `databases` setting \
                (16 by default), at the end of the Redis URL";
    }
    match error.kind() {
        // Refused connections, timeouts and dropped connections are all I/O errors.
        redis::ErrorKind::IoError => "; check that the Redis server is running and reachable",
        redis::ErrorKind::InvalidClientConfig => {
            "; check the URL's form, e.g. redis://127.0.0.1:6379/ (rediss:// also needs a TLS \
             feature of the redis crate)"
        }
        redis::ErrorKind::AuthenticationFailed => {
            "; check the user name and password in the Redis URL"
        }
        redis::ErrorKind::ReadOnly => {
            "; check that the Redis URL names a primary server, not a read-only replica"
        }
        _ => "",
    }
}

/// Returns the moment a record saved at `now` expires: `expires`, or `now + max_lifetime`
/// when the cookie has no expiry.
pub(crate) fn record_expiry(
    expires: Option<SystemTime>,
    now: SystemTime,
    max_lifetime: Duration,
) -> SystemTime {
    expires.unwrap_or_else(|| {
        // A lifetime too long for SystemTime is capped at about 136 years.
        now.checked_add(max_lifetime)
            .unwrap_or_else(|| now + Duration::from_secs(u64::from(u32::MAX)))
    })
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    #[test]
    fn file_error_names_the_operation() {
        let io_error = |operation| StoreError::Io {
            operation,
            directory: PathBuf::from("/srv/sessions"),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        let read = io_error("read").to_string();
        assert!(
            read.starts_with("failed to read a session file in /srv/sessions: "),
            "{read}"
        );
        let list = io_error("list").to_string();
        assert!(
            list.starts_with("failed to list the session directory /srv/sessions: "),
            "{list}"
        );
        let create = io_error("create").to_string();
        assert!(
            create.starts_with("failed to create the session directory /srv/sessions: "),
            "{create}"
        );
        let lock = io_error("lock").to_string();
        assert!(
            lock.starts_with("failed to lock a session file in /srv/sessions: "),
            "{lock}"
        );
    }

    #[test]
    fn task_error_names_both_causes() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let joined = runtime.block_on(async {
            tokio::task::spawn_blocking(|| std::panic::resume_unwind(Box::new("store bug"))).await
        });
        let message = StoreError::Task(joined.unwrap_err()).to_string();
        assert!(
            message.starts_with("a session store task did not complete: task "),
            "{message}"
        );
        assert!(
            message.ends_with(
                "; a panic there is a bug, reported above by the panic message, and a cancelled \
                 task means that the runtime was shutting down"
            ),
            "{message}"
        );
    }

    #[test]
    fn file_error_hint_follows_kind() {
        use std::io::ErrorKind;
        let cases = [
            (ErrorKind::NotFound, "; check that the directory exists"),
            (
                ErrorKind::PermissionDenied,
                "; check that this process may read and write the directory",
            ),
            (
                ErrorKind::NotADirectory,
                "; check that the path and its parents name directories, not files",
            ),
            (
                ErrorKind::StorageFull,
                "; free disk space where the directory is",
            ),
            (
                ErrorKind::TimedOut,
                "; check for a stopped or hung process that shares the directory, or under heavy \
                 load move the sessions to a faster disk or to RedisStore",
            ),
            (
                ErrorKind::Interrupted,
                "; check that the directory exists and that this process may read and write it",
            ),
        ];
        for (kind, hint) in cases {
            let error = StoreError::Io {
                operation: "write",
                directory: PathBuf::from("/srv/sessions"),
                source: std::io::Error::from(kind),
            };
            let message = error.to_string();
            assert!(message.ends_with(hint), "{kind:?}: {message}");
        }
    }

    #[test]
    fn record_expiry_prefers_given_expiry() {
        let now = UNIX_EPOCH + Duration::from_secs(1000);
        let at = UNIX_EPOCH + Duration::from_secs(5);
        assert_eq!(record_expiry(Some(at), now, Duration::from_secs(60)), at);
        assert_eq!(
            record_expiry(None, now, Duration::from_secs(60)),
            now + Duration::from_secs(60)
        );
    }

    #[test]
    fn record_expiry_caps_huge_lifetime() {
        let now = UNIX_EPOCH;
        let capped = record_expiry(None, now, Duration::MAX);
        assert_eq!(capped, now + Duration::from_secs(u64::from(u32::MAX)));
    }

    #[cfg(feature = "redis")]
    mod redis_messages {
        use crate::RedisStore;

        use super::*;

        const REACHABLE_HINT: &str = "check that the Redis server is running and reachable";
        const URL_HINT: &str = "check the URL's form, e.g. redis://127.0.0.1:6379/";

        #[tokio::test]
        async fn unparsable_url_hints_at_url_form() {
            let error = RedisStore::connect("not a url").await.unwrap_err();
            let message = error.to_string();

            assert!(
                message.starts_with(
                    "redis connect to the session store failed: Redis URL did not parse"
                ),
                "{message}"
            );
            assert!(message.contains(URL_HINT), "{message}");
            assert!(!message.contains(REACHABLE_HINT), "{message}");
        }

        #[tokio::test]
        async fn rediss_without_tls_feature_hints_at_feature() {
            let error = RedisStore::connect("rediss://127.0.0.1:6379/")
                .await
                .unwrap_err();
            let message = error.to_string();

            assert!(message.contains("the feature is not enabled"), "{message}");
            assert!(
                message.contains("rediss:// also needs a TLS feature of the redis crate"),
                "{message}"
            );
            assert!(!message.contains(REACHABLE_HINT), "{message}");
        }

        #[tokio::test]
        async fn closed_port_hints_at_running_server() {
            // A port that was free a moment ago, so nothing should listen on it.
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let port = listener.local_addr().unwrap().port();
            drop(listener);

            let url = format!("redis://127.0.0.1:{port}/");
            let error = RedisStore::connect(&url).await.unwrap_err();
            let message = error.to_string();

            assert!(
                message.starts_with(&format!(
                    "redis connect to the session store failed on 127.0.0.1:{port}: "
                )),
                "{message}"
            );
            assert!(message.ends_with(REACHABLE_HINT), "{message}");
            assert!(!message.contains(URL_HINT), "{message}");
        }

        #[test]
        fn other_kinds_get_own_hint_or_none() {
            let cases = [
                (
                    redis::ErrorKind::AuthenticationFailed,
                    "; check the user name and password in the Redis URL",
                ),
                (
                    redis::ErrorKind::ReadOnly,
                    "; check that the Redis URL names a primary server, not a read-only replica",
                ),
                (redis::ErrorKind::TypeError, ""),
            ];
            for (kind, hint) in cases {
                let error = StoreError::Redis {
                    operation: "read",
                    server: None,
                    source: redis::RedisError::from((kind, "test failure")),
                };
                let message = error.to_string();

                assert!(
                    message.starts_with("redis read of a session failed: test failure"),
                    "{message}"
                );
                assert!(message.ends_with(hint), "{kind:?}: {message}");
                assert!(!message.contains(REACHABLE_HINT), "{kind:?}: {message}");
            }
        }
    }
}
