//! Locks under which a [`FileStore`](super::FileStore) checks a record and then writes it,
//! for the threads of one process and for every process on the directory.

use std::fs;
use std::io;
use std::path::Path;
use std::sync::{Condvar, Mutex, MutexGuard, Once, PoisonError};
use std::time::{Duration, Instant};

use super::disk::{create_private_dir, missing_directory};

/// Number of locks that the ids of a store are spread over.
const LOCK_STRIPES: u64 = 64;

/// Subdirectory of the store's directory with one lock file for each stripe.
const LOCK_DIRECTORY: &str = ".locks";

/// How long an operation waits for its stripe's lock before it fails. A write keeps the lock
/// only while it writes and syncs one small file, so a wait this long means an owner that
/// stopped or hung, or more operations on the stripe than the disk can serve.
pub(super) const LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// Maximum pause between two attempts to take a lock that another owner has.
const MAX_RETRY_PAUSE: Duration = Duration::from_millis(10);

/// The in-process half of the locks: one per stripe, shared by a store's clones.
pub(super) struct StripeLocks {
    stripes: [ThreadLock; LOCK_STRIPES as usize],
}

/// An exclusive hold on one lock stripe. The file is closed before the thread lock is
/// released, and closing it releases its lock.
pub(super) struct StripeGuard<'a> {
    _file: fs::File,
    _thread_lock: ThreadLockGuard<'a>,
}

impl StripeLocks {
    pub(super) fn new() -> Self {
        Self {
            stripes: std::array::from_fn(|_| ThreadLock::default()),
        }
    }

    /// Takes the lock of `id`'s stripe in `directory`: the stripe's [`ThreadLock`] for the
    /// threads of this process, then an exclusive lock on the stripe's lock file (`flock` on
    /// Unix) for other processes and other `FileStore` values on the directory. Fails with
    /// [`io::ErrorKind::TimedOut`] when both are not taken within `timeout`.
    pub(super) fn lock(
        &self,
        directory: &Path,
        id: &str,
        timeout: Duration,
    ) -> io::Result<StripeGuard<'_>> {
        let stripe = stripe_of(id);
        let mut waiting = Waiting::new(timeout);
        let thread_lock = self.stripes[stripe as usize].lock(&waiting)?;
        let file = open_lock_file(directory, stripe)?;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(fs::TryLockError::WouldBlock) => waiting.pause()?,
                Err(fs::TryLockError::Error(error))
                    if error.kind() == io::ErrorKind::Unsupported =>
                {
                    warn_no_file_locks();
                    break;
                }
                Err(fs::TryLockError::Error(error)) => return Err(error),
            }
        }
        Ok(StripeGuard {
            _file: file,
            _thread_lock: thread_lock,
        })
    }
}

/// A lock among the threads of one process that a waiter blocks on with a time limit, which
/// `std::sync::Mutex` does not offer.
///
/// Retrying `Mutex::try_lock` after pauses instead would be unfair. An operation that
/// arrives while the lock is free takes it at once, so under a steady load on one stripe, a
/// waiter that sleeps between attempts can miss the lock until its deadline. A blocked
/// waiter here is woken when the lock is released.
#[derive(Default)]
struct ThreadLock {
    locked: Mutex<bool>,
    released: Condvar,
}

/// A hold on a [`ThreadLock`], released when dropped.
struct ThreadLockGuard<'a> {
    lock: &'a ThreadLock,
}

impl ThreadLock {
    /// Waits until the lock is free and takes it, or fails once `waiting`'s deadline passes.
    fn lock(&self, waiting: &Waiting) -> io::Result<ThreadLockGuard<'_>> {
        let (mut locked, _) = self
            .released
            .wait_timeout_while(self.locked_flag(), waiting.remaining(), |locked| *locked)
            .unwrap_or_else(PoisonError::into_inner);
        if *locked {
            return Err(waiting.timed_out());
        }
        *locked = true;
        Ok(ThreadLockGuard { lock: self })
    }

    /// Locks the flag. The flag's mutex is held for no more than a check or an assignment,
    /// so a poisoned one still contains a correct value.
    fn locked_flag(&self) -> MutexGuard<'_, bool> {
        self.locked.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for ThreadLockGuard<'_> {
    fn drop(&mut self) {
        *self.lock.locked_flag() = false;
        self.lock.released.notify_one();
    }
}

/// The deadline of one wait for a lock, and the retries of a file lock until then: pauses
/// that grow from a few microseconds to [`MAX_RETRY_PAUSE`].
///
/// The standard library offers no file lock that waits with a time limit, so a held file
/// lock is tried again after each pause.
struct Waiting {
    deadline: Instant,
    timeout: Duration,
    pause: Duration,
}

impl Waiting {
    fn new(timeout: Duration) -> Self {
        Self {
            deadline: Instant::now() + timeout,
            timeout,
            pause: Duration::from_micros(20),
        }
    }

    /// Returns the time left until the deadline, zero once it has passed.
    fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Builds the error of a wait that reached its deadline.
    fn timed_out(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "the lock was not free within {} s, held by a stopped or hung process or by \
                 more operations than the disk could serve in that time",
                self.timeout.as_secs_f64()
            ),
        )
    }

    /// Sleeps before the next attempt, or fails once the deadline has passed.
    fn pause(&mut self) -> io::Result<()> {
        let now = Instant::now();
        if now >= self.deadline {
            return Err(self.timed_out());
        }
        std::thread::sleep(self.pause.min(self.deadline - now));
        self.pause = (self.pause * 2).min(MAX_RETRY_PAUSE);
        Ok(())
    }
}

/// Opens the lock file of `stripe`, making the `.locks` subdirectory at the first write (so
/// that a read-only directory still serves reads) and again after an operator has removed
/// the directory and made it again. A missing store directory is an error.
fn open_lock_file(directory: &Path, stripe: u64) -> io::Result<fs::File> {
    let path = directory.join(LOCK_DIRECTORY).join(format!("{stripe:02}"));
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    match options.open(&path) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            if !directory.is_dir() {
                return Err(missing_directory());
            }
            create_private_dir(&directory.join(LOCK_DIRECTORY))?;
            options.open(&path)
        }
        result => result,
    }
}

/// Returns the lock stripe of `id`, the same in every process: FNV-1a, a fixed hash, because
/// processes that share a directory must pick the same lock file for an id.
fn stripe_of(id: &str) -> u64 {
    let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    hash % LOCK_STRIPES
}

fn warn_no_file_locks() {
    static WARNED: Once = Once::new();
    WARNED.call_once(|| {
        tracing::warn!(
            "file locks are not supported here; a FileStore locks records only among its own \
             clones, so other stores and processes that share its directory can revive \
             destroyed sessions"
        );
    });
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;
    use crate::storage::session_id::generate_session_id;

    const SHORT: Duration = Duration::from_millis(200);

    fn temp_directory() -> std::path::PathBuf {
        let directory = std::env::temp_dir().join(format!("locks-{}", generate_session_id()));
        fs::create_dir(&directory).unwrap();
        directory
    }

    #[test]
    fn stripe_is_fnv1a_modulo_stripe_count() {
        // Processes that share a directory, also of other builds of this crate, must pick the
        // same stripe for an id, so the hash is pinned: FNV-1a (64 bit) modulo 64.
        assert_eq!(stripe_of(""), 0xcbf2_9ce4_8422_2325 % 64);
        assert_eq!(stripe_of("a"), 0xaf63_dc4c_8601_ec8c % 64);
        assert_eq!(stripe_of("foobar"), 0x8594_4171_f739_67e8 % 64);
        assert_eq!(stripe_of("abc"), 0xe71f_a219_0541_574b % 64);
    }

    #[test]
    fn retry_pause_doubles_up_to_maximum() {
        let mut waiting = Waiting::new(Duration::from_secs(60));

        waiting.pause().unwrap();
        assert_eq!(waiting.pause, Duration::from_micros(40));

        // 20 µs doubled 9 times exceeds the maximum, so 12 pauses end at the maximum.
        for _ in 1..12 {
            waiting.pause().unwrap();
        }
        assert_eq!(waiting.pause, MAX_RETRY_PAUSE);
    }

    #[test]
    fn lock_file_taken_times_out() {
        let directory = temp_directory();
        let locks = StripeLocks::new();
        // Another open file of the same lock file stands for another process.
        let other = open_lock_file(&directory, stripe_of("abc")).unwrap();
        other.lock().unwrap();

        let started = Instant::now();
        let error = locks.lock(&directory, "abc", SHORT).err().unwrap();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert_eq!(
            error.to_string(),
            "the lock was not free within 0.2 s, held by a stopped or hung process or by more \
             operations than the disk could serve in that time"
        );
        assert!(started.elapsed() >= SHORT);

        other.unlock().unwrap();
        drop(locks.lock(&directory, "abc", SHORT).unwrap());
        fs::remove_dir_all(&directory).unwrap();
    }

    #[test]
    fn thread_lock_times_out_then_frees() {
        let directory = temp_directory();
        let locks = StripeLocks::new();
        let holder = locks.lock(&directory, "abc", SHORT).unwrap();

        std::thread::scope(|scope| {
            let (locks, path) = (&locks, directory.as_path());
            let error = scope
                .spawn(move || locks.lock(path, "abc", SHORT).err().unwrap())
                .join()
                .unwrap();
            assert_eq!(error.kind(), io::ErrorKind::TimedOut);

            // A waiter gets the lock once the holder lets it go within the time limit.
            let (taken, was_taken) = mpsc::channel();
            let waiter = scope.spawn(move || {
                let guard = locks.lock(path, "abc", Duration::from_secs(60));
                taken.send(()).unwrap();
                guard.map(drop)
            });
            assert!(was_taken.recv_timeout(SHORT).is_err());
            drop(holder);
            waiter.join().unwrap().unwrap();
        });
        fs::remove_dir_all(&directory).unwrap();
    }
}
