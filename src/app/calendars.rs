// SPDX-License-Identifier: GPL-3.0-or-later
//! `calendars`, and the discovery behind `init --caldav`: what each CalDAV source offers,
//! read from the server (the store is not touched).

use anyhow::{Result, anyhow};

use super::UsageError;
use super::sync::{NOTHING_TO_SYNC, client_for, remote_sources};
use crate::caldav::sync as plan;
use crate::caldav::{CalendarInfo, discovery, propfind, xml};
use crate::config::{Config, SourceConfig};
use crate::input;

/// The event calendars a CalDAV source offers (discovery from its URL).
pub fn discover_calendars(source: &SourceConfig) -> Result<Vec<CalendarInfo>> {
    let config = Config {
        base_dir: std::env::current_dir().unwrap_or_default(),
        ..Config::default()
    };
    let (client, username) = client_for(&config, source)?;
    Ok(discovery::find_calendars(&client, source.key(), &username)?.0)
}

/// `caltally calendars`: what each CalDAV source offers.
pub fn calendars(config: &Config) -> Result<u8> {
    let sources: Vec<&SourceConfig> = config
        .sources
        .iter()
        .filter(|s| s.caldav.is_some())
        .collect();
    if sources.is_empty() && remote_sources(config).is_empty() && !config.sources.is_empty() {
        tell!("caltally: {NOTHING_TO_SYNC}");
        return Ok(0);
    }
    if sources.is_empty() {
        return Err(UsageError("no CalDAV source in the config: add a [[source]] with `caldav = \"URL\"` and `username`".into()).into());
    }
    let mut failed = false;
    for source in sources {
        let key = source.key();
        let run = || -> Result<()> {
            let (client, username) = client_for(config, source)?;
            let (list, _) = discovery::find_calendars(&client, key, &username)?;
            say!("{}", input::redact(key));
            for c in list {
                let ms = propfind(
                    &client,
                    &c.url,
                    "1",
                    &xml::propfind_body(&[(xml::DAV, "getetag")]),
                    &username,
                )?;
                let objects = plan::listing_of(&ms, &crate::caldav::path_of(&c.url), true)
                    .map_err(|m| anyhow!("{}: malformed answer: {m}", c.url))?
                    .present
                    .len();
                let owner = if c.shared { "shared" } else { "owned" };
                let ro = if c.read_only { ", read-only" } else { "" };
                let (name, url) = (
                    crate::terminal::sanitize(&c.name),
                    crate::terminal::sanitize(&c.url),
                );
                say!("  {name}\t{url}\t{owner}{ro}\t{objects} objects");
            }
            Ok(())
        };
        if let Err(e) = run() {
            let message = format!("{}: {e:#}", input::redact(key));
            tell!("caltally: error: {}", crate::terminal::sanitize(&message));
            failed = true;
        }
    }
    Ok(u8::from(failed))
}
