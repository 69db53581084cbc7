//! Locks under which a [`FileStore`](super::FileStore) checks a record and then writes it,
//! for the threads of one process and for every process on the directory.

use std::fs;
use std::io;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, Once, PoisonError};

use super::disk::{create_private_dir, missing_directory};

/// Number of locks that the ids of a store are spread over.
const LOCK_STRIPES: u64 = 64;

/// Subdirectory of the store's directory with one lock file for each stripe.
const LOCK_DIRECTORY: &str = ".locks";

/// The in-process half of the locks: one mutex per stripe, shared by a store's clones.
pub(super) struct StripeLocks {
    mutexes: [Mutex<()>; LOCK_STRIPES as usize],
}

/// An exclusive hold on one lock stripe. The file is closed before the mutex is unlocked,
/// and closing it releases its lock.
pub(super) struct StripeGuard<'a> {
    _file: fs::File,
    _mutex: MutexGuard<'a, ()>,
}

impl StripeLocks {
    pub(super) fn new() -> Self {
        Self {
            mutexes: std::array::from_fn(|_| Mutex::new(())),
        }
    }

    /// Takes the lock of `id`'s stripe in `directory`: the stripe's mutex for the threads of
    /// this process, then an exclusive lock on the stripe's lock file (`flock` on Unix) for
    /// other processes and other `FileStore` values on the directory.
    pub(super) fn lock(&self, directory: &Path, id: &str) -> io::Result<StripeGuard<'_>> {
        let stripe = stripe_of(id);
        // The guarded value is `()`, so a poisoned lock guards nothing inconsistent.
        let mutex = self.mutexes[stripe as usize]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let file = open_lock_file(directory, stripe)?;
        match file.lock() {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::Unsupported => warn_no_file_locks(),
            Err(error) => return Err(error),
        }
        Ok(StripeGuard {
            _file: file,
            _mutex: mutex,
        })
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
