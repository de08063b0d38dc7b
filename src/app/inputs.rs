// SPDX-License-Identifier: GPL-3.0-or-later
//! The inputs of `report` and `check`: the `--source`s, or the configured local files and
//! the store's objects that may overlap the period (after checking that every remote
//! source has been synced, and recently), then parsed and expanded in parallel.

use anyhow::Result;
use chrono::Utc;
use rayon::prelude::*;

use super::{Env, UsageError, sync};
use crate::cli::Selection;
use crate::config::Config;
use crate::ical::{self, Expansion};
use crate::input::{self, Input};
use crate::model::{Occurrence, Problem};

/// The inputs of a report: `--source`s if given; else the store's objects that may overlap
/// `[from, to)` plus the configured local `.ics` paths.
pub(super) fn read_inputs(
    args: &Selection,
    config: &Config,
    env: &Env,
    from: chrono::DateTime<Utc>,
    to: chrono::DateTime<Utc>,
) -> Result<Vec<Input>> {
    if !args.source.is_empty() {
        let mut inputs = Vec::new();
        for spec in &args.source {
            if let Some(url) = input::http_url(spec) {
                input::refuse_userinfo(&url, "--source").map_err(UsageError)?;
            }
            inputs.extend(input::read_source(spec, None)?);
        }
        return Ok(inputs);
    }
    let mut inputs = Vec::new();
    let local = |s: &&crate::config::SourceConfig| {
        s.ics
            .as_deref()
            .is_some_and(|i| input::http_url(i).is_none())
    };
    for s in config.sources.iter().filter(local) {
        let path = config.resolve(s.ics.as_deref().unwrap_or_default());
        inputs.extend(input::read_source(
            &path.display().to_string(),
            s.name.as_deref(),
        )?);
    }
    if !sync::remote_sources(config).is_empty() {
        let store_path = config
            .store_path()
            .ok_or_else(|| UsageError("cannot choose a store path".into()))?;
        if !store_path.exists() {
            let first = sync::remote_sources(config)
                .first()
                .map(|s| input::redact(s.key()))
                .unwrap_or_default();
            anyhow::bail!(
                "source {first} has never been synced (there is no store {} yet): run `caltally sync`",
                store_path.display()
            );
        }
        let (store, _) = sync::open_store(config)?;
        check_synced(&store, config, env)?;
        let clock = std::time::Instant::now();
        let objects = store.objects_overlapping(from.timestamp(), to.timestamp())?;
        log::debug!(
            "{} object(s) of the store may overlap the period, read in {:?}",
            objects.len(),
            clock.elapsed()
        );
        inputs.reserve(objects.len());
        for o in objects {
            inputs.push(Input {
                source: format!("{} {}", o.calendar_url, o.href),
                calendar: o.calendar,
                bytes: o.data.into(),
            });
        }
    } else if inputs.is_empty() {
        return Err(UsageError(
            "no calendar to read: give --source FILE|DIR|URL, or add a [[source]] to the config (see `caltally init`)".into(),
        )
        .into());
    }
    Ok(inputs)
}

/// A source whose data is older than this is warned about (2 days).
const STALE_AFTER_SECS: i64 = 2 * 24 * 3600;

/// Fails if a remote source has never been synced; warns, with its date, about one whose
/// last successful sync is older than [`STALE_AFTER_SECS`].
fn check_synced(store: &crate::store::Store, config: &Config, env: &Env) -> Result<()> {
    for source in sync::remote_sources(config) {
        let key = source.key();
        match store.sync_status(key)? {
            (None, 0) => anyhow::bail!(
                "source {} has never been synced: run `caltally sync`",
                input::redact(key)
            ),
            (Some(at), _) if env.now.timestamp() - at > STALE_AFTER_SECS => {
                let when = chrono::DateTime::from_timestamp(at, 0).map_or_else(
                    || at.to_string(),
                    |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
                );
                log::warn!(
                    "source {} was last synced on {when}: run `caltally sync` (changes since then are missing)",
                    input::redact(key)
                );
            }
            _ => {}
        }
    }
    Ok(())
}

/// Parses and expands every input, in parallel.
pub(super) fn expand_inputs(inputs: &[Input], x: &Expansion) -> (Vec<Occurrence>, Vec<Problem>) {
    let parts: Vec<(Vec<Occurrence>, Vec<Problem>)> = inputs
        .par_iter()
        .fold(Default::default, |mut acc: (Vec<_>, Vec<_>), i| {
            if i.bytes.is_empty() {
                let why = "no calendar data: the file is empty, or sync did not keep the object \
because it is larger than 4 MiB (make it smaller on the server)";
                acc.1.push(Problem::new(&i.source, why));
            } else {
                ical::read_occurrences_into(&i.bytes, &i.source, &i.calendar, x, &mut acc);
            }
            acc
        })
        .collect();
    let mut all = (Vec::new(), Vec::new());
    ical::recur::append_parts(parts, &mut all.0, &mut all.1);
    all
}
