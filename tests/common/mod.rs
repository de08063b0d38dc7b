// SPDX-License-Identifier: GPL-3.0-or-later
//! Helpers shared by the integration tests: run the library pipeline on bytes.

#![allow(dead_code)]

use caltally::classify::Rules;
use caltally::config::AllDayPolicy;
use caltally::ical::{self, Expansion, tz::Zone};
use caltally::model::{Entry, Occurrence, Period, Problem};
use caltally::report::{self, Settings, i18n::Lang};
use chrono::NaiveDate;

/// The report zone used by the fixtures.
pub fn brussels() -> Zone {
    Zone::Iana(chrono_tz::Europe::Brussels)
}

/// A date.
pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// Occurrences of `bytes` overlapping `period` in Brussels time.
pub fn occurrences(
    bytes: &[u8],
    period: Period,
    max_instances: usize,
) -> (Vec<Occurrence>, Vec<Problem>) {
    let mut x = Expansion::for_dates(brussels(), period.from, period.to);
    x.max_instances = max_instances;
    ical::read_occurrences(bytes, "test.ics", "test", &x)
}

/// Settings for a period in Brussels time, zero configuration.
pub fn settings(period: Period, all_day: AllDayPolicy) -> Settings {
    Settings {
        period,
        zone: brussels(),
        zone_name: "Europe/Brussels".into(),
        all_day,
        lang: Lang::En,
        rates: Vec::new(),
        currency: "EUR".into(),
        accounts: None,
    }
}

/// Entries of `occurrences` for `period`, zero configuration.
pub fn entries(occurrences: &[Occurrence], period: Period) -> Vec<Entry> {
    let (classes, _) = report::Classes::of(occurrences, &Rules::default());
    report::build_entries(occurrences, &classes, &settings(period, AllDayPolicy::Skip))
}
