// SPDX-License-Identifier: GPL-3.0-or-later
//! Report folders: writing a report's files into a folder that may hold other things,
//! without ever deleting what caltally did not write.
//!
//! Key terms:
//!
//! * **manifest**: `.caltally-manifest` in the folder lists, one per line, the files
//!   caltally wrote there. A folder with a manifest is a *report folder*. caltally replaces
//!   or removes only files the manifest lists, and never touches any other file or folder.
//! * **owned folder**: one caltally may write into: missing, empty, a report folder, or a
//!   folder written by a caltally that kept no manifest yet (it holds caltally's own
//!   `entries.csv` or `summary.csv`, or `summary.md` with its chart `summary.svg`). Any
//!   other non-empty folder, or a file at that path, is refused ([`OutputError::Foreign`],
//!   [`OutputError::NotAFolder`]).
//! * **stale**: a file the manifest lists, that this report does not write but that a
//!   report of its kind would (a full report no longer writing a page for an association
//!   without entries). Only those are removed.
//!
//! Crash safety: each file is written under a temporary name in the folder, synced, then
//! renamed over the old one, so a file is always whole, old or new. The manifest is written
//! the same way, and lists a file before it is put in place. A lock file
//! (`.caltally.lock`) lets two writers of one folder take turns: both succeed and the last
//! one wins. A report that is not committed removes its temporary files, and a folder it
//! made goes too (lock file first, while held) if nothing else came into it.
//!
//! **index**: `index.md` in the parent of the report folders lists them ([`write_index`]):
//! only the folders that hold a manifest, rebuilt under the parent's lock and put in place
//! by a rename. An `index.md` that caltally did not write (it lacks [`INDEX_MARK`]) is
//! left alone.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

/// The manifest's file name.
pub const MANIFEST: &str = ".caltally-manifest";

/// The lock file's name.
const LOCK: &str = ".caltally.lock";

/// Prefix of the temporary files; any left by a crash are removed under the lock.
const TEMP_PREFIX: &str = ".caltally-tmp-";

/// The manifest's first line.
const MANIFEST_HEAD: &str = "# caltally report folder: caltally wrote the files listed below and may \
replace or remove them; it never touches any other file here.";

/// What can go wrong while writing a report folder.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The path exists and is not a folder.
    #[error("{} is a file, not a folder: give --out a folder (new, empty, or one caltally wrote)", .0.display())]
    NotAFolder(PathBuf),
    /// A non-empty folder that is not a report folder.
    #[error(
        "{} is not empty and is not a caltally report folder (it has no {MANIFEST}; it holds {}): \
         caltally does not write among other files; give --out a new or empty folder",
        .path.display(), .sample
    )]
    Foreign {
        /// The folder.
        path: PathBuf,
        /// A few of the names found there.
        sample: String,
    },
    /// A read or write failed.
    #[error("cannot write {}", .path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

impl OutputError {
    /// Whether the user chose a folder that cannot be used (a usage error), rather than a
    /// write that failed.
    pub fn is_usage(&self) -> bool {
        !matches!(self, OutputError::Io { .. })
    }
}

fn at(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `files` into the folder `dir` and records them in its manifest; removes the
/// files the manifest lists that are not written now and for which `stale` is true.
/// Returns the names written.
pub fn write_report(
    dir: &Path,
    files: &[(String, Vec<u8>)],
    stale: &dyn Fn(&str) -> bool,
) -> Result<Vec<String>, OutputError> {
    use rayon::prelude::*;
    let pending = Pending::begin(dir)?;
    // Written side by side: copying a large report into the page cache takes a while.
    files
        .par_iter()
        .try_for_each(|(name, bytes)| pending.add(name, bytes))?;
    pending.commit(stale)
}

/// Files being written into a report folder, under its lock: each is written under a
/// temporary name as soon as it is given (from any thread) and synced by threads of
/// their own meanwhile; [`Pending::commit`] lists them in the manifest and puts them in
/// place. Dropped without a commit, it removes its temporary files and the folder is as
/// it was: a folder it made goes too, with its lock file, if nothing else came into it.
pub struct Pending {
    dir: PathBuf,
    /// The folders `begin` made (the report folder and any missing parent), deepest first;
    /// emptied once the manifest is in place.
    made: Vec<PathBuf>,
    /// The folder's lock, held as long as this lives.
    _lock: fs::File,
    owned: BTreeSet<String>,
    /// Names given, with their temporary paths.
    temps: Mutex<Vec<(String, PathBuf)>>,
    to_sync: Option<mpsc::Sender<(PathBuf, fs::File)>>,
    syncers: Vec<std::thread::JoinHandle<Result<(), OutputError>>>,
}

/// Files synced at once: the file system commits them together, which is much faster
/// than one after the other.
const SYNCERS: usize = 4;

impl Pending {
    /// Takes the folder `dir` (made if missing) for writing: refuses a folder caltally may
    /// not write into, waits for its lock, removes temporary files a crash left.
    pub fn begin(dir: &Path) -> Result<Pending, OutputError> {
        check_owned(dir)?;
        let made: Vec<PathBuf> = dir
            .ancestors()
            .take_while(|d| !d.as_os_str().is_empty() && fs::symlink_metadata(d).is_err())
            .map(Path::to_path_buf)
            .collect();
        fs::create_dir_all(dir).map_err(at(dir))?;
        let lock = take_lock(dir)?;
        remove_temporaries(dir)?;
        let owned = read_manifest(dir)?;
        let (to_sync, synced) = mpsc::channel::<(PathBuf, fs::File)>();
        let synced = Arc::new(Mutex::new(synced));
        let syncers = (0..SYNCERS)
            .map(|_| {
                let synced = Arc::clone(&synced);
                std::thread::spawn(move || {
                    let mut first = Ok(());
                    loop {
                        // Nothing panics while holding the lock: a poisoned one is whole.
                        let next = synced.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        let Ok((path, file)) = next else {
                            return first;
                        };
                        if let Err(e) = file.sync_all()
                            && first.is_ok()
                        {
                            first = Err(at(&path)(e));
                        }
                    }
                })
            })
            .collect();
        Ok(Pending {
            dir: dir.to_path_buf(),
            made,
            _lock: lock,
            owned,
            temps: Mutex::new(Vec::new()),
            to_sync: Some(to_sync),
            syncers,
        })
    }

    /// Writes `bytes` as the file `name` (not yet in place).
    pub fn add(&self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let (temp, file) = create_temp(&self.dir, name, bytes)?;
        self.temps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((name.to_string(), temp.clone()));
        if let Some(to_sync) = &self.to_sync {
            // The syncers only stop once the sender is gone.
            let _ = to_sync.send((temp, file));
        }
        Ok(())
    }

    /// Waits for every file to be synced, lists them in the manifest and puts them in
    /// place; removes the files the manifest lists that were not written now and for
    /// which `stale` is true. Returns the names written, sorted.
    pub fn commit(mut self, stale: &dyn Fn(&str) -> bool) -> Result<Vec<String>, OutputError> {
        let dir = self.dir.clone();
        let written: BTreeSet<String> = self
            .temps
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(n, _)| n.clone())
            .collect();
        // Listed before they appear: a crash from here on leaves only files the manifest owns.
        let mut owned = std::mem::take(&mut self.owned);
        owned.extend(written.iter().cloned());
        // The manifest is synced beside the last files.
        let (manifest, file) = create_temp(&dir, MANIFEST, manifest_text(&owned).as_bytes())?;
        if let Some(to_sync) = &self.to_sync {
            let _ = to_sync.send((manifest.clone(), file));
        }
        if let Err(e) = self.synced() {
            let _ = fs::remove_file(&manifest);
            return Err(e);
        }
        let path = dir.join(MANIFEST);
        // From here on the folder holds a report: it stays, whatever happens next.
        self.made.clear();
        fs::rename(&manifest, &path).map_err(at(&path))?;
        let temps = std::mem::take(&mut *self.temps.lock().unwrap_or_else(|e| e.into_inner()));
        for (name, temp) in &temps {
            let target = dir.join(name);
            fs::rename(temp, &target).map_err(at(&target))?;
        }
        let gone: Vec<String> = owned
            .iter()
            .filter(|n| !written.contains(*n) && stale(n))
            .cloned()
            .collect();
        for name in &gone {
            let path = dir.join(name);
            match fs::symlink_metadata(&path) {
                Ok(m) if !m.is_dir() => fs::remove_file(&path).map_err(at(&path))?,
                _ => {}
            }
            owned.remove(name);
        }
        if !gone.is_empty() {
            write_manifest(&dir, &owned)?;
        }
        sync_dir(&dir)?;
        Ok(written.into_iter().collect())
    }

    /// Ends the syncers once every file given is synced; the first failure.
    fn synced(&mut self) -> Result<(), OutputError> {
        self.to_sync.take();
        let mut first = Ok(());
        for syncer in self.syncers.drain(..) {
            let done = syncer
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            if first.is_ok() {
                first = done;
            }
        }
        first
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.to_sync.take();
        for syncer in self.syncers.drain(..) {
            let _ = syncer.join();
        }
        for (_, temp) in self
            .temps
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            let _ = fs::remove_file(temp);
        }
        if self.made.is_empty() {
            return;
        }
        // Made for this report, which wrote nothing: the lock file goes while it is held
        // (a writer waiting for it then sees it gone and takes a new one), then each folder
        // made, as long as it is empty.
        let _ = fs::remove_file(self.dir.join(LOCK));
        for folder in &self.made {
            if fs::remove_dir(folder).is_err() {
                break;
            }
        }
    }
}

/// The first line of an `index.md` that caltally wrote.
pub const INDEX_MARK: &str =
    "<!-- caltally index: rewritten after each report; edits here are lost -->";

/// Rewrites `base/index.md` from the report folders found in `base` (sorted names, given
/// to `render`). Returns false, writing nothing, if an `index.md` is there that caltally
/// did not write.
pub fn write_index(
    base: &Path,
    render: &dyn Fn(&[String]) -> Vec<u8>,
) -> Result<bool, OutputError> {
    let lock = take_lock(base)?;
    let path = base.join("index.md");
    match fs::read_to_string(&path) {
        Ok(text) if !text.starts_with(INDEX_MARK) => return Ok(false),
        Err(e) if e.kind() == io::ErrorKind::InvalidData => return Ok(false),
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(at(&path)(e)),
        _ => {}
    }
    let mut folders = Vec::new();
    for entry in fs::read_dir(base).map_err(at(base))? {
        let entry = entry.map_err(at(base))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_plain_name(&name) && entry.path().join(MANIFEST).is_file() {
            folders.push(name);
        }
    }
    folders.sort();
    let temp = write_temp(base, "index.md", &render(&folders))?;
    fs::rename(&temp, &path).map_err(at(&path))?;
    sync_dir(base)?;
    drop(lock);
    Ok(true)
}

/// Refuses a path caltally may not write into; see [`OutputError`].
fn check_owned(dir: &Path) -> Result<(), OutputError> {
    let meta = match fs::metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(at(dir)(e)),
    };
    if !meta.is_dir() {
        return Err(OutputError::NotAFolder(dir.to_path_buf()));
    }
    if dir.join(MANIFEST).is_file() {
        return Ok(());
    }
    let mut others: Vec<String> = fs::read_dir(dir)
        .map_err(at(dir))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()
        .map_err(at(dir))?;
    others.retain(|n| n != LOCK && !n.starts_with(TEMP_PREFIX));
    if others.is_empty() || is_earlier_report(dir) {
        return Ok(());
    }
    others.sort();
    let mut sample: Vec<String> = others.iter().take(3).map(|n| format!("`{n}`")).collect();
    if others.len() > 3 {
        sample.push(format!("and {} more", others.len() - 3));
    }
    Err(OutputError::Foreign {
        path: dir.to_path_buf(),
        sample: sample
            .join(", ")
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect(),
    })
}

/// A folder a caltally without manifests wrote: its `entries.csv` or `summary.csv` begins
/// with caltally's header, or it holds `summary.md` with its chart.
fn is_earlier_report(dir: &Path) -> bool {
    let header = |name: &str, expected: &str| {
        fs::read(dir.join(name)).is_ok_and(|b| b.starts_with(expected.as_bytes()))
    };
    header("entries.csv", &crate::report::csv::ENTRIES_HEADER.join(","))
        || header("summary.csv", "scope,key,name,")
        || (dir.join("summary.md").is_file() && dir.join("summary.svg").is_file())
}

/// The files the manifest lists (none without a manifest). Lines that could name
/// anything outside the folder, or a hidden file, are ignored.
fn read_manifest(dir: &Path) -> Result<BTreeSet<String>, OutputError> {
    let path = dir.join(MANIFEST);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
        Err(e) => return Err(at(&path)(e)),
    };
    Ok(text
        .lines()
        .map(str::trim_end)
        .filter(|l| is_plain_name(l))
        .map(str::to_string)
        .collect())
}

/// A file name of the folder itself: not empty, not hidden, no separator.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with(['.', '#']) && !name.contains(['/', '\\', '\0'])
}

/// Waits for the lock of the folder `dir`; it is held until the file is dropped. A writer
/// that gives up a folder it made removes the lock file (and the folder) before letting
/// go: a lock taken on a file that is no longer the folder's is let go, and the folder's
/// lock taken again (a bounded number of times).
fn take_lock(dir: &Path) -> Result<fs::File, OutputError> {
    use std::os::unix::fs::MetadataExt;
    const TRIES: usize = 100;
    let path = dir.join(LOCK);
    for _ in 0..TRIES {
        let lock = match fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
        {
            Ok(lock) => lock,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // The folder went with the lock file: made again, as the writer asked.
                fs::create_dir_all(dir).map_err(at(dir))?;
                continue;
            }
            Err(e) => return Err(at(&path)(e)),
        };
        lock.lock().map_err(at(&path))?;
        let held = lock.metadata().map_err(at(&path))?;
        match fs::metadata(&path) {
            Ok(now) if now.dev() == held.dev() && now.ino() == held.ino() => return Ok(lock),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(at(&path)(e)),
        }
    }
    Err(at(&path)(io::Error::other(
        "the lock file kept being removed by other writers; try again",
    )))
}

fn manifest_text(owned: &BTreeSet<String>) -> String {
    let mut text = String::from(MANIFEST_HEAD);
    text.push('\n');
    for name in owned {
        text.push_str(name);
        text.push('\n');
    }
    text
}

fn write_manifest(dir: &Path, owned: &BTreeSet<String>) -> Result<(), OutputError> {
    let temp = write_temp(dir, MANIFEST, manifest_text(owned).as_bytes())?;
    let path = dir.join(MANIFEST);
    fs::rename(&temp, &path).map_err(at(&path))
}

/// Writes `bytes` to a temporary file in `dir` and syncs it; returns its path.
fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, OutputError> {
    let (temp, file) = create_temp(dir, name, bytes)?;
    file.sync_all().map_err(at(&temp))?;
    Ok(temp)
}

/// Writes `bytes` to a temporary file in `dir`, not yet synced; returns its path and file.
fn create_temp(dir: &Path, name: &str, bytes: &[u8]) -> Result<(PathBuf, fs::File), OutputError> {
    let temp = dir.join(format!("{TEMP_PREFIX}{}-{name}", std::process::id()));
    let write = || -> io::Result<fs::File> {
        let mut file = fs::File::create(&temp)?;
        file.write_all(bytes)?;
        Ok(file)
    };
    let file = write().map_err(at(&temp))?;
    Ok((temp, file))
}

/// Removes temporary files a crashed writer left (only writers holding the lock make any).
fn remove_temporaries(dir: &Path) -> Result<(), OutputError> {
    for entry in fs::read_dir(dir).map_err(at(dir))? {
        let entry = entry.map_err(at(dir))?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with(TEMP_PREFIX)
            && entry.file_type().is_ok_and(|t| t.is_file())
        {
            fs::remove_file(entry.path()).map_err(at(&entry.path()))?;
        }
    }
    Ok(())
}

/// Makes the renames durable (a no-op where folders cannot be opened).
fn sync_dir(dir: &Path) -> Result<(), OutputError> {
    match fs::File::open(dir) {
        Ok(d) => match d.sync_all() {
            Ok(()) => Ok(()),
            // Some file systems cannot sync a folder; the files themselves are synced.
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Unsupported => Ok(()),
            Err(e) => Err(at(dir)(e)),
        },
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
#[path = "output_tests.rs"]
mod tests;
