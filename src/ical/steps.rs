// SPDX-License-Identifier: GPL-3.0-or-later
//! The instances of a plain rule, counted out without the `rrule` crate (RFC 5545 §3.3.10).
//!
//! Owns: rules whose instances are DTSTART moved by whole periods: FREQ=DAILY, WEEKLY,
//! MONTHLY or YEARLY with INTERVAL, COUNT, UNTIL and WKST only (or, weekly, a BYDAY naming
//! DTSTART's own weekday). They are most recurring events, and each instance costs a
//! date addition here instead of a walk through `rrule`'s year masks. A month or year
//! without DTSTART's day (the 31st, 29 February) is skipped, as the RFC and `rrule` do.
//! Every other rule is left to [`super::rule`]. Like `rrule`, this walks the wall clock.

use calcard::icalendar::{ICalendarFrequency, ICalendarRecurrenceRule};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use super::rule::weekday;

/// The last year a walk may reach: `rrule` stops near year 10,000, so walks that could
/// get there are left to it.
pub const LAST_YEAR: i32 = 9_998;

/// How far apart two instances are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    Days(i64),
    Months(i64),
}

/// The instances of a plain rule from its start, in order.
#[derive(Debug, Clone)]
pub struct Steps {
    start: NaiveDateTime,
    period: Period,
    /// Periods walked so far.
    k: i64,
    /// Instances still allowed by COUNT.
    left: Option<u32>,
    until: Option<NaiveDateTime>,
    done: bool,
}

/// The walk of `r` from the wall-clock time `start`, with UNTIL already on that clock; `None`
/// if the rule is not plain (then `rrule` walks it).
pub fn plain_steps(
    r: &ICalendarRecurrenceRule,
    start: NaiveDateTime,
    until: Option<NaiveDateTime>,
) -> Option<Steps> {
    let only_own_weekday = match r.byday.as_slice() {
        [] => true,
        [d] => {
            r.freq == ICalendarFrequency::Weekly
                && d.ordwk.is_none_or(|n| n == 0)
                && weekday(d.weekday) == start.weekday()
        }
        _ => false,
    };
    let plain = only_own_weekday
        && r.rscale.is_none()
        && r.skip.is_none()
        && r.bysecond.is_empty()
        && r.byminute.is_empty()
        && r.byhour.is_empty()
        && r.bymonthday.is_empty()
        && r.byyearday.is_empty()
        && r.byweekno.is_empty()
        && r.bymonth.is_empty()
        && r.bysetpos.is_empty()
        && start.nanosecond() == 0
        && (1..=LAST_YEAR).contains(&start.year());
    if !plain {
        return None;
    }
    let n = i64::from(r.interval.unwrap_or(1).max(1));
    let period = match r.freq {
        ICalendarFrequency::Daily => Period::Days(n),
        ICalendarFrequency::Weekly => Period::Days(7 * n),
        ICalendarFrequency::Monthly => Period::Months(n),
        ICalendarFrequency::Yearly => Period::Months(12 * n),
        _ => return None,
    };
    Some(Steps {
        start,
        period,
        k: 0,
        left: r.count,
        until,
        done: false,
    })
}

impl Steps {
    /// The date `k` periods after the start; `Ok(None)` if that month lacks the day,
    /// `Err` past [`LAST_YEAR`].
    fn date(&self, k: i64) -> Result<Option<NaiveDate>, ()> {
        let date = self.start.date();
        match self.period {
            Period::Days(d) => {
                let days = k.checked_mul(d).ok_or(())?;
                let next = date
                    .checked_add_signed(chrono::TimeDelta::try_days(days).ok_or(())?)
                    .ok_or(())?;
                if next.year() > LAST_YEAR {
                    return Err(());
                }
                Ok(Some(next))
            }
            Period::Months(m) => {
                let month0 = i64::from(date.year()) * 12 + i64::from(date.month0());
                let month0 = month0 + k.checked_mul(m).ok_or(())?;
                let year = i32::try_from(month0.div_euclid(12)).map_err(|_| ())?;
                if year > LAST_YEAR {
                    return Err(());
                }
                // `rem_euclid(12)` is below 12, so the month fits.
                let month = month0.rem_euclid(12) as u32 + 1;
                Ok(NaiveDate::from_ymd_opt(year, month, date.day()))
            }
        }
    }
}

impl Iterator for Steps {
    type Item = NaiveDateTime;

    fn next(&mut self) -> Option<NaiveDateTime> {
        while !self.done && self.left != Some(0) {
            let k = self.k;
            self.k += 1;
            let date = match self.date(k) {
                Ok(Some(date)) => date,
                Ok(None) => continue,
                Err(()) => break,
            };
            let at = date.and_time(self.start.time());
            if self.until.is_some_and(|u| at > u) {
                break;
            }
            if let Some(left) = self.left.as_mut() {
                *left -= 1;
            }
            return Some(at);
        }
        self.done = true;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ical::rule::{read_rule, set_of, to_rrule};
    use chrono::TimeDelta;
    use proptest::prelude::*;

    fn rule_text() -> impl Strategy<Value = String> {
        (
            0..4usize,
            proptest::option::of(1..5u16),
            proptest::option::of(0..60u32),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(freq, interval, count, own_day, wkst)| {
                let freq = ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"][freq];
                let mut r = format!("FREQ={freq}");
                if let Some(n) = interval {
                    r.push_str(&format!(";INTERVAL={n}"));
                }
                if let Some(n) = count {
                    r.push_str(&format!(";COUNT={n}"));
                }
                if own_day && freq == "WEEKLY" {
                    r.push_str(";BYDAY=@");
                }
                if wkst {
                    r.push_str(";WKST=SU");
                }
                r
            })
    }

    const DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn plain_rules_give_what_rrule_gives(
            rule in rule_text(),
            day in 0..12_000i64,
            minutes in 0..(24 * 60i64),
            until in proptest::option::of(0..3000i64),
        ) {
            let start = NaiveDate::from_ymd_opt(1996, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap()
                + TimeDelta::days(day) + TimeDelta::minutes(minutes);
            let rule = rule.replace('@', DAYS[start.weekday().num_days_from_monday() as usize]);
            let r = read_rule(&rule).expect("a rule");
            let until = until.map(|d| start + TimeDelta::days(d) - TimeDelta::minutes(d % 90));
            let Ok(validated) = to_rrule(&r, start, until) else {
                return Ok(());
            };
            let set = set_of(vec![validated], start);
            let horizon = start + TimeDelta::days(4000);
            let expected: Vec<NaiveDateTime> = (&set)
                .into_iter()
                .map(|d| d.naive_utc())
                .take_while(|d| *d <= horizon)
                .take(400)
                .collect();
            let steps = plain_steps(&r, start, until).expect("a plain rule");
            let got: Vec<NaiveDateTime> =
                steps.take_while(|d| *d <= horizon).take(400).collect();
            prop_assert_eq!(got, expected, "{}", rule);
        }
    }

    #[test]
    fn months_without_the_day_are_skipped() {
        let start = NaiveDate::from_ymd_opt(2024, 1, 31)
            .unwrap()
            .and_hms_opt(18, 0, 0)
            .unwrap();
        let r = read_rule("FREQ=MONTHLY;COUNT=4").unwrap();
        let got: Vec<_> = plain_steps(&r, start, None)
            .unwrap()
            .map(|d| (d.month(), d.day()))
            .collect();
        assert_eq!(got, [(1, 31), (3, 31), (5, 31), (7, 31)]);
        let leap = NaiveDate::from_ymd_opt(2024, 2, 29)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let r = read_rule("FREQ=YEARLY;COUNT=2").unwrap();
        let years: Vec<_> = plain_steps(&r, leap, None)
            .unwrap()
            .map(|d| d.year())
            .collect();
        assert_eq!(years, [2024, 2028]);
    }

    #[test]
    fn other_rules_are_left_to_rrule() {
        let start = NaiveDate::from_ymd_opt(2026, 3, 2) // a Monday
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        for rule in [
            "FREQ=WEEKLY;BYDAY=TU",
            "FREQ=WEEKLY;BYDAY=MO,TU",
            "FREQ=MONTHLY;BYDAY=1MO",
            "FREQ=MONTHLY;BYMONTHDAY=2",
            "FREQ=YEARLY;BYMONTH=3",
            "FREQ=HOURLY",
            "FREQ=DAILY;BYHOUR=9",
        ] {
            let r = read_rule(rule).unwrap();
            assert!(plain_steps(&r, start, None).is_none(), "{rule}");
        }
        let r = read_rule("FREQ=WEEKLY;BYDAY=MO").unwrap();
        assert!(plain_steps(&r, start, None).is_some());
    }
}
