// SPDX-License-Identifier: GPL-3.0-or-later
//! `send`: one mail per association for a closed month, logged in the store so that it is
//! sent once; corrections after amendments; `.eml` files for `--dry-run`.
//!
//! Order of a real send, per association: log the mail as `sending`, run the SMTP session,
//! then mark it `sent` (or forget it if the server refused). A run interrupted between the
//! first and the last step leaves a `sending` row: the mail is not sent again blindly, the
//! next run says so and `--resend` sends it again once someone has checked.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use chrono::Datelike;

use super::closing::{closed_files, freeze, naming, page_names, render_files};
use super::mailing::{
    check_trial_address, mail_section, mailer_for, message_id_part, write_atomically,
};
use super::sync::{lock_store, open_store};
use super::{Env, Selection, UsageError, build_report, gather, report_zone};
use crate::cli::{Format, SendArgs};
use crate::closing::{self, Item};
use crate::config::Config;
use crate::file_names::association_stems;
use crate::mail::{self, Letter, Mailer};
use crate::model::Period;
use crate::store::{SentRow, Store};

/// `caltally send`.
pub(super) fn send(args: &SendArgs, config: &Config, env: &Env, quiet: bool) -> Result<u8> {
    let trial = args.dry_run || args.to.is_some();
    let _lock = if trial {
        None
    } else {
        let path = config
            .store_path()
            .ok_or_else(|| UsageError("sending needs a store: set `store` in the config".into()))?;
        Some(lock_store(&path, args.wait)?)
    };
    send_locked(args, config, env, quiet, true)
}

/// What one association gets this time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mail {
    /// The month's report.
    Report,
    /// The amendments since the report was sent.
    Correction,
}

impl Mail {
    fn as_str(self) -> &'static str {
        match self {
            Mail::Report => "report",
            Mail::Correction => "correction",
        }
    }
}

/// `send` once the caller holds the lock (or needs none: `--dry-run`, `--to`).
pub(super) fn send_locked(
    args: &SendArgs,
    config: &Config,
    env: &Env,
    quiet: bool,
    print_warnings: bool,
) -> Result<u8> {
    let mail_config = mail_section(config, "sending")?;
    if let Some(key) = &args.association
        && !config.associations.contains_key(key)
    {
        return Err(UsageError(format!(
            "--association `{key}` is not a configured association"
        ))
        .into());
    }
    check_trial_address(args.to.as_deref())?;
    let trial = args.dry_run || args.to.is_some();
    let (zone, _) = report_zone(None, config, env)?;
    let today = zone.to_local(env.now).date();
    let month = match &args.month {
        Some(m) => Period::parse_month_on(m, today)?,
        None => Period::month(today.year(), today.month())
            .context("no current month")?
            .previous(),
    };
    let label = month.label();
    if today < month.to && !trial {
        return Err(UsageError(format!(
            "{label} is not over yet: it can be sent from {} on (try it out now with --dry-run or --to)",
            month.to
        ))
        .into());
    }
    let g = gather(&Selection::of_month(label.clone()), None, config, env)?;
    if print_warnings {
        for p in &g.problems {
            crate::terminal::warn(p);
        }
    }
    let mut report = build_report(&g, None);
    let t = report.lang.text();
    // A trial reads the store if there is one, and never creates it.
    let store_path = config
        .store_path()
        .ok_or_else(|| UsageError("sending needs a store: set `store` in the config".into()))?;
    let store = if trial && !store_path.exists() {
        Store::in_memory()?
    } else {
        open_store(config)?.0
    };
    // The month as the calendar is now, rendered once. If it is still open, it is closed
    // from that with the first report mail the server accepts, and not before.
    let naming = naming(config);
    if store.closing(&label)?.is_none() {
        // Closed by this run: its pages say so.
        report.about.status = crate::report::Status::Closed(report.about.made);
    }
    let rendered = render_files(&report, &[Format::Csv, Format::Md, Format::Ods], naming)?;
    let (closing, mut to_close) = match store.closing(&label)? {
        Some(c) => (c, None),
        None => {
            let frozen = freeze(&report, &rendered)?;
            let to_close = (!trial).then(|| frozen.clone());
            (frozen, to_close)
        }
    };
    let closed: Vec<Item> =
        serde_json::from_str(&closing.0).context("the stored closing is unreadable")?;
    // As closed (with the amendments since appended), and as the calendar is now.
    let closed_files: BTreeMap<String, Vec<u8>> = closed_files(
        closing,
        &report,
        &[Format::Csv, Format::Md, Format::Ods],
        naming,
    )?
    .into_iter()
    .collect();
    let current_files: BTreeMap<String, Vec<u8>> = rendered.into_iter().collect();
    let now_items = closing::fingerprint(&report.entries);

    let mut mailer: Option<Mailer> = None;
    let mut tally = Tally::default();
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| super::output_base(config).join("mail").join(&label));
    let keys = || config.associations.keys().map(String::as_str);
    let (pages, stems) = (
        page_names(keys(), naming),
        association_stems(keys(), naming),
    );
    for (key, assoc) in &config.associations {
        if args.association.as_ref().is_some_and(|k| k != key) {
            continue;
        }
        if assoc.email.is_empty() {
            if !quiet {
                say!("caltally: {label}: {key} skipped: no `email` in [associations.{key}]");
            }
            continue;
        }
        let page_name = pages.get(key).cloned().unwrap_or_default();
        let of_key = |items: &[Item]| -> Vec<Item> {
            items
                .iter()
                .filter(|i| i.association == *key)
                .cloned()
                .collect()
        };
        let (closed_key, now_key) = (of_key(&closed), of_key(&now_items));
        // The log is read even to try out (`--dry-run`, `--to`), never written then.
        let mut log = store.sent(key, &label)?;
        let mut amendments = args.amendments;
        if args.resend && !trial {
            // An interrupted correction is sent again as a correction.
            amendments |= log
                .iter()
                .any(|r| r.state == "sending" && r.kind == Mail::Correction.as_str());
            store.forget_interrupted(key, &label)?;
            log = store.sent(key, &label)?;
        }
        if let Some(row) = log.iter().find(|r| r.state == "sending")
            && args.to.is_none()
        {
            tell!(
                "caltally: error: {label}: {key}: the mail to {} was interrupted at {} and may have been delivered; \
                 ask them, then run `caltally send --month {label} --association {key} --resend`",
                row.recipients,
                chrono::DateTime::from_timestamp(row.at, 0)
                    .map_or_else(String::new, |d| d.to_rfc3339())
            );
            tally.failed += 1;
            continue;
        }
        let has_closed_page = closed_files.contains_key(&page_name);
        let last_sent = log.iter().rev().find(|r| r.state == "sent");
        // What this association gets now, and the entries it was last told about.
        let decision: Option<(Mail, Vec<Item>)> = match last_sent {
            // Trying out: every report, or the correction a real run would send.
            _ if args.to.is_some() && !amendments => {
                has_closed_page.then_some((Mail::Report, Vec::new()))
            }
            None if args.to.is_some() => Some((Mail::Correction, closed_key.clone())),
            // The month's report: as closed, with any amendment since listed under it.
            None if has_closed_page => Some((Mail::Report, Vec::new())),
            // No entry at the closing, some since: told with --amendments, as a report.
            None if amendments && !now_key.is_empty() => Some((Mail::Report, Vec::new())),
            None => None,
            Some(_) if !amendments => None,
            Some(row) => Some((
                Mail::Correction,
                serde_json::from_str(&row.items).context("the sent log is unreadable")?,
            )),
        };
        let Some((what, told)) = decision else {
            if has_closed_page {
                tally.skipped += 1;
            } else if !now_key.is_empty() {
                if !quiet {
                    say!(
                        "caltally: {label}: {key} has entries only since the closing; \
                         `caltally send --month {label} --amendments` sends them"
                    );
                }
                tally.skipped += 1;
            } else {
                if !quiet {
                    say!("caltally: {label}: {key} skipped: no entries in {label}");
                }
                tally.idle += 1;
            }
            continue;
        };
        let changes = closing::amendments(&told, &now_key);
        // A report shows the closing and lists the amendments since, so it tells the
        // calendar as it is now, like a correction.
        let mailed = now_key;
        if what == Mail::Correction && changes.is_empty() {
            tally.skipped += 1;
            continue;
        }
        let files = match what {
            Mail::Report if has_closed_page => &closed_files,
            _ => &current_files,
        };
        let digest = closing::digest(&mailed, key);
        let name = assoc.name.clone().unwrap_or_else(|| key.clone());
        let page = files.get(&page_name).cloned().unwrap_or_else(|| {
            // Every entry was removed: a page that says so.
            format!(
                "# {name} — {} {}\n\n{}\n",
                t.report_title,
                t.period(&month),
                t.no_entries
            )
            .into_bytes()
        });
        let correction = what == Mail::Correction;
        let mut markdown = String::new();
        if correction {
            markdown.push_str(t.mail_correction_intro);
            markdown.push_str(&format!("\n\n## {}\n\n", t.mail_changes));
            let mut lines = Vec::new();
            closing::write_amendment_lines(&mut lines, &changes.iter().collect::<Vec<_>>(), t)?;
            let rates = config.rates().unwrap_or_default();
            let currency = config
                .valuation
                .as_ref()
                .map_or_else(|| "EUR".into(), |v| v.currency.clone());
            crate::report::correction::write_totals(
                &mut lines,
                &crate::report::correction::recount(&told, &rates, &currency),
                &crate::report::correction::recount(&mailed, &rates, &currency),
                t,
            )?;
            markdown.push_str(&String::from_utf8_lossy(&lines));
        } else {
            markdown.push_str(t.mail_intro);
        }
        markdown.push_str(&format!(
            "\n\n{}\n\n{}\n",
            String::from_utf8_lossy(&page).trim_end(),
            t.mail_attached
        ));
        let to = match &args.to {
            Some(addr) => vec![addr.clone()],
            None => assoc.email.clone(),
        };
        let stem = stems.get(key).cloned().unwrap_or_default();
        let sequence = log.len() + 1;
        let letter = Letter {
            from: mail_config.from.clone(),
            reply_to: mail_config
                .reply_to
                .clone()
                .unwrap_or_else(|| mail_config.from.clone()),
            to: to.clone(),
            cc: if args.to.is_some() {
                Vec::new()
            } else {
                mail_config.cc.clone()
            },
            subject: t.mail_subject(&name, &month, correction),
            date: env.now.into(),
            message_id: format!(
                "caltally.{label}.{}.{}.{digest}.{}@{}",
                message_id_part(key),
                what.as_str(),
                if args.to.is_some() {
                    "trial".to_string()
                } else {
                    sequence.to_string()
                },
                mail::domain_of(&mail_config.from)
            ),
            title: t.mail_subject(&name, &month, correction),
            // A correction answers the month's report: mail clients show them together.
            in_reply_to: log
                .iter()
                .find(|r| r.state == "sent")
                .filter(|_| correction)
                .map(|r| r.message_id.clone()),
            references: if correction {
                log.iter()
                    .filter(|r| r.state == "sent")
                    .map(|r| r.message_id.clone())
                    .collect()
            } else {
                Vec::new()
            },
            plain: {
                let mut plain = Vec::new();
                crate::report::text::write_plain(&mut plain, &markdown)?;
                String::from_utf8_lossy(&plain).into_owned()
            },
            markdown,
            attachments: super::attachments::attachments(
                &mail_config.attachments(),
                files,
                &stem,
                &label,
                key,
                page,
            )?,
        };
        let message = mail::build(&letter)?;
        if args.dry_run {
            let suffix = if correction {
                format!("-correction-{sequence}")
            } else {
                String::new()
            };
            let path = out_dir.join(format!("{stem}-{label}{suffix}.eml"));
            write_atomically(&path, &mail::to_eml(&message))?;
            if !quiet {
                say!("caltally: {label}: {name} → {}", path.display());
            }
            tally.sent += 1;
            continue;
        }
        let row_id = if trial {
            None
        } else {
            Some(store.begin_sending(&SentRow {
                id: 0,
                association: key.clone(),
                month: label.clone(),
                fingerprint: digest.clone(),
                items: serde_json::to_string(&mailed)?,
                kind: what.as_str().into(),
                state: "sending".into(),
                at: env.now.timestamp(),
                recipients: to.join(", "),
                message_id: letter.message_id.clone(),
            })?)
        };
        if mailer.is_none() {
            match mailer_for(mail_config, config) {
                Ok(m) => mailer = Some(m),
                Err(e) => {
                    if let Some(id) = row_id {
                        store.forget_sending(id)?;
                    }
                    return Err(e);
                }
            }
        }
        let Some(m) = mailer.as_ref() else {
            unreachable!("the mailer was just set")
        };
        match m.send(&message) {
            Ok(()) => {
                if let Some(id) = row_id {
                    store.mark_sent(id)?;
                }
                if let Some((fingerprint, files)) = to_close.take() {
                    store.close_month(&label, env.now.timestamp(), &fingerprint, &files)?;
                    if !quiet {
                        say!(
                            "caltally: {label} closed ({} entries, {} h)",
                            report.entries.len(),
                            t.duration(report.totals.total())
                        );
                    }
                }
                if !quiet {
                    say!(
                        "caltally: {label}: {} sent to {name} ({})",
                        what.as_str(),
                        to.join(", ")
                    );
                }
                tally.sent += 1;
            }
            Err(mail::MailError::Auth(e)) => {
                if let Some(id) = row_id {
                    store.forget_sending(id)?;
                }
                tell!(
                    "caltally: error: {label}: {} refused the SMTP user name or password ({e}); nothing was \
                     sent and no other association was tried: fix `username` and the password (password_env, \
                     password_command or password_file) in [mail], then run `caltally send --month {label}` again",
                    mail_config.smtp
                );
                tally.failed += 1;
                break;
            }
            Err(mail::MailError::Unknown(e)) if !trial => {
                tell!(
                    "caltally: error: {label}: {key}: the session with {} broke off ({e}); the mail to {} \
                     may have been delivered: ask them, then run `caltally send --month {label} --association {key} --resend`",
                    mail_config.smtp,
                    to.join(", ")
                );
                tally.failed += 1;
            }
            Err(e) => {
                if let Some(id) = row_id {
                    store.forget_sending(id)?;
                }
                tell!(
                    "caltally: error: {label}: {key}: not sent to {} through {}: {e}{}",
                    to.join(", "),
                    mail_config.smtp,
                    if trial {
                        ""
                    } else {
                        "; it will be tried again on the next run"
                    }
                );
                tally.failed += 1;
            }
        }
    }
    if to_close.is_some() && (tally.failed > 0 || !quiet) {
        let why = if tally.failed > 0 {
            "no report mail was accepted by the server"
        } else {
            "no report mail was sent"
        };
        let line = format!(
            "caltally: {label} stays open: {why}; it is closed with the first report mail the server accepts"
        );
        if tally.failed > 0 {
            tell!("{line}");
        } else {
            say!("{line}");
        }
    }
    if !quiet {
        if args.dry_run {
            say!(
                "caltally: {label}: {} message(s) written to {}, nothing sent",
                tally.sent,
                out_dir.display()
            );
        } else {
            say!(
                "caltally: {label}: {} sent, {} already sent or unchanged, {} failed{}",
                tally.sent,
                tally.skipped,
                tally.failed,
                if tally.idle > 0 {
                    format!(
                        "; {} association(s) with no entries this month got nothing",
                        tally.idle
                    )
                } else {
                    String::new()
                }
            );
        }
    }
    Ok(u8::from(tally.failed > 0))
}

#[derive(Debug, Default)]
struct Tally {
    idle: usize,
    sent: usize,
    skipped: usize,
    failed: usize,
}
