// SPDX-License-Identifier: GPL-3.0-or-later
//! `publish`: each association's closed month, as it was closed (the page "as sent", with
//! the amendments since), committed to the association's own git repository and pushed.
//!
//! This wires the closing (the store), the report of the month (for the index's totals) and
//! [`crate::publish`] (git). Per association: `<YYYY-MM>.md` (its page), `<YYYY-MM>.csv`
//! (its rows of `entries.csv`), any other file the closed rendering made for it
//! (`<stem>.<ext>` → `<YYYY-MM>.<ext>`), and the folder's `README.md` index.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::Datelike;

use super::closing::{closed_files, closing_of, naming, page_names};
use super::mailing::association_rows;
use super::sync::lock_store;
use super::{Env, Selection, UsageError, build_report, gather, report_zone};
use crate::cli::{Format, PublishArgs};
use crate::config::Config;
use crate::file_names::association_stems;
use crate::model::Period;
use crate::publish::readme::{Index, Row};
use crate::publish::{self, Credentials, GitCopy, GitSettings, Publication, Remote};
use crate::report::{self, markdown::escape};

/// How `publish_month` runs.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mode {
    /// Print nothing on success.
    pub quiet: bool,
    /// Print what would be written and committed; touch nothing.
    pub dry_run: bool,
    /// From `run`: a month that is not closed is not an error.
    pub nightly: bool,
}

/// `caltally publish`.
pub(super) fn publish(args: &PublishArgs, config: &Config, env: &Env, quiet: bool) -> Result<u8> {
    let keys = targets(config, args.association.as_deref())?;
    let month = match &args.month {
        Some(m) => Period::parse_month(m)?,
        None => last_month(config, env)?,
    };
    let path = config
        .store_path()
        .ok_or_else(|| UsageError("publishing needs a store: set `store` in the config".into()))?;
    let _lock = if args.dry_run {
        None
    } else {
        Some(lock_store(&path, args.wait)?)
    };
    let mode = Mode {
        quiet,
        dry_run: args.dry_run,
        nightly: false,
    };
    publish_month(&month, &keys, config, env, mode)
}

/// The keys of the associations that have a `repo` (only `only`, if given).
pub(super) fn targets(config: &Config, only: Option<&str>) -> Result<Vec<String>> {
    if let Some(key) = only {
        let Some(a) = config.associations.get(key) else {
            return Err(UsageError(format!(
                "--association `{key}` is not a configured association"
            ))
            .into());
        };
        if a.repo.is_none() {
            return Err(UsageError(format!(
                "association `{key}` has no `repo`: add `repo = \"https://…/rapports.git\"` to [associations.{key}]"
            ))
            .into());
        }
        return Ok(vec![key.to_string()]);
    }
    let keys: Vec<String> = config
        .associations
        .iter()
        .filter(|(_, a)| a.repo.is_some())
        .map(|(k, _)| k.clone())
        .collect();
    if keys.is_empty() {
        return Err(UsageError(
            "no association has a `repo`: add `repo = \"https://…/rapports.git\"` to an [associations.KEY] table"
                .into(),
        )
        .into());
    }
    Ok(keys)
}

/// Last month in the report zone.
fn last_month(config: &Config, env: &Env) -> Result<Period> {
    let (zone, _) = report_zone(None, config, env)?;
    let today = zone.to_local(env.now).date();
    Ok(Period::month(today.year(), today.month())
        .context("no current month")?
        .previous())
}

/// Publishes `month` for the associations `keys`; the exit code (1 if one failed).
pub(super) fn publish_month(
    month: &Period,
    keys: &[String],
    config: &Config,
    env: &Env,
    mode: Mode,
) -> Result<u8> {
    let label = month.label();
    let Some(closing) = closing_of(config, month)? else {
        if mode.nightly {
            return Ok(0);
        }
        anyhow::bail!(
            "{label} is not closed, so there is nothing to publish yet: `caltally send --month {label}` \
             closes it with the first report mail (or `caltally close --month {label}`)"
        );
    };
    let g = gather(&Selection::of_month(label.clone()), None, config, env)?;
    let report = build_report(&g, None);
    let naming = naming(config);
    let files: BTreeMap<String, Vec<u8>> =
        closed_files(closing, &report, &[Format::Csv, Format::Md], naming)?
            .into_iter()
            .collect();
    if !mode.dry_run {
        let version = publish::check_git()?;
        log::debug!("publishing with {version}");
    }
    let all = || config.associations.keys().map(String::as_str);
    let (pages, stems) = (page_names(all(), naming), association_stems(all(), naming));
    let settings = config.publish_settings();
    let mut failed = false;
    for key in keys {
        let (Some(page), Some(stem)) = (pages.get(key), stems.get(key)) else {
            continue;
        };
        let Some(p) = publication(
            &report,
            &files,
            key,
            page,
            stem,
            &settings.folder_for(month.from.year()),
        )?
        else {
            if !mode.quiet {
                say!(
                    "caltally: {label}: {key} had no entries when {label} was closed: nothing to publish"
                );
            }
            continue;
        };
        let Some(remote) = config.repo_of(key) else {
            continue;
        };
        if mode.dry_run {
            print_dry_run(key, &remote, &settings.branch, &p);
            continue;
        }
        match push_publication(config, key, stem, remote.clone(), &p) {
            Ok(outcome) => {
                for note in &outcome.notes {
                    tell!("caltally: warning: {label}: {key}: {note}");
                }
                if mode.quiet {
                    continue;
                }
                match &outcome.committed {
                    Some(message) => say!(
                        "caltally: {label}: {key}: \"{message}\" pushed to {remote} ({}){}",
                        settings.branch,
                        if outcome.retried {
                            ", on top of a commit pushed meanwhile"
                        } else {
                            ""
                        }
                    ),
                    None => {
                        say!("caltally: {label}: {key}: {remote} is up to date, nothing to commit")
                    }
                }
            }
            Err(e) => {
                tell!("caltally: error: {label}: {key}: not published: {e:#}");
                failed = true;
            }
        }
    }
    if mode.dry_run && !mode.quiet {
        say!("caltally: {label}: dry run, nothing was written, committed or pushed");
    }
    Ok(u8::from(failed))
}

/// What association `key` gets for the month, if its page was closed.
fn publication(
    report: &report::Report,
    files: &BTreeMap<String, Vec<u8>>,
    key: &str,
    page: &str,
    stem: &str,
    folder: &str,
) -> Result<Option<Publication>> {
    let Some(page_bytes) = files.get(page) else {
        return Ok(None);
    };
    let month = report.period;
    let label = month.label();
    let t = report.lang.text();
    let mut text = String::from_utf8_lossy(page_bytes).into_owned();
    let mut out = Vec::new();
    if let Some(csv) = files.get("entries.csv") {
        out.push((format!("{label}.csv"), association_rows(csv, key)?));
    }
    for (name, bytes) in files {
        if let Some(ext) = name.strip_prefix(stem).and_then(|r| r.strip_prefix('.'))
            && ext != "md"
            && !ext.contains('/')
        {
            // The page links its own files by their report names: renamed after the month.
            text = text.replace(&format!("]({name})"), &format!("]({label}.{ext})"));
            out.push((format!("{label}.{ext}"), bytes.clone()));
        }
    }
    out.insert(0, (format!("{label}.md"), text.into_bytes()));
    let a = report.associations.iter().find(|a| a.key == key);
    let totals = a.map(|a| a.totals).unwrap_or_default();
    let value = a.and_then(|a| a.valuation.as_ref()).map_or_else(
        || "–".to_string(),
        |v| {
            format!(
                "{} {}",
                t.decimal2(v.total_cents as f64 / 100.0),
                v.currency
            )
        },
    );
    let name = a.map_or(key, |a| a.name.as_str());
    Ok(Some(Publication {
        folder: folder.to_string(),
        files: out,
        index: Index {
            title: format!("{} — {}", escape(name), t.report_title),
            header: [
                t.period,
                t.volunteer,
                t.paid,
                t.unspecified,
                t.total,
                t.valuation,
            ]
            .map(String::from)
            .to_vec(),
            row: Row {
                page: format!("{label}.md"),
                label: t.period(&month),
                cells: vec![
                    t.duration(totals.volunteer),
                    t.duration(totals.paid),
                    t.duration(totals.unspecified),
                    format!("**{}**", t.duration(totals.total())),
                    value,
                ],
            },
        },
        message: format!("{} — {}", t.report_title, t.period(&month)),
        correction: format!("{} — {}", t.mail_correction, t.period(&month)),
    }))
}

fn print_dry_run(key: &str, remote: &Remote, branch: &str, p: &Publication) {
    say!("caltally: {key}: would publish to {remote} ({branch}):");
    let in_folder = |name: &str| {
        if p.folder.is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", p.folder)
        }
    };
    for (name, bytes) in &p.files {
        say!("  {} ({} bytes)", in_folder(name), bytes.len());
    }
    say!(
        "  {} (if caltally wrote it)",
        in_folder(publish::readme::FILE)
    );
    say!(
        "  commit: \"{}\" (\"{}\" if the month was published before), only if something changed",
        p.message,
        p.correction
    );
}

/// Brings the association's working copy up to date, writes, commits and pushes.
fn push_publication(
    config: &Config,
    key: &str,
    stem: &str,
    remote: Remote,
    p: &Publication,
) -> Result<publish::Outcome> {
    let settings = config.publish_settings();
    let base = publish_dir(config)?;
    let credentials = match remote {
        Remote::Https(_) => {
            let token = settings
                .password(&config.base_dir)
                .context("cannot read the [publish] token")?
                .ok_or_else(|| {
                    UsageError(
                        "[publish] has no token (password_env, password_command or password_file)"
                            .into(),
                    )
                })?;
            let username = settings
                .username
                .clone()
                .ok_or_else(|| UsageError("[publish] has no `username`".into()))?;
            Some(Credentials { username, token })
        }
        _ => None,
    };
    let author = config
        .publish_author()
        .ok_or_else(|| UsageError("[publish] has no `author`".into()))?;
    let mailbox = crate::mail::parse_mailbox(&author)?;
    let author = (
        mailbox.name.clone().unwrap_or_else(|| "caltally".into()),
        mailbox.email.to_string(),
    );
    let git = GitSettings {
        remote,
        credentials,
        ca_file: settings.ca_file.as_deref().map(|f| config.resolve(f)),
        timeout: std::time::Duration::from_secs(settings.timeout.unwrap_or(120)),
    };
    log::debug!("publishing {key} in {}", base.join(stem).display());
    let mut copy = GitCopy::open(base.join(stem), &settings.branch, author, git, &base)?;
    Ok(publish::publish(&mut copy, p)?)
}

/// `<store dir>/publish`: the working copies.
fn publish_dir(config: &Config) -> Result<PathBuf> {
    let store = config
        .store_path()
        .ok_or_else(|| UsageError("publishing needs a store: set `store` in the config".into()))?;
    Ok(store.parent().unwrap_or(Path::new(".")).join("publish"))
}
