// SPDX-License-Identifier: GPL-3.0-or-later
//! `run`, the nightly job: lock, sync, refresh this month's and last month's reports, remind
//! people of their events to fix `[mail] remind_days_before` days before `send_on_day` and on
//! its eve, and send last month's once `[mail] send_on_day` has come, then publish it to the
//! associations' git repositories. Silent when all went well, so that
//! cron mails nobody; one line per problem otherwise.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use chrono::Datelike;

use super::closing::{closed_files, closing_of, naming, render_files, write_files};
use super::sync::{lock_store, remote_sources, sync_locked};
use super::{
    Env, Selection, UsageError, build_report, gather, output_base, report_zone, write_index,
};
use crate::cli::{Format, RemindArgs, RunArgs, SendArgs, SyncArgs};

/// `[mail] remind_days_before` when it is not set.
const DEFAULT_REMIND_DAYS: u32 = 2;
use crate::config::Config;
use crate::model::Period;

/// `caltally run`.
pub(super) fn run(args: &RunArgs, config: &Config, env: &Env) -> Result<u8> {
    let path = config.store_path().ok_or_else(|| {
        UsageError("the nightly job needs a store: set `store` in the config".into())
    })?;
    let _lock = lock_store(&path, args.wait)?;
    let mut failed = false;
    let mut synced = true;
    if !remote_sources(config).is_empty() {
        let sync_args = SyncArgs {
            full: false,
            dry_run: false,
            wait: false,
        };
        match sync_locked(config, &sync_args, true, env) {
            Ok(0) => {}
            Ok(_) => synced = false,
            Err(e) => {
                tell!("caltally: error: sync: {e:#}");
                synced = false;
            }
        }
        failed |= !synced;
    }
    let (zone, _) = report_zone(None, config, env)?;
    let today = zone.to_local(env.now).date();
    let current = Period::month(today.year(), today.month()).context("no current month")?;
    let previous = current.previous();
    let mut warnings = BTreeSet::new();
    for month in [previous, current] {
        match refresh(config, env, &month) {
            Ok(lines) => warnings.extend(lines),
            Err(e) => {
                tell!("caltally: error: reports of {}: {e:#}", month.label());
                failed = true;
            }
        }
    }
    for w in &warnings {
        crate::terminal::warn(w);
    }
    failed |= !remind_due(config, env, today, synced);
    let due = config
        .mail
        .as_ref()
        .and_then(|m| m.send_on_day)
        .is_some_and(|day| today.day() >= day);
    if due {
        if synced {
            let send_args = SendArgs {
                month: Some(previous.label()),
                amendments: false,
                dry_run: false,
                out: None,
                to: None,
                association: None,
                resend: false,
                wait: false,
            };
            match super::send::send_locked(&send_args, config, env, true, false) {
                Ok(0) => {}
                Ok(_) => failed = true,
                Err(e) => {
                    tell!("caltally: error: send {}: {e:#}", previous.label());
                    failed = true;
                }
            }
        } else {
            tell!(
                "caltally: {} not sent because the sync failed; the next run tries again",
                previous.label()
            );
        }
    }
    failed |= !publish_closed(config, env, &previous, &today, synced);
    Ok(u8::from(failed))
}

/// Reminds people of their events to fix when today is a reminder day of the month about
/// to be sent. `false` if a reminder failed (the reports go out all the same).
fn remind_due(config: &Config, env: &Env, today: chrono::NaiveDate, synced: bool) -> bool {
    let Some(mail) = config.mail.as_ref() else {
        return true;
    };
    let Some(day) = mail.send_on_day else {
        return true;
    };
    let days = mail.remind_days_before.unwrap_or(DEFAULT_REMIND_DAYS);
    let Some(month) = super::remind::due_month(today, day, days) else {
        return true;
    };
    if !synced {
        tell!(
            "caltally: no reminders for {} because the sync failed; the next run tries again",
            month.label()
        );
        return false;
    }
    let args = RemindArgs {
        month: Some(month.label()),
        person: None,
        dry_run: false,
        to: None,
        wait: false,
    };
    match super::remind::remind_locked(&args, config, env, true) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => {
            tell!("caltally: error: reminders for {}: {e:#}", month.label());
            false
        }
    }
}

/// Publishes last month to the associations' repositories once its mails are due (every
/// night from then on: publishing is idempotent, so a failed night is simply redone, and
/// amendments since are published as corrections). `false` if a publication failed.
fn publish_closed(
    config: &Config,
    env: &Env,
    month: &Period,
    today: &chrono::NaiveDate,
    synced: bool,
) -> bool {
    let due = config
        .mail
        .as_ref()
        .and_then(|m| m.send_on_day)
        .is_none_or(|day| today.day() >= day);
    if !due || !config.associations.values().any(|a| a.repo.is_some()) {
        return true;
    }
    if !synced {
        tell!(
            "caltally: {} not published because the sync failed; the next run tries again",
            month.label()
        );
        return false;
    }
    let mode = super::publish::Mode {
        quiet: true,
        dry_run: false,
        nightly: true,
    };
    let published = super::publish::targets(config, None)
        .and_then(|keys| super::publish::publish_month(month, &keys, config, env, mode));
    match published {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => {
            tell!("caltally: error: publish {}: {e:#}", month.label());
            false
        }
    }
}

/// Writes one month's reports into `output/<YYYY-MM>` atomically; returns its warnings.
fn refresh(config: &Config, env: &Env, month: &Period) -> Result<Vec<String>> {
    let g = gather(&Selection::of_month(month.label()), None, config, env)?;
    let report = build_report(&g, None);
    let formats = [Format::Csv, Format::Md, Format::Ods];
    let files = match closing_of(config, month)? {
        Some(closing) => closed_files(closing, &report, &formats, naming(config))?,
        None => render_files(&report, &formats, naming(config))?,
    };
    write_files(
        &output_base(config).join(month.label()),
        files,
        &formats,
        true,
    )?;
    write_index(&output_base(config), g.settings.lang)?;
    Ok(g.problems.iter().map(ToString::to_string).collect())
}
