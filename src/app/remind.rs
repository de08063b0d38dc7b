// SPDX-License-Identifier: GPL-3.0-or-later
//! `remind`: mails each person the `check` problems of their own events for the month
//! about to be sent, once per list of problems (the reminder log in the store), and the
//! problems of events that name nobody to the collective. `--dry-run` writes `.eml` files
//! and `--to` sends every reminder to one address; neither logs anything.

use anyhow::{Context, Result};
use chrono::Datelike;

use super::mailing::{
    check_trial_address, mail_section, mailer_for, message_id_part, write_atomically,
};
use super::sync::{lock_store, open_store};
use super::{Env, Selection, UsageError, gather, report_zone};
use crate::cli::RemindArgs;
use crate::config::{Config, collective_of};
use crate::file_names::{Naming, association_stems};
use crate::mail::{self, Letter, Mailer};
use crate::model::Period;
use crate::remind::{self, Person, Reminder, Setting};
use crate::store::Store;

/// `caltally remind`.
pub(super) fn remind(args: &RemindArgs, config: &Config, env: &Env, quiet: bool) -> Result<u8> {
    let trial = args.dry_run || args.to.is_some();
    let _lock = if trial {
        None
    } else {
        let path = config.store_path().ok_or_else(|| {
            UsageError("reminding needs a store: set `store` in the config".into())
        })?;
        Some(lock_store(&path, args.wait)?)
    };
    remind_locked(args, config, env, quiet)
}

/// How a run went.
#[derive(Debug, Default)]
struct Tally {
    sent: usize,
    unchanged: usize,
    failed: usize,
}

/// `remind` once the caller holds the lock (or needs none: `--dry-run`, `--to`).
pub(super) fn remind_locked(
    args: &RemindArgs,
    config: &Config,
    env: &Env,
    quiet: bool,
) -> Result<u8> {
    let mail_config = mail_section(config, "reminding")?;
    if let Some(key) = &args.person
        && !config.people.contains_key(key)
    {
        return Err(UsageError(format!(
            "--person `{key}` is not a configured person: use a key of [people]"
        ))
        .into());
    }
    check_trial_address(args.to.as_deref())?;
    let trial = args.dry_run || args.to.is_some();
    let store_path = config
        .store_path()
        .ok_or_else(|| UsageError("reminding needs a store: set `store` in the config".into()))?;
    // A trial reads the store if there is one, and never creates it.
    let store = if trial && !store_path.exists() {
        Store::in_memory()?
    } else {
        open_store(config)?.0
    };
    let (zone, _) = report_zone(None, config, env)?;
    let today = zone.to_local(env.now).date();
    let month = match &args.month {
        Some(m) => Period::parse_month_on(m, today)?,
        None => month_to_send(&store, &today)?,
    };
    let label = month.label();
    let g = gather(&Selection::of_month(label.clone()), None, config, env)?;
    let entries = crate::report::build_entries(&g.occurrences, &g.classes, &g.settings);
    let findings = crate::check::check_entries(&entries, &g.problems, &g.rules);
    let people: Vec<Person> = config
        .people
        .iter()
        .map(|(key, p)| Person {
            key: key.clone(),
            name: remind::plain(p.name.as_deref().unwrap_or(key)),
            emails: p.emails.clone(),
            remind: p.remind.unwrap_or(true),
        })
        .collect();
    let collective = collective_of(config);
    let mut plan =
        remind::plan_reminders(&findings, &entries, &people, collective.email.as_deref());
    if let Some(key) = &args.person {
        plan.retain(|r| &r.person == key);
    }
    let from_name = mail::parse_mailbox(&mail_config.from)
        .ok()
        .and_then(|m| m.name)
        .unwrap_or_else(|| "caltally".into());
    let collective_name = collective.name.clone().unwrap_or(from_name);
    let setting = Setting {
        lang: g.settings.lang,
        month: &month,
        send_on: mail_config.send_on_day.and_then(|d| {
            month
                .to
                .checked_add_days(chrono::Days::new(u64::from(d) - 1))
        }),
        calendar_url: config
            .collective
            .as_ref()
            .and_then(|c| c.calendar_url.as_deref()),
        collective_name: &collective_name,
        collective_email: collective.email.as_deref(),
        rules: &g.rules,
    };
    let stems = association_stems(people.iter().map(|p| p.key.as_str()), Naming::ZeroConfig);
    let out_dir = super::output_base(config).join("mail").join(&label);
    let mut mailer: Option<Mailer> = None;
    let mut tally = Tally::default();
    for r in &plan {
        let digest = r.digest();
        let who = if r.is_collective() {
            "the collective".to_string()
        } else {
            r.name.clone()
        };
        if !trial && store.last_reminder(&r.person, &label)?.as_deref() == Some(digest.as_str()) {
            tally.unchanged += 1;
            continue;
        }
        let to = match &args.to {
            Some(addr) => vec![addr.clone()],
            None => r.to.clone(),
        };
        let markdown = remind::write_markdown(r, &setting);
        let letter = Letter {
            from: mail_config.from.clone(),
            reply_to: mail_config
                .reply_to
                .clone()
                .unwrap_or_else(|| mail_config.from.clone()),
            to: to.clone(),
            cc: Vec::new(),
            subject: remind::subject(r, &setting),
            date: env.now.into(),
            message_id: format!(
                "caltally.remind.{label}.{}.{digest}.{}@{}",
                message_id_part(if r.is_collective() { "-" } else { &r.person }),
                env.now.timestamp(),
                mail::domain_of(&mail_config.from)
            ),
            in_reply_to: None,
            references: Vec::new(),
            title: remind::subject(r, &setting),
            plain: {
                let mut plain = Vec::new();
                crate::report::text::write_plain(&mut plain, &markdown)?;
                String::from_utf8_lossy(&plain).into_owned()
            },
            markdown,
            attachments: Vec::new(),
        };
        let message = mail::build(&letter)?;
        if args.dry_run {
            let path = out_dir.join(file_name(r, &stems));
            write_atomically(&path, &mail::to_eml(&message))?;
            if !quiet {
                say!("caltally: {label}: reminder for {who} → {}", path.display());
            }
            tally.sent += 1;
            continue;
        }
        if mailer.is_none() {
            mailer = Some(mailer_for(mail_config, config)?);
        }
        let Some(m) = mailer.as_ref() else {
            unreachable!("the mailer was just set")
        };
        match m.send(&message) {
            Ok(()) => {
                if !trial {
                    store.log_reminder(
                        &r.person,
                        &label,
                        &digest,
                        env.now.timestamp(),
                        &to.join(", "),
                    )?;
                }
                if !quiet {
                    say!(
                        "caltally: {label}: reminder sent to {who} ({}): {} event(s) to fix",
                        to.join(", "),
                        r.items.len()
                    );
                }
                tally.sent += 1;
            }
            Err(e) => {
                let auth = matches!(e, mail::MailError::Auth(_));
                tell!(
                    "caltally: error: {label}: reminder for {who} not sent to {} through {}: {e}; \
                     {}",
                    to.join(", "),
                    mail_config.smtp,
                    if auth {
                        "fix `username` and the password in [mail]; no other reminder was tried"
                    } else {
                        "it will be tried again on the next run"
                    }
                );
                tally.failed += 1;
                if auth {
                    break;
                }
            }
        }
    }
    if !trial {
        // Whoever has nothing left to fix is told again should the same problems come back.
        for person in store.reminded_people(&label)? {
            let selected = args.person.as_ref().is_none_or(|p| *p == person);
            if selected && !plan.iter().any(|r| r.person == person) {
                store.log_reminder(&person, &label, "", env.now.timestamp(), "")?;
            }
        }
    }
    if !quiet {
        print_summary(&label, &plan, &tally, args.dry_run, &out_dir);
    }
    Ok(u8::from(tally.failed > 0))
}

/// The month the next `send` sends: last month until its report went out, then this one.
fn month_to_send(store: &Store, today: &chrono::NaiveDate) -> Result<Period> {
    let current = Period::month(today.year(), today.month()).context("no current month")?;
    let previous = current.previous();
    let label = previous.label();
    let sent = store.closing(&label)?.is_some() || store.mailed_associations(&label)? > 0;
    Ok(if sent { current } else { previous })
}

/// `remind-<person>.eml`, `remind-collective.eml` for the collective's message (`remind.eml`
/// should a person's file take that name).
fn file_name(r: &Reminder, stems: &std::collections::BTreeMap<String, String>) -> String {
    if r.is_collective() {
        if stems.values().any(|s| s.eq_ignore_ascii_case("collective")) {
            "remind.eml".into()
        } else {
            "remind-collective.eml".into()
        }
    } else {
        let stem = stems
            .get(&r.person)
            .cloned()
            .unwrap_or_else(|| message_id_part(&r.person));
        format!("remind-{stem}.eml")
    }
}

fn print_summary(
    label: &str,
    plan: &[Reminder],
    tally: &Tally,
    dry_run: bool,
    out_dir: &std::path::Path,
) {
    if plan.is_empty() {
        say!("caltally: {label}: nothing to fix, no reminder sent");
    } else if dry_run {
        say!(
            "caltally: {label}: {} reminder(s) written to {}, nothing sent",
            tally.sent,
            out_dir.display()
        );
    } else {
        say!(
            "caltally: {label}: {} reminder(s) sent, {} unchanged since the last one, {} failed",
            tally.sent,
            tally.unchanged,
            tally.failed
        );
    }
}

/// The month `run` reminds people about today, if any: `days` days before the day its
/// report is sent (`send_on_day` of the month after), and on the eve of that day.
pub(super) fn due_month(today: chrono::NaiveDate, send_on_day: u32, days: u32) -> Option<Period> {
    if days == 0 {
        return None;
    }
    let current = Period::month(today.year(), today.month())?;
    [current.previous(), current].into_iter().find(|month| {
        let send_on = month
            .to
            .checked_add_days(chrono::Days::new(u64::from(send_on_day.max(1)) - 1));
        send_on.is_some_and(|d| {
            d.checked_sub_days(chrono::Days::new(u64::from(days))) == Some(today)
                || d.pred_opt() == Some(today)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminders_fall_days_before_the_send_day_and_on_its_eve() {
        let day = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).expect("date");
        let label = |p: Option<Period>| p.map(|p| p.label());
        assert_eq!(label(due_month(day(11, 1), 3, 2)), Some("2026-10".into()));
        assert_eq!(label(due_month(day(11, 2), 3, 2)), Some("2026-10".into()));
        assert_eq!(label(due_month(day(11, 3), 3, 2)), None);
        assert_eq!(label(due_month(day(10, 31), 3, 2)), None);
        assert_eq!(label(due_month(day(10, 29), 3, 5)), Some("2026-10".into()));
        assert_eq!(label(due_month(day(10, 31), 1, 2)), Some("2026-10".into()));
        assert_eq!(label(due_month(day(11, 1), 3, 0)), None);
    }
}
