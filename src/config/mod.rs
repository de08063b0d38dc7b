// SPDX-License-Identifier: GPL-3.0-or-later
//! The TOML configuration: where it is found, what it may hold, and its validation.
//!
//! Owns: the search order (`--config`, `$CALTALLY_CONFIG`,
//! `$XDG_CONFIG_HOME/caltally/config.toml`), the schema (unknown keys are errors), checks
//! that name the file, the line and the key at fault, the conversion to classification
//! [`Rules`], and the commented template written by `caltally init`. Opens no connection.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::classify::{self, AssociationRule, PersonRule, Rules};
use crate::model::Kind;

mod collective;
mod explain;
mod file_names;
mod lenient;
mod locate;
mod mail;
mod names;
mod publish;
mod secret;
mod sources;
pub use collective::{CollectiveConfig, collective_of};
pub use locate::require_config;
pub use mail::{Attach, MailConfig};
pub use publish::PublishConfig;
pub use secret::{SecretError, check_secret, read_secret};

/// What can go wrong with a config file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No config file was found where it is looked for.
    #[error(
        "no config file found. Looked at:\n{}\nCreate one with `caltally init` (or give --config FILE).",
        .0.join("\n")
    )]
    NotFound(
        /// Each place looked at, and why it did not do.
        Vec<String>,
    ),
    /// The file could not be read.
    #[error("cannot read config file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML is malformed or a key is unknown or of the wrong type.
    #[error("{path}:{line}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The parser's explanation.
        message: String,
    },
    /// A value is well-formed TOML but not acceptable.
    #[error("{path}:{line}: key `{key}`: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the key (or 1 if not found).
        line: usize,
        /// Dotted key.
        key: String,
        /// What is wrong and what is expected.
        message: String,
    },
}

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// IANA zone of the reports.
    pub timezone: Option<String>,
    /// `fr` or `en`.
    pub lang: Option<String>,
    /// Path of the SQLite store.
    pub store: Option<PathBuf>,
    /// Directory where `report` writes, by default.
    pub output: Option<PathBuf>,
    /// Calendar sources.
    #[serde(default, rename = "source")]
    pub sources: Vec<SourceConfig>,
    /// `[classify]`.
    #[serde(default)]
    pub classify: ClassifyConfig,
    /// `[associations.KEY]`.
    #[serde(default)]
    pub associations: BTreeMap<String, AssociationConfig>,
    /// `[people.KEY]`.
    #[serde(default)]
    pub people: BTreeMap<String, PersonConfig>,
    /// `[valuation]`.
    pub valuation: Option<ValuationConfig>,
    /// `[mail]`.
    pub mail: Option<MailConfig>,
    /// `[collective]`.
    pub collective: Option<CollectiveConfig>,
    /// `[publish]`.
    pub publish: Option<PublishConfig>,
    /// Directory of the file, to resolve relative paths.
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// The file itself.
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

/// One `[[source]]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// A CalDAV server root, principal or calendar URL.
    pub caldav: Option<String>,
    /// An `.ics` URL, or a local `.ics` file or directory of them (relative to the config file).
    pub ics: Option<String>,
    /// Optional name of the calendar of an `ics` source (default: X-WR-CALNAME, else the file name).
    pub name: Option<String>,
    /// User name for Basic authentication.
    pub username: Option<String>,
    /// Name of the environment variable holding the password.
    pub password_env: Option<String>,
    /// Command printing the password (run with `sh -c`).
    pub password_command: Option<String>,
    /// File whose first line is the password.
    pub password_file: Option<String>,
    /// Only the calendars with these display names (or last path segments).
    #[serde(default)]
    pub calendars: Vec<String>,
    /// Extra trust root (PEM) for a self-signed server.
    pub ca_file: Option<String>,
    /// Seconds before a request is abandoned (default 120; connecting: at most 10).
    pub timeout: Option<u64>,
}

impl SourceConfig {
    /// The key identifying this source in the store (its URL or path).
    pub fn key(&self) -> &str {
        self.caldav
            .as_deref()
            .or(self.ics.as_deref())
            .unwrap_or_default()
    }

    /// The password, from the environment, a command or a file (never logged).
    pub fn password(&self, base_dir: &Path) -> Result<Option<String>, SecretError> {
        read_secret(
            self.password_env.as_deref(),
            self.password_command.as_deref(),
            self.password_file.as_deref(),
            base_dir,
        )
    }
}

/// `[classify]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifyConfig {
    /// Volunteer words.
    #[serde(default = "default_volunteer")]
    pub volunteer: Vec<String>,
    /// Paid words.
    #[serde(default = "default_paid")]
    pub paid: Vec<String>,
    /// `volunteer`, `paid` or `unspecified`.
    #[serde(default = "default_kind")]
    pub default_kind: String,
    /// `"skip"` or hours counted per all-day event day.
    #[serde(default = "default_all_day")]
    pub all_day: toml::Value,
    /// Use each calendar's name as a tag.
    #[serde(default)]
    pub calendar_tag: bool,
}

impl Default for ClassifyConfig {
    fn default() -> Self {
        Self {
            volunteer: default_volunteer(),
            paid: default_paid(),
            default_kind: default_kind(),
            all_day: default_all_day(),
            calendar_tag: false,
        }
    }
}

fn default_volunteer() -> Vec<String> {
    classify::DEFAULT_VOLUNTEER
        .iter()
        .map(|s| s.to_string())
        .collect()
}
fn default_paid() -> Vec<String> {
    classify::DEFAULT_PAID
        .iter()
        .map(|s| s.to_string())
        .collect()
}
fn default_kind() -> String {
    "unspecified".into()
}
fn default_all_day() -> toml::Value {
    toml::Value::String("skip".into())
}

/// `[associations.KEY]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssociationConfig {
    /// Display name.
    pub name: Option<String>,
    /// Aliases.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Kind when no kind word is present.
    pub default_kind: Option<String>,
    /// Where its monthly report goes (`email` or `emails`: one address or a list).
    #[serde(default, alias = "emails", deserialize_with = "lenient::one_or_many")]
    pub email: Vec<String>,
    /// Its git repository, where `publish` commits the closed months.
    pub repo: Option<String>,
}

/// `[people.KEY]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonConfig {
    /// Display name.
    pub name: Option<String>,
    /// Addresses used as ORGANIZER or ATTENDEE (`emails` or `email`: one or a list).
    #[serde(default, alias = "email", deserialize_with = "lenient::one_or_many")]
    pub emails: Vec<String>,
    /// Whether `remind` mails this person the problems of their events (default: yes).
    pub remind: Option<bool>,
}

/// `[valuation]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValuationConfig {
    /// Dated hourly rates.
    pub rates: Vec<RateConfig>,
    /// Currency code.
    #[serde(default = "default_currency")]
    pub currency: String,
    /// Optional account debited in the annex (e.g. French 864, "personnel bénévole").
    pub debit_account: Option<String>,
    /// Optional account credited (e.g. French 875, "bénévolat").
    pub credit_account: Option<String>,
}

fn default_currency() -> String {
    "EUR".into()
}

/// One dated rate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateConfig {
    /// First day the rate applies (`2024-11-01` or `"2024-11-01"`).
    pub from: toml::Value,
    /// Value of one volunteer hour.
    pub per_hour: f64,
}

/// How all-day events count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AllDayPolicy {
    /// Not counted (listed under review).
    Skip,
    /// This many hours per day.
    Hours(f64),
}

/// A dated rate, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    /// First day.
    pub from: NaiveDate,
    /// Value per hour.
    pub per_hour: f64,
}

/// Where the config comes from, in the documented order. `None`: no config.
pub fn find_config(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("CALTALLY_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let default = config_home()?.join("caltally").join("config.toml");
    default.exists().then_some(default)
}

/// `$XDG_CONFIG_HOME`, else `~/.config`.
pub fn config_home() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
}

impl Config {
    /// Reads and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses and validates `text`, read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config: Config =
            toml::from_str(text).map_err(|e| explain::parse_error(text, path, &e))?;
        config.base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        config.path = Some(path.to_path_buf());
        config.check_association_names(text, path)?;
        config.validate(text, path)?;
        Ok(config)
    }

    /// No tag may name two associations (keys and aliases, case and accents folded).
    fn check_association_names(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        match names::find_clash(&self.associations) {
            None => Ok(()),
            Some(clash) => Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                line: explain::line_of_dotted_key(text, &clash.key),
                key: clash.key,
                message: clash.message,
            }),
        }
    }

    fn validate(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: line_of_key(text, key),
            key: key.to_string(),
            message,
        };
        if let Some(tz) = &self.timezone
            && tz.parse::<chrono_tz::Tz>().is_err()
        {
            return Err(invalid(
                "timezone",
                format!("`{tz}` is not an IANA time zone (e.g. \"Europe/Brussels\")"),
            ));
        }
        if let Some(lang) = &self.lang
            && crate::report::i18n::Lang::parse(lang).is_none()
        {
            return Err(invalid(
                "lang",
                format!("`{lang}` is not supported (use \"fr\" or \"en\")"),
            ));
        }
        if Kind::parse(&self.classify.default_kind).is_none() {
            return Err(invalid(
                "default_kind",
                "expected \"volunteer\", \"paid\" or \"unspecified\"".into(),
            ));
        }
        self.all_day_policy().map_err(|m| invalid("all_day", m))?;
        for (key, a) in &self.associations {
            if let Some(k) = &a.default_kind
                && Kind::parse(k).is_none()
            {
                return Err(invalid(
                    &format!("associations.{key}.default_kind"),
                    "expected \"volunteer\", \"paid\" or \"unspecified\"".into(),
                ));
            }
            for e in &a.email {
                crate::mail::parse_mailbox(e).map_err(|err| {
                    invalid(&format!("associations.{key}.email"), err.to_string())
                })?;
            }
        }
        self.check_file_names(text, path)?;
        self.validate_sources(text, path)?;
        self.rates().map_err(|m| invalid("rates", m))?;
        if let Some(mail) = &self.mail {
            mail.validate(&invalid)?;
        }
        if let Some(collective) = &self.collective {
            collective.validate(&invalid)?;
        }
        self.validate_publish(text, path)?;
        Ok(())
    }

    /// The `[classify] all_day` policy.
    pub fn all_day_policy(&self) -> Result<AllDayPolicy, String> {
        match &self.classify.all_day {
            toml::Value::String(s) if s == "skip" => Ok(AllDayPolicy::Skip),
            toml::Value::Integer(h) if (0..=24).contains(h) => Ok(AllDayPolicy::Hours(*h as f64)),
            toml::Value::Float(h) if (0.0..=24.0).contains(h) => Ok(AllDayPolicy::Hours(*h)),
            other => Err(format!(
                "expected \"skip\" or a number of hours between 0 and 24, found {other}"
            )),
        }
    }

    /// The dated valuation rates, sorted.
    pub fn rates(&self) -> Result<Vec<Rate>, String> {
        let Some(v) = &self.valuation else {
            return Ok(Vec::new());
        };
        let mut rates = Vec::new();
        for r in &v.rates {
            let text = match &r.from {
                toml::Value::String(s) => s.clone(),
                toml::Value::Datetime(d) => d.to_string(),
                other => other.to_string(),
            };
            let from = NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .map_err(|_| format!("`from = {}` must be a date YYYY-MM-DD", r.from))?;
            if !(r.per_hour.is_finite() && r.per_hour >= 0.0) {
                return Err(format!(
                    "`per_hour = {}` must be a positive number",
                    r.per_hour
                ));
            }
            rates.push(Rate {
                from,
                per_hour: r.per_hour,
            });
        }
        rates.sort_by_key(|r| r.from);
        Ok(rates)
    }

    /// The classification rules this config describes.
    pub fn rules(&self) -> Rules {
        let norm = |v: &[String]| v.iter().map(|w| classify::normalise(w)).collect::<Vec<_>>();
        Rules {
            volunteer: norm(&self.classify.volunteer),
            paid: norm(&self.classify.paid),
            default_kind: Kind::parse(&self.classify.default_kind).unwrap_or_default(),
            associations: self
                .associations
                .iter()
                .map(|(key, a)| AssociationRule {
                    key: key.clone(),
                    name: a.name.clone().unwrap_or_else(|| key.clone()),
                    tags: std::iter::once(classify::normalise(key))
                        .chain(a.tags.iter().map(|t| classify::normalise(t)))
                        .collect(),
                    default_kind: a.default_kind.as_deref().and_then(Kind::parse),
                })
                .collect(),
            people: self
                .people
                .iter()
                .map(|(key, p)| PersonRule {
                    key: key.clone(),
                    name: p.name.clone().unwrap_or_else(|| key.clone()),
                    emails: p.emails.iter().map(|e| e.trim().to_lowercase()).collect(),
                })
                .collect(),
            calendar_tag: self.classify.calendar_tag,
        }
    }

    /// The store's path: `store`, else `$XDG_DATA_HOME/caltally/caltally.db`, else
    /// `~/.local/share/caltally/caltally.db`.
    pub fn store_path(&self) -> Option<PathBuf> {
        if let Some(p) = &self.store {
            return Some(self.resolve(&p.display().to_string()));
        }
        let data = std::env::var_os("XDG_DATA_HOME")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
        Some(data.join("caltally").join("caltally.db"))
    }

    /// Resolves a path written in the config relative to the config file's directory.
    pub fn resolve(&self, path: &str) -> PathBuf {
        let p = PathBuf::from(path);
        if p.is_absolute() {
            p
        } else {
            self.base_dir.join(p)
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn line_of_key(text: &str, key: &str) -> usize {
    let last = key.rsplit('.').next().unwrap_or(key);
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(last)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(1, |i| i + 1)
}

/// The commented template written by `caltally init`.
pub const TEMPLATE: &str = include_str!("config_template.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_is_valid() {
        let c = Config::parse(TEMPLATE, Path::new("template.toml")).expect("template parses");
        assert_eq!(c.timezone.as_deref(), Some("Europe/Brussels"));
        assert!(!c.rules().associations.is_empty());
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let err = Config::parse(
            "lang = \"fr\"\ntimezone = \"Mars/Olympus\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "c.toml:2: key `timezone`: `Mars/Olympus` is not an IANA time zone (e.g. \"Europe/Brussels\")"
        );
        let err = Config::parse("[classify]\nvolunter = []\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("c.toml:2: key `classify.volunter`: unknown key `volunter`"),
            "{err}"
        );
        let err = Config::parse("[classify]\nall_day = \"yes\"\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.toml:2: key `all_day`"), "{err}");
    }

    #[test]
    fn a_password_in_a_source_url_is_refused() {
        for text in [
            "[[source]]\ncaldav = \"https://alice:hunter2@cloud.example.org/\"\nusername = \"alice\"\n",
            "[[source]]\nics = \"https://alice:hunter2@cloud.example.org/cal.ics\"\n",
        ] {
            let err = Config::parse(text, Path::new("c.toml"))
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("c.toml:2: key `"), "{err}");
            assert!(err.contains("https://cloud.example.org/"), "{err}");
            assert!(
                err.contains("password_env") && !err.contains("hunter2"),
                "{err}"
            );
        }
    }
}
