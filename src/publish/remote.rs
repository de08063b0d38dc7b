// SPDX-License-Identifier: GPL-3.0-or-later
//! The association repository's address: HTTPS (token through askpass), SSH (the user's
//! own keys and agent), or a local path. Anything else (another scheme, a git transport
//! helper such as `ext::`, a leading `-`, a password in the URL) is refused, because the
//! address is handed to `git`.

use std::fmt;
use std::path::{Path, PathBuf};

/// A validated repository address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remote {
    /// `https://…` (or `http://` to a loopback host only): user name and token by askpass.
    Https(String),
    /// `ssh://…` or `user@host:path`.
    Ssh(String),
    /// A repository on this machine (absolute, or relative to the config file).
    Local(PathBuf),
}

impl Remote {
    /// Parses `text` as written in the config; relative paths are resolved against `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Remote, String> {
        let s = text.trim();
        if s.is_empty() {
            return Err(
                "is empty; give an https://, ssh:// or git@host:path URL, or a path".into(),
            );
        }
        if s.starts_with('-') || s.chars().any(char::is_control) {
            return Err(format!(
                "`{}` is not a repository address",
                s.escape_debug()
            ));
        }
        if let Some(rest) = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
        {
            crate::input::refuse_userinfo(s, "repo").map_err(|_| {
                "holds a user name or password in the URL; remove the `user:password@` part and give \
                 `username` with `password_env`, `password_command` or `password_file` in [publish] instead"
                    .to_string()
            })?;
            if s.starts_with("http://") && !is_loopback(host_of(rest)) {
                return Err(format!(
                    "`{s}` would send the token in clear text; use https:// (plain http:// is only \
                     accepted for a server on this machine)"
                ));
            }
            return Ok(Remote::Https(s.to_string()));
        }
        if let Some(rest) = s.strip_prefix("ssh://") {
            let authority = rest.split('/').next().unwrap_or("");
            if authority
                .rsplit_once('@')
                .is_some_and(|(user, _)| user.contains(':'))
            {
                return Err("holds a password in the URL; SSH uses your keys and agent".into());
            }
            return Ok(Remote::Ssh(s.to_string()));
        }
        if let Some(path) = s.strip_prefix("file://") {
            return Ok(Remote::Local(absolute(PathBuf::from(path))));
        }
        if s.contains("::") || s.contains("://") {
            return Err(format!(
                "`{s}` is not supported; use https://, ssh:// or git@host:path, or a local path"
            ));
        }
        // git's rule: a colon before the first slash makes `host:path` (SSH).
        let colon = s.find(':');
        let slash = s.find('/');
        if let Some(c) = colon
            && slash.is_none_or(|sl| c < sl)
        {
            let user_host = &s[..c];
            if user_host.contains(':') || user_host.is_empty() {
                return Err(format!("`{s}` is not a repository address"));
            }
            return Ok(Remote::Ssh(s.to_string()));
        }
        let p = PathBuf::from(s);
        Ok(Remote::Local(absolute(if p.is_absolute() {
            p
        } else {
            base.join(p)
        })))
    }

    /// The address handed to `git remote`.
    pub fn git_url(&self) -> String {
        match self {
            Remote::Https(u) | Remote::Ssh(u) => u.clone(),
            Remote::Local(p) => p.display().to_string(),
        }
    }
}

impl fmt::Display for Remote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.git_url())
    }
}

/// `path` made absolute (git runs in the working copy, not where the config is).
fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}

fn host_of(rest: &str) -> &str {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("");
    }
    authority.split(':').next().unwrap_or("")
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Remote, String> {
        Remote::parse(s, Path::new("/etc/caltally"))
    }

    #[test]
    fn https_ssh_and_paths_are_recognised() {
        assert_eq!(
            parse("https://git.collectif.example/amis/rapports.git"),
            Ok(Remote::Https(
                "https://git.collectif.example/amis/rapports.git".into()
            ))
        );
        assert_eq!(
            parse("git@git.collectif.example:amis/rapports.git"),
            Ok(Remote::Ssh(
                "git@git.collectif.example:amis/rapports.git".into()
            ))
        );
        assert!(matches!(
            parse("ssh://git@host:2222/amis/r.git"),
            Ok(Remote::Ssh(_))
        ));
        assert_eq!(
            parse("repos/amis.git"),
            Ok(Remote::Local(PathBuf::from("/etc/caltally/repos/amis.git")))
        );
        assert_eq!(
            parse("/srv/git/amis.git"),
            Ok(Remote::Local(PathBuf::from("/srv/git/amis.git")))
        );
        assert!(matches!(
            parse("http://127.0.0.1:8080/git/a.git"),
            Ok(Remote::Https(_))
        ));
        assert!(matches!(parse("http://[::1]/a.git"), Ok(Remote::Https(_))));
    }

    #[test]
    fn a_relative_path_is_made_absolute() {
        let Ok(Remote::Local(p)) = Remote::parse("amis.git", Path::new("")) else {
            panic!("a local path");
        };
        assert!(
            p.is_absolute() && p.ends_with("amis.git"),
            "{}",
            p.display()
        );
    }

    #[test]
    fn dangerous_addresses_are_refused() {
        let err = parse("https://bot:tok3n@git.example/amis/r.git").unwrap_err();
        assert!(
            err.contains("password_env") && !err.contains("tok3n"),
            "{err}"
        );
        assert!(
            parse("http://git.example/amis/r.git")
                .unwrap_err()
                .contains("clear text")
        );
        assert!(parse("ext::sh -c touch% /tmp/pwned").is_err());
        assert!(parse("git://git.example/r.git").is_err());
        assert!(parse("--upload-pack=touch /tmp/x").is_err());
        assert!(parse("").is_err());
        assert!(parse("https://git.example/a\n.git").is_err());
    }
}
