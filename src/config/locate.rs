// SPDX-License-Identifier: GPL-3.0-or-later
//! The config file a command cannot do without: when none is found, the error lists each
//! place looked at (`--config`, `$CALTALLY_CONFIG`, the XDG path) and suggests
//! `caltally init`.

use std::path::{Path, PathBuf};

use super::{ConfigError, config_home, find_config};

/// The config file a command needs: like [`find_config`], but when there is none, the
/// error lists each place looked at.
pub fn require_config(explicit: Option<&Path>) -> Result<PathBuf, ConfigError> {
    if let Some(path) = find_config(explicit) {
        return Ok(path);
    }
    let default = config_home().map_or_else(
        || {
            "$XDG_CONFIG_HOME/caltally/config.toml (neither $XDG_CONFIG_HOME nor $HOME is set)"
                .into()
        },
        |h| {
            format!(
                "{} (does not exist)",
                h.join("caltally").join("config.toml").display()
            )
        },
    );
    Err(ConfigError::NotFound(vec![
        "  --config FILE     (not given)".into(),
        "  $CALTALLY_CONFIG  (not set)".into(),
        format!("  {default}"),
    ]))
}
