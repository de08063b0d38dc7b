// SPDX-License-Identifier: GPL-3.0-or-later
//! `[collective]`: who makes the reports, as every page an association reads names it.
//!
//! All keys are optional. The contact is `email`, else the address of `[mail] from`.

use serde::Deserialize;

use super::ConfigError;
use crate::report::Collective;

/// `[collective]`: the name, contact and web site printed on the pages.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectiveConfig {
    /// The collective's name.
    pub name: Option<String>,
    /// A contact address (default: `[mail] from`).
    pub email: Option<String>,
    /// Its web site (`https://…`).
    pub url: Option<String>,
    /// Where people open the shared calendar to fix their events (`https://…`), linked
    /// from the reminders.
    pub calendar_url: Option<String>,
}

impl CollectiveConfig {
    /// Checks the section; `invalid` names the key at fault.
    pub(super) fn validate(
        &self,
        invalid: &dyn Fn(&str, String) -> ConfigError,
    ) -> Result<(), ConfigError> {
        if let Some(name) = &self.name
            && (name.trim().is_empty() || name.chars().any(char::is_control))
        {
            return Err(invalid(
                "collective.name",
                "give the collective's name on one line, e.g. name = \"Le collectif\"".into(),
            ));
        }
        if let Some(email) = &self.email {
            crate::mail::parse_mailbox(email)
                .map_err(|e| invalid("collective.email", e.to_string()))?;
        }
        for (key, url) in [
            ("collective.url", &self.url),
            ("collective.calendar_url", &self.calendar_url),
        ] {
            let Some(url) = url else { continue };
            let lower = url.to_ascii_lowercase();
            let rest = lower
                .strip_prefix("https://")
                .or_else(|| lower.strip_prefix("http://"));
            if rest.is_none_or(|r| r.is_empty())
                || url.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(invalid(
                    key,
                    format!(
                        "`{url}` is not a web address; write it in full, e.g. \"https://collectif.example\""
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The collective as the pages name it: `[collective]`, with `[mail] from` as the default
/// contact.
pub fn collective_of(config: &super::Config) -> Collective {
    let c = config.collective.clone().unwrap_or_default();
    let from = config
        .mail
        .as_ref()
        .and_then(|m| crate::mail::parse_mailbox(&m.from).ok())
        .map(|m| m.email.to_string());
    Collective {
        name: c.name.map(|n| n.trim().to_string()),
        email: c.email.or(from),
        url: c.url,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::Config;

    #[test]
    fn collective_keys_are_checked_and_mail_from_is_the_default_contact() {
        let parse = |text: &str| Config::parse(text, Path::new("c.toml"));
        let ok = parse(
            "[collective]\nname = \"Le collectif\"\nurl = \"https://collectif.example\"\n\
             [mail]\nsmtp = \"smtp://mail.example.org\"\nfrom = \"Le collectif <help@collectif.example>\"\n",
        )
        .expect("valid");
        let c = super::collective_of(&ok);
        assert_eq!(c.name.as_deref(), Some("Le collectif"));
        assert_eq!(c.email.as_deref(), Some("help@collectif.example"));
        let err = parse("[collective]\nemail = \"help at collectif\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.toml:2: key `collective.email`"), "{err}");
        let err = parse("[collective]\nurl = \"collectif.example\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("collective.url") && err.contains("https://"),
            "{err}"
        );
        let err = parse("[collective]\ncalendar_url = \"cloud.example/calendar\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("collective.calendar_url"), "{err}");
        let err = parse("[collective]\nname = \" \"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("collective.name"), "{err}");
        let err = parse("[collective]\nphone = \"1\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("phone"), "{err}");
        assert_eq!(super::collective_of(&Config::default()), Default::default());
    }
}
