// SPDX-License-Identifier: GPL-3.0-or-later
//! `[mail]`: the SMTP server, the sender and when `run` sends, and their validation.

use std::path::Path;

use serde::Deserialize;

use super::{ConfigError, SecretError, read_secret};

/// `[mail]`: how `send` and `run` deliver the monthly reports.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// `smtp://HOST[:PORT]` (STARTTLS, port 587 by default) or `smtps://HOST[:PORT]`
    /// (implicit TLS, port 465 by default).
    pub smtp: String,
    /// On `smtp://`: `required` (default) or `never` (plain text, refused unless the server
    /// is on loopback: localhost, 127.0.0.0/8, ::1).
    #[serde(default = "default_starttls")]
    pub starttls: String,
    /// Extra trust root (PEM) for the server's certificate.
    pub ca_file: Option<String>,
    /// AUTH user name; no AUTH without it.
    pub username: Option<String>,
    /// Environment variable holding the password.
    pub password_env: Option<String>,
    /// Shell command printing the password.
    pub password_command: Option<String>,
    /// File holding the password.
    pub password_file: Option<String>,
    /// Sender, `Name <address>`.
    pub from: String,
    /// Reply-To (the collective); defaults to `from`.
    pub reply_to: Option<String>,
    /// Copy of every message.
    #[serde(default)]
    pub cc: Vec<String>,
    /// Day of the month on which `run` sends last month's reports (1–28), if not sent yet.
    pub send_on_day: Option<u32>,
    /// How many days before `send_on_day` `run` reminds people of their events to fix
    /// (0–27; 0: never; default 2), and again on the eve.
    pub remind_days_before: Option<u32>,
    /// Seconds before a silent server is given up (default 60).
    pub timeout: Option<u64>,
    /// What each association's mail attaches: `ods`, `csv`, `md` (default: ods and csv).
    #[serde(default = "default_attach")]
    pub attach: Vec<String>,
}

/// One kind of attachment of an association's mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attach {
    /// The spreadsheet, `<association>-<month>.ods`.
    Ods,
    /// The association's rows of `entries.csv`, `<association>-<month>-data.csv`.
    Csv,
    /// The page itself, `<association>-<month>.md`.
    Md,
}

impl Attach {
    fn parse(text: &str) -> Option<Attach> {
        match text {
            "ods" => Some(Attach::Ods),
            "csv" => Some(Attach::Csv),
            "md" => Some(Attach::Md),
            _ => None,
        }
    }
}

fn default_attach() -> Vec<String> {
    vec!["ods".into(), "csv".into()]
}

fn default_starttls() -> String {
    "required".into()
}

impl MailConfig {
    /// The SMTP password, if any is configured.
    pub fn password(&self, base_dir: &Path) -> Result<Option<String>, SecretError> {
        read_secret(
            self.password_env.as_deref(),
            self.password_command.as_deref(),
            self.password_file.as_deref(),
            base_dir,
        )
    }

    /// The attachments, in the order configured (checked when the config was loaded).
    pub fn attachments(&self) -> Vec<Attach> {
        self.attach
            .iter()
            .filter_map(|a| Attach::parse(a))
            .collect()
    }

    /// Checks the section; `invalid` names the key at fault.
    pub(super) fn validate(
        &self,
        invalid: &dyn Fn(&str, String) -> ConfigError,
    ) -> Result<(), ConfigError> {
        crate::mail::Server::parse(&self.smtp, &self.starttls).map_err(|e| match e {
            crate::mail::MailError::PlainText(_) => invalid("starttls", e.to_string()),
            _ => invalid("smtp", e.to_string()),
        })?;
        crate::mail::parse_mailbox(&self.from).map_err(|e| invalid("from", e.to_string()))?;
        if let Some(r) = &self.reply_to {
            crate::mail::parse_mailbox(r).map_err(|e| invalid("reply_to", e.to_string()))?;
        }
        for c in &self.cc {
            crate::mail::parse_mailbox(c).map_err(|e| invalid("cc", e.to_string()))?;
        }
        let secrets = [
            &self.password_env,
            &self.password_command,
            &self.password_file,
        ]
        .iter()
        .filter(|x| x.is_some())
        .count();
        if secrets > 1 {
            return Err(invalid(
                "password_env",
                "[mail]: give only one of password_env, password_command, password_file".into(),
            ));
        }
        if let Some(day) = self.send_on_day
            && !(1..=28).contains(&day)
        {
            return Err(invalid(
                "send_on_day",
                format!("{day} is not a day every month has; use 1 to 28"),
            ));
        }
        if let Some(days) = self.remind_days_before
            && days > 27
        {
            return Err(invalid(
                "remind_days_before",
                format!("{days} days is too many; use 0 (no reminders) to 27"),
            ));
        }
        for (i, a) in self.attach.iter().enumerate() {
            if Attach::parse(a).is_none() {
                return Err(invalid(
                    "attach",
                    format!("`{a}` is not an attachment; use any of \"ods\", \"csv\", \"md\""),
                ));
            }
            if self.attach[..i].contains(a) {
                return Err(invalid("attach", format!("`{a}` is listed twice")));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::Config;

    #[test]
    fn mail_section_is_checked() {
        let mail = |extra: &str| {
            Config::parse(
                &format!(
                    "[mail]\nsmtp = \"smtp://mail.example.org\"\nfrom = \"Le collectif <help@example.org>\"\n{extra}"
                ),
                Path::new("c.toml"),
            )
        };
        let ok = mail("cc = [\"a@example.org\"]\nsend_on_day = 3\n").expect("valid");
        assert_eq!(ok.mail.as_ref().expect("mail").starttls, "required");
        let err = mail("remind_days_before = 28\n").unwrap_err().to_string();
        assert!(err.contains("key `remind_days_before`"), "{err}");
        assert!(mail("remind_days_before = 0\n").is_ok());
        let err = mail("send_on_day = 31\n").unwrap_err().to_string();
        assert!(err.starts_with("c.toml:4: key `send_on_day`"), "{err}");
        let err = mail("starttls = \"sometimes\"\n").unwrap_err().to_string();
        assert!(
            err.contains("key `smtp`") && err.contains("sometimes"),
            "{err}"
        );
        let err = mail("starttls = \"never\"\n").unwrap_err().to_string();
        assert!(
            err.starts_with("c.toml:4: key `starttls`") && err.contains("clear text"),
            "{err}"
        );
        let local = |host: &str| {
            Config::parse(
                &format!(
                    "[mail]\nsmtp = \"smtp://{host}:25\"\nstarttls = \"never\"\nfrom = \"a@example.org\"\n"
                ),
                Path::new("c.toml"),
            )
        };
        local("localhost").expect("loopback by name");
        local("127.0.0.1").expect("loopback IPv4");
        local("[::1]").expect("loopback IPv6");
        let err = local("10.1.2.3").unwrap_err().to_string();
        assert!(err.starts_with("c.toml:3: key `starttls`"), "{err}");
        assert_eq!(
            ok.mail.as_ref().map(|m| m.attachments()),
            Some(vec![super::Attach::Ods, super::Attach::Csv])
        );
        let md = mail("attach = [\"md\"]\n").expect("valid");
        assert_eq!(
            md.mail.map(|m| m.attachments()),
            Some(vec![super::Attach::Md])
        );
        let err = mail("attach = [\"pdf\"]\n").unwrap_err().to_string();
        assert!(
            err.starts_with("c.toml:4: key `attach`") && err.contains("\"ods\""),
            "{err}"
        );
        let err = mail("attach = [\"csv\", \"csv\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("twice"), "{err}");
        let err = mail("cc = [\"nobody\"]\n").unwrap_err().to_string();
        assert!(err.starts_with("c.toml:4: key `cc`"), "{err}");
        let err = Config::parse(
            "[associations.amis]\nemail = [\"tresorerie at amis\"]\n",
            Path::new("c.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("associations.amis.email"), "{err}");
        let err = Config::parse("[mail]\nfrom = \"a@example.org\"\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("key `mail`: the key `smtp` is missing"),
            "{err}"
        );
    }
}
