// SPDX-License-Identifier: GPL-3.0-or-later
//! Builds `rrule` recurrence sets from calcard's typed RRULE values (RFC 5545 §3.3.10).
//!
//! Owns: the mapping of every FREQ and BY* part to the `rrule` crate, built in code (raw
//! RRULE text is never handed to `rrule`, whose text parser panics on some inputs).
//! Recurrences are expanded on the wall clock: the set's start is a local time carried as
//! a UTC value, and the caller turns each result into an instant in the event's zone.

use calcard::icalendar::{ICalendarFrequency, ICalendarRecurrenceRule, ICalendarWeekday};
use chrono::{Datelike, Month, NaiveDateTime, TimeDelta, Weekday};
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
    read_rule(&text.replace("\\;", ";"))
}

/// Reads one RRULE value, as calcard reads it in an event.
pub(crate) fn read_rule(rule: &str) -> Option<ICalendarRecurrenceRule> {
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

/// Where to start walking `rules` from DTSTART `wall0` when instances before `from` do not
/// matter: a whole number of periods after `wall0`, on or before `from`. A rule without
/// COUNT produces, from there, exactly the instances it produces from DTSTART: the same
/// days, weeks or months, at the same times. Monthly and yearly rules skip ahead only when
/// their day is not DTSTART's or DTSTART's day exists in every month; rules that mix days
/// and months, and any other rule, are walked from `wall0`.
pub fn skip_ahead(
    rules: &[ICalendarRecurrenceRule],
    wall0: NaiveDateTime,
    from: NaiveDateTime,
) -> NaiveDateTime {
    let (mut days, mut months): (i64, u32) = (1, 1);
    let (mut by_days, mut by_months) = (false, false);
    for r in rules {
        if r.count.is_some() {
            return wall0;
        }
        if !r.byweekno.is_empty() && r.byday.is_empty() {
            return wall0; // the weekday is DTSTART's, which a whole number of years moves
        }
        let interval = r.interval.unwrap_or(1).max(1);
        let day_given = !r.byday.is_empty() || !r.bymonthday.is_empty() || !r.byyearday.is_empty();
        match r.freq {
            ICalendarFrequency::Daily => {
                days = lcm(days, i64::from(interval));
                by_days = true;
            }
            ICalendarFrequency::Weekly => {
                days = lcm(days, 7 * i64::from(interval));
                by_days = true;
            }
            ICalendarFrequency::Monthly if day_given || wall0.day() <= 28 => {
                months = lcm(i64::from(months), i64::from(interval)) as u32;
                by_months = true;
            }
            ICalendarFrequency::Yearly
                if day_given || (wall0.day() <= 28 && r.bymonth.is_empty()) =>
            {
                months = lcm(i64::from(months), 12 * i64::from(interval)) as u32;
                by_months = true;
            }
            _ => return wall0,
        }
        if days > 3660 || months > 1200 || (by_days && by_months) {
            return wall0;
        }
    }
    if rules.is_empty() {
        return wall0;
    }
    // One period to spare, so that the period of the anchor lies wholly before `from`.
    if by_days {
        let periods = (from - wall0).num_days() / days - 1;
        if periods < 1 {
            return wall0;
        }
        return wall0
            .checked_add_signed(TimeDelta::days(periods * days))
            .unwrap_or(wall0);
    }
    let gap = (from.year() - wall0.year()) * 12 + from.month() as i32 - wall0.month() as i32;
    let periods = gap / months as i32 - 1;
    if periods < 1 {
        return wall0;
    }
    wall0
        .checked_add_months(chrono::Months::new(periods as u32 * months))
        .unwrap_or(wall0)
}

fn lcm(a: i64, b: i64) -> i64 {
    let (mut x, mut y) = (a, b);
    while y != 0 {
        (x, y) = (y, x % y);
    }
    a / x * b
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

pub(crate) fn weekday(d: ICalendarWeekday) -> Weekday {
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn parse(rule: &str) -> ICalendarRecurrenceRule {
        read_rule(rule).unwrap_or_else(|| panic!("no rule: {rule}"))
    }

    /// The instances in `[from, to)` of `rule` walked from `anchor`.
    fn walls(
        rule: &ICalendarRecurrenceRule,
        anchor: NaiveDateTime,
        (from, to): (NaiveDateTime, NaiveDateTime),
    ) -> Vec<NaiveDateTime> {
        let rrule = to_rrule(rule, anchor, None).expect("valid");
        let set = set_of(vec![rrule], anchor);
        (&set)
            .into_iter()
            .map(|d| d.naive_utc())
            .skip_while(|d| *d < from)
            .take_while(|d| *d < to)
            .collect()
    }

    fn rule_text() -> impl Strategy<Value = String> {
        let days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
        (
            0..4usize,
            1..4u8,
            proptest::sample::subsequence(days.to_vec(), 0..3),
            proptest::option::of(prop_oneof![Just(-1i8), 1..32i8]),
            proptest::option::of(prop_oneof![Just(-1i8), 1..3i8]),
            proptest::option::of(1..13u8),
            any::<bool>(),
        )
            .prop_map(|(freq, interval, byday, monthday, nth, month, setpos)| {
                let freq = ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"][freq];
                let mut r = format!("FREQ={freq};INTERVAL={interval}");
                if !byday.is_empty() {
                    let ordinal = match (freq, nth) {
                        ("MONTHLY" | "YEARLY", Some(n)) if !setpos => n.to_string(),
                        _ => String::new(),
                    };
                    let list: Vec<String> = byday.iter().map(|d| format!("{ordinal}{d}")).collect();
                    r.push_str(&format!(";BYDAY={}", list.join(",")));
                    if setpos && freq != "DAILY" {
                        r.push_str(&format!(";BYSETPOS={}", nth.unwrap_or(1)));
                    }
                } else if let (Some(d), "MONTHLY" | "YEARLY") = (monthday, freq) {
                    r.push_str(&format!(";BYMONTHDAY={d}"));
                }
                if let (Some(m), "YEARLY") = (month, freq) {
                    r.push_str(&format!(";BYMONTH={m}"));
                }
                r
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn a_walk_that_skips_ahead_finds_every_instance_from_where_it_matters(
            rule in rule_text(),
            start in 0..5000i64,
            minutes in 0..(24 * 60i64),
            window in 0..400i64,
        ) {
            let rule = parse(&rule);
            let wall0 = NaiveDate::from_ymd_opt(2004, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap()
                + TimeDelta::days(start) + TimeDelta::minutes(minutes);
            let from = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap()
                + TimeDelta::days(window);
            let to = from + TimeDelta::days(70);
            let anchor = skip_ahead(std::slice::from_ref(&rule), wall0, from);
            prop_assert!(anchor <= from);
            prop_assert_eq!(walls(&rule, wall0, (from, to)), walls(&rule, anchor, (from, to)));
        }
    }

    #[test]
    fn long_simple_series_skip_ahead_and_counted_ones_do_not() {
        let wall0 = NaiveDate::from_ymd_opt(2007, 3, 6)
            .unwrap()
            .and_hms_opt(9, 30, 0)
            .unwrap();
        let from = NaiveDate::from_ymd_opt(2026, 10, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let weekly = skip_ahead(&[parse("FREQ=WEEKLY;INTERVAL=2")], wall0, from);
        assert!(
            weekly > from - TimeDelta::days(29) && weekly <= from,
            "{weekly}"
        );
        assert_eq!((weekly - wall0).num_days() % 14, 0);
        assert_eq!(weekly.time(), wall0.time());
        let monthly = skip_ahead(&[parse("FREQ=MONTHLY")], wall0, from);
        assert_eq!(
            (monthly.year(), monthly.month(), monthly.day()),
            (2026, 9, 6)
        );
        assert_eq!(
            skip_ahead(&[parse("FREQ=WEEKLY;COUNT=2000")], wall0, from),
            wall0
        );
        let the_31st = NaiveDate::from_ymd_opt(2007, 3, 31)
            .unwrap()
            .and_time(wall0.time());
        assert_eq!(
            skip_ahead(&[parse("FREQ=MONTHLY")], the_31st, from),
            the_31st
        );
        assert_eq!(skip_ahead(&[parse("FREQ=HOURLY")], wall0, from), wall0);
    }
}
