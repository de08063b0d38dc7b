// SPDX-License-Identifier: GPL-3.0-or-later
//! The value of volunteer work, for an association's accounts ("contributions volontaires
//! en nature": accounts 864 and 875 in the French chart of accounts).
//!
//! Accounts count each volunteer's time, so the valuation counts **person-hours**: an entry
//! of 2 h 30 with two people named counts 5 h; an entry with nobody named counts once. Each
//! entry is valued at the rate in force on its date.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::config::Rate;
use crate::model::{Entry, Kind};

/// Value of volunteer work, per rate in force.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Valuation {
    /// One line per rate used: rate, person-minutes, value (rounded to cents).
    pub lines: Vec<ValuationLine>,
    /// Sum of the lines' values, in cents.
    pub total_cents: i64,
    /// Currency code.
    pub currency: String,
    /// Accounts debited and credited, if configured.
    pub accounts: Option<(String, String)>,
}

impl Valuation {
    /// Every person-minute valued.
    pub fn person_minutes(&self) -> i64 {
        self.lines.iter().map(|l| l.person_minutes).sum()
    }
}

/// Person-minutes valued at one rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValuationLine {
    /// First day of the rate.
    pub from: NaiveDate,
    /// Value of one hour.
    pub per_hour: f64,
    /// Volunteer person-minutes at this rate.
    pub person_minutes: i64,
    /// Value in cents.
    pub cents: i64,
}

/// Person-minutes an entry counts in a valuation: its minutes for each person named, or
/// once if it names nobody.
pub fn person_minutes(e: &Entry) -> i64 {
    e.minutes * (e.people.len() as i64).max(1)
}

/// The valuation of the volunteer entries among an association's `entries`.
pub(super) fn value<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
    rates: &[Rate],
    currency: &str,
) -> Valuation {
    value_dated(
        entries
            .into_iter()
            .filter(|e| e.kind == Kind::Volunteer)
            .map(|e| (e.date, person_minutes(e))),
        rates,
        currency,
    )
}

/// The valuation of volunteer person-minutes given with their dates.
pub fn value_dated(
    minutes: impl IntoIterator<Item = (NaiveDate, i64)>,
    rates: &[Rate],
    currency: &str,
) -> Valuation {
    let mut minutes_by_rate: BTreeMap<usize, i64> = BTreeMap::new();
    for (date, m) in minutes {
        let idx = rates.partition_point(|r| r.from <= date);
        if idx > 0 {
            *minutes_by_rate.entry(idx - 1).or_default() += m;
        }
    }
    let lines: Vec<ValuationLine> = minutes_by_rate
        .into_iter()
        .map(|(i, minutes)| ValuationLine {
            from: rates[i].from,
            per_hour: rates[i].per_hour,
            person_minutes: minutes,
            cents: (minutes as f64 * rates[i].per_hour * 100.0 / 60.0).round() as i64,
        })
        .collect();
    Valuation {
        total_cents: lines.iter().map(|l| l.cents).sum(),
        lines,
        currency: currency.to_string(),
        accounts: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, TimeZone};

    fn entry(day: u32, minutes: i64, people: &[&str]) -> Entry {
        let start = FixedOffset::east_opt(7200)
            .and_then(|z| z.with_ymd_and_hms(2026, 10, day, 14, 0, 0).single())
            .expect("a valid time");
        Entry {
            people: people.iter().map(|p| p.to_string()).collect(),
            uid: format!("u{day}").into(),
            ..Entry::volunteer(start, minutes)
        }
    }

    #[test]
    fn each_volunteer_counts_and_nobody_named_counts_once() {
        let rates = [
            Rate {
                from: NaiveDate::from_ymd_opt(2024, 11, 1).expect("date"),
                per_hour: 11.88,
            },
            Rate {
                from: NaiveDate::from_ymd_opt(2026, 10, 15).expect("date"),
                per_hour: 12.10,
            },
        ];
        let entries = [
            entry(1, 150, &["bruno", "chloe"]),
            entry(3, 60, &[]),
            entry(20, 90, &["alice"]),
        ];
        let v = value(&entries, &rates, "EUR");
        assert_eq!(v.lines[0].person_minutes, 360);
        assert_eq!(v.lines[1].person_minutes, 90);
        assert_eq!(v.person_minutes(), 450);
        // 6 h × 11.88 + 1.5 h × 12.10
        assert_eq!(v.total_cents, 7128 + 1815);
    }
}
