// SPDX-License-Identifier: GPL-3.0-or-later
//! Checks made before a command starts, so that a slip in the command line or the config
//! is a usage error (exit code 2) with a clear message, not a failure half-way (exit 1):
//! `--source` paths that do not exist, and passwords whose variable or file is missing.
//!
//! Only cheap checks: a `password_command` is not run here.

use std::path::Path;

use anyhow::Result;

use super::UsageError;
use crate::config::{Config, check_secret};
use crate::input;

/// Every local `--source` must exist (URLs are fetched later).
pub(super) fn source_paths(sources: &[String]) -> Result<()> {
    for spec in sources {
        if input::http_url(spec).is_none() && !Path::new(spec).exists() {
            return Err(UsageError(format!(
                "--source {spec}: no such file or directory; give an .ics file, a directory of \
                 .ics files, or an http(s):// or webcal:// URL"
            ))
            .into());
        }
    }
    Ok(())
}

/// The password of every remote source can be read (variable set, file present).
pub(super) fn source_secrets(config: &Config) -> Result<()> {
    for (i, s) in config.sources.iter().enumerate() {
        check_secret(
            s.password_env.as_deref(),
            s.password_file.as_deref(),
            &config.base_dir,
        )
        .map_err(|e| in_config(config, &format!("source #{}", i + 1), e))?;
    }
    Ok(())
}

/// The SMTP password of `[mail]` can be read, if a `[mail]` section is configured.
pub(super) fn mail_secret(config: &Config) -> Result<()> {
    if let Some(mail) = &config.mail {
        check_secret(
            mail.password_env.as_deref(),
            mail.password_file.as_deref(),
            &config.base_dir,
        )
        .map_err(|e| in_config(config, "[mail]", e))?;
    }
    Ok(())
}

fn in_config(config: &Config, what: &str, err: crate::config::SecretError) -> anyhow::Error {
    let file = config
        .path
        .as_ref()
        .map_or_else(String::new, |p| format!(" in {}", p.display()));
    anyhow::Error::new(err).context(format!("{what}{file}"))
}

/// `text` quoted for a POSIX shell when it holds anything but plain characters.
pub(super) fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,~".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(shell_quote("team.ics"), "team.ics");
        assert_eq!(shell_quote("my cal.ics"), "'my cal.ics'");
        assert_eq!(shell_quote("https://x/?export"), "'https://x/?export'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
    }
}
