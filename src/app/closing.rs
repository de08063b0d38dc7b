// SPDX-License-Identifier: GPL-3.0-or-later
//! Report files and closings: rendering every file in memory, writing them atomically,
//! `close`, and the files of a closed month (the closing's, with amendments appended).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rayon::prelude::*;

use super::{Env, Selection, UsageError, build_report, gather};
use crate::cli::{CloseArgs, Format};
use crate::config::Config;
use crate::file_names::{Naming, association_stems};
use crate::model::Period;
use crate::output::{OutputError, Pending, write_report};
use crate::report;

/// The file name of each association's page, by key.
pub(super) fn page_names<'a>(
    keys: impl IntoIterator<Item = &'a str>,
    naming: Naming,
) -> BTreeMap<String, String> {
    let mut stems = association_stems(keys, naming);
    for stem in stems.values_mut() {
        stem.push_str(".md");
    }
    stems
}

/// Renders every file of a report in memory, the files in parallel (in the order listed).
pub(super) fn render_files(
    r: &report::Report,
    formats: &[Format],
    naming: Naming,
) -> Result<Vec<(String, Vec<u8>)>> {
    render_into(r, formats, naming, None)
}

/// [`render_files`], each file also handed to `pending` as soon as it is rendered.
pub(super) fn render_into(
    r: &report::Report,
    formats: &[Format],
    naming: Naming,
    pending: Option<&Pending>,
) -> Result<Vec<(String, Vec<u8>)>> {
    type Render<'a> = Box<dyn Fn(&mut Vec<u8>) -> Result<()> + Send + Sync + 'a>;
    let mut jobs: Vec<(String, Render<'_>)> = Vec::new();
    if formats.contains(&Format::Csv) {
        jobs.push((
            "entries.csv".into(),
            Box::new(|w| {
                w.reserve(report::csv::entries_size_hint(r));
                Ok(report::csv::write_entries(w, r)?)
            }),
        ));
        jobs.push((
            "summary.csv".into(),
            Box::new(|w| Ok(report::csv::write_summary(w, r)?)),
        ));
    }
    let stems = association_stems(r.associations.iter().map(|a| a.key.as_str()), naming);
    if formats.contains(&Format::Md) {
        let pages = page_names(r.associations.iter().map(|a| a.key.as_str()), naming);
        let names: Vec<String> = r
            .associations
            .iter()
            .map(|a| pages.get(&a.key).cloned().unwrap_or_default())
            .collect();
        jobs.push((
            "summary.svg".into(),
            Box::new(|w| Ok(report::svg::write_chart(w, r)?)),
        ));
        jobs.push((
            "summary.md".into(),
            Box::new(move |w| Ok(report::markdown::write_summary_linked(w, r, &pages)?)),
        ));
        for (a, name) in r.associations.iter().zip(names) {
            jobs.push((
                name,
                Box::new(move |w| Ok(report::markdown::write_association(w, r, a)?)),
            ));
        }
    }
    if formats.contains(&Format::Ods) {
        jobs.push((
            "summary.ods".into(),
            Box::new(|w| Ok(report::ods::write_summary(w, r)?)),
        ));
        for a in &r.associations {
            let name = format!("{}.ods", stems.get(&a.key).cloned().unwrap_or_default());
            jobs.push((
                name,
                Box::new(move |w| Ok(report::ods::write_association(w, r, a)?)),
            ));
        }
    }
    // The longest to make first, so that no long one starts last (entries.csv, the largest
    // file, then goes to disk while the others are made); then back in order.
    let weight = |name: &str| match name {
        "entries.csv" => 0,
        "summary.ods" => 1,
        n if n.ends_with(".ods") => 2,
        _ => 3,
    };
    let mut jobs: Vec<(usize, (String, Render<'_>))> = jobs.into_iter().enumerate().collect();
    jobs.sort_by_key(|(i, (name, _))| (weight(name), *i));
    let mut files: Vec<(usize, (String, Vec<u8>))> = jobs
        .into_par_iter()
        .map(|(i, (name, render))| {
            let mut buf = Vec::new();
            render(&mut buf)?;
            if let Some(pending) = pending {
                pending.add(&name, &buf).map_err(output_error)?;
            }
            Ok((i, (name, buf)))
        })
        .collect::<Result<_>>()?;
    files.sort_by_key(|(i, _)| *i);
    Ok(files.into_iter().map(|(_, f)| f).collect())
}

/// Writes files into the report folder `out` (see [`crate::output`]). A full report (every
/// association) removes the files of its formats that caltally wrote there before and
/// that it no longer writes; a partial one replaces only its own files.
pub(super) fn write_files(
    out: &Path,
    files: Vec<(String, Vec<u8>)>,
    formats: &[Format],
    full: bool,
) -> Result<Vec<String>> {
    write_report(out, &files, &stale_of(formats, full)).map_err(output_error)
}

/// Which files a report replaces: with `full` (every association), the files of its
/// formats that it no longer writes.
pub(super) fn stale_of(formats: &[Format], full: bool) -> impl Fn(&str) -> bool + '_ {
    move |name: &str| full && formats.contains(&format_of(name))
}

/// A folder that cannot be used is the user's to change; a failed write is not.
pub(super) fn output_error(e: OutputError) -> anyhow::Error {
    if e.is_usage() {
        UsageError(e.to_string()).into()
    } else {
        e.into()
    }
}

/// The format a report file belongs to.
fn format_of(name: &str) -> Format {
    if name.ends_with(".csv") {
        Format::Csv
    } else if name.ends_with(".ods") {
        Format::Ods
    } else {
        Format::Md
    }
}

/// Files a closing stores as text: spreadsheets are binary, so they are kept in base64.
fn is_binary(name: &str) -> bool {
    name.ends_with(".ods")
}

/// How a config names its associations' files.
pub(super) fn naming(config: &Config) -> Naming {
    Naming::of(config.associations.len())
}

/// A closing of `period`, if it is a closed month and the store exists.
pub(super) fn closing_of(config: &Config, period: &Period) -> Result<Option<(String, String)>> {
    let Some(path) = config.store_path().filter(|p| p.exists()) else {
        return Ok(None);
    };
    if !period.is_month() {
        return Ok(None);
    }
    let store = crate::store::Store::open(&path)
        .with_context(|| format!("cannot open the store {}", path.display()))?;
    Ok(store.closing(&period.label())?)
}

/// The files of a closed month: those stored at the closing, with the amendments since
/// appended to `summary.md` and to the pages of the associations they concern.
pub(super) fn closed_files(
    closing: (String, String),
    now: &report::Report,
    formats: &[Format],
    naming: Naming,
) -> Result<Vec<(String, Vec<u8>)>> {
    let closed: Vec<crate::closing::Item> =
        serde_json::from_str(&closing.0).context("the stored closing is unreadable")?;
    let mut files: Vec<(String, String)> =
        serde_json::from_str(&closing.1).context("the stored closing is unreadable")?;
    let amendments =
        crate::closing::amendments(&closed, &crate::closing::fingerprint(&now.entries));
    let t = now.lang.text();
    let now_items = crate::closing::fingerprint(&now.entries);
    let keys = closed
        .iter()
        .chain(now_items.iter())
        .map(|i| i.association.as_str())
        .filter(|k| !k.is_empty());
    let pages = page_names(keys, naming);
    for (name, text) in &mut files {
        if is_binary(name) {
            continue;
        }
        let list: Vec<&crate::closing::Amendment> = if name == "summary.md" {
            amendments.iter().collect()
        } else if let Some(key) = pages.iter().find(|(_, p)| *p == name).map(|(k, _)| k) {
            amendments.iter().filter(|a| a.concerns(key)).collect()
        } else {
            continue;
        };
        let mut extra = Vec::new();
        crate::closing::write_amendments(&mut extra, &list, t)?;
        text.push_str(&String::from_utf8_lossy(&extra));
    }
    let wanted = |name: &str| formats.contains(&format_of(name));
    files
        .into_iter()
        .filter(|(n, _)| wanted(n))
        .map(|(n, t)| {
            if is_binary(&n) {
                let bytes = BASE64
                    .decode(t.as_bytes())
                    .with_context(|| format!("the stored closing's {n} is unreadable"))?;
                Ok((n, bytes))
            } else {
                Ok((n, t.into_bytes()))
            }
        })
        .collect()
}

/// What a closing stores of a month: the fingerprint of its entries and its rendered files,
/// both as JSON.
pub(super) fn freeze(
    report: &report::Report,
    files: &[(String, Vec<u8>)],
) -> Result<(String, String)> {
    let files: Vec<(&str, std::borrow::Cow<'_, str>)> = files
        .iter()
        .map(|(n, b)| {
            if is_binary(n) {
                (n.as_str(), BASE64.encode(b).into())
            } else {
                (n.as_str(), String::from_utf8_lossy(b))
            }
        })
        .collect();
    Ok((
        serde_json::to_string(&crate::closing::fingerprint(&report.entries))?,
        serde_json::to_string(&files)?,
    ))
}

pub(super) fn close(args: &CloseArgs, config: &Config, env: &Env, quiet: bool) -> Result<u8> {
    let (zone, _) = super::report_zone(args.tz.as_deref(), config, env)?;
    let month = Period::parse_month_on(&args.month, zone.to_local(env.now).date())?;
    let path = config
        .store_path()
        .ok_or_else(|| UsageError("closing needs a store: set `store` in the config".into()))?;
    if args.source.is_empty() && !super::sync::remote_sources(config).is_empty() && !path.exists() {
        anyhow::bail!(
            "the store {} does not exist yet: no source has been synced; run `caltally sync` first",
            path.display()
        );
    }
    let store = crate::store::Store::open(&path)
        .with_context(|| format!("cannot open the store {}", path.display()))?;
    if args.reopen {
        if !store.reopen_month(&month.label())? {
            return Err(anyhow::anyhow!("{} is not closed", month.label()));
        }
        if !quiet {
            say!("caltally: {} reopened", month.label());
        }
        let mailed = store.mailed_associations(&month.label())?;
        if mailed > 0 {
            tell!(
                "caltally: warning: {} association(s) already had the {} report by mail; once the month is \
                 closed again, `caltally send --month {} --amendments` tells them what changed",
                mailed,
                month.label(),
                month.label()
            );
        }
        return Ok(0);
    }
    let selection = Selection {
        source: args.source.clone(),
        tz: args.tz.clone(),
        ..Selection::of_month(month.label())
    };
    let g = gather(&selection, None, config, env)?;
    for p in &g.problems {
        crate::terminal::warn(p);
    }
    let mut report = build_report(&g, None);
    report.about.status = report::Status::Closed(report.about.made);
    let (fingerprint, files) = freeze(
        &report,
        &render_files(
            &report,
            &[Format::Csv, Format::Md, Format::Ods],
            naming(config),
        )?,
    )?;
    if !store.close_month(&month.label(), env.now.timestamp(), &fingerprint, &files)? {
        return Err(anyhow::anyhow!(
            "{} is already closed; run `caltally close --month {} --reopen` first to close it again",
            month.label(),
            args.month
        ));
    }
    if quiet {
        return Ok(0);
    }
    say!(
        "caltally: {} closed ({} entries, {} h)",
        month.label(),
        report.entries.len(),
        report.lang.text().duration(report.totals.total())
    );
    Ok(0)
}
