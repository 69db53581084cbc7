//! File system helpers of a [`FileStore`](super::FileStore): names of temporary files, new
//! files and directories with private permissions, and the age of leftovers.

use std::fs;
use std::io::{self, Write as _};
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::storage::session_id::{generate_session_id, is_valid_session_id, GENERATED_ID_LEN};

/// Age after which [`FileStore::remove_expired`](super::FileStore::remove_expired) deletes a
/// temporary file that a crashed write left behind.
const STALE_TEMP_AGE: Duration = Duration::from_secs(3600);

/// Returns the name of a new temporary file for a write of `id`: `.<id>.<random id>.tmp`.
pub(super) fn temporary_name(id: &str) -> String {
    format!(".{id}.{}.tmp", generate_session_id())
}

/// Returns `true` for a name that [`temporary_name`] makes, so that the sweep never deletes
/// another program's hidden files.
pub(super) fn is_temporary_name(name: &str) -> bool {
    let Some(middle) = name
        .strip_prefix('.')
        .and_then(|rest| rest.strip_suffix(".tmp"))
    else {
        return false;
    };
    middle.split_once('.').is_some_and(|(id, random)| {
        is_valid_session_id(id) && random.len() == GENERATED_ID_LEN && is_valid_session_id(random)
    })
}

pub(super) fn missing_directory() -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, "the directory does not exist")
}

pub(super) fn write_new_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

pub(super) fn create_private_dir(directory: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(directory)
}

/// Returns `true` for a file last modified more than [`STALE_TEMP_AGE`] ago by the system
/// clock, which is the clock that file times come from.
pub(super) fn is_stale(entry: &fs::DirEntry) -> bool {
    entry
        .metadata()
        .and_then(|metadata| metadata.modified())
        .ok()
        .and_then(|modified| SystemTime::now().duration_since(modified).ok())
        .is_some_and(|age| age > STALE_TEMP_AGE)
}
