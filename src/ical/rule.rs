// SPDX-License-Identifier: GPL-3.0-or-later
//! Builds `rrule` recurrence sets from calcard's typed RRULE values (RFC 5545 §3.3.10).
//!
//! Owns: the mapping of every FREQ and BY* part to the `rrule` crate, built in code (raw
//! RRULE text is never handed to `rrule`, whose text parser panics on some inputs).
//! Recurrences are expanded on the wall clock: the set's start is a local time carried as
//! a UTC value, and the caller turns each result into an instant in the event's zone.

use calcard::icalendar::{ICalendarFrequency, ICalendarRecurrenceRule, ICalendarWeekday};
use chrono::{Month, NaiveDateTime, Weekday};
use rrule::{Frequency, NWeekday, RRule, RRuleSet, Tz, Validated};

/// Why a rule cannot be expanded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RuleError {
    /// RSCALE or SKIP (RFC 7529) asks for a non-Gregorian calendar.
    #[error("RRULE uses RSCALE/SKIP (non-Gregorian calendars), which is not supported")]
    Unsupported,
    /// UNTIL is before DTSTART: the rule adds no occurrence.
    #[error("RRULE UNTIL is before DTSTART")]
    UntilBeforeStart,
    /// A part is out of its RFC range.
    #[error("invalid RRULE: {0}")]
    Invalid(String),
}

/// Reads RRULE text whose semicolons were escaped as in TEXT (`FREQ=DAILY\;COUNT=10`, seen
/// in the wild): `None` if the text has no `\;` or is still not a rule once they are
/// unescaped.
pub fn unescape_rule(text: &str) -> Option<ICalendarRecurrenceRule> {
    if !text.contains("\\;") || text.contains(['\r', '\n']) {
        return None;
    }
    let rule = text.replace("\\;", ";");
    let calendar = format!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:{rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let calcard::Entry::ICalendar(ical) = calcard::Parser::new(&calendar).entry() else {
        return None;
    };
    ical.components
        .iter()
        .flat_map(|c| &c.entries)
        .flat_map(|e| &e.values)
        .find_map(|v| match v {
            calcard::icalendar::ICalendarValue::RecurrenceRule(r) => Some(r.as_ref().clone()),
            _ => None,
        })
}

/// Converts one calcard rule, with its UNTIL already on the wall clock of `dtstart`.
pub fn to_rrule(
    r: &ICalendarRecurrenceRule,
    dtstart: NaiveDateTime,
    until: Option<NaiveDateTime>,
) -> Result<RRule<Validated>, RuleError> {
    if r.rscale.is_some() || r.skip.is_some() {
        return Err(RuleError::Unsupported);
    }
    let mut rule = RRule::new(frequency(r.freq)).interval(r.interval.unwrap_or(1).max(1));
    if let Some(count) = r.count {
        rule = rule.count(count);
    }
    if let Some(until) = until {
        if until < dtstart {
            return Err(RuleError::UntilBeforeStart);
        }
        rule = rule.until(carry(until));
    }
    if let Some(wkst) = r.wkst {
        rule = rule.week_start(weekday(wkst));
    }
    let months: Vec<Month> = r
        .bymonth
        .iter()
        .filter_map(|m| Month::try_from(m.month()).ok())
        .collect();
    let days = r
        .byday
        .iter()
        .map(|d| match d.ordwk {
            Some(n) if n != 0 => NWeekday::Nth(n, weekday(d.weekday)),
            _ => NWeekday::Every(weekday(d.weekday)),
        })
        .collect();
    rule = rule
        .by_month(&months)
        .by_month_day(r.bymonthday.clone())
        .by_year_day(r.byyearday.clone())
        .by_week_no(r.byweekno.clone())
        .by_weekday(days)
        .by_hour(r.byhour.clone())
        .by_minute(r.byminute.clone())
        .by_second(r.bysecond.clone())
        .by_set_pos(r.bysetpos.clone());
    rule.validate(carry(dtstart))
        .map_err(|e| RuleError::Invalid(e.to_string()))
}

/// A guarded set of rules starting at the wall-clock time `dtstart`. The set's internal
/// loops are bounded (`rrule`'s iteration limit), so no rule can spin forever.
pub fn rule_set(
    rules: &[ICalendarRecurrenceRule],
    dtstart: NaiveDateTime,
    until: Option<NaiveDateTime>,
) -> Result<RRuleSet, RuleError> {
    let mut set = RRuleSet::new(carry(dtstart)).limit();
    for r in rules {
        set = set.rrule(to_rrule(r, dtstart, until)?);
    }
    Ok(set)
}

/// A set from rules already converted.
pub fn set_of(rules: Vec<RRule<Validated>>, dtstart: NaiveDateTime) -> RRuleSet {
    RRuleSet::new(carry(dtstart)).limit().set_rrules(rules)
}

/// Carries a wall-clock time in a UTC value, the form `rrule` iterates on.
pub fn carry(local: NaiveDateTime) -> chrono::DateTime<Tz> {
    local.and_utc().with_timezone(&Tz::UTC)
}

fn frequency(f: ICalendarFrequency) -> Frequency {
    match f {
        ICalendarFrequency::Yearly => Frequency::Yearly,
        ICalendarFrequency::Monthly => Frequency::Monthly,
        ICalendarFrequency::Weekly => Frequency::Weekly,
        ICalendarFrequency::Daily => Frequency::Daily,
        ICalendarFrequency::Hourly => Frequency::Hourly,
        ICalendarFrequency::Minutely => Frequency::Minutely,
        ICalendarFrequency::Secondly => Frequency::Secondly,
    }
}

fn weekday(d: ICalendarWeekday) -> Weekday {
    match d {
        ICalendarWeekday::Monday => Weekday::Mon,
        ICalendarWeekday::Tuesday => Weekday::Tue,
        ICalendarWeekday::Wednesday => Weekday::Wed,
        ICalendarWeekday::Thursday => Weekday::Thu,
        ICalendarWeekday::Friday => Weekday::Fri,
        ICalendarWeekday::Saturday => Weekday::Sat,
        ICalendarWeekday::Sunday => Weekday::Sun,
    }
}
