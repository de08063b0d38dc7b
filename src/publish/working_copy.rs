// SPDX-License-Identifier: GPL-3.0-or-later
//! caltally's private clone of one association repository, driven by the system `git`:
//! the [`WorkingCopy`] of the protocol.
//!
//! The clone is caltally's own (under the store's folder), so bringing it up to date may
//! discard what a failed run left in it: it is reset to the remote branch and cleaned.
//! Only the files the protocol writes are added to a commit.

use std::path::{Path, PathBuf};

use super::PublishError;
use super::git::{Git, GitSettings};
use super::protocol::{Push, WorkingCopy};

/// A working copy in a folder of its own.
pub struct GitCopy {
    git: Git,
    dir: PathBuf,
    branch: String,
    url: String,
}

impl GitCopy {
    /// The working copy in `dir` (created on first use) of `settings.remote`'s `branch`;
    /// commits signed by `author` (name, address). Private helper files go under `private`.
    pub fn open(
        dir: PathBuf,
        branch: &str,
        author: (String, String),
        settings: GitSettings,
        private: &Path,
    ) -> Result<Self, PublishError> {
        let url = settings.remote.git_url();
        Ok(Self {
            git: Git::new(settings, dir.clone(), private, author)?,
            dir,
            branch: branch.to_string(),
            url,
        })
    }

    fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> PublishError {
        let path = path.display().to_string();
        move |source| PublishError::Io { what, path, source }
    }

    fn remote_ref(&self) -> String {
        format!("refs/remotes/origin/{}", self.branch)
    }
}

impl WorkingCopy for GitCopy {
    fn update(&mut self) -> Result<(), PublishError> {
        if !self.dir.join(".git").exists() {
            std::fs::create_dir_all(&self.dir).map_err(Self::io("cannot create", &self.dir))?;
            self.git
                .run(&["init", "-q", "--initial-branch", &self.branch])?;
        }
        let has_origin = self.git.status(&["remote", "get-url", "origin"])?.code == Some(0);
        let verb = if has_origin { "set-url" } else { "add" };
        self.git.run(&["remote", verb, "--", "origin", &self.url])?;
        self.git
            .run(&["fetch", "-q", "--no-tags", "--prune", "origin"])?;
        let remote = self.remote_ref();
        let exists = self
            .git
            .status(&[
                "rev-parse",
                "-q",
                "--verify",
                &format!("{remote}^{{commit}}"),
            ])?
            .code
            == Some(0);
        if exists {
            self.git
                .run(&["checkout", "-q", "-f", "-B", &self.branch, &remote])?;
        } else {
            // A new repository: start the branch from nothing.
            self.git.run(&[
                "symbolic-ref",
                "HEAD",
                &format!("refs/heads/{}", self.branch),
            ])?;
            let _ =
                self.git
                    .status(&["update-ref", "-d", &format!("refs/heads/{}", self.branch)])?;
            self.git.run(&["read-tree", "--empty"])?;
        }
        self.git.run(&["clean", "-q", "-f", "-d", "-x"])?;
        Ok(())
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, PublishError> {
        let full = self.dir.join(path);
        match std::fs::read(&full) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Self::io("cannot read", &full)(e)),
        }
    }

    fn write(&mut self, path: &str, bytes: &[u8]) -> Result<(), PublishError> {
        let full = self.dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(Self::io("cannot create", parent))?;
        }
        let temp = full.with_file_name(format!(
            ".{}.caltally-tmp",
            full.file_name().unwrap_or_default().to_string_lossy()
        ));
        std::fs::write(&temp, bytes).map_err(Self::io("cannot write", &temp))?;
        std::fs::rename(&temp, &full).map_err(Self::io("cannot write", &full))
    }

    fn commit(&mut self, paths: &[String], message: &str) -> Result<bool, PublishError> {
        let mut add = vec!["add", "-f", "--"];
        add.extend(paths.iter().map(String::as_str));
        self.git.run(&add)?;
        let mut diff = vec!["diff", "--cached", "--quiet", "--"];
        diff.extend(paths.iter().map(String::as_str));
        match self.git.status(&diff)?.code {
            Some(0) => return Ok(false),
            Some(1) => {}
            _ => return self.git.run(&diff).map(|_| false),
        }
        self.git
            .run(&["commit", "-q", "--no-verify", "-m", message])?;
        Ok(true)
    }

    fn push(&mut self) -> Result<Push, PublishError> {
        let target = format!("HEAD:refs/heads/{}", self.branch);
        let args = ["push", "--porcelain", "origin", &target];
        let f = self.git.status(&args)?;
        if f.code == Some(0) {
            return Ok(Push::Done);
        }
        let moved = |s: &str| {
            s.contains("[rejected]")
                && (s.contains("non-fast-forward") || s.contains("fetch first"))
        };
        if moved(&f.stdout) || moved(&f.stderr) {
            return Ok(Push::Rejected);
        }
        Err(self.git.failure(&args, &f))
    }

    fn repo(&self) -> String {
        self.git.repo()
    }
}
