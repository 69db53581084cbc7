//! The source of the current time for `Max-Age` expiry computations.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// A source of the current time.
///
/// [`Cookie::expires`](crate::Cookie::expires) and server-side expiry read the time through
/// this trait, so tests can fix it with [`ManualClock`] and get reproducible `Expires` values.
///
/// # Examples
///
/// ```
/// use std::time::{SystemTime, UNIX_EPOCH};
/// use websession::Clock;
///
/// #[derive(Debug)]
/// struct Epoch;
///
/// impl Clock for Epoch {
///     fn now(&self) -> SystemTime {
///         UNIX_EPOCH
///     }
/// }
/// assert_eq!(Epoch.now(), UNIX_EPOCH);
/// ```
pub trait Clock: fmt::Debug + Send + Sync {
    /// Returns the current time.
    fn now(&self) -> SystemTime;
}

/// The operating system's wall clock; the default.
///
/// # Examples
///
/// ```
/// use websession::{Clock, SystemClock};
///
/// assert!(SystemClock.now() > std::time::UNIX_EPOCH);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that keeps one time until it is set or advanced. Cloned handles share that time.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use websession::{Clock, ManualClock};
///
/// let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
/// clock.advance(Duration::from_secs(60));
/// assert_eq!(clock.now(), UNIX_EPOCH + Duration::from_secs(1_700_000_060));
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<SystemTime>>,
}

impl ManualClock {
    /// Creates a clock that reads `now` until changed.
    pub fn new(now: SystemTime) -> Self {
        Self {
            now: Arc::new(Mutex::new(now)),
        }
    }

    /// Sets the time that the clock reads.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::UNIX_EPOCH;
    /// use websession::{Clock, ManualClock};
    ///
    /// let clock = ManualClock::new(std::time::SystemTime::now());
    /// clock.set(UNIX_EPOCH);
    /// assert_eq!(clock.now(), UNIX_EPOCH);
    /// ```
    pub fn set(&self, now: SystemTime) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }

    /// Moves the time forward by `by`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use websession::{Clock, ManualClock};
    ///
    /// let clock = ManualClock::new(UNIX_EPOCH);
    /// clock.advance(Duration::from_millis(1500));
    /// assert_eq!(clock.now(), UNIX_EPOCH + Duration::from_millis(1500));
    /// ```
    ///
    /// # Panics
    ///
    /// When the new time cannot be represented as a `SystemTime`, as with
    /// `Duration::MAX`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
