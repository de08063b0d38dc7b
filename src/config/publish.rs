// SPDX-License-Identifier: GPL-3.0-or-later
//! `[publish]` and each association's `repo`: where `caltally publish` commits the closed
//! months, as whom, with which token, and their validation (file, line and key at fault).

use std::path::Path;

use serde::Deserialize;

use super::{Config, ConfigError, SecretError, read_secret};
use crate::publish::Remote;

/// `[publish]`: how the monthly reports reach each association's git repository.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishConfig {
    /// Branch that receives the commits (default `main`).
    #[serde(default = "default_branch")]
    pub branch: String,
    /// Folder of the repository the files go in; `{year}` is the month's year (default
    /// `heures/{year}`).
    #[serde(default = "default_folder")]
    pub folder: String,
    /// Author of the commits, `Name <address>` (default: `[mail] from`).
    pub author: Option<String>,
    /// Account for HTTPS repositories (a bot account, or the token's owner).
    pub username: Option<String>,
    /// Environment variable holding the access token.
    pub password_env: Option<String>,
    /// Shell command printing the access token.
    pub password_command: Option<String>,
    /// File holding the access token.
    pub password_file: Option<String>,
    /// Extra trust root (PEM) for a self-signed HTTPS server.
    pub ca_file: Option<String>,
    /// Seconds before one git command is given up (default 120).
    pub timeout: Option<u64>,
}

impl Default for PublishConfig {
    fn default() -> Self {
        Self {
            branch: default_branch(),
            folder: default_folder(),
            author: None,
            username: None,
            password_env: None,
            password_command: None,
            password_file: None,
            ca_file: None,
            timeout: None,
        }
    }
}

fn default_branch() -> String {
    "main".into()
}

fn default_folder() -> String {
    "heures/{year}".into()
}

impl PublishConfig {
    /// The folder for `year`: `""` for the top of the repository.
    pub fn folder_for(&self, year: i32) -> String {
        let f = self.folder.replace("{year}", &year.to_string());
        let f = f.trim_matches('/');
        if f == "." {
            String::new()
        } else {
            f.to_string()
        }
    }

    /// The access token, if one is configured.
    pub fn password(&self, base_dir: &Path) -> Result<Option<String>, SecretError> {
        read_secret(
            self.password_env.as_deref(),
            self.password_command.as_deref(),
            self.password_file.as_deref(),
            base_dir,
        )
    }
}

impl Config {
    /// `[publish]`, or its defaults.
    pub fn publish_settings(&self) -> PublishConfig {
        self.publish.clone().unwrap_or_default()
    }

    /// The author of the commits: `[publish] author`, else `[mail] from`.
    pub fn publish_author(&self) -> Option<String> {
        self.publish
            .as_ref()
            .and_then(|p| p.author.clone())
            .or_else(|| self.mail.as_ref().map(|m| m.from.clone()))
    }

    /// The repository of association `key`, if it has one.
    pub fn repo_of(&self, key: &str) -> Option<Remote> {
        let text = self.associations.get(key)?.repo.as_deref()?;
        Remote::parse(text, &self.base_dir).ok()
    }

    /// Checks `[publish]` and every `repo`.
    pub(super) fn validate_publish(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let invalid = |table: &str, key: &str, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: line_in_table(text, table, key),
            key: if table.is_empty() {
                key.to_string()
            } else {
                format!("{table}.{key}")
            },
            message,
        };
        let p = self.publish_settings();
        let mut https = None;
        let mut any = None;
        for (key, a) in &self.associations {
            let Some(repo) = &a.repo else { continue };
            let table = format!("associations.{key}");
            let remote = Remote::parse(repo, &self.base_dir).map_err(|m| {
                invalid(
                    &table,
                    "repo",
                    format!("`{}`: {m}", crate::input::redact(repo).escape_debug()),
                )
            })?;
            any.get_or_insert(table.clone());
            if matches!(remote, Remote::Https(_)) {
                https.get_or_insert(table);
            }
        }
        check_branch(&p.branch).map_err(|m| invalid("publish", "branch", m))?;
        check_folder(&p.folder).map_err(|m| invalid("publish", "folder", m))?;
        if let Some(author) = &p.author {
            crate::mail::parse_mailbox(author)
                .map_err(|e| invalid("publish", "author", e.to_string()))?;
        }
        let secrets = [&p.password_env, &p.password_command, &p.password_file]
            .iter()
            .filter(|x| x.is_some())
            .count();
        if secrets > 1 {
            return Err(invalid(
                "publish",
                "password_env",
                "give only one of password_env, password_command, password_file".into(),
            ));
        }
        if p.timeout == Some(0) {
            return Err(invalid(
                "publish",
                "timeout",
                "must be at least 1 (seconds)".into(),
            ));
        }
        if let Some(table) = any
            && self.publish_author().is_none()
        {
            return Err(invalid(
                &table,
                "repo",
                "the commits need an author: set `author = \"Name <address>\"` in [publish] (or `from` in [mail])"
                    .into(),
            ));
        }
        if let Some(table) = https
            && (p.username.is_none() || secrets == 0)
        {
            return Err(invalid(
                &table,
                "repo",
                "an HTTPS repository needs `username` and a token (password_env, password_command or \
                 password_file) in [publish]; for Gitea, an access token with write access to the repository"
                    .into(),
            ));
        }
        Ok(())
    }
}

/// A branch name git accepts and that cannot be read as an option.
fn check_branch(branch: &str) -> Result<(), String> {
    let ok = !branch.is_empty()
        && !branch.starts_with(['-', '/', '.'])
        && !branch.ends_with(['/', '.'])
        && !branch.ends_with(".lock")
        && !branch.contains("..")
        && !branch.contains("//")
        && !branch.contains("@{")
        && branch
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a branch name; use letters, digits, `-`, `_`, `.` and `/` (e.g. \"main\")",
            branch.escape_debug()
        ))
    }
}

/// A folder inside the repository: relative, no `..`, not inside `.git`.
fn check_folder(folder: &str) -> Result<(), String> {
    let f = folder.replace("{year}", "2026");
    let trimmed = f.trim_end_matches('/');
    let parts_ok = trimmed == "."
        || trimmed.split('/').all(|part| {
            !part.is_empty() && part != "." && part != ".." && !part.eq_ignore_ascii_case(".git")
        });
    let ok = parts_ok
        && !f.starts_with('/')
        && !f.contains(['\\', '{', '}'])
        && !f.chars().any(char::is_control);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` must be a folder inside the repository, such as \"heures/{{year}}\" or \".\" (no `..`, \
             no `.git`; `{{year}}` is the only placeholder)",
            folder.escape_debug()
        ))
    }
}

/// The line of `key` inside the table `[table]` (`""`: before any table), else 1.
fn line_in_table(text: &str, table: &str, key: &str) -> usize {
    let mut current = String::new();
    let mut table_line = None;
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if let Some(inner) = l.strip_prefix('[') {
            let name: String = inner
                .trim_end_matches(']')
                .chars()
                .filter(|c| !matches!(c, '"' | '\'' | ' ' | '[' | ']'))
                .collect();
            if name == table {
                table_line = Some(i + 1);
            }
            current = name;
            continue;
        }
        if current == table
            && l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            return i + 1;
        }
    }
    table_line.unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::Config;

    const BASE: &str = "[mail]\nsmtp = \"smtp://mail.example.org\"\nfrom = \"Collectif <help@example.org>\"\n\
[associations.amis]\nname = \"Amis\"\nrepo = \"git@git.example.org:amis/rapports.git\"\n";

    #[test]
    fn publish_section_and_repos_are_checked() {
        let parse = |extra: &str| Config::parse(&format!("{BASE}{extra}"), Path::new("c.toml"));
        let ok = parse(
            "[associations.radio]\nrepo = \"https://git.example.org/radio/r.git\"\n\
             [publish]\nusername = \"caltally-bot\"\npassword_env = \"GITEA_TOKEN\"\n",
        )
        .expect("valid");
        let p = ok.publish_settings();
        assert_eq!(
            (p.branch.as_str(), p.folder_for(2026).as_str()),
            ("main", "heures/2026")
        );
        assert_eq!(
            ok.publish_author().as_deref(),
            Some("Collectif <help@example.org>")
        );
        let err = |extra: &str| parse(extra).unwrap_err().to_string();
        assert_eq!(
            err("[associations.radio]\nrepo = \"https://git.example.org/radio/r.git\"\n"),
            "c.toml:8: key `associations.radio.repo`: an HTTPS repository needs `username` and a token \
             (password_env, password_command or password_file) in [publish]; for Gitea, an access token \
             with write access to the repository"
        );
        let e = err("[associations.radio]\nrepo = \"https://bot:s3cret@git.example.org/r.git\"\n");
        assert!(
            e.starts_with("c.toml:8: key `associations.radio.repo`") && !e.contains("s3cret"),
            "{e}"
        );
        let e = err("[associations.radio]\nrepo = \"ext::sh -c id\"\n");
        assert!(
            e.starts_with("c.toml:8: key `associations.radio.repo`"),
            "{e}"
        );
        let e = err("[publish]\nbranch = \"--force\"\n");
        assert!(e.starts_with("c.toml:8: key `publish.branch`"), "{e}");
        let e = err("[publish]\nfolder = \"../outside\"\n");
        assert!(e.starts_with("c.toml:8: key `publish.folder`"), "{e}");
        let e = err("[publish]\nfolder = \"x/.git/hooks\"\n");
        assert!(e.contains("publish.folder"), "{e}");
        let e = err("[publish]\nauthor = \"nobody\"\n");
        assert!(e.starts_with("c.toml:8: key `publish.author`"), "{e}");
        let e = err("[publish]\npassword_env = \"A\"\npassword_file = \"b\"\n");
        assert!(e.starts_with("c.toml:8: key `publish.password_env`"), "{e}");
        let e = err("[publish]\nbranch = \"main\"\nunknown = 1\n");
        assert!(
            e.starts_with("c.toml:9: key `publish.unknown`: unknown key"),
            "{e}"
        );
        parse("[publish]\nfolder = \".\"\nbranch = \"rapports/heures\"\n").expect("top folder");
        let no_author = Config::parse(
            "[associations.amis]\nrepo = \"/srv/git/amis.git\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            no_author
                .starts_with("c.toml:2: key `associations.amis.repo`: the commits need an author"),
            "{no_author}"
        );
    }

    #[test]
    fn the_template_publish_section_is_valid_once_uncommented() {
        let (head, tail) = super::super::TEMPLATE
            .split_once("# [publish]")
            .expect("a [publish] section");
        let tail: String = tail
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let text = format!("{}[publish]{tail}\n", head.replace("# repo = ", "repo = "));
        let c = Config::parse(&text, Path::new("template.toml")).expect("valid");
        assert!(c.repo_of("amis").is_some());
        assert_eq!(
            c.publish_settings().username.as_deref(),
            Some("caltally-bot")
        );
    }
}
