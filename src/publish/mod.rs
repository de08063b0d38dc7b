// SPDX-License-Identifier: GPL-3.0-or-later
//! Publishing closed months to an association's own git repository.
//!
//! Owns one git working copy per association repository (kept under the store's folder):
//! bring it up to date with the remote, write the month's files into the configured folder,
//! update that folder's `README.md` index, commit, and push. It uses the system `git`
//! (see [`check_git`]); an HTTPS token reaches git only through an askpass helper and an
//! environment variable of the git process, never through a URL, an argument or a log line.
//!
//! It does not render reports, read the store or send mail: [`crate::app`] hands it the
//! files as they were closed. The steps and the one retry after a rejected push are the
//! protocol of [`protocol`], which is tested without the network.
//!
//! Key terms: the *remote* is the association's repository ([`Remote`]); the *working copy*
//! is caltally's private clone of it; a *publication* is one month's files for one folder.

mod git;
pub mod protocol;
pub mod readme;
mod remote;
mod working_copy;

pub use git::{Credentials, GitSettings, MIN_GIT, check_git};
pub use protocol::{Outcome, Publication, publish};
pub use remote::Remote;
pub use working_copy::GitCopy;

/// What can go wrong while publishing.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// `git` is not installed, or too old.
    #[error("{0}")]
    Git(String),
    /// The repository refused the user name and token, or the SSH key.
    #[error("{repo} refused {what}: {hint}")]
    Refused {
        /// The repository, as configured.
        repo: String,
        /// "the user name or token" or "the SSH key".
        what: &'static str,
        /// What to do next.
        hint: &'static str,
    },
    /// A git command ran longer than allowed.
    #[error(
        "{repo}: `git {step}` did not finish within {seconds} s and was stopped; the next run tries again"
    )]
    Timeout {
        /// The repository.
        repo: String,
        /// The git command.
        step: String,
        /// The bound.
        seconds: u64,
    },
    /// A git command failed for another reason.
    #[error("{repo}: `git {step}` failed: {message}")]
    Command {
        /// The repository.
        repo: String,
        /// The git command.
        step: String,
        /// git's own words (credentials redacted).
        message: String,
    },
    /// The remote moved again while our commit was being rebased on it.
    #[error(
        "{repo}: the branch moved again while publishing (someone else pushed at the same time); nothing was lost, the next run tries again"
    )]
    Rejected {
        /// The repository.
        repo: String,
    },
    /// The working copy could not be read or written.
    #[error("{what} {path}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file or folder.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}
