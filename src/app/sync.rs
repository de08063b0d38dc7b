// SPDX-License-Identifier: GPL-3.0-or-later
//! `sync` and `calendars`: connects the CalDAV client, the iCalendar bounds and the store.
//!
//! Each calendar is planned from reads only (printed by `--dry-run`), then executed in
//! one transaction: the bodies are fetched a few requests at a time, their time bounds
//! read on the fetching threads, and the batches written in order on this thread as they
//! arrive; a failure at any point drops the transaction, so that calendar's stored state
//! stays as it was and the next run resumes. A calendar that fails does not stop the
//! others (the source then counts as failed), except a refused password, which stops the
//! source.
//!
//! Calendars that are no longer on the server are forgotten with their objects, each
//! named in a warning and counted in the summary. An empty listing while the store holds
//! calendars of the source is not believed (a server hiccup looks the same): the sync
//! fails until `sync --full` confirms it. Each source's last successful sync is recorded,
//! so that reports can tell a never-synced or stale source.

mod object_row;

use std::collections::HashMap;
use std::fs::File;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};

use super::{Env, UsageError};
use crate::caldav::discovery::{self, Markers};
use crate::caldav::fetch::{self, FetchError};
use crate::caldav::http::{Client, ClientOptions, Credentials};
use crate::caldav::sync::{self as plan, Local, Mode, Plan, SyncReport};
use crate::caldav::{CaldavError, CalendarInfo, expect};
use crate::cli::SyncArgs;
use crate::config::{Config, SourceConfig};
use crate::ical;
use crate::input;
use crate::store::{CalendarRow, ObjectRow, SourceRow, Store, StoreError};
use object_row::object_row;

/// A held lock on the store; released on drop.
pub struct StoreLock {
    _file: File,
}

/// Takes the lock beside the store: refuses if another run holds it, or waits with `wait`.
pub fn lock_store(store: &Path, wait: bool) -> Result<StoreLock> {
    if let Some(dir) = store.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let path = PathBuf::from(format!("{}.lock", store.display()));
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    if wait {
        file.lock()
            .with_context(|| format!("cannot lock {}", path.display()))?;
    } else if file.try_lock().is_err() {
        return Err(anyhow!(
            "another caltally run holds the lock {}; try again later, or pass --wait to wait for it",
            path.display()
        ));
    }
    Ok(StoreLock { _file: file })
}

/// Opens the configured store.
pub fn open_store(config: &Config) -> Result<(Store, PathBuf)> {
    let path = config.store_path().ok_or_else(|| {
        UsageError("cannot choose a store path: set `store` in the config or $XDG_DATA_HOME".into())
    })?;
    let store =
        Store::open(&path).with_context(|| format!("cannot open the store {}", path.display()))?;
    Ok((store, path))
}

/// Sources that `sync` mirrors: CalDAV servers and `.ics` URLs (local files are read
/// directly by `report`).
pub fn remote_sources(config: &Config) -> Vec<&SourceConfig> {
    config
        .sources
        .iter()
        .filter(|s| {
            s.caldav.is_some()
                || s.ics
                    .as_deref()
                    .is_some_and(|i| input::http_url(i).is_some())
        })
        .collect()
}

/// Totals of one run, for the summary line.
#[derive(Debug, Default)]
struct Tally {
    calendars: usize,
    unchanged: usize,
    added: usize,
    updated: usize,
    deleted: usize,
    requests: u32,
    unreadable: usize,
    failed: usize,
    vanished: Vec<String>,
}

/// Printed instead of a sync when every source is a local file.
pub(super) const NOTHING_TO_SYNC: &str = "nothing to sync: local files are read at report time";

/// `caltally sync`.
pub fn sync(config: &Config, args: &SyncArgs, quiet: bool, env: &Env) -> Result<u8> {
    let sources = remote_sources(config);
    if sources.is_empty() && !config.sources.is_empty() {
        if !quiet {
            tell!("caltally: {NOTHING_TO_SYNC}");
        }
        return Ok(0);
    }
    if sources.is_empty() {
        return Err(UsageError("no source to sync: add a [[source]] with `caldav = \"URL\"` or `ics = \"https://…\"` to the config".into()).into());
    }
    let path = config
        .store_path()
        .ok_or_else(|| UsageError("cannot choose a store path".into()))?;
    let _lock = lock_store(&path, args.wait)?;
    sync_locked(config, args, quiet, env)
}

/// `sync` once the caller holds the store's lock.
pub fn sync_locked(config: &Config, args: &SyncArgs, quiet: bool, env: &Env) -> Result<u8> {
    let sources = remote_sources(config);
    let (mut store, _) = open_store(config)?;
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    for source in sources {
        let result = if source.caldav.is_some() {
            sync_caldav(config, source, &mut store, args, env, &mut tally)
        } else {
            sync_feed(source, &mut store, args, env, &mut tally)
        };
        match result {
            Ok(true) => {}
            Ok(false) => failures.push(source.key().to_string()),
            Err(e) => {
                let message = format!("{}: {e:#}", crate::input::redact(source.key()));
                tell!("caltally: error: {}", crate::terminal::sanitize(&message));
                failures.push(source.key().to_string());
            }
        }
    }
    // After a failure that reached no calendar (a refused password…), the error says it all.
    let show = if failures.is_empty() {
        !quiet
    } else {
        tally.calendars + tally.failed > 0
    };
    if show {
        let verb = if args.dry_run { "would sync" } else { "synced" };
        tell!(
            "caltally: {verb} {} calendar(s){}: {} unchanged, +{} new, ~{} updated, -{} deleted{} ({} requests){}",
            tally.calendars,
            if tally.failed > 0 {
                format!(", {} failed", tally.failed)
            } else {
                String::new()
            },
            tally.unchanged,
            tally.added,
            tally.updated,
            tally.deleted,
            if tally.vanished.is_empty() {
                String::new()
            } else {
                format!(
                    ", {} calendar(s) gone from the server: {}",
                    tally.vanished.len(),
                    tally.vanished.join(", ")
                )
            },
            tally.requests,
            if tally.unreadable > 0 {
                format!(
                    "; {} object(s) could not be read (stored, reported as warnings)",
                    tally.unreadable
                )
            } else {
                String::new()
            }
        );
    }
    Ok(if failures.is_empty() { 0 } else { 1 })
}

pub(super) fn client_for(config: &Config, source: &SourceConfig) -> Result<(Client, String)> {
    let username = source.username.clone().unwrap_or_default();
    let password = source
        .password(&config.base_dir)
        .context("cannot read the password")?;
    let credentials = password.map(|password| Credentials {
        username: username.clone(),
        password,
    });
    let ca = source.ca_file.as_ref().map(|f| config.resolve(f));
    let mut options = ClientOptions::default();
    if let Some(secs) = source.timeout.filter(|s| *s > 0) {
        options.read_timeout = std::time::Duration::from_secs(secs);
        options.connect_timeout = options.connect_timeout.min(options.read_timeout);
    }
    let client = Client::new(source.key(), credentials.as_ref(), ca.as_deref(), options)?;
    Ok((client, username))
}

/// Finds the calendars of a CalDAV source, reusing the remembered home (one request).
fn calendars_of(
    client: &Client,
    source: &SourceConfig,
    store: &Store,
    username: &str,
) -> Result<(Vec<CalendarInfo>, Option<String>)> {
    let url = source.caldav.as_deref().unwrap_or_default();
    // A home on another origin (remembered by an older version) is never asked.
    let remembered = store
        .source_state(url)?
        .home_url
        .filter(|h| client.origin().contains(h));
    let stored = store.calendars(source.key())?;
    let tokens: Vec<Option<&str>> = stored.iter().map(|c| c.sync_token.as_deref()).collect();
    let markers = Markers::for_stored(&tokens);
    if let Some(home) = &remembered {
        match discovery::list_calendars_with(client, home, username, markers) {
            Ok(list) => return Ok((filter(list, &source.calendars), Some(home.clone()))),
            Err(e @ CaldavError::Unauthorized { .. }) => return Err(e.into()),
            Err(e) => {
                log::info!("the remembered calendar home {home} failed ({e}); discovering again")
            }
        }
    }
    // A URL that is itself a calendar is synced whatever `calendars` says.
    match discovery::find_calendars_with(client, url, username, markers)? {
        (list, Some(home)) => Ok((filter(list, &source.calendars), Some(home))),
        (list, None) => Ok((list, None)),
    }
}

fn filter(list: Vec<CalendarInfo>, wanted: &[String]) -> Vec<CalendarInfo> {
    if wanted.is_empty() {
        return list;
    }
    list.into_iter()
        .filter(|c| {
            let last = crate::caldav::path_of(&c.url)
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            wanted
                .iter()
                .any(|w| w.eq_ignore_ascii_case(&c.name) || w.eq_ignore_ascii_case(&last))
        })
        .collect()
}

fn sync_caldav(
    config: &Config,
    source: &SourceConfig,
    store: &mut Store,
    args: &SyncArgs,
    env: &Env,
    tally: &mut Tally,
) -> Result<bool> {
    let (client, username) = client_for(config, source)?;
    let result = sync_calendars(&client, &username, source, store, args, env, tally);
    tally.requests += client.requests();
    result
}

fn sync_calendars(
    client: &Client,
    username: &str,
    source: &SourceConfig,
    store: &mut Store,
    args: &SyncArgs,
    env: &Env,
    tally: &mut Tally,
) -> Result<bool> {
    let key = source.key();
    let (calendars, home) = calendars_of(client, source, store, username)?;
    let stored_before = store.calendars(key)?;
    if calendars.is_empty() && !stored_before.is_empty() && !args.full {
        let names: Vec<&str> = stored_before.iter().map(|c| c.name.as_str()).collect();
        return Err(anyhow!(
            "the server listed no calendar{}, but the store holds {} of this source ({}); nothing was \
forgotten. This is often a passing server problem: try again later. If the calendars really are \
gone (unshared or deleted), run `caltally sync --full` to confirm, and the store forgets them",
            if source.calendars.is_empty() {
                ""
            } else {
                " matching `calendars`"
            },
            names.len(),
            names.join(", ")
        ));
    }
    if calendars.is_empty() {
        log::warn!(
            "{}: no event calendar found{}",
            input::redact(key),
            if source.calendars.is_empty() {
                ""
            } else {
                " matching `calendars`"
            }
        );
    }
    let stored: HashMap<String, CalendarRow> = stored_before
        .into_iter()
        .map(|c| (c.url.clone(), c))
        .collect();
    let now = env.now.timestamp();
    let mut all_ok = true;
    for cal in &calendars {
        let row = stored.get(&cal.url);
        let mut local = Local {
            token: row.and_then(|r| r.sync_token.clone()),
            ctag: row.and_then(|r| r.ctag.clone()),
            last_full: row.and_then(|r| r.last_full_reconcile),
            etags: HashMap::new(),
        };
        let mode = plan::choose_mode(&local, cal, now, args.full);
        if mode == Mode::Unchanged {
            tally.calendars += 1;
            tally.unchanged += 1;
            if args.dry_run {
                say!("{}: unchanged", crate::terminal::sanitize(&cal.name));
            }
            continue;
        }
        if let Some(r) = row {
            local.etags = store.etags(r.id)?.into_iter().collect();
        }
        let result = plan_calendar(client, cal, &local, mode, username).and_then(|p| {
            if args.dry_run {
                print_plan(cal, &p, tally);
                Ok(())
            } else {
                apply_plan(client, store, key, cal, p, now, username, tally)
            }
        });
        match result {
            Ok(()) => tally.calendars += 1,
            // A refused password stops the source: every other request would be refused too.
            Err(e) if is_unauthorized(&e) => {
                return Err(e.context(format!("calendar `{}`", cal.name)));
            }
            Err(e) => {
                let message = format!("{}: calendar `{}`: {e:#}", input::redact(key), cal.name);
                tell!("caltally: error: {}", crate::terminal::sanitize(&message));
                tally.failed += 1;
                all_ok = false;
            }
        }
    }
    if !args.dry_run {
        let tx = store.begin()?;
        tx.set_source(
            key,
            &SourceRow {
                home_url: home,
                ..SourceRow::default()
            },
        )?;
        if source.calendars.is_empty() || !calendars.is_empty() || args.full {
            let keep: Vec<String> = calendars.iter().map(|c| c.url.clone()).collect();
            for (name, objects) in tx.forget_calendars(key, &keep)? {
                log::warn!(
                    "{}: calendar `{name}` is no longer on the server (unshared or deleted): its {objects} \
object(s) were removed from the store",
                    input::redact(key)
                );
                tally.deleted += objects;
                tally.vanished.push(name);
            }
        }
        if all_ok {
            tx.mark_synced(key, now)?;
        }
        tx.commit()?;
    }
    Ok(all_ok)
}

fn is_unauthorized(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<CaldavError>(),
        Some(CaldavError::Unauthorized { .. })
    )
}

/// `--dry-run`: what a calendar's sync would do.
fn print_plan(cal: &CalendarInfo, p: &Plan, tally: &mut Tally) {
    say!(
        "{}: fetch {}, update {}, delete {}{}",
        crate::terminal::sanitize(&cal.name),
        p.fetch.len(),
        p.update.len(),
        p.delete.len(),
        if p.full { " (full comparison)" } else { "" }
    );
    tally.added += p.fetch.len();
    tally.updated += p.update.len();
    tally.deleted += p.delete.len();
}

fn plan_calendar(
    client: &Client,
    cal: &CalendarInfo,
    local: &Local,
    mode: Mode,
    username: &str,
) -> Result<Plan> {
    if mode == Mode::Incremental {
        match plan::sync_collection(client, &cal.url, local.token.as_deref(), username)? {
            SyncReport::Changes(listing) => return Ok(plan::plan(local, &listing)),
            SyncReport::TokenRejected => {
                log::info!("{}: sync token rejected; comparing every ETag", cal.name)
            }
            SyncReport::Unsupported => {}
        }
    }
    let listing = match plan::sync_collection(client, &cal.url, None, username)? {
        SyncReport::Changes(listing) => listing,
        SyncReport::TokenRejected | SyncReport::Unsupported => {
            let mut listing = plan::list_etags(client, &cal.url, username)?;
            listing.token = None;
            listing
        }
    };
    Ok(plan::plan(local, &listing))
}

#[allow(clippy::too_many_arguments)]
fn apply_plan(
    client: &Client,
    store: &mut Store,
    key: &str,
    cal: &CalendarInfo,
    p: Plan,
    now: i64,
    username: &str,
    tally: &mut Tally,
) -> Result<()> {
    let wanted: Vec<String> = p.fetch.iter().chain(p.update.iter()).cloned().collect();
    // One transaction for the whole calendar, written as the batches arrive: any failure
    // drops it unwritten, and the store stays as it was.
    let tx = store.begin()?;
    let id = tx.upsert_calendar(&CalendarRow {
        source: key.to_string(),
        url: cal.url.clone(),
        name: cal.name.clone(),
        read_only: cal.read_only,
        shared: cal.shared,
        ..CalendarRow::default()
    })?;
    let bar = progress_bar(wanted.len(), &cal.name);
    let (mut missing, mut unreadable) = (Vec::new(), 0);
    let fetched = fetch::fetch_objects(
        client,
        &cal.url,
        &wanted,
        username,
        |f| object_row(&cal.name, f),
        |batch| {
            for row in &batch.objects {
                tx.put_object(id, row)?;
            }
            unreadable += batch.objects.iter().filter(|r| r.uid.is_none()).count();
            missing.extend(batch.missing);
            if let Some(b) = &bar {
                b.inc(batch.asked as u64);
            }
            Ok::<(), StoreError>(())
        },
    );
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    fetched.map_err(|e| match e {
        FetchError::Caldav(e) => anyhow::Error::from(e),
        FetchError::Receive(e) => e.into(),
    })?;
    for href in p.delete.iter().chain(missing.iter()) {
        tx.delete_object(id, href)?;
    }
    tx.set_state(
        id,
        p.token.as_deref().or(cal.sync_token.as_deref()),
        cal.ctag.as_deref(),
        p.full.then_some(now),
    )?;
    tx.commit()?;
    tally.unreadable += unreadable;
    tally.added += p.fetch.len();
    tally.updated += p.update.len();
    tally.deleted += p.delete.len() + missing.len();
    Ok(())
}

fn progress_bar(total: usize, name: &str) -> Option<indicatif::ProgressBar> {
    if total < 200 || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} objects ({eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(name.to_string());
    Some(bar)
}

/// An `.ics` URL: conditional GET with the stored ETag and Last-Modified.
fn sync_feed(
    source: &SourceConfig,
    store: &mut Store,
    args: &SyncArgs,
    env: &Env,
    tally: &mut Tally,
) -> Result<bool> {
    let url = input::http_url(source.ics.as_deref().unwrap_or_default()).unwrap_or_default();
    let key = source.key();
    let state = store.source_state(key)?;
    let client = Client::new(&url, None, None, ClientOptions::default())?;
    let mut headers = Vec::new();
    if let Some(e) = &state.etag {
        headers.push(("If-None-Match", e.as_str()));
    }
    if let Some(m) = &state.last_modified {
        headers.push(("If-Modified-Since", m.as_str()));
    }
    let reply = client.send("GET", &url, None, None, &headers)?;
    tally.requests += client.requests();
    tally.calendars += 1;
    if reply.status == 304 {
        tally.unchanged += 1;
        if !args.dry_run {
            let tx = store.begin()?;
            tx.mark_synced(key, env.now.timestamp())?;
            tx.commit()?;
        }
        return Ok(true);
    }
    let reply = expect(reply, &[200], "GET", &url, "")?;
    if args.dry_run {
        say!(
            "{}: fetch 1 feed ({} bytes)",
            input::redact(key),
            reply.body.len()
        );
        return Ok(true);
    }
    let b = ical::object_bounds(&reply.body);
    let name = source.name.clone().unwrap_or_else(|| input::redact(&url));
    let tx = store.begin()?;
    let id = tx.upsert_calendar(&CalendarRow {
        source: key.to_string(),
        url: url.clone(),
        name,
        ..CalendarRow::default()
    })?;
    tx.put_object(
        id,
        &ObjectRow {
            href: url.clone(),
            etag: reply.etag.clone(),
            uid: b.uid,
            data: reply.body,
            first_start: b.first_start,
            last_end: b.last_end,
        },
    )?;
    tx.set_source(
        key,
        &SourceRow {
            home_url: None,
            etag: reply.etag,
            last_modified: reply.last_modified,
        },
    )?;
    tx.mark_synced(key, env.now.timestamp())?;
    tx.commit()?;
    tally.updated += 1;
    Ok(true)
}
