//! [`MemoryStore`]: session records in the memory of this process.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::session_id::{generate_session_id, is_valid_session_id};
use super::store::{record_expiry, SessionStore, StoreError, DEFAULT_MAX_LIFETIME};
use crate::clock::{Clock, SystemClock};

/// Minimum time between two sweeps of all expired records, which writes start.
const SWEEP_INTERVAL: Duration = Duration::from_secs(60);

/// Tries at a fresh id before giving up; with 128-bit random ids the first try succeeds.
const CREATE_ATTEMPTS: u32 = 8;

/// Keeps session records in a map in the memory of this process: the store behind
/// [`ServerSessionStorage::memory`](crate::ServerSessionStorage::memory), the Rust form of
/// `createMemorySessionStorage`.
///
/// # Guarantees
///
/// - Safe to share between any number of tasks and threads: clones share one map, and every
///   operation takes a lock for its whole read-check-write, so `update` and `delete` of one
///   record never interleave.
/// - An expired record (`expires <= now` by the store's clock) is never returned, and is
///   removed when read. In addition, a `create`, `update` or `touch` removes all expired
///   records when the last such sweep is at least a minute old, so the map contains the live
///   sessions plus those that expired since the last sweep.
/// - A record without an expiry lives for [`DEFAULT_MAX_LIFETIME`] after its last commit,
///   or as set by [`MemoryStore::with_max_lifetime`].
///
/// # Limits
///
/// - Records are lost when the process ends, and are not shared with other processes or
///   machines: use [`FileStore`](crate::FileStore) or a Redis store for that.
/// - Between two requests of one session that commit at the same time, the last writer
///   wins: its data replaces the other's, with no merge.
///
/// # Examples
///
/// ```
/// use websession::{MemoryStore, SessionStore};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let mut data = serde_json::Map::new();
/// data.insert("user".into(), "alice".into());
/// let id = store.create(&data, None).await?;
/// assert_eq!(store.read(&id).await?, Some(data));
/// # Ok::<(), websession::StoreError>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct MemoryStore {
    entries: Arc<Mutex<Entries>>,
    clock: Arc<dyn Clock>,
    max_lifetime: Duration,
}

struct Entries {
    records: HashMap<String, Entry>,
    next_sweep: Option<SystemTime>,
}

struct Entry {
    data: Map<String, Value>,
    expires: SystemTime,
}

impl MemoryStore {
    /// Creates an empty store that reads the system clock.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = websession::MemoryStore::new();
    /// assert_eq!(store.len(), 0);
    /// ```
    pub fn new() -> Self {
        Self {
            entries: Arc::new(Mutex::new(Entries {
                records: HashMap::new(),
                next_sweep: None,
            })),
            clock: Arc::new(SystemClock),
            max_lifetime: DEFAULT_MAX_LIFETIME,
        }
    }

    /// Sets the clock that decides when records expire; tests use a
    /// [`ManualClock`](crate::ManualClock).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use websession::{ManualClock, MemoryStore, SessionStore};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let clock = ManualClock::new(UNIX_EPOCH);
    /// let store = MemoryStore::new().with_clock(Arc::new(clock.clone()));
    /// let id = store.create(&serde_json::Map::new(), Some(UNIX_EPOCH + Duration::from_secs(60))).await?;
    /// clock.advance(Duration::from_secs(60));
    /// assert_eq!(store.read(&id).await?, None);
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
    /// use websession::{ManualClock, MemoryStore, SessionStore};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let clock = ManualClock::new(UNIX_EPOCH);
    /// let store = MemoryStore::new()
    ///     .with_clock(Arc::new(clock.clone()))
    ///     .with_max_lifetime(Duration::from_secs(3600));
    /// let id = store.create(&serde_json::Map::new(), None).await?;
    /// clock.advance(Duration::from_secs(3599));
    /// assert!(store.read(&id).await?.is_some());
    /// clock.advance(Duration::from_secs(1));
    /// assert_eq!(store.read(&id).await?, None);
    /// # Ok::<(), websession::StoreError>(())
    /// # }).unwrap();
    /// ```
    #[must_use]
    pub fn with_max_lifetime(mut self, max_lifetime: Duration) -> Self {
        self.max_lifetime = max_lifetime;
        self
    }

    /// Returns the number of records, counting expired ones not yet removed.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{MemoryStore, SessionStore};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// store.create(&serde_json::Map::new(), None).await?;
    /// assert_eq!(store.len(), 1);
    /// # Ok::<(), websession::StoreError>(())
    /// # }).unwrap();
    /// ```
    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    /// Returns `true` when the store contains no record.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(websession::MemoryStore::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every expired record now and returns how many were removed. Writes already
    /// do this at most once a minute; call it to free memory at a time of your choosing.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use websession::{ManualClock, MemoryStore, SessionStore};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let clock = ManualClock::new(UNIX_EPOCH);
    /// let store = MemoryStore::new().with_clock(Arc::new(clock.clone()));
    /// store.create(&serde_json::Map::new(), Some(UNIX_EPOCH + Duration::from_secs(5))).await?;
    /// clock.advance(Duration::from_secs(5));
    /// assert_eq!(store.remove_expired(), 1);
    /// assert!(store.is_empty());
    /// # Ok::<(), websession::StoreError>(())
    /// # }).unwrap();
    /// ```
    pub fn remove_expired(&self) -> usize {
        let now = self.clock.now();
        let mut entries = self.lock();
        let before = entries.records.len();
        entries.records.retain(|_, entry| entry.expires > now);
        entries.next_sweep = now.checked_add(SWEEP_INTERVAL);
        before - entries.records.len()
    }

    /// Sets the expiry of the live record under `id`, and its data when `data` is given, in
    /// one critical section. Returns `false` when there is no live record.
    fn rewrite(
        &self,
        id: &str,
        data: Option<&Map<String, Value>>,
        expires: Option<SystemTime>,
    ) -> bool {
        if !is_valid_session_id(id) {
            return false;
        }
        let now = self.clock.now();
        let expires = record_expiry(expires, now, self.max_lifetime);
        let mut entries = self.lock();
        entries.sweep_if_due(now);
        let Some(entry) = entries.live(id, now) else {
            return false;
        };
        if expires > now {
            if let Some(data) = data {
                entry.data = data.clone();
            }
            entry.expires = expires;
            return true;
        }
        // Saved with an expiry that has already passed: the record ends now.
        entries.records.remove(id);
        true
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // Every critical section leaves the map consistent, so a panic elsewhere while the
        // lock was held does not make the data unusable.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Entries {
    /// Removes all expired records when the last sweep was at least a minute ago.
    fn sweep_if_due(&mut self, now: SystemTime) {
        if self.next_sweep.is_some_and(|due| now < due) {
            return;
        }
        self.records.retain(|_, entry| entry.expires > now);
        self.next_sweep = now.checked_add(SWEEP_INTERVAL);
    }

    /// Returns the live record under `id`, removing it when it has expired.
    fn live(&mut self, id: &str, now: SystemTime) -> Option<&mut Entry> {
        if self.records.get(id)?.expires <= now {
            self.records.remove(id);
            return None;
        }
        self.records.get_mut(id)
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn create(
        &self,
        data: &Map<String, Value>,
        expires: Option<SystemTime>,
    ) -> Result<String, StoreError> {
        let now = self.clock.now();
        let expires = record_expiry(expires, now, self.max_lifetime);
        let mut entries = self.lock();
        entries.sweep_if_due(now);
        for _ in 0..CREATE_ATTEMPTS {
            let id = generate_session_id();
            if entries.records.contains_key(&id) {
                continue;
            }
            // A record that is expired from the start is not kept at all.
            if expires > now {
                let entry = Entry {
                    data: data.clone(),
                    expires,
                };
                entries.records.insert(id.clone(), entry);
            }
            return Ok(id);
        }
        Err(StoreError::IdsExhausted {
            attempts: CREATE_ATTEMPTS,
        })
    }

    async fn read(&self, id: &str) -> Result<Option<Map<String, Value>>, StoreError> {
        let now = self.clock.now();
        let mut entries = self.lock();
        Ok(entries.live(id, now).map(|entry| entry.data.clone()))
    }

    async fn update(
        &self,
        id: &str,
        data: &Map<String, Value>,
        expires: Option<SystemTime>,
    ) -> Result<bool, StoreError> {
        Ok(self.rewrite(id, Some(data), expires))
    }

    async fn touch(&self, id: &str, expires: Option<SystemTime>) -> Result<bool, StoreError> {
        Ok(self.rewrite(id, None, expires))
    }

    async fn delete(&self, id: &str) -> Result<(), StoreError> {
        self.lock().records.remove(id);
        Ok(())
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Ids are bearer credentials and data is private, so only the size is shown.
        f.debug_struct("MemoryStore")
            .field("records", &self.len())
            .field("clock", &self.clock)
            .field("max_lifetime", &self.max_lifetime)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;
    use crate::clock::ManualClock;

    fn store_at(clock: &ManualClock) -> MemoryStore {
        MemoryStore::new().with_clock(Arc::new(clock.clone()))
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn writes_sweep_expired_records() {
        let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_000_000));
        let store = store_at(&clock);
        let soon = Some(clock.now() + Duration::from_secs(10));
        block_on(async {
            for _ in 0..1000 {
                store.create(&Map::new(), soon).await.unwrap();
            }
            assert_eq!(store.len(), 1000);

            clock.advance(SWEEP_INTERVAL);
            store.create(&Map::new(), None).await.unwrap();
            assert_eq!(store.len(), 1, "only the fresh record is left");
        });
    }

    #[test]
    fn sweep_waits_for_interval() {
        let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_000_000));
        let store = store_at(&clock);
        block_on(async {
            store.create(&Map::new(), None).await.unwrap();
            let soon = Some(clock.now() + Duration::from_secs(1));
            store.create(&Map::new(), soon).await.unwrap();
            clock.advance(Duration::from_secs(2));
            store.create(&Map::new(), None).await.unwrap();
            assert_eq!(store.len(), 3, "no sweep within a minute of the last one");
        });
    }

    #[test]
    fn sweep_removes_record_expiring_at_sweep() {
        let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_000_000));
        let store = store_at(&clock);
        block_on(async {
            let at_next_sweep = Some(clock.now() + SWEEP_INTERVAL);
            store.create(&Map::new(), at_next_sweep).await.unwrap();
            clock.advance(SWEEP_INTERVAL);
            let fresh = store.create(&Map::new(), None).await.unwrap();
            assert_eq!(store.len(), 1, "a record with expires == now is expired");
            assert!(store.read(&fresh).await.unwrap().is_some());
        });
    }

    #[test]
    fn record_expiring_now_is_not_kept() {
        let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_000_000));
        let store = store_at(&clock);
        let now = Some(clock.now());
        block_on(async {
            let id = store.create(&Map::new(), now).await.unwrap();
            assert_eq!(store.len(), 0, "create");
            assert_eq!(store.read(&id).await.unwrap(), None);

            let id = store.create(&Map::new(), None).await.unwrap();
            assert!(store.update(&id, &Map::new(), now).await.unwrap());
            assert_eq!(store.len(), 0, "update");

            let id = store.create(&Map::new(), None).await.unwrap();
            assert!(store.touch(&id, now).await.unwrap());
            assert_eq!(store.len(), 0, "touch");
        });
    }

    #[test]
    fn remove_expired_counts_and_keeps_live() {
        let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_000_000));
        let store = store_at(&clock);
        let soon = Some(clock.now() + Duration::from_secs(5));
        block_on(async {
            store.create(&Map::new(), soon).await.unwrap();
            store.create(&Map::new(), soon).await.unwrap();
            let live = store.create(&Map::new(), None).await.unwrap();
            clock.advance(Duration::from_secs(5));

            assert_eq!(store.remove_expired(), 2);
            assert_eq!(store.len(), 1);
            assert!(store.read(&live).await.unwrap().is_some());
            assert_eq!(store.remove_expired(), 0, "nothing left to remove");
        });
    }

    #[test]
    fn is_empty_only_without_records() {
        let store = MemoryStore::new();
        assert!(store.is_empty());
        let id = block_on(store.create(&Map::new(), None)).unwrap();
        assert!(!store.is_empty());
        block_on(store.delete(&id)).unwrap();
        assert!(store.is_empty());
    }

    #[test]
    fn debug_hides_ids_and_data() {
        let store = MemoryStore::new();
        let mut data = Map::new();
        data.insert("card".into(), "4111-1111".into());
        let id = block_on(store.create(&data, None)).unwrap();
        let text = format!("{store:?}");
        assert!(!text.contains(&id), "{text}");
        assert!(!text.contains("4111"), "{text}");
        assert!(text.contains("records: 1"), "{text}");
    }
}
