// SPDX-License-Identifier: GPL-3.0-or-later
//! Validation of the `[[source]]` tables: one of `caldav` or `ics`, at most one password
//! source, no `user:password@` in a URL, a user name for CalDAV. Errors name the line of
//! the key inside its own `[[source]]`.

use std::path::Path;

use super::{Config, ConfigError, explain, line_of_key};

impl Config {
    /// Checks every `[[source]]`.
    pub(super) fn validate_sources(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        for (i, s) in self.sources.iter().enumerate() {
            let n = i + 1;
            let invalid = |key: &str, message: String| ConfigError::Invalid {
                path: path.to_path_buf(),
                line: explain::line_of_source_key(text, n, key)
                    .unwrap_or_else(|| line_of_key(text, key)),
                key: key.to_string(),
                message,
            };
            match (&s.caldav, &s.ics) {
                (Some(_), Some(_)) => {
                    return Err(invalid(
                        "caldav",
                        format!(
                            "source #{n} has both `caldav` and `ics`; use one [[source]] for each"
                        ),
                    ));
                }
                (None, None) => {
                    return Err(invalid(
                        "source",
                        format!(
                            "source #{n} has neither `caldav` nor `ics`: add `caldav = \"URL\"` \
                         (a CalDAV server) or `ics = \"URL or PATH\"` (an .ics feed or file)"
                        ),
                    ));
                }
                _ => {}
            }
            let secrets = [&s.password_env, &s.password_command, &s.password_file]
                .iter()
                .filter(|x| x.is_some())
                .count();
            if secrets > 1 {
                return Err(invalid(
                    "password_env",
                    format!(
                        "source #{n}: give only one of password_env, password_command, password_file"
                    ),
                ));
            }
            for (key, url) in [("caldav", &s.caldav), ("ics", &s.ics)] {
                if let Some(url) = url {
                    crate::input::refuse_userinfo(url, &format!("source #{n}: `{key}`"))
                        .map_err(|m| invalid(key, m))?;
                }
            }
            if s.caldav.is_some() && s.username.is_none() {
                return Err(invalid(
                    "caldav",
                    format!("source #{n}: a CalDAV source needs `username`"),
                ));
            }
        }
        Ok(())
    }
}
