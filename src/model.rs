// SPDX-License-Identifier: GPL-3.0-or-later
//! Shared types that flow between the pipeline stages: [`Period`], [`Occurrence`],
//! [`Entry`], [`Kind`] and [`Problem`].
//!
//! Owns: plain values and their small invariants (a period is a half-open range of
//! local dates; instants are UTC). Does not own: any I/O, parsing or formatting policy.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use serde::Serialize;

/// A half-open range `[from, to)` of local dates in the report's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Period {
    /// First day included.
    pub from: NaiveDate,
    /// First day excluded.
    pub to: NaiveDate,
}

/// Why a period could not be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PeriodError {
    /// The text is not `YYYY-MM`, `YYYY` or `YYYY-MM-DD` as expected.
    #[error("`{0}` is not a valid {1} (expected {2})")]
    Malformed(String, &'static str, &'static str),
    /// The last day given is before the first.
    #[error("the period is empty: the last day {last} is before the first day {from}")]
    Backwards {
        /// First day given.
        from: NaiveDate,
        /// Last day given.
        last: NaiveDate,
    },
    /// `to` is not after `from`.
    #[error("the period is empty: {to} is not after {from}")]
    Empty {
        /// Start given.
        from: NaiveDate,
        /// End given.
        to: NaiveDate,
    },
}

impl Period {
    /// The period `[from, to)`; `to` must be after `from`.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, PeriodError> {
        if to <= from {
            return Err(PeriodError::Empty { from, to });
        }
        Ok(Self { from, to })
    }

    /// The first to last day, both included (`--from X --to X` is one day).
    pub fn inclusive(from: NaiveDate, last: NaiveDate) -> Result<Self, PeriodError> {
        let to = last
            .succ_opt()
            .ok_or(PeriodError::Backwards { from, last })?;
        if last < from {
            return Err(PeriodError::Backwards { from, last });
        }
        Ok(Self { from, to })
    }

    /// The calendar month `YYYY-MM` (a four-digit year).
    pub fn parse_month(text: &str) -> Result<Self, PeriodError> {
        let bad = || PeriodError::Malformed(text.to_string(), "month", "YYYY-MM, e.g. 2026-10");
        let (y, m) = text.split_once('-').ok_or_else(bad)?;
        if !is_digits(y, 4) || !is_digits(m, 2) {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        Self::month(year, month).ok_or_else(bad)
    }

    /// `YYYY-MM`, or `last` / `this` month as seen on `today`.
    pub fn parse_month_on(text: &str, today: NaiveDate) -> Result<Self, PeriodError> {
        let this = Self::month(today.year(), today.month());
        match text.trim().to_ascii_lowercase().as_str() {
            "this" => this.ok_or_else(|| PeriodError::Malformed(text.into(), "month", "YYYY-MM")),
            "last" => this
                .map(|p| p.previous())
                .ok_or_else(|| PeriodError::Malformed(text.into(), "month", "YYYY-MM")),
            _ => Self::parse_month(text).map_err(|_| {
                PeriodError::Malformed(
                    text.to_string(),
                    "month",
                    "YYYY-MM, `last` or `this`, e.g. 2026-10",
                )
            }),
        }
    }

    /// The calendar year `YYYY` (four digits: `26` is not 2026).
    pub fn parse_year(text: &str) -> Result<Self, PeriodError> {
        let bad = || PeriodError::Malformed(text.to_string(), "year", "four digits, e.g. 2026");
        if !is_digits(text, 4) {
            return Err(bad());
        }
        let year: i32 = text.parse().map_err(|_| bad())?;
        Self::year(year).ok_or_else(bad)
    }

    /// A date `YYYY-MM-DD` (a four-digit year).
    pub fn parse_date(text: &str) -> Result<NaiveDate, PeriodError> {
        let bad =
            || PeriodError::Malformed(text.to_string(), "date", "YYYY-MM-DD, e.g. 2026-10-31");
        let well_formed = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !well_formed {
            return Err(bad());
        }
        NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad())
    }

    /// The last day included.
    pub fn last_day(&self) -> NaiveDate {
        self.to.pred_opt().unwrap_or(self.to)
    }

    /// The month `month` of `year`, if valid.
    pub fn month(year: i32, month: u32) -> Option<Self> {
        let from = NaiveDate::from_ymd_opt(year, month, 1)?;
        let to = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)?
        };
        Some(Self { from, to })
    }

    /// The whole year `year`, if valid.
    pub fn year(year: i32) -> Option<Self> {
        Some(Self {
            from: NaiveDate::from_ymd_opt(year, 1, 1)?,
            to: NaiveDate::from_ymd_opt(year + 1, 1, 1)?,
        })
    }

    /// True if this period is exactly one calendar month.
    pub fn is_month(&self) -> bool {
        self.from.day() == 1 && Self::month(self.from.year(), self.from.month()) == Some(*self)
    }

    /// True if this period is exactly one calendar year.
    pub fn is_year(&self) -> bool {
        Self::year(self.from.year()) == Some(*self)
            && self.from.month() == 1
            && self.from.day() == 1
    }

    /// A short label usable in file names: `2026-10`, `2026` or `2026-10-01_2026-11-15`
    /// (first and last day included).
    pub fn label(&self) -> String {
        if self.is_month() {
            self.from.format("%Y-%m").to_string()
        } else if self.is_year() {
            self.from.format("%Y").to_string()
        } else {
            format!("{}_{}", self.from, self.last_day())
        }
    }

    /// The period of the same shape just before this one (previous month, year or span).
    pub fn previous(&self) -> Self {
        if self.is_month() {
            let prev = self.from.pred_opt().unwrap_or(self.from);
            Self::month(prev.year(), prev.month()).unwrap_or(*self)
        } else if self.is_year() {
            Self::year(self.from.year() - 1).unwrap_or(*self)
        } else {
            let len = self.to - self.from;
            Self {
                from: self.from - len,
                to: self.from,
            }
        }
    }

    /// Number of days in the period.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {})", self.from, self.to)
    }
}

/// Whether the work was volunteer or paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Bénévole.
    Volunteer,
    /// Rémunéré (often "prix libre").
    Paid,
    /// Neither a kind tag nor a default kind.
    #[default]
    Unspecified,
}

impl Kind {
    /// All kinds, in report order.
    pub const ALL: [Kind; 3] = [Kind::Volunteer, Kind::Paid, Kind::Unspecified];

    /// The machine name used in CSV and config.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Volunteer => "volunteer",
            Kind::Paid => "paid",
            Kind::Unspecified => "unspecified",
        }
    }

    /// Parses a machine name.
    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// Someone named on an event: an ORGANIZER or an ATTENDEE.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Participant {
    /// E-mail address without `mailto:`, lowercased.
    pub email: Option<String>,
    /// The CN parameter.
    pub name: Option<String>,
    /// PARTSTAT=DECLINED.
    pub declined: bool,
}

/// The descriptive part of one VEVENT component (a master or an override), shared by
/// all the occurrences it produces.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventInfo {
    /// SUMMARY.
    pub summary: String,
    /// DESCRIPTION.
    pub description: String,
    /// Every CATEGORIES value, unescaped, in order.
    pub categories: Vec<String>,
    /// ORGANIZER.
    pub organizer: Option<Participant>,
    /// ATTENDEEs.
    pub attendees: Vec<Participant>,
    /// CLASS:CONFIDENTIAL stripped by a server for a sharee ("Busy", no DTSTAMP).
    pub confidential_stub: bool,
}

/// Dates of an all-day occurrence: `[first, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AllDay {
    /// First day.
    pub first: NaiveDate,
    /// Day after the last day.
    pub end: NaiveDate,
}

/// One expanded instance of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// The event's UID.
    pub uid: Arc<str>,
    /// The calendar it comes from.
    pub calendar: Arc<str>,
    /// Start instant (for all-day: midnight in the report zone).
    pub start: DateTime<Utc>,
    /// End instant.
    pub end: DateTime<Utc>,
    /// Original start of a recurring instance.
    pub recurrence_id: Option<DateTime<Utc>>,
    /// Set for all-day occurrences.
    pub all_day: Option<AllDay>,
    /// The component's descriptive properties.
    pub info: Arc<EventInfo>,
}

/// An occurrence clipped to the period and classified: one row of `entries.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// Local date of the clipped start.
    pub date: NaiveDate,
    /// Clipped start, in the report zone.
    pub start: DateTime<FixedOffset>,
    /// Clipped end, in the report zone.
    pub end: DateTime<FixedOffset>,
    /// Counted whole minutes.
    pub minutes: i64,
    /// Association key, if exactly one was found.
    pub association: Option<Arc<str>>,
    /// Kind.
    pub kind: Kind,
    /// People keys or names (shared by every entry of the component).
    pub people: Arc<[String]>,
    /// SUMMARY (shared by every entry of the component).
    pub summary: Arc<str>,
    /// Normalised tags.
    pub tags: Arc<[String]>,
    /// Calendar name.
    pub calendar: Arc<str>,
    /// UID.
    pub uid: Arc<str>,
    /// Original start of a recurring instance, in the report zone.
    pub recurrence_id: Option<DateTime<FixedOffset>>,
    /// All-day occurrence.
    pub all_day: bool,
    /// Why this entry needs a human, if it does.
    pub review: Option<Review>,
    /// Tags that are neither an association, a kind, a person nor a duration.
    pub unknown_tags: Arc<[String]>,
    /// Why the counted time may differ from what the row's times suggest.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

/// Why an entry's counted minutes or times differ from its slot in the calendar: the
/// footnotes of the pages an association reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "note", content = "at", rename_all = "snake_case")]
pub enum Note {
    /// A duration tag (`#2h30`) sets the minutes counted, not the slot.
    DurationTag,
    /// The clocks changed during the slot: more or fewer minutes passed than its times show.
    ClockChange,
    /// The occurrence began before the period: only its part inside counts. Its real start.
    StartsBefore(DateTime<FixedOffset>),
    /// The occurrence ends after the period: only its part inside counts. Its real end.
    EndsAfter(DateTime<FixedOffset>),
}

/// Why an entry is listed for review instead of being counted under an association.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", content = "detail", rename_all = "snake_case")]
pub enum Review {
    /// No association tag.
    Unclassified,
    /// Several association tags.
    Ambiguous(Vec<String>),
    /// Both a volunteer and a paid word.
    ConflictingKinds,
    /// All-day event without hours.
    AllDayNotCounted,
    /// Stripped by the server for a sharee: times only.
    ConfidentialStub,
}

/// A problem with one item of input; never stops a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file, URL or calendar the item comes from.
    pub source: String,
    /// The UID at fault, when known.
    pub uid: Option<String>,
    /// The line at fault, when known.
    pub line: Option<usize>,
    /// What went wrong, and what was done about it.
    pub message: String,
}

impl Problem {
    /// A problem about a source as a whole.
    pub fn new(source: &str, message: impl Into<String>) -> Self {
        Self {
            source: source.to_string(),
            uid: None,
            line: None,
            message: message.into(),
        }
    }

    /// Names the UID at fault.
    pub fn with_uid(mut self, uid: Option<&str>) -> Self {
        self.uid = uid.map(str::to_string);
        self
    }

    /// Names the line at fault.
    pub fn with_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(uid) = &self.uid {
            write!(f, ": UID {uid}")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[cfg(test)]
impl Entry {
    /// A plain volunteer entry of the association `amis` from `start`, for tests to adapt.
    pub fn volunteer(start: DateTime<FixedOffset>, minutes: i64) -> Entry {
        Entry {
            date: start.date_naive(),
            start,
            end: start + chrono::TimeDelta::minutes(minutes),
            minutes,
            association: Some("amis".into()),
            kind: Kind::Volunteer,
            people: Arc::from([]),
            summary: "".into(),
            tags: Vec::new().into(),
            calendar: Arc::from(""),
            uid: Arc::from(""),
            recurrence_id: None,
            all_day: false,
            review: None,
            unknown_tags: Vec::new().into(),
            notes: Vec::new(),
        }
    }
}

fn is_digits(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn inclusive_periods_count_the_last_day_and_label_it() {
        let one = Period::inclusive(day(2026, 10, 31), day(2026, 10, 31)).unwrap();
        assert_eq!(one.days(), 1);
        assert_eq!(one.label(), "2026-10-31_2026-10-31");
        let october = Period::inclusive(day(2026, 10, 1), day(2026, 10, 31)).unwrap();
        assert_eq!(october, Period::parse_month("2026-10").unwrap());
        let span = Period::inclusive(day(2026, 10, 1), day(2026, 10, 30)).unwrap();
        assert_eq!(span.label(), "2026-10-01_2026-10-30");
        assert!(matches!(
            Period::inclusive(day(2026, 10, 2), day(2026, 10, 1)),
            Err(PeriodError::Backwards { .. })
        ));
    }

    #[test]
    fn years_have_four_digits_and_months_may_be_relative() {
        assert!(Period::parse_year("26").is_err());
        assert!(Period::parse_year("+2026").is_err());
        assert_eq!(Period::parse_year("2026").unwrap().from, day(2026, 1, 1));
        assert!(Period::parse_month("26-10").is_err());
        assert!(Period::parse_date("26-10-01").is_err());
        let today = day(2027, 1, 15);
        assert_eq!(
            Period::parse_month_on("last", today).unwrap().label(),
            "2026-12"
        );
        assert_eq!(
            Period::parse_month_on("this", today).unwrap().label(),
            "2027-01"
        );
        assert_eq!(
            Period::parse_month_on("2026-10", today).unwrap().label(),
            "2026-10"
        );
        let err = Period::parse_month_on("lastt", today).unwrap_err();
        assert!(err.to_string().contains("`last` or `this`"), "{err}");
    }

    #[test]
    fn month_labels_and_previous() {
        let p = Period::parse_month("2026-01").unwrap();
        assert_eq!(p.label(), "2026-01");
        assert_eq!(p.previous().label(), "2025-12");
        assert_eq!(
            Period::parse_year("2026").unwrap().previous().label(),
            "2025"
        );
        let span = Period::new(
            NaiveDate::from_ymd_opt(2026, 10, 10).unwrap(),
            NaiveDate::from_ymd_opt(2026, 10, 20).unwrap(),
        )
        .unwrap();
        assert_eq!(span.label(), "2026-10-10_2026-10-19");
        assert_eq!(span.previous().to, span.from);
        assert!(Period::parse_month("2026-13").is_err());
        assert!(Period::new(span.to, span.from).is_err());
    }
}
