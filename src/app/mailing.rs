// SPDX-License-Identifier: GPL-3.0-or-later
//! What `send` and `remind` share: the `[mail]` section a command needs, the SMTP client
//! built from it, the Message-ID part of a key, an association's rows of `entries.csv`, and
//! `.eml` files written whole.

use std::path::Path;

use anyhow::{Context, Result, anyhow};

use super::UsageError;
use crate::closing;
use crate::config::{Config, MailConfig};
use crate::mail::{self, Mailer, MailerSettings};

/// The `[mail]` section, which `what` ("sending", "reminding") needs.
pub(super) fn mail_section<'a>(config: &'a Config, what: &str) -> Result<&'a MailConfig> {
    config.mail.as_ref().ok_or_else(|| {
        UsageError(format!(
            "{what} needs a [mail] section in the config (smtp, from, …; see `caltally init`)"
        ))
        .into()
    })
}

/// Checks a `--to` address (the one recipient of a trial run).
pub(super) fn check_trial_address(to: Option<&str>) -> Result<()> {
    if let Some(to) = to {
        mail::parse_mailbox(to).map_err(|e| UsageError(format!("--to: {e}")))?;
    }
    Ok(())
}

/// The SMTP client of the `[mail]` section, with its password and trust root.
pub(super) fn mailer_for(m: &MailConfig, config: &Config) -> Result<Mailer> {
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
        hello: mail::domain_of(&m.from),
    })?)
}

/// A key as it may appear in a Message-ID: itself if plain ASCII, else its digest.
pub(super) fn message_id_part(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        key.to_string()
    } else {
        closing::digest_text(key)
    }
}

/// The header and the rows of `entries.csv` whose association is `key`.
pub(super) fn association_rows(csv: &[u8], key: &str) -> Result<Vec<u8>> {
    let mut reader = ::csv::ReaderBuilder::new().from_reader(csv);
    let headers = reader.headers()?.clone();
    let column = headers
        .iter()
        .position(|h| h == "association")
        .ok_or_else(|| anyhow!("entries.csv has no association column"))?;
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer.write_record(&headers)?;
    // The column holds the key as entries.csv writes it (neutralised for spreadsheets).
    let cell = crate::report::csv::safe(key);
    for record in reader.records() {
        let record = record?;
        if record.get(column) == Some(&*cell) {
            writer.write_record(&record)?;
        }
    }
    writer.into_inner().map_err(|e| anyhow!("{e}"))
}

/// Writes a file through a temporary name and a rename.
pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_one_association_even_with_a_neutralised_key() {
        let csv = "date,minutes,association\r\n2025-10-01,60,'-radio\r\n2025-10-02,30,amis\r\n2025-10-03,15,'-radio\r\n";
        let rows = String::from_utf8(association_rows(csv.as_bytes(), "-radio").expect("rows"))
            .expect("utf-8");
        assert_eq!(
            rows,
            "date,minutes,association\r\n2025-10-01,60,'-radio\r\n2025-10-03,15,'-radio\r\n"
        );
        let amis = String::from_utf8(association_rows(csv.as_bytes(), "amis").expect("rows"))
            .expect("utf-8");
        assert_eq!(amis.lines().count(), 2);
        assert!(association_rows(b"date,minutes\r\n", "amis").is_err());
    }

    #[test]
    fn message_ids_stay_ascii() {
        assert_eq!(message_id_part("amis"), "amis");
        assert_eq!(message_id_part("asso_2-b"), "asso_2-b");
        let odd = message_id_part("école");
        assert!(odd.is_ascii() && odd.len() == 16, "{odd}");
        assert_ne!(message_id_part("a b"), "a b");
    }
}
