//! Offer records on disk: readable by their owner only (they hold claims), replaced whole or not at all,
//! and changed by one process at a time.
//!
//! Every writer holds an exclusive lock on `<record>.lock` beside the record, reads, writes a temporary file
//! in the same directory and renames it over the record. The lock lives in its own file because the
//! rename replaces the record's inode: a lock on the record itself would be lost by the first writer's
//! rename, and a waiting process would then hold a lock on a file nobody reads any more.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use credoffer::OfferRecord;

use crate::create::record_text;
use crate::failure::Failure;
use crate::input;

/// A record read under its lock, which is held until this value is dropped.
pub struct LockedRecord {
    path: PathBuf,
    record: OfferRecord,
    _lock: File,
}

impl LockedRecord {
    /// Waits for the record's lock, then reads it.
    pub fn open(path: &Path) -> Result<Self, Failure> {
        let lock = lock(path)?;
        let record = OfferRecord::from_json(&input::read_file(path)?)?;
        Ok(Self { path: path.to_owned(), record, _lock: lock })
    }

    /// The record as read.
    pub fn record(&self) -> &OfferRecord {
        &self.record
    }

    /// Replaces the record with `next`, unless the file no longer holds the version read: a writer that
    /// ignored the lock changed it, and writing now would undo that change.
    pub fn replace(&self, next: &OfferRecord) -> Result<(), Failure> {
        let current = OfferRecord::from_json(&input::read_file(&self.path)?)?;
        if current.version != self.record.version {
            let error = io::Error::other(format!(
                "the record changed from version {} to {} while this command held its lock; nothing was written",
                self.record.version, current.version
            ));
            return Err(Failure::io(format!("cannot update {}", self.path.display()), error));
        }
        write_atomically(&self.path, &record_text(next))
    }
}

/// Writes a new record under the record's lock (replacing any record at `path`).
pub fn create(path: &Path, record: &OfferRecord) -> Result<(), Failure> {
    let _lock = lock(path)?;
    write_atomically(path, &record_text(record))
}

/// The exclusive lock on `<record>.lock`, created owner-only when absent.
fn lock(path: &Path) -> Result<File, Failure> {
    let lock_path = sibling(path, ".lock");
    let file = owner_only(OpenOptions::new().create(true).truncate(false).write(true))
        .open(&lock_path)
        .map_err(|e| Failure::io(format!("cannot open {}", lock_path.display()), e))?;
    file.lock().map_err(|e| Failure::io(format!("cannot lock {}", lock_path.display()), e))?;
    Ok(file)
}

/// Writes `text` to a temporary file beside `path`, flushes it to disk, and renames it over `path`, so that
/// a reader sees the old record or the new one, never part of either.
fn write_atomically(path: &Path, text: &str) -> Result<(), Failure> {
    let temporary = sibling(path, &format!(".{}.tmp", std::process::id()));
    let failed = |e| Failure::io(format!("cannot write {}", path.display()), e);
    let mut file =
        owner_only(OpenOptions::new().create(true).truncate(true).write(true)).open(&temporary).map_err(failed)?;
    let written = file.write_all(text.as_bytes()).and_then(|()| file.sync_all());
    drop(file);
    if let Err(error) = written.and_then(|()| fs::rename(&temporary, path)) {
        let _ = fs::remove_file(&temporary);
        return Err(failed(error));
    }
    Ok(())
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Files that hold records or their locks are created readable and writable by their owner only.
fn owner_only(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
    options
}
