// SPDX-License-Identifier: GPL-3.0-or-later
//! `init`: writes the commented config template, or, with `--caldav`, the template with a
//! `[[source]]` for the calendars discovered on that server. Nothing that comes from the
//! server reaches the file unescaped: the table is written by the TOML serializer and the
//! calendar names only appear, escaped, in `#` comments.

use anyhow::{Context, Result};
use chrono::Utc;

use super::{UsageError, calendars};
use crate::cli::{Cli, InitArgs};
use crate::config;
use crate::input;

/// `caltally init`.
pub(super) fn init(cli: &Cli, args: &InitArgs) -> Result<u8> {
    let path = match config::find_config(cli.config.as_deref()) {
        Some(p) => p,
        None => config::config_home()
            .context("cannot find a config directory: set $XDG_CONFIG_HOME or give --config")?
            .join("caltally")
            .join("config.toml"),
    };
    if path.exists() && !args.force {
        return Err(UsageError(format!(
            "{} already exists; use --force to overwrite it",
            path.display()
        ))
        .into());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let text = match &args.caldav {
        Some(url) => with_discovered_source(url, args)?,
        None => config::TEMPLATE.to_string(),
    };
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    if !cli.quiet {
        say!(
            "wrote {}; edit it, then run: caltally --config {} report --month {}",
            path.display(),
            path.display(),
            Utc::now().format("%Y-%m")
        );
    }
    Ok(0)
}

/// The template with a real `[[source]]` for `url` and the calendars found there.
fn with_discovered_source(url: &str, args: &InitArgs) -> Result<String> {
    input::refuse_userinfo(url, "--caldav").map_err(UsageError)?;
    let username = args.username.clone().unwrap_or_default();
    let ca_file = args.ca_file.as_ref().map(|p| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.clone())
            .display()
            .to_string()
    });
    let source = crate::config::SourceConfig {
        caldav: Some(url.to_string()),
        username: Some(username.clone()),
        password_env: Some(args.password_env.clone()),
        ca_file: ca_file.clone(),
        ..Default::default()
    };
    let calendars = calendars::discover_calendars(&source)?;
    let names: Vec<String> = calendars.iter().map(|c| toml_string(&c.name)).collect();
    let block = source_block(url, &username, &args.password_env, ca_file.as_deref())?;
    let names = names.join(", ");
    let block = format!(
        "# password_env names the variable holding a Nextcloud app password.\n{block}{}\n{}\n",
        comment(&format!("Calendars found: {names}. To keep only some:")),
        comment(&format!("calendars = [{names}]"))
    );
    let marker = "# [[source]]\n# caldav = ";
    let at = config::TEMPLATE
        .find(marker)
        .context("the template has no source section")?;
    Ok(format!(
        "{}{block}\n{}",
        &config::TEMPLATE[..at],
        &config::TEMPLATE[at..]
    ))
}

/// A `[[source]]` table written by the TOML serializer, so that no value can end it.
fn source_block(
    url: &str,
    username: &str,
    password_env: &str,
    ca_file: Option<&str>,
) -> Result<String> {
    #[derive(serde::Serialize)]
    struct Source<'a> {
        caldav: &'a str,
        username: &'a str,
        password_env: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        ca_file: Option<&'a str>,
    }
    #[derive(serde::Serialize)]
    struct Block<'a> {
        source: [Source<'a>; 1],
    }
    toml::to_string(&Block {
        source: [Source {
            caldav: url,
            username,
            password_env,
            ca_file,
        }],
    })
    .context("cannot write the [[source]] table")
}

/// A TOML basic string on one line: quotes, backslashes and control characters escaped.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A `#` comment line: control characters (line breaks above all) cannot end it early.
fn comment(text: &str) -> String {
    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
    format!("# {clean}")
}
