//! [`FileStore`]: one file per session under a directory.

mod disk;
mod locks;

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use serde_json::{Map, Value};

use self::disk::{
    create_private_dir, is_stale, is_temporary_name, missing_directory, temporary_name,
    write_new_file,
};
use self::locks::{StripeGuard, StripeLocks, LOCK_TIMEOUT};
use super::record::{self, Record};
use super::session_id::{generate_session_id, is_valid_session_id};
use super::store::{record_expiry, SessionStore, StoreError, DEFAULT_MAX_LIFETIME};
use crate::clock::{Clock, SystemClock};
use crate::warn_limit::WarnLimit;

/// Tries at a fresh id before giving up; with 128-bit random ids the first try succeeds.
const CREATE_ATTEMPTS: u32 = 8;

/// Keeps each session in its own file, `<directory>/<id>.json`, as Remix's
/// `createFileSessionStorage` does in JavaScript, though in another layout.
///
/// A file contains one JSON object: `{"expires":<milliseconds since the Unix epoch>,"data":{…}}`.
/// This is not the layout of Remix's `createFileSessionStorage`, so the two cannot share a
/// directory. A Rust and a JavaScript service share sessions through cookie sessions.
///
/// Besides the session files, the directory contains the temporary files of writes in
/// progress, `.<id>.<random id>.tmp`, and `.locks/`, with up to 64 empty lock files that the
/// first writes make and that stay.
///
/// # Guarantees
///
/// - **Atomic writes:** a write goes to a temporary file in the same directory, which is
///   flushed to disk and then renamed over the session's file. A reader sees the old
///   content or the new, never a mix or a part, however many writers there are.
/// - **Damaged files:** a file that is not a complete record (truncated, edited, written by
///   something else) reads as no session, and the store logs a warning through `tracing`.
///   The store deletes only files that contain one of its records, so such a file stays, and a
///   cookie that names another program's `<name>.json` cannot make the store delete it.
/// - **Expiry:** an expired record (`expires <= now` by the store's clock) is never returned;
///   it is removed when read, updated, or swept by [`FileStore::remove_expired`]. A record
///   without an expiry lives [`DEFAULT_MAX_LIFETIME`] after its last commit, or as set by
///   [`FileStore::with_max_lifetime`].
/// - **No resurrection:** `update` and `touch` check that the record exists and replace it
///   under a lock that `delete` takes too, so a session destroyed while another request ran
///   stays destroyed. Within a process, the lock is a mutex. Across processes, it is an
///   exclusive lock on a file under `.locks` in the directory (`flock` on Unix, `LockFileEx`
///   on Windows), so it covers every `FileStore` on the directory.
/// - **Missing directory:** when the directory is removed while the service runs, every
///   operation fails with [`StoreError::Io`] instead of reading sessions as new. The store
///   does not make the directory again, and works again once it exists.
/// - **Ids stay inside the directory:** an id that
///   [`is_valid_session_id`](crate::is_valid_session_id) rejects is never turned into a path.
/// - On Unix, the files are created readable and writable by their owner only (mode
///   `0600`), and a directory created by [`FileStore::new`] gets mode `0700`.
///
/// # Limits
///
/// - Between two requests of one session that commit at the same time, the last writer
///   wins: its data replaces the other's, with no merge.
/// - The file lock is advisory: programs other than `FileStore` that write to the directory
///   do not take it. On a network file system, the file system decides whether it covers
///   processes on other machines. Where it does not, they still get atomic writes, but a
///   commit through one of them can bring back a record that another destroyed. Where the
///   platform has no file locks at all, the store logs a warning once and locks only
///   within the process.
/// - An operation that waits 5 seconds for a lock fails with [`StoreError::Io`] (operation
///   `lock`, kind [`TimedOut`](std::io::ErrorKind::TimedOut)). A write keeps a lock only
///   while it writes and syncs one small file. Such a wait therefore means that a process
///   stopped or hung while it had a lock, or that one of the 64 locks has more operations
///   than the disk can serve. The wait is bounded so that requests fail instead of hanging.
/// - In a directory that the process may read but not write, live records read as usual,
///   but reading an expired one fails with [`StoreError::Io`], because the store cannot
///   remove it.
/// - The directory should contain nothing but the store's files. The store leaves other files
///   alone, but it reads any `<name>.json` that a cookie names, and follows a symbolic link
///   of that name to wherever it points. Only a program that may write to the directory can
///   place such files.
/// - Expired files are removed only when they are read or when
///   [`FileStore::remove_expired`] runs. Run it periodically, for example hourly, so that
///   abandoned sessions do not fill the disk.
/// - File operations run on Tokio's blocking threads, so the store must be called from
///   within a Tokio runtime; elsewhere it returns [`StoreError::NoRuntime`].
///
/// # Examples
///
/// ```
/// use websession::{FileStore, SessionStore};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let directory = std::env::temp_dir().join(websession::generate_session_id());
/// let store = FileStore::new(&directory)?;
///
/// let mut data = serde_json::Map::new();
/// data.insert("user".into(), "alice".into());
/// let id = store.create(&data, None).await?;
/// assert!(directory.join(format!("{id}.json")).is_file());
/// assert_eq!(store.read(&id).await?, Some(data));
/// # std::fs::remove_dir_all(&directory).unwrap();
/// # Ok::<(), websession::StoreError>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct FileStore {
    shared: Arc<Shared>,
    clock: Arc<dyn Clock>,
    max_lifetime: Duration,
}

/// The part of a store that its clones share.
struct Shared {
    directory: PathBuf,
    locks: StripeLocks,
    not_a_record_warnings: WarnLimit,
}

impl FileStore {
    /// Creates a store that keeps its files in `directory`, creating the directory and its
    /// parents when missing.
    ///
    /// # Errors
    ///
    /// [`StoreError::Io`] when the directory cannot be created.
    ///
    /// # Examples
    ///
    /// ```
    /// let directory = std::env::temp_dir().join(websession::generate_session_id());
    /// let store = websession::FileStore::new(&directory)?;
    /// assert_eq!(store.directory(), directory);
    /// assert!(directory.is_dir());
    /// # std::fs::remove_dir_all(&directory).unwrap();
    /// # Ok::<(), websession::StoreError>(())
    /// ```
    pub fn new(directory: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let directory = directory.into();
        create_private_dir(&directory).map_err(|source| StoreError::Io {
            operation: "create",
            directory: directory.clone(),
            source,
        })?;
        Ok(Self {
            shared: Arc::new(Shared {
                directory,
                locks: StripeLocks::new(),
                not_a_record_warnings: WarnLimit::new(),
            }),
            clock: Arc::new(SystemClock),
            max_lifetime: DEFAULT_MAX_LIFETIME,
        })
    }

    /// Sets the clock that decides when records expire; tests use a
    /// [`ManualClock`](crate::ManualClock).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use websession::{FileStore, ManualClock, SessionStore};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let directory = std::env::temp_dir().join(websession::generate_session_id());
    /// let clock = ManualClock::new(UNIX_EPOCH);
    /// let store = FileStore::new(&directory)?.with_clock(Arc::new(clock.clone()));
    /// let id = store.create(&serde_json::Map::new(), Some(UNIX_EPOCH + Duration::from_secs(60))).await?;
    /// clock.advance(Duration::from_secs(60));
    /// assert_eq!(store.read(&id).await?, None);
    /// # std::fs::remove_dir_all(&directory).unwrap();
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
    /// ```
    /// use std::sync::Arc;
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use websession::{FileStore, ManualClock, SessionStore};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let directory = std::env::temp_dir().join(websession::generate_session_id());
    /// let clock = ManualClock::new(UNIX_EPOCH);
    /// let store = FileStore::new(&directory)?
    ///     .with_clock(Arc::new(clock.clone()))
    ///     .with_max_lifetime(Duration::from_secs(86400));
    /// let id = store.create(&serde_json::Map::new(), None).await?;
    /// clock.advance(Duration::from_secs(86399));
    /// assert!(store.read(&id).await?.is_some());
    /// clock.advance(Duration::from_secs(1));
    /// assert_eq!(store.read(&id).await?, None);
    /// # std::fs::remove_dir_all(&directory).unwrap();
    /// # Ok::<(), websession::StoreError>(())
    /// # }).unwrap();
    /// ```
    #[must_use]
    pub fn with_max_lifetime(mut self, max_lifetime: Duration) -> Self {
        self.max_lifetime = max_lifetime;
        self
    }

    /// Returns the directory of the session files.
    ///
    /// # Examples
    ///
    /// ```
    /// # let directory = std::env::temp_dir().join(websession::generate_session_id());
    /// let store = websession::FileStore::new(&directory)?;
    /// assert!(store.directory().ends_with(directory.file_name().unwrap()));
    /// # std::fs::remove_dir_all(&directory).unwrap();
    /// # Ok::<(), websession::StoreError>(())
    /// ```
    pub fn directory(&self) -> &Path {
        &self.shared.directory
    }

    /// Deletes every expired session file and returns how many it deleted. It also deletes
    /// temporary files that a crashed write left more than an hour ago.
    ///
    /// Files that are not records of this store are left alone, including damaged session
    /// files, which it logs as warnings.
    ///
    /// # Errors
    ///
    /// [`StoreError::Io`] when the directory cannot be listed or a file cannot be read or
    /// deleted; [`StoreError::NoRuntime`] outside a Tokio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use websession::{FileStore, ManualClock, SessionStore};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let directory = std::env::temp_dir().join(websession::generate_session_id());
    /// let clock = ManualClock::new(UNIX_EPOCH);
    /// let store = FileStore::new(&directory)?.with_clock(Arc::new(clock.clone()));
    /// let brief = store.create(&serde_json::Map::new(), Some(UNIX_EPOCH + Duration::from_secs(5))).await?;
    /// let kept = store.create(&serde_json::Map::new(), None).await?;
    /// clock.advance(Duration::from_secs(5));
    /// assert_eq!(store.remove_expired().await?, 1);
    /// assert!(!directory.join(format!("{brief}.json")).exists());
    /// assert!(directory.join(format!("{kept}.json")).exists());
    /// # std::fs::remove_dir_all(&directory).unwrap();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    ///
    /// A service sweeps in the background, here every hour:
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use websession::FileStore;
    ///
    /// fn sweep_hourly(store: FileStore) {
    ///     tokio::spawn(async move {
    ///         let mut hourly = tokio::time::interval(Duration::from_secs(3600));
    ///         loop {
    ///             hourly.tick().await;
    ///             if let Err(error) = store.remove_expired().await {
    ///                 eprintln!("removing expired sessions failed: {error}");
    ///             }
    ///         }
    ///     });
    /// }
    /// ```
    pub async fn remove_expired(&self) -> Result<usize, StoreError> {
        let store = self.clone();
        let now = self.clock.now();
        run_blocking(move || store.remove_expired_blocking(now)).await
    }

    fn path_of(&self, id: &str) -> PathBuf {
        self.shared.directory.join(format!("{id}.json"))
    }

    /// Takes the lock of `id`, which every check-then-write of a record happens under.
    fn lock(&self, id: &str) -> Result<StripeGuard<'_>, StoreError> {
        self.shared
            .locks
            .lock(&self.shared.directory, id, LOCK_TIMEOUT)
            .map_err(|error| self.io_error("lock", error))
    }

    fn io_error(&self, operation: &'static str, source: io::Error) -> StoreError {
        StoreError::Io {
            operation,
            directory: self.shared.directory.clone(),
            source,
        }
    }

    /// Reads a file; `None` when it does not exist. A missing directory is an error, so
    /// that a store whose directory was removed fails instead of reading every session as
    /// new.
    fn read_file(&self, path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
        match fs::read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                if self.shared.directory.is_dir() {
                    Ok(None)
                } else {
                    Err(self.io_error("read", missing_directory()))
                }
            }
            // A directory under a record's name is no record: it reads as a file that does
            // not decode, so it is reported and left in place. Reading one fails with
            // `IsADirectory` on Linux and `PermissionDenied` on Windows, so the path is asked.
            Err(_) if path.is_dir() => Ok(Some(Vec::new())),
            Err(error) => Err(self.io_error("read", error)),
        }
    }

    fn remove_file(&self, path: &Path) -> Result<(), StoreError> {
        match fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(self.io_error("remove", error)),
        }
    }

    /// Writes `text` as the file of `id`: to a temporary file first, flushed to disk, then
    /// renamed over the old file, so that readers never see a partial file.
    fn write_atomically(&self, id: &str, text: &str) -> Result<(), StoreError> {
        let temporary = self.shared.directory.join(temporary_name(id));
        let written = write_new_file(&temporary, text.as_bytes());
        let result = match written {
            Ok(()) => fs::rename(&temporary, self.path_of(id))
                .map_err(|error| self.io_error("rename", error)),
            Err(error) => Err(self.io_error("write", error)),
        };
        if result.is_err() {
            let _ = fs::remove_file(&temporary);
        }
        result
    }

    /// Looks at the file of `id` and removes it when it contains an expired record. The caller
    /// holds the lock of `id`.
    fn inspect_locked(&self, id: &str, now: SystemTime) -> Result<FileState, StoreError> {
        let path = self.path_of(id);
        let Some(bytes) = self.read_file(&path)? else {
            return Ok(FileState::Missing);
        };
        match record::decode(&bytes) {
            Some(record) if !record.is_expired(now) => Ok(FileState::Live(record)),
            Some(_) => {
                self.remove_file(&path)?;
                Ok(FileState::ExpiredRemoved)
            }
            None => {
                self.warn_not_a_record(bytes.len());
                Ok(FileState::NotARecord)
            }
        }
    }

    /// Returns the live record under `id`, removing the file when it contains an
    /// expired record. The caller holds the lock of `id`.
    fn live_record_locked(&self, id: &str, now: SystemTime) -> Result<Option<Record>, StoreError> {
        match self.inspect_locked(id, now)? {
            FileState::Live(record) => Ok(Some(record)),
            _ => Ok(None),
        }
    }

    fn warn_not_a_record(&self, bytes: usize) {
        if let Some(held_back) = self.shared.not_a_record_warnings.admit() {
            tracing::warn!(
                directory = %self.shared.directory.display(),
                bytes,
                held_back,
                "session file is damaged, truncated, a directory or not a session record; \
                 reading it as no session and leaving it in place (at most one such warning a \
                 minute; held_back counts the others)"
            );
        }
    }

    fn read_blocking(
        &self,
        id: &str,
        now: SystemTime,
    ) -> Result<Option<Map<String, Value>>, StoreError> {
        if !is_valid_session_id(id) {
            return Ok(None);
        }
        // A live record and a file that is not a record need no lock, because renames are
        // atomic and such a file is left in place.
        let Some(bytes) = self.read_file(&self.path_of(id))? else {
            return Ok(None);
        };
        match record::decode(&bytes) {
            Some(record) if !record.is_expired(now) => Ok(Some(record.data)),
            None => {
                self.warn_not_a_record(bytes.len());
                Ok(None)
            }
            // Expired: decide again under the lock before removing the file, because a
            // writer may have replaced it since it was read.
            Some(_) => {
                let _guard = self.lock(id)?;
                Ok(self.live_record_locked(id, now)?.map(|record| record.data))
            }
        }
    }

    fn create_blocking(&self, text: &str, keep: bool) -> Result<String, StoreError> {
        if !keep {
            // Expired from the start: nothing to keep, but the caller still gets an id.
            return Ok(generate_session_id());
        }
        for _ in 0..CREATE_ATTEMPTS {
            let id = generate_session_id();
            let _guard = self.lock(&id)?;
            if fs::symlink_metadata(self.path_of(&id)).is_ok() {
                continue;
            }
            self.write_atomically(&id, text)?;
            return Ok(id);
        }
        Err(StoreError::IdsExhausted {
            attempts: CREATE_ATTEMPTS,
        })
    }

    /// Replaces the live record of `id` with `text`, or with its own data and `expires` when
    /// `text` is `None`; removes it when `expires` has passed.
    fn update_blocking(
        &self,
        id: &str,
        text: Option<&str>,
        expires: SystemTime,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        if !is_valid_session_id(id) {
            return Ok(false);
        }
        let _guard = self.lock(id)?;
        let Some(record) = self.live_record_locked(id, now)? else {
            return Ok(false);
        };
        if expires <= now {
            self.remove_file(&self.path_of(id))?;
            return Ok(true);
        }
        match text {
            Some(text) => self.write_atomically(id, text)?,
            None => self.write_atomically(id, &record::encode(&record.data, expires)?)?,
        }
        Ok(true)
    }

    fn delete_blocking(&self, id: &str) -> Result<(), StoreError> {
        if !is_valid_session_id(id) {
            return Ok(());
        }
        let _guard = self.lock(id)?;
        let path = self.path_of(id);
        let Some(bytes) = self.read_file(&path)? else {
            return Ok(());
        };
        if record::decode(&bytes).is_none() {
            self.warn_not_a_record(bytes.len());
            return Ok(());
        }
        self.remove_file(&path)
    }

    fn remove_expired_blocking(&self, now: SystemTime) -> Result<usize, StoreError> {
        let entries =
            fs::read_dir(&self.shared.directory).map_err(|error| self.io_error("list", error))?;
        let mut removed = 0;
        for entry in entries {
            let entry = entry.map_err(|error| self.io_error("list", error))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                continue;
            };
            if let Some(id) = name
                .strip_suffix(".json")
                .filter(|id| is_valid_session_id(id))
            {
                let _guard = self.lock(id)?;
                if let FileState::ExpiredRemoved = self.inspect_locked(id, now)? {
                    removed += 1;
                }
            } else if is_temporary_name(name) && is_stale(&entry) {
                self.remove_file(&entry.path())?;
            }
        }
        Ok(removed)
    }
}

#[async_trait]
impl SessionStore for FileStore {
    async fn create(
        &self,
        data: &Map<String, Value>,
        expires: Option<SystemTime>,
    ) -> Result<String, StoreError> {
        let now = self.clock.now();
        let expires = record_expiry(expires, now, self.max_lifetime);
        let text = record::encode(data, expires)?;
        let store = self.clone();
        run_blocking(move || store.create_blocking(&text, expires > now)).await
    }

    async fn read(&self, id: &str) -> Result<Option<Map<String, Value>>, StoreError> {
        let now = self.clock.now();
        let (store, id) = (self.clone(), id.to_owned());
        run_blocking(move || store.read_blocking(&id, now)).await
    }

    async fn update(
        &self,
        id: &str,
        data: &Map<String, Value>,
        expires: Option<SystemTime>,
    ) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let expires = record_expiry(expires, now, self.max_lifetime);
        let text = record::encode(data, expires)?;
        let (store, id) = (self.clone(), id.to_owned());
        run_blocking(move || store.update_blocking(&id, Some(&text), expires, now)).await
    }

    async fn touch(&self, id: &str, expires: Option<SystemTime>) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let expires = record_expiry(expires, now, self.max_lifetime);
        let (store, id) = (self.clone(), id.to_owned());
        run_blocking(move || store.update_blocking(&id, None, expires, now)).await
    }

    async fn delete(&self, id: &str) -> Result<(), StoreError> {
        // The empty id of a session that was never stored needs no blocking task.
        if !is_valid_session_id(id) {
            return Ok(());
        }
        let (store, id) = (self.clone(), id.to_owned());
        run_blocking(move || store.delete_blocking(&id)).await
    }
}

impl fmt::Debug for FileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileStore")
            .field("directory", &self.shared.directory)
            .field("clock", &self.clock)
            .field("max_lifetime", &self.max_lifetime)
            .finish()
    }
}

/// The state of an id's file, as [`FileStore::inspect_locked`] finds it.
enum FileState {
    Missing,
    Live(Record),
    /// The file contained an expired record and is now removed.
    ExpiredRemoved,
    /// The file exists but is not a record: damaged, truncated or another program's.
    NotARecord,
}

/// Runs file work on Tokio's blocking threads. The work runs to the end even when the
/// calling future is dropped, so a write is never abandoned half done.
async fn run_blocking<T, F>(work: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
{
    let runtime = tokio::runtime::Handle::try_current().map_err(|_| StoreError::NoRuntime)?;
    runtime
        .spawn_blocking(work)
        .await
        .map_err(StoreError::Task)?
}
