//! [`RedisStore`]: session records in Redis, shared by every server that uses it.

mod scripts;

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisResult, Script};
use serde_json::{Map, Value};

use self::scripts::ReadReply;
use super::record::{self, millis_since_epoch};
use super::session_id::{generate_session_id, is_valid_session_id};
use super::store::{record_expiry, SessionStore, StoreError, DEFAULT_MAX_LIFETIME};
use crate::clock::{Clock, SystemClock};
use crate::warn_limit::WarnLimit;

/// Key prefix used unless [`RedisStore::with_prefix`] sets another.
const DEFAULT_PREFIX: &str = "websession:";

/// Tries at a fresh id before giving up; with 128-bit random ids the first try succeeds.
const CREATE_ATTEMPTS: u32 = 8;

/// Keeps session records in Redis, so that every server behind a load balancer sees the same
/// sessions. Available with the cargo feature `redis`.
///
/// Each session is one string key, `<prefix><id>` (prefix `websession:` by default), whose
/// value is `{"expires":<milliseconds since the Unix epoch>,"data":{…}}`.
///
/// # Guarantees
///
/// - **Expiry:** every write sets the key's time to live from the expiry, in whole seconds
///   rounded up, at least 1, and never without one: a record saved without an expiry gets
///   [`DEFAULT_MAX_LIFETIME`] or the value of [`RedisStore::with_max_lifetime`]. Reads also
///   compare the stored expiry with the store's clock, so a record is never returned after
///   it expires, even in the last second of its time to live.
/// - **No resurrection:** `update` checks that a live record exists and replaces it in one
///   Lua script, atomic in Redis, so a session destroyed by one server while another server
///   ran a request of it stays destroyed.
/// - **Connection loss:** the connection is a [`ConnectionManager`], which reconnects in the
///   background after the connection drops. While Redis is unreachable every operation
///   returns [`StoreError::Redis`], which storages pass on as
///   [`StorageError::Store`](crate::StorageError::Store): never a panic, and never an empty
///   session in place of an error. An operation that finds the connection lost or refused
///   tries once more, so the first request after the server is back succeeds.
/// - **Keys stay inside the prefix:** ids are checked with
///   [`is_valid_session_id`](crate::is_valid_session_id) before they become part of a key.
/// - **Other keys are left alone:** the store deletes or changes only strings in the layout
///   of its records: `{"expires":<integer>,"data":{`, then anything, then `}}`. Its Lua
///   scripts check no more than that, so a string of that form is taken for a record even
///   when the rest is not JSON. A key under the prefix that contains anything else, or is
///   not a string, reads as no session and is kept, so a cookie that names it cannot delete
///   it or make a request fail.
///
/// # Limits
///
/// - Between two requests of one session that commit at the same time, the last writer
///   wins: its data replaces the other's, with no merge.
/// - Redis must run version 2.6.12 or later, for Lua scripts and `SET` with `EX` and `NX`.
/// - Data is as safe as the Redis server: use a password and TLS (`rediss://`) when the
///   connection leaves the machine. This crate builds `redis` without TLS, so a `rediss://`
///   URL fails with "can't connect with TLS, the feature is not enabled" until the
///   application's own `Cargo.toml` turns on one of the TLS features of `redis` 0.27,
///   `tokio-rustls-comp` or `tokio-native-tls-comp`:
///
///   ```toml
///   redis = { version = "0.27", features = ["tokio-rustls-comp"] }
///   ```
///
///   Cargo unifies features, so that line turns TLS on for the `redis` that this crate
///   uses too. With `tokio-rustls-comp` alone, `redis` checks the server's certificate
///   against the operating system's root certificates.
///
/// # Examples
///
/// ```no_run
/// use websession::{Cookie, CookieOptions, RedisStore, ServerSessionStorage, SessionStorage};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let store = RedisStore::connect("redis://127.0.0.1:6379/").await?.with_prefix("myapp:session:");
/// let cookie = Cookie::builder("__session").secrets(["s3cr3t"]).max_age(3600).build()?;
/// let storage = ServerSessionStorage::new(cookie, store);
///
/// let mut session = storage.get_session(None).await?;
/// session.set("user", "alice");
/// let set_cookie = storage.commit_session(&mut session, &CookieOptions::default()).await?;
/// assert!(set_cookie.starts_with("__session="));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    /// The server's address for error messages, when [`RedisStore::connect`] made the store.
    server: Option<Arc<str>>,
    not_a_record_warnings: Arc<WarnLimit>,
    prefix: Arc<str>,
    clock: Arc<dyn Clock>,
    max_lifetime: Duration,
}

impl RedisStore {
    /// Connects to the Redis server at `url` (`redis://[:password@]host[:port][/db]`, or
    /// `rediss://` for TLS once the application turns on a TLS feature of the `redis`
    /// crate, as the [type's limits](RedisStore#limits) describe).
    ///
    /// The connection gives up on a command after 5 seconds and on a connection attempt
    /// after 2 seconds. After the connection drops, a command that finds it down starts one
    /// reconnection attempt without retries, and fails when that attempt fails, so requests
    /// return an error quickly instead of waiting behind a server that is down. Each store
    /// operation tries once more after a lost or refused connection (not after a timeout),
    /// so the first request after the server comes back succeeds. To choose other settings,
    /// build a [`ConnectionManager`] and use [`RedisStore::new`].
    ///
    /// # Errors
    ///
    /// [`StoreError::Redis`] when the URL is invalid or the server cannot be reached. The
    /// first connection is made here, so a service that calls this at startup does not start
    /// while Redis is down. To wait for Redis instead, retry the call. A wrong password fails
    /// here. A password that the URL lacks fails here only when the URL names a database
    /// other than 0, because connecting then sends `SELECT`. Otherwise connecting sends only
    /// commands whose replies are ignored, and the first operation fails with `NOAUTH`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let error = websession::RedisStore::connect("not a url").await.unwrap_err();
    /// assert!(matches!(error, websession::StoreError::Redis { operation: "connect", .. }));
    /// # });
    /// ```
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(|source| StoreError::Redis {
            operation: "connect",
            server: None,
            source,
        })?;
        // The address has no user name or password, so messages may show it.
        let server = client.get_connection_info().addr.to_string();
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Duration::from_secs(2))
            .set_response_timeout(Duration::from_secs(5))
            .set_number_of_retries(0);
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|source| StoreError::Redis {
                operation: "connect",
                server: Some(server.clone()),
                source,
            })?;
        Ok(Self {
            server: Some(Arc::from(server)),
            ..Self::new(connection)
        })
    }

    /// Creates a store on an existing connection, with the key prefix `websession:`, the
    /// system clock and [`DEFAULT_MAX_LIFETIME`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use redis::aio::ConnectionManager;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let client = redis::Client::open("redis://127.0.0.1:6379/")?;
    /// let store = websession::RedisStore::new(ConnectionManager::new(client).await?);
    /// assert_eq!(store.prefix(), "websession:");
    /// # Ok::<(), redis::RedisError>(())
    /// # }).unwrap();
    /// ```
    pub fn new(connection: ConnectionManager) -> Self {
        Self {
            connection,
            server: None,
            not_a_record_warnings: Arc::new(WarnLimit::new()),
            prefix: Arc::from(DEFAULT_PREFIX),
            clock: Arc::new(SystemClock),
            max_lifetime: DEFAULT_MAX_LIFETIME,
        }
    }

    /// Sets the prefix of every key, so that several applications can share one Redis
    /// database. Keys under the prefix should belong to the store alone. It leaves other
    /// programs' keys there alone unless they have the form of its records (see the type's
    /// guarantees), but a cookie can name one to be read.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let store = websession::RedisStore::connect("redis://127.0.0.1/").await?.with_prefix("shop:sess:");
    /// assert_eq!(store.prefix(), "shop:sess:");
    /// # Ok::<(), websession::StoreError>(())
    /// # }).unwrap();
    /// ```
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Arc::from(prefix.into());
        self
    }

    /// Sets the clock that decides when records expire; tests use a
    /// [`ManualClock`](crate::ManualClock). Times to live are computed from this clock too.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use websession::{RedisStore, SystemClock};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let store = RedisStore::connect("redis://127.0.0.1/").await?.with_clock(Arc::new(SystemClock));
    /// # Ok::<(), websession::StoreError>(())
    /// # }).unwrap();
    /// ```
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sets how long a record saved without an expiry lives after its last commit; the
    /// default is [`DEFAULT_MAX_LIFETIME`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let store = websession::RedisStore::connect("redis://127.0.0.1/")
    ///     .await?
    ///     .with_max_lifetime(Duration::from_secs(86400));
    /// # Ok::<(), websession::StoreError>(())
    /// # }).unwrap();
    /// ```
    #[must_use]
    pub fn with_max_lifetime(mut self, max_lifetime: Duration) -> Self {
        self.max_lifetime = max_lifetime;
        self
    }

    /// Returns the key prefix.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let store = websession::RedisStore::connect("redis://127.0.0.1/").await?;
    /// assert_eq!(store.prefix(), "websession:");
    /// # Ok::<(), websession::StoreError>(())
    /// # }).unwrap();
    /// ```
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Runs the update or touch `script` on the record of `id` with `value` as its first
    /// argument, and returns whether a live record was there.
    async fn rewrite(
        &self,
        operation: &'static str,
        script: &Script,
        id: &str,
        value: String,
        expires: SystemTime,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        // A time to live of 0 makes the script delete the record, which has expired already.
        let ttl = ttl_seconds(expires, now).unwrap_or(0);
        let mut invocation = script.key(self.key(id));
        invocation.arg(value).arg(ttl).arg(millis_since_epoch(now));
        let invocation = &invocation;
        let rewritten: i64 = self
            .run(operation, |mut connection| async move {
                invocation.invoke_async(&mut connection).await
            })
            .await?;
        Ok(rewritten == 1)
    }

    /// Runs `command` on the connection, and once more when it failed on a connection that
    /// was lost or refused. After an outage, [`ConnectionManager`] hands the first command
    /// the error of the reconnection attempt that failed while the server was still down,
    /// even when the server is back by then. The second try waits for a new attempt. A
    /// timeout is not retried, so a server that does not respond costs one timeout.
    async fn run<T, F, Fut>(&self, operation: &'static str, command: F) -> Result<T, StoreError>
    where
        F: Fn(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        let result = match command(self.connection.clone()).await {
            Err(error) if error.is_unrecoverable_error() && !error.is_timeout() => {
                command(self.connection.clone()).await
            }
            result => result,
        };
        result.map_err(|source| StoreError::Redis {
            operation,
            server: self.server.as_deref().map(str::to_owned),
            source,
        })
    }

    fn key(&self, id: &str) -> String {
        format!("{}{id}", self.prefix)
    }

    /// Logs that a session's key contains a value of another Redis type (at most once a minute,
    /// shared with the warning for strings that are not records). The key is not named,
    /// because it contains the session id.
    fn warn_other_type(&self, kind: &str) {
        if let Some(held_back) = self.not_a_record_warnings.admit() {
            tracing::warn!(
                prefix = %self.prefix,
                redis_type = kind,
                held_back,
                "redis session key contains a value of another type, not a session record; \
                 reading it as no session and leaving it in place (at most one such warning \
                 a minute; held_back counts the others)"
            );
        }
    }
}

#[async_trait]
impl SessionStore for RedisStore {
    async fn create(
        &self,
        data: &Map<String, Value>,
        expires: Option<SystemTime>,
    ) -> Result<String, StoreError> {
        let now = self.clock.now();
        let expires = record_expiry(expires, now, self.max_lifetime);
        let Some(ttl) = ttl_seconds(expires, now) else {
            // Expired from the start: nothing to keep, but the caller still gets an id.
            return Ok(generate_session_id());
        };
        let text = record::encode(data, expires)?;
        for _ in 0..CREATE_ATTEMPTS {
            let id = generate_session_id();
            let mut command = redis::cmd("SET");
            command
                .arg(self.key(&id))
                .arg(&text)
                .arg("EX")
                .arg(ttl)
                .arg("NX");
            let command = &command;
            // SET … NX returns nil when the key exists. When a lost connection drops the reply
            // of a SET that took effect, the retry finds the key and the next id is tried,
            // which leaves the first record unused until its time to live ends.
            let created: Option<String> = self
                .run("create", |mut connection| async move {
                    command.query_async(&mut connection).await
                })
                .await?;
            if created.is_some() {
                return Ok(id);
            }
        }
        Err(StoreError::IdsExhausted {
            attempts: CREATE_ATTEMPTS,
        })
    }

    async fn read(&self, id: &str) -> Result<Option<Map<String, Value>>, StoreError> {
        if !is_valid_session_id(id) {
            return Ok(None);
        }
        let now = millis_since_epoch(self.clock.now());
        let mut invocation = scripts::read().key(self.key(id));
        invocation.arg(now);
        let invocation = &invocation;
        let reply = self
            .run("read", |mut connection| async move {
                invocation.invoke_async(&mut connection).await
            })
            .await?;
        let value = match reply {
            ReadReply::Missing => return Ok(None),
            ReadReply::Value(value) => value,
            ReadReply::OtherType(kind) => {
                self.warn_other_type(&kind);
                return Ok(None);
            }
        };
        // The update and touch scripts find the expiry at the start of the value, so a record
        // is readable only in the layout that `record::encode` writes.
        let record = record::decode(&value).filter(|_| scripts::has_record_layout(&value));
        if let Some(record) = record {
            // The clock has moved on since the script compared the expiry, so check it again.
            if !record.is_expired(self.clock.now()) {
                return Ok(Some(record.data));
            }
            self.delete(id).await?;
            return Ok(None);
        }
        if let Some(held_back) = self.not_a_record_warnings.admit() {
            tracing::warn!(
                prefix = %self.prefix,
                bytes = value.len(),
                held_back,
                "redis session value is not a session record; reading it as no session and \
                 leaving it in place (at most one such warning a minute; held_back counts the \
                 others)"
            );
        }
        Ok(None)
    }

    async fn update(
        &self,
        id: &str,
        data: &Map<String, Value>,
        expires: Option<SystemTime>,
    ) -> Result<bool, StoreError> {
        if !is_valid_session_id(id) {
            return Ok(false);
        }
        let now = self.clock.now();
        let expires = record_expiry(expires, now, self.max_lifetime);
        let text = record::encode(data, expires)?;
        self.rewrite("update", scripts::update(), id, text, expires, now)
            .await
    }

    async fn touch(&self, id: &str, expires: Option<SystemTime>) -> Result<bool, StoreError> {
        if !is_valid_session_id(id) {
            return Ok(false);
        }
        let now = self.clock.now();
        let expires = record_expiry(expires, now, self.max_lifetime);
        let expires_millis = millis_since_epoch(expires).to_string();
        self.rewrite("touch", scripts::touch(), id, expires_millis, expires, now)
            .await
    }

    async fn delete(&self, id: &str) -> Result<(), StoreError> {
        if !is_valid_session_id(id) {
            return Ok(());
        }
        let invocation = &scripts::delete().key(self.key(id));
        let _: i64 = self
            .run("delete", |mut connection| async move {
                invocation.invoke_async(&mut connection).await
            })
            .await?;
        Ok(())
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The connection is left out, because its settings may carry a password. `server`
        // is only the host and port.
        f.debug_struct("RedisStore")
            .field("server", &self.server)
            .field("prefix", &self.prefix)
            .field("clock", &self.clock)
            .field("max_lifetime", &self.max_lifetime)
            .finish_non_exhaustive()
    }
}

/// Returns the time to live of a record from `now` until `expires` in whole seconds, or
/// `None` when it has already expired. Seconds are rounded up so that Redis never drops a
/// record early.
fn ttl_seconds(expires: SystemTime, now: SystemTime) -> Option<u64> {
    let remaining = expires
        .duration_since(now)
        .ok()
        .filter(|left| !left.is_zero())?;
    let seconds = remaining.as_secs() + u64::from(remaining.subsec_nanos() > 0);
    Some(seconds.max(1))
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    #[test]
    fn ttl_rounds_up_and_is_never_zero() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let ttl = |millis| ttl_seconds(now + Duration::from_millis(millis), now);
        assert_eq!(ttl(1), Some(1));
        assert_eq!(ttl(999), Some(1));
        assert_eq!(ttl(1000), Some(1));
        assert_eq!(ttl(1001), Some(2));
        assert_eq!(ttl(60_000), Some(60));
        assert_eq!(ttl(0), None);
        assert_eq!(ttl_seconds(now, now + Duration::from_secs(1)), None);
    }

    #[test]
    fn ttl_counts_nanoseconds() {
        let now = UNIX_EPOCH;
        assert_eq!(ttl_seconds(now + Duration::from_nanos(1), now), Some(1));
        assert_eq!(
            ttl_seconds(now + Duration::new(5, 1), now),
            Some(6),
            "any fraction of a second rounds up"
        );
    }
}
