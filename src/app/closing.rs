// SPDX-License-Identifier: GPL-3.0-or-later
//! Report files and closings: rendering every file in memory, writing them atomically,
//! `close`, and the files of a closed month (the closing's, with amendments appended).

use std::path::Path;

use anyhow::{Context, Result};

use super::{Env, Selection, UsageError, build_report, gather};
use crate::cli::{CloseArgs, Format};
use crate::config::Config;
use crate::model::Period;
use crate::output::{Staged, file_stem};
use crate::report;

/// The file name of an association's page.
pub(super) fn page_name(key: &str) -> String {
    let mut stem = file_stem(key);
    if stem == "summary" || stem == "entries" {
        stem.push_str("-association");
    }
    format!("{stem}.md")
}

/// Renders every file of a report in memory.
pub(super) fn render_files(
    r: &report::Report,
    formats: &[Format],
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    let mut add = |name: String, f: &dyn Fn(&mut Vec<u8>) -> Result<()>| -> Result<()> {
        let mut buf = Vec::new();
        f(&mut buf)?;
        files.push((name, buf));
        Ok(())
    };
    if formats.contains(&Format::Csv) {
        add("entries.csv".into(), &|w| {
            Ok(report::csv::write_entries(w, r)?)
        })?;
        add("summary.csv".into(), &|w| {
            Ok(report::csv::write_summary(w, r)?)
        })?;
    }
    if formats.contains(&Format::Md) {
        add("summary.svg".into(), &|w| {
            Ok(report::svg::write_chart(w, r)?)
        })?;
        add("summary.md".into(), &|w| {
            Ok(report::markdown::write_summary(w, r)?)
        })?;
        for a in &r.associations {
            add(page_name(&a.key), &|w| {
                Ok(report::markdown::write_association(w, r, a)?)
            })?;
        }
    }
    Ok(files)
}

/// Writes files into `out` atomically (a temporary directory, then a rename).
pub(super) fn write_files(out: &Path, files: Vec<(String, Vec<u8>)>) -> Result<Vec<String>> {
    let mut staged =
        Staged::new(out).with_context(|| format!("cannot create {}", out.display()))?;
    for (name, bytes) in files {
        staged.write(&name, |w| w.write_all(&bytes).map_err(anyhow::Error::from))?;
    }
    staged
        .commit()
        .with_context(|| format!("cannot move the report into {}", out.display()))
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
) -> Result<Vec<(String, Vec<u8>)>> {
    let closed: Vec<crate::closing::Item> =
        serde_json::from_str(&closing.0).context("the stored closing is unreadable")?;
    let mut files: Vec<(String, String)> =
        serde_json::from_str(&closing.1).context("the stored closing is unreadable")?;
    let amendments =
        crate::closing::amendments(&closed, &crate::closing::fingerprint(&now.entries));
    let t = now.lang.text();
    let keys: Vec<String> = closed
        .iter()
        .chain(crate::closing::fingerprint(&now.entries).iter())
        .map(|i| i.association.clone())
        .collect();
    for (name, text) in &mut files {
        let list: Vec<&crate::closing::Amendment> = if name == "summary.md" {
            amendments.iter().collect()
        } else if let Some(key) = keys.iter().find(|k| !k.is_empty() && page_name(k) == *name) {
            amendments.iter().filter(|a| a.concerns(key)).collect()
        } else {
            continue;
        };
        let mut extra = Vec::new();
        crate::closing::write_amendments(&mut extra, &list, t)?;
        text.push_str(&String::from_utf8_lossy(&extra));
    }
    let wanted = |name: &str| {
        (name.ends_with(".csv") && formats.contains(&Format::Csv))
            || (!name.ends_with(".csv") && formats.contains(&Format::Md))
    };
    Ok(files
        .into_iter()
        .filter(|(n, _)| wanted(n))
        .map(|(n, t)| (n, t.into_bytes()))
        .collect())
}

/// What a closing stores of a month: the fingerprint of its entries and its rendered files,
/// both as JSON.
pub(super) fn freeze(
    report: &report::Report,
    files: &[(String, Vec<u8>)],
) -> Result<(String, String)> {
    let files: Vec<(&str, std::borrow::Cow<'_, str>)> = files
        .iter()
        .map(|(n, b)| (n.as_str(), String::from_utf8_lossy(b)))
        .collect();
    Ok((
        serde_json::to_string(&crate::closing::fingerprint(&report.entries))?,
        serde_json::to_string(&files)?,
    ))
}

pub(super) fn close(args: &CloseArgs, config: &Config, env: &Env, quiet: bool) -> Result<u8> {
    let path = config
        .store_path()
        .ok_or_else(|| UsageError("closing needs a store: set `store` in the config".into()))?;
    let store = crate::store::Store::open(&path)
        .with_context(|| format!("cannot open the store {}", path.display()))?;
    let month = Period::parse_month(&args.month)?;
    if args.reopen {
        if !store.reopen_month(&month.label())? {
            return Err(anyhow::anyhow!("{} is not closed", month.label()));
        }
        if !quiet {
            println!("caltally: {} reopened", month.label());
        }
        let mailed = store.mailed_associations(&month.label())?;
        if mailed > 0 {
            eprintln!(
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
    let report = build_report(&g, None);
    let (fingerprint, files) =
        freeze(&report, &render_files(&report, &[Format::Csv, Format::Md])?)?;
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
    println!(
        "caltally: {} closed ({} entries, {} h)",
        month.label(),
        report.entries.len(),
        report.lang.text().duration(report.totals.total())
    );
    Ok(0)
}
