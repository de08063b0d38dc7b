// SPDX-License-Identifier: GPL-3.0-or-later
//! `send`: one mail per association for a closed month, logged in the store so that it is
//! sent once; corrections after amendments; `.eml` files for `--dry-run`.
//!
//! Order of a real send, per association: log the mail as `sending`, run the SMTP session,
//! then mark it `sent` (or forget it if the server refused). A run interrupted between the
//! first and the last step leaves a `sending` row: the mail is not sent again blindly, the
//! next run says so and `--resend` sends it again once someone has checked.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use chrono::Datelike;

use super::closing::{closed_files, page_name, render_files};
use super::sync::{lock_store, open_store};
use super::{Env, Selection, UsageError, build_report, gather, report_zone};
use crate::cli::{Format, SendArgs};
use crate::closing::{self, Item};
use crate::config::{Config, MailConfig};
use crate::mail::{self, Attached, Letter, Mailer, MailerSettings};
use crate::model::Period;
use crate::output::file_stem;
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
    let mail_config = config.mail.as_ref().ok_or_else(|| {
        UsageError(
            "sending needs a [mail] section in the config (smtp, from, …; see `caltally init`)"
                .into(),
        )
    })?;
    if let Some(key) = &args.association
        && !config.associations.contains_key(key)
    {
        return Err(UsageError(format!(
            "--association `{key}` is not a configured association"
        ))
        .into());
    }
    if let Some(to) = &args.to {
        mail::parse_mailbox(to).map_err(|e| UsageError(format!("--to: {e}")))?;
    }
    let trial = args.dry_run || args.to.is_some();
    let (zone, _) = report_zone(None, config, env)?;
    let today = zone.to_local(env.now).date();
    let month = match &args.month {
        Some(m) => Period::parse_month(m)?,
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
    let selection = Selection {
        month: Some(label.clone()),
        year: None,
        from: None,
        to: None,
        source: Vec::new(),
        tz: None,
    };
    let g = gather(&selection, None, config, env)?;
    if print_warnings {
        for p in &g.problems {
            eprintln!("caltally: warning: {p}");
        }
    }
    let report = build_report(&g, None);
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
    let stored = store.closing(&label)?;
    let closing = match stored {
        Some(c) => c,
        None => {
            let fingerprint = serde_json::to_string(&closing::fingerprint(&report.entries))?;
            let files: Vec<(String, String)> = render_files(&report, &[Format::Csv, Format::Md])?
                .into_iter()
                .map(|(n, b)| (n, String::from_utf8_lossy(&b).into_owned()))
                .collect();
            let files = serde_json::to_string(&files)?;
            if !trial {
                store.close_month(&label, env.now.timestamp(), &fingerprint, &files)?;
                if !quiet {
                    println!(
                        "caltally: {label} closed ({} entries, {} h)",
                        report.entries.len(),
                        t.duration(report.totals.total())
                    );
                }
            }
            (fingerprint, files)
        }
    };
    let closed: Vec<Item> =
        serde_json::from_str(&closing.0).context("the stored closing is unreadable")?;
    let files: BTreeMap<String, Vec<u8>> =
        closed_files(closing, &report, &[Format::Csv, Format::Md])?
            .into_iter()
            .collect();
    let now_items = closing::fingerprint(&report.entries);
    let amendments = closing::amendments(&closed, &now_items);
    let current_csv = {
        let mut buf = Vec::new();
        crate::report::csv::write_entries(&mut buf, &report)?;
        buf
    };

    let mut mailer: Option<Mailer> = None;
    let mut tally = Tally::default();
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| super::output_base(config).join("mail").join(&label));
    for (key, assoc) in &config.associations {
        if assoc.email.is_empty() || args.association.as_ref().is_some_and(|k| k != key) {
            continue;
        }
        let Some(page) = files.get(&page_name(key)) else {
            log::info!("{key}: no entries in {label}, nothing to send");
            continue;
        };
        let name = assoc.name.clone().unwrap_or_else(|| key.clone());
        let digest = closing::digest(&now_items, key);
        let mut log = if trial {
            Vec::new()
        } else {
            store.sent(key, &label)?
        };
        if args.resend && !trial {
            store.forget_sent(key, &label)?;
            log.clear();
        }
        if let Some(row) = log.iter().find(|r| r.state == "sending") {
            eprintln!(
                "caltally: error: {label}: {key}: the mail to {} was interrupted at {} and may have been delivered; \
                 ask them, then run `caltally send --month {label} --association {key} --resend`",
                row.recipients,
                chrono::DateTime::from_timestamp(row.at, 0)
                    .map_or_else(String::new, |d| d.to_rfc3339())
            );
            tally.failed += 1;
            continue;
        }
        let concerned = amendments.iter().any(|a| a.concerns(key));
        let what = if trial {
            if !args.amendments {
                Some(Mail::Report)
            } else if concerned {
                Some(Mail::Correction)
            } else {
                None
            }
        } else if log.is_empty() {
            Some(Mail::Report)
        } else if !args.amendments || log.iter().any(|r| r.fingerprint == digest) || !concerned {
            None
        } else {
            Some(Mail::Correction)
        };
        let Some(what) = what else {
            tally.skipped += 1;
            continue;
        };
        let csv = match what {
            Mail::Report => files.get("entries.csv").map_or(&[][..], |v| v.as_slice()),
            Mail::Correction => current_csv.as_slice(),
        };
        let page_text = String::from_utf8_lossy(page);
        let (intro, correction) = match what {
            Mail::Report => (t.mail_intro, false),
            Mail::Correction => (t.mail_correction_intro, true),
        };
        let to = match &args.to {
            Some(addr) => vec![addr.clone()],
            None => assoc.email.clone(),
        };
        let stem = file_stem(key);
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
                "caltally.{label}.{stem}.{}.{digest}{}@{}",
                what.as_str(),
                if args.to.is_some() { ".trial" } else { "" },
                mail::domain_of(&mail_config.from)
            ),
            title: t.mail_subject(&name, &month, correction),
            markdown: format!("{intro}\n\n{page_text}\n\n{}\n", t.mail_attached),
            attachments: vec![
                Attached {
                    name: format!("{stem}-{label}.csv"),
                    content_type: "text/csv; charset=utf-8".into(),
                    bytes: association_rows(csv, key)?,
                },
                Attached {
                    name: format!("{stem}-{label}.md"),
                    content_type: "text/markdown; charset=utf-8".into(),
                    bytes: page.clone(),
                },
            ],
        };
        let message = mail::build(&letter)?;
        if args.dry_run {
            let suffix = if correction { "-correction" } else { "" };
            let path = out_dir.join(format!("{stem}-{label}{suffix}.eml"));
            write_atomically(&path, &mail::to_eml(&message))?;
            if !quiet {
                println!("caltally: {label}: {name} → {}", path.display());
            }
            tally.sent += 1;
            continue;
        }
        let row = SentRow {
            association: key.clone(),
            month: label.clone(),
            fingerprint: digest.clone(),
            kind: what.as_str().into(),
            state: "sending".into(),
            at: env.now.timestamp(),
            recipients: to.join(", "),
            message_id: letter.message_id.clone(),
        };
        if !trial && !store.begin_sending(&row)? {
            tally.skipped += 1;
            continue;
        }
        if mailer.is_none() {
            mailer = Some(mailer_for(mail_config, config).inspect_err(|_| {
                if !trial {
                    let _ = store.forget_sending(key, &label, &digest);
                }
            })?);
        }
        let Some(m) = mailer.as_ref() else {
            unreachable!("the mailer was just set")
        };
        match m.send(&message) {
            Ok(()) => {
                if !trial {
                    store.mark_sent(key, &label, &digest)?;
                }
                if !quiet {
                    println!(
                        "caltally: {label}: {} sent to {name} ({})",
                        what.as_str(),
                        to.join(", ")
                    );
                }
                tally.sent += 1;
            }
            Err(e) => {
                if !trial {
                    store.forget_sending(key, &label, &digest)?;
                }
                eprintln!(
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
    if !quiet {
        if args.dry_run {
            println!(
                "caltally: {label}: {} message(s) written to {}, nothing sent",
                tally.sent,
                out_dir.display()
            );
        } else {
            println!(
                "caltally: {label}: {} sent, {} already sent or unchanged, {} failed",
                tally.sent, tally.skipped, tally.failed
            );
        }
    }
    Ok(u8::from(tally.failed > 0))
}

#[derive(Debug, Default)]
struct Tally {
    sent: usize,
    skipped: usize,
    failed: usize,
}

fn mailer_for(m: &MailConfig, config: &Config) -> Result<Mailer> {
    let server = mail::Server::parse(&m.smtp, &m.starttls)?;
    let password = m
        .password(&config.base_dir)
        .context("cannot read the SMTP password")?;
    let credentials = match (&m.username, password) {
        (Some(u), Some(p)) => Some((u.clone(), p)),
        (Some(_), None) => {
            return Err(UsageError(
                "[mail] has a username but no password_env, password_command or password_file"
                    .into(),
            )
            .into());
        }
        (None, _) => None,
    };
    let ca = match &m.ca_file {
        Some(f) => {
            let path = config.resolve(f);
            Some(
                std::fs::read(&path)
                    .with_context(|| format!("cannot read [mail] ca_file {}", path.display()))?,
            )
        }
        None => None,
    };
    Ok(Mailer::new(&MailerSettings {
        server: &server,
        credentials,
        ca_pem: ca.as_deref(),
        timeout: std::time::Duration::from_secs(m.timeout.unwrap_or(60).max(1)),
    })?)
}

/// The header and the rows of `entries.csv` whose association is `key`.
fn association_rows(csv: &[u8], key: &str) -> Result<Vec<u8>> {
    let mut reader = ::csv::ReaderBuilder::new().from_reader(csv);
    let headers = reader.headers()?.clone();
    let column = headers
        .iter()
        .position(|h| h == "association")
        .ok_or_else(|| anyhow!("entries.csv has no association column"))?;
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record(&headers)?;
    for record in reader.records() {
        let record = record?;
        if record.get(column) == Some(key) {
            writer.write_record(&record)?;
        }
    }
    writer.into_inner().map_err(|e| anyhow!("{e}"))
}

/// Writes a file through a temporary name and a rename.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let temp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&temp, bytes).with_context(|| format!("cannot write {}", temp.display()))?;
    std::fs::rename(&temp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
