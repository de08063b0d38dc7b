// SPDX-License-Identifier: GPL-3.0-or-later
//! The publishing protocol, over any [`WorkingCopy`]: bring it up to date, write the
//! month's files and the folder's index, commit if anything changed, push; a push rejected
//! because the remote moved is retried once, on top of the remote as it now is.
//!
//! States: *updated* (the working copy equals the remote branch, or is empty for a new
//! repository) → *applied* (our files written; nothing else is touched) → *committed*, or
//! *unchanged* when the files were already there → *pushed*, or *rejected* → updated again
//! → applied → committed → pushed, or given up with [`PublishError::Rejected`]. Redoing our
//! files on the remote's new state is the rebase: others' commits are kept as they are,
//! and ours can never conflict with them, because it only holds caltally's files.

use super::PublishError;
use super::readme::{self, Index};

/// The operations the protocol needs from a working copy.
pub trait WorkingCopy {
    /// Makes the working copy equal to the remote branch (fetching it), or empty if the
    /// remote has no such branch yet.
    fn update(&mut self) -> Result<(), PublishError>;
    /// The content of a file of the working copy, if it exists.
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, PublishError>;
    /// Writes a file of the working copy.
    fn write(&mut self, path: &str, bytes: &[u8]) -> Result<(), PublishError>;
    /// Commits `paths` with `message`; `false` if none of them changed.
    fn commit(&mut self, paths: &[String], message: &str) -> Result<bool, PublishError>;
    /// Pushes the commit to the remote branch.
    fn push(&mut self) -> Result<Push, PublishError>;
    /// The repository, for messages.
    fn repo(&self) -> String;
}

/// How a push ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Push {
    /// The remote has our commit.
    Done,
    /// The remote moved since the update (someone else pushed).
    Rejected,
}

/// One month's files for one folder of one repository.
#[derive(Debug, Clone)]
pub struct Publication {
    /// Folder inside the repository (`heures/2026`), `""` for the top.
    pub folder: String,
    /// Files to write in the folder, by name; the first is the month's page.
    pub files: Vec<(String, Vec<u8>)>,
    /// The folder's `README.md`: its title, table header and this month's row.
    pub index: Index,
    /// Commit message of a first publication of the month.
    pub message: String,
    /// Commit message when the month's page was already published and changed.
    pub correction: String,
}

/// What a publication did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The commit message, if a commit was pushed; `None`: nothing had changed.
    pub committed: Option<String>,
    /// The push was rejected once and redone on top of the remote.
    pub retried: bool,
    /// Things left alone that someone may want to know about.
    pub notes: Vec<String>,
}

/// Publishes `p` through `copy`.
pub fn publish(copy: &mut impl WorkingCopy, p: &Publication) -> Result<Outcome, PublishError> {
    copy.update()?;
    let (message, notes) = apply(copy, p)?;
    let Some(message) = message else {
        return Ok(Outcome {
            committed: None,
            retried: false,
            notes,
        });
    };
    if copy.push()? == Push::Done {
        return Ok(Outcome {
            committed: Some(message),
            retried: false,
            notes,
        });
    }
    copy.update()?;
    let (message, notes) = apply(copy, p)?;
    let retried = true;
    let Some(message) = message else {
        // Someone published the same files meanwhile.
        return Ok(Outcome {
            committed: None,
            retried,
            notes,
        });
    };
    match copy.push()? {
        Push::Done => Ok(Outcome {
            committed: Some(message),
            retried,
            notes,
        }),
        Push::Rejected => Err(PublishError::Rejected { repo: copy.repo() }),
    }
}

/// Writes the files and the index and commits them; the message if a commit was made.
fn apply(
    copy: &mut impl WorkingCopy,
    p: &Publication,
) -> Result<(Option<String>, Vec<String>), PublishError> {
    let path = |name: &str| {
        if p.folder.is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", p.folder)
        }
    };
    let mut notes = Vec::new();
    let published_before = match p.files.first() {
        Some((page, _)) => copy.read(&path(page))?.is_some(),
        None => false,
    };
    let mut paths = Vec::new();
    for (name, bytes) in &p.files {
        copy.write(&path(name), bytes)?;
        paths.push(path(name));
    }
    let index_path = path(readme::FILE);
    let current = copy.read(&index_path)?;
    match readme::update(current.as_deref(), &p.index) {
        Some(text) => {
            copy.write(&index_path, text.as_bytes())?;
            paths.push(index_path);
        }
        None => notes.push(format!(
            "{index_path} was not written by caltally: it is left as it is (its table is not updated)"
        )),
    }
    let message = if published_before {
        &p.correction
    } else {
        &p.message
    };
    Ok((
        copy.commit(&paths, message)?.then(|| message.clone()),
        notes,
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::publish::readme::Row;

    /// A remote and a working copy in memory: the remote's branch is a list of trees.
    #[derive(Default)]
    struct Fake {
        remote: Vec<BTreeMap<String, Vec<u8>>>,
        base: usize,
        tree: BTreeMap<String, Vec<u8>>,
        committed: Option<BTreeMap<String, Vec<u8>>>,
        /// Commits pushed by someone else just before each of our pushes.
        intruders: Vec<BTreeMap<String, Vec<u8>>>,
        log: Vec<String>,
    }

    impl WorkingCopy for Fake {
        fn update(&mut self) -> Result<(), PublishError> {
            self.log.push("update".into());
            self.base = self.remote.len();
            self.tree = self.remote.last().cloned().unwrap_or_default();
            self.committed = None;
            Ok(())
        }
        fn read(&self, path: &str) -> Result<Option<Vec<u8>>, PublishError> {
            Ok(self.tree.get(path).cloned())
        }
        fn write(&mut self, path: &str, bytes: &[u8]) -> Result<(), PublishError> {
            self.tree.insert(path.into(), bytes.to_vec());
            Ok(())
        }
        fn commit(&mut self, _: &[String], message: &str) -> Result<bool, PublishError> {
            if self.remote.get(self.base.wrapping_sub(1)) == Some(&self.tree)
                || (self.base == 0 && self.tree.is_empty())
            {
                return Ok(false);
            }
            self.log.push(format!("commit {message}"));
            self.committed = Some(self.tree.clone());
            Ok(true)
        }
        fn push(&mut self) -> Result<Push, PublishError> {
            if !self.intruders.is_empty() {
                let theirs = self.intruders.remove(0);
                self.remote.push(theirs);
            }
            if self.remote.len() != self.base {
                self.log.push("rejected".into());
                return Ok(Push::Rejected);
            }
            self.log.push("pushed".into());
            self.remote.extend(self.committed.take());
            Ok(Push::Done)
        }
        fn repo(&self) -> String {
            "fake".into()
        }
    }

    fn publication(page: &str) -> Publication {
        Publication {
            folder: "heures/2026".into(),
            files: vec![
                ("2026-10.md".into(), page.as_bytes().to_vec()),
                ("2026-10.csv".into(), b"date\r\n".to_vec()),
            ],
            index: Index {
                title: "Heures".into(),
                header: vec!["Mois".into(), "Total".into()],
                row: Row {
                    page: "2026-10.md".into(),
                    label: "octobre 2026".into(),
                    cells: vec!["3:00".into()],
                },
            },
            message: "Rapport d'heures — octobre 2026".into(),
            correction: "Rectificatif — octobre 2026".into(),
        }
    }

    #[test]
    fn first_publication_then_nothing_then_a_correction() {
        let mut fake = Fake::default();
        let first = publish(&mut fake, &publication("v1")).expect("published");
        assert_eq!(
            first.committed.as_deref(),
            Some("Rapport d'heures — octobre 2026")
        );
        assert_eq!(fake.remote.len(), 1);
        let tree = &fake.remote[0];
        assert_eq!(
            tree.keys().collect::<Vec<_>>(),
            [
                "heures/2026/2026-10.csv",
                "heures/2026/2026-10.md",
                "heures/2026/README.md"
            ]
        );
        let again = publish(&mut fake, &publication("v1")).expect("published");
        assert_eq!(again.committed, None, "nothing changed, nothing committed");
        assert_eq!(fake.remote.len(), 1);
        let amended = publish(&mut fake, &publication("v2")).expect("published");
        assert_eq!(
            amended.committed.as_deref(),
            Some("Rectificatif — octobre 2026")
        );
        assert_eq!(fake.remote.len(), 2);
    }

    #[test]
    fn a_rejected_push_is_redone_once_on_top_of_the_remote() {
        let mut fake = Fake::default();
        let mut theirs = BTreeMap::new();
        theirs.insert("inventaire.md".to_string(), b"by a member".to_vec());
        fake.intruders.push(theirs);
        let out = publish(&mut fake, &publication("v1")).expect("published");
        assert!(out.retried);
        assert_eq!(
            fake.log,
            [
                "update",
                "commit Rapport d'heures — octobre 2026",
                "rejected",
                "update",
                "commit Rapport d'heures — octobre 2026",
                "pushed"
            ]
        );
        let last = fake.remote.last().expect("pushed");
        assert_eq!(
            last.get("inventaire.md").map(Vec::as_slice),
            Some(&b"by a member"[..])
        );
        assert!(last.contains_key("heures/2026/2026-10.md"));
    }

    #[test]
    fn rejected_twice_is_an_error_for_the_next_run() {
        let mut fake = Fake::default();
        for n in 0..2 {
            let mut theirs = BTreeMap::new();
            theirs.insert(format!("f{n}"), vec![]);
            fake.intruders.push(theirs);
        }
        let err = publish(&mut fake, &publication("v1")).unwrap_err();
        assert!(matches!(err, PublishError::Rejected { .. }), "{err}");
    }

    #[test]
    fn a_readme_caltally_did_not_write_is_left_alone() {
        let mut fake = Fake::default();
        let mut theirs = BTreeMap::new();
        theirs.insert(
            "heures/2026/README.md".to_string(),
            b"# Our notes\n".to_vec(),
        );
        fake.remote.push(theirs);
        let out = publish(&mut fake, &publication("v1")).expect("published");
        assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
        let last = fake.remote.last().expect("pushed");
        assert_eq!(
            last.get("heures/2026/README.md").map(Vec::as_slice),
            Some(&b"# Our notes\n"[..])
        );
        assert!(last.contains_key("heures/2026/2026-10.md"));
    }
}
