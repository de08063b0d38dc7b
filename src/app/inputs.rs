// SPDX-License-Identifier: GPL-3.0-or-later
//! The inputs of `report` and `check`: the `--source`s, or the configured local files and
//! the store's objects that may overlap the period (after checking that every remote
//! source has been synced, and recently), then parsed and expanded in parallel.

use anyhow::Result;
use rayon::prelude::*;

use super::{Env, UsageError, sync};
use crate::cli::Selection;
use crate::config::Config;
use crate::ical::{self, Expansion};
use crate::input::{self, Input};
use crate::model::{Occurrence, Problem};

/// Reads and expands the inputs of a report over `x`: `--source`s if given; else the
/// configured local `.ics` paths, then the store's objects that may overlap the window
/// (parsed and expanded while the rest is read). Occurrences and warnings come in input
/// order: local files, then the store's objects by calendar and href.
pub(super) fn read_and_expand(
    args: &Selection,
    config: &Config,
    env: &Env,
    x: &Expansion,
) -> Result<(Vec<Occurrence>, Vec<Problem>)> {
    let clock = std::time::Instant::now();
    let (inputs, store) = read_inputs(args, config, env)?;
    log::debug!("read {} input(s) in {:?}", inputs.len(), clock.elapsed());
    let (mut occurrences, mut problems) = expand_inputs(&inputs, x);
    if let Some(store) = store {
        let (o, p) = expand_store(store, x)?;
        occurrences.extend(o);
        problems.extend(p);
    }
    Ok((occurrences, problems))
}

/// The inputs read at once (`--source`s, or the configured local files), and the store
/// when remote sources are configured (opened, and checked to be synced).
fn read_inputs(
    args: &Selection,
    config: &Config,
    env: &Env,
) -> Result<(Vec<Input>, Option<crate::store::Store>)> {
    if !args.source.is_empty() {
        let mut inputs = Vec::new();
        for spec in &args.source {
            if let Some(url) = input::http_url(spec) {
                input::refuse_userinfo(&url, "--source").map_err(UsageError)?;
            }
            inputs.extend(input::read_source(spec, None)?);
        }
        return Ok((inputs, None));
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
        return Ok((inputs, Some(store)));
    } else if inputs.is_empty() {
        return Err(UsageError(
            "no calendar to read: give --source FILE|DIR|URL, or add a [[source]] to the config (see `caltally init`)".into(),
        )
        .into());
    }
    Ok((inputs, None))
}

/// Objects handed from the store's reader to the parsers at a time.
const BATCH: usize = 256;

/// Reads the store's objects that may overlap `x` on one thread while the ones already
/// read are parsed and expanded on the others; sorts the results by calendar and href.
fn expand_store(
    store: crate::store::Store,
    x: &Expansion,
) -> Result<(Vec<Occurrence>, Vec<Problem>)> {
    type Read = (i64, String, Input);
    type Done = ((i64, String), (Vec<Occurrence>, Vec<Problem>));
    let (from, to) = (x.from.timestamp(), x.to.timestamp());
    let (send, receive) = std::sync::mpsc::sync_channel::<Vec<Read>>(8);
    let mut done: Vec<Done> = Vec::new();
    let read = std::thread::scope(|s| {
        let reader = s.spawn(move || {
            let clock = std::time::Instant::now();
            let mut batch: Vec<Read> = Vec::with_capacity(BATCH);
            let read = store.each_object_overlapping(from, to, |id, o| {
                let input = Input {
                    source: format!("{} {}", o.calendar_url, o.href),
                    calendar: o.calendar,
                    bytes: o.data.into(),
                };
                batch.push((id, o.href, input));
                if batch.len() == BATCH {
                    // The receiver outlives this thread unless it panicked.
                    let _ = send.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
                }
            });
            if !batch.is_empty() {
                let _ = send.send(batch);
            }
            read.map(|()| clock.elapsed())
        });
        for batch in receive.iter() {
            let results: Vec<_> = batch
                .into_par_iter()
                .map(|(id, href, input)| ((id, href), expand_one(&input, x)))
                .collect();
            done.extend(results);
        }
        reader.join()
    });
    let took = read.map_err(|_| anyhow::anyhow!("the store's reader stopped"))??;
    log::debug!(
        "{} object(s) of the store may overlap the period, read in {took:?}",
        done.len()
    );
    done.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut all = (Vec::new(), Vec::new());
    ical::recur::append_parts(
        done.into_iter().map(|(_, r)| r).collect(),
        &mut all.0,
        &mut all.1,
    );
    Ok(all)
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

/// Parses and expands one input, appending to `acc`.
fn expand_one_into(i: &Input, x: &Expansion, acc: &mut (Vec<Occurrence>, Vec<Problem>)) {
    if i.bytes.is_empty() {
        let why = "no calendar data: the file is empty, or sync did not keep the object \
because it is larger than 4 MiB (make it smaller on the server)";
        acc.1.push(Problem::new(&i.source, why));
    } else if i.bytes.is_mapped() {
        // A large file's mapped pages are let go while its occurrences are made.
        ical::read_occurrences_then(&i.bytes, &i.source, &i.calendar, x, acc, || {
            i.bytes.release();
        });
    } else {
        ical::read_occurrences_into(&i.bytes, &i.source, &i.calendar, x, acc);
    }
}

/// Parses and expands one input.
fn expand_one(i: &Input, x: &Expansion) -> (Vec<Occurrence>, Vec<Problem>) {
    let mut acc = Default::default();
    expand_one_into(i, x, &mut acc);
    acc
}

/// Parses and expands every input, in parallel.
fn expand_inputs(inputs: &[Input], x: &Expansion) -> (Vec<Occurrence>, Vec<Problem>) {
    let parts: Vec<(Vec<Occurrence>, Vec<Problem>)> = inputs
        .par_iter()
        .fold(Default::default, |mut acc: (Vec<_>, Vec<_>), i| {
            expand_one_into(i, x, &mut acc);
            acc
        })
        .collect();
    let mut all = (Vec::new(), Vec::new());
    ical::recur::append_parts(parts, &mut all.0, &mut all.1);
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{CalendarRow, ObjectRow, Store};

    /// A store of several batches of objects in two calendars, written out of order: the
    /// results come back by calendar and href, whole.
    #[test]
    fn the_store_s_objects_come_back_in_calendar_and_href_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("store.db")).expect("store");
        let tx = store.begin().expect("tx");
        let ids: Vec<i64> = ["Second", "First"]
            .iter()
            .map(|name| {
                tx.upsert_calendar(&CalendarRow {
                    source: "s".into(),
                    url: format!("https://h/{name}/"),
                    name: (*name).into(),
                    ..CalendarRow::default()
                })
                .expect("calendar")
            })
            .collect();
        let n = 2 * BATCH + 57;
        // Later objects start earlier, so the store reads them first; every object lacks
        // its DTSTART and is a warning naming its href.
        for i in 0..n {
            let day = 1 + (n - i) % 28;
            let data = format!(
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u{i}\r\nDTEND:202506{day:02}T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            );
            let row = ObjectRow {
                href: format!("{:05}.ics", (i * 7919) % n),
                etag: None,
                uid: Some(format!("u{i}")),
                data: data.into_bytes(),
                first_start: Some(1_748_736_000 + (n - i) as i64 * 3600),
                last_end: Some(1_748_736_000 + (n - i) as i64 * 3600 + 600),
            };
            tx.put_object(ids[i % 2], &row).expect("put");
        }
        tx.commit().expect("commit");
        let zone = crate::ical::tz::zone_by_name("Europe/Brussels").expect("zone");
        let x = Expansion::for_dates(
            zone,
            chrono::NaiveDate::from_ymd_opt(2025, 5, 1).expect("date"),
            chrono::NaiveDate::from_ymd_opt(2025, 8, 1).expect("date"),
        );
        let (occurrences, problems) = expand_store(store, &x).expect("expand");
        assert!(occurrences.is_empty());
        let sources: Vec<&str> = problems.iter().map(|p| p.source.as_str()).collect();
        assert_eq!(sources.len(), n, "one warning per object");
        let mut expected = sources.clone();
        // Calendar row ids: "Second" was created first.
        expected.sort_by_key(|s| (!s.contains("/Second/"), s.to_string()));
        assert_eq!(sources, expected);
    }
}
