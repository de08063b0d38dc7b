// SPDX-License-Identifier: GPL-3.0-or-later
//! Atomic output: a set of files is written into a temporary directory beside the target,
//! then moved into place with renames, so a crash never leaves a half-written report.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A directory being written; nothing is visible at the target until [`Staged::commit`].
pub struct Staged {
    target: PathBuf,
    temp: PathBuf,
    files: Vec<String>,
}

impl Staged {
    /// Starts writing the directory `target`.
    pub fn new(target: &Path) -> io::Result<Self> {
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent)?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "out".into());
        recover(parent, &name, target)?;
        let temp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if temp.exists() {
            fs::remove_dir_all(&temp)?;
        }
        fs::create_dir_all(&temp)?;
        Ok(Self {
            target: target.to_path_buf(),
            temp,
            files: Vec::new(),
        })
    }

    /// Writes one file with `write`.
    pub fn write<E>(
        &mut self,
        name: &str,
        write: impl FnOnce(&mut dyn Write) -> Result<(), E>,
    ) -> Result<(), E>
    where
        E: From<io::Error>,
    {
        let file = fs::File::create(self.temp.join(name))?;
        let mut w = io::BufWriter::new(file);
        write(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        self.files.push(name.to_string());
        Ok(())
    }

    /// Moves the files into place: the old directory (if any) is replaced as a whole.
    pub fn commit(mut self) -> io::Result<Vec<String>> {
        let old = old_name(&self.temp);
        let had_old = self.target.exists();
        if had_old {
            if old.exists() {
                fs::remove_dir_all(&old)?;
            }
            fs::rename(&self.target, &old)?;
        }
        if let Err(e) = fs::rename(&self.temp, &self.target) {
            if had_old {
                let _ = fs::rename(&old, &self.target);
            }
            return Err(e);
        }
        if had_old {
            fs::remove_dir_all(&old)?;
        }
        Ok(std::mem::take(&mut self.files))
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.temp.exists() {
            let _ = fs::remove_dir_all(&self.temp);
        }
    }
}

/// Where [`Staged::commit`] parks the previous directory between its two renames.
fn old_name(temp: &Path) -> PathBuf {
    let mut name = temp.as_os_str().to_owned();
    name.push(".old");
    PathBuf::from(name)
}

/// If a run died between the two renames of [`Staged::commit`], the previous directory is
/// still there under its `.old` name while the target is missing: put it back.
fn recover(parent: &Path, name: &str, target: &Path) -> io::Result<()> {
    if target.exists() {
        return Ok(());
    }
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if file.starts_with(&prefix) && file.ends_with(".old") && entry.path().is_dir() {
            fs::rename(entry.path(), target)?;
            break;
        }
    }
    Ok(())
}

/// A file name for an association key: letters, digits, `-` and `_` kept, others `-`.
pub fn file_stem(key: &str) -> String {
    let s: String = key
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with('.') {
        format!("_{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, files: &[(&str, &str)]) -> Vec<String> {
        let mut staged = Staged::new(dir).expect("staged");
        for (name, text) in files {
            staged
                .write(name, |w| w.write_all(text.as_bytes()))
                .expect("write");
        }
        staged.commit().expect("commit")
    }

    #[test]
    fn a_new_directory_replaces_the_old_one_as_a_whole() {
        let root = tempfile::tempdir().expect("tempdir");
        let out = root.path().join("2026-10");
        write(&out, &[("a.md", "1"), ("b.md", "1")]);
        assert_eq!(write(&out, &[("a.md", "2")]), ["a.md"]);
        assert_eq!(fs::read_to_string(out.join("a.md")).expect("a"), "2");
        assert!(
            !out.join("b.md").exists(),
            "no file of the old report is left"
        );
        let names: Vec<_> = fs::read_dir(root.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["2026-10"], "no temporary directory is left");
    }

    #[test]
    fn a_report_lost_between_the_two_renames_is_put_back() {
        let root = tempfile::tempdir().expect("tempdir");
        let out = root.path().join("2026-10");
        write(&out, &[("a.md", "before the crash")]);
        // As a run killed between the two renames leaves it: the report under commit's
        // parking name, nothing at the target.
        let old = old_name(&Staged::new(&out).expect("staged").temp);
        fs::rename(&out, &old).expect("park");
        assert!(!out.exists());
        // A run that fails before its commit still finds the previous report in place.
        let staged = Staged::new(&out).expect("staged");
        drop(staged);
        assert_eq!(
            fs::read_to_string(out.join("a.md")).expect("restored"),
            "before the crash"
        );
        assert!(!old.exists());
    }
}
