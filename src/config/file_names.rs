// SPDX-License-Identifier: GPL-3.0-or-later
//! Association keys as file names: two configured keys that would write one report file
//! (`asso.one` and `asso-one`) are an error naming both, with their lines.

use std::path::Path;

use super::{Config, ConfigError};

impl Config {
    /// Two association keys that would write one file name (`asso.one` and `asso-one`) are
    /// an error naming both.
    pub(super) fn check_file_names(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let keys = self.associations.keys().map(String::as_str);
        let Some((first, second)) = crate::file_names::clashing_keys(keys) else {
            return Ok(());
        };
        let (line1, line2) = (line_of_table(text, &first), line_of_table(text, &second));
        let (line, key, other, other_line) = if line2 >= line1 {
            (line2, second, first, line1)
        } else {
            (line1, first, second, line2)
        };
        Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            key: format!("associations.{key}"),
            message: format!(
                "`{key}` and `{other}` (line {other_line}) would write the same report file; \
                 rename one of them (keep to letters, digits, `-` and `_`)"
            ),
        })
    }
}

/// The line of the table `[associations.KEY]` (the key bare or quoted), else 1.
fn line_of_table(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            let l = l.trim();
            let Some(inner) = l.strip_prefix('[').and_then(|l| l.split(']').next()) else {
                return false;
            };
            let Some(name) = inner.trim().strip_prefix("associations") else {
                return false;
            };
            let name = name.trim_start().strip_prefix('.').unwrap_or("").trim();
            let unquoted = name
                .strip_prefix(['"', '\''])
                .and_then(|n| n.strip_suffix(['"', '\'']))
                .unwrap_or(name);
            unquoted == key
        })
        .map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::Config;

    #[test]
    fn keys_with_one_file_name_are_refused_naming_both() {
        let err = Config::parse(
            "[associations.asso-one]\nname = \"A\"\n\n[associations.\"asso.one\"]\nname = \"B\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "c.toml:4: key `associations.asso.one`: `asso.one` and `asso-one` (line 1) would write \
             the same report file; rename one of them (keep to letters, digits, `-` and `_`)"
        );
        Config::parse(
            "[associations.amis]\n[associations.radio]\n",
            Path::new("c.toml"),
        )
        .expect("distinct names");
    }
}
