// SPDX-License-Identifier: GPL-3.0-or-later
//! Fuzz target: arbitrary bytes through parsing, expansion over one week, and
//! classification into entries. Any panic (even one caught per event) is a finding.
//! A short window and a low instance cap keep each input cheap, so the fuzzer explores
//! many inputs rather than a few long series.
#![no_main]

use caltally::classify::Rules;
use caltally::config::AllDayPolicy;
use caltally::ical::{self, Expansion, tz::Zone};
use caltally::model::Period;
use caltally::report::{self, Settings, i18n::Lang};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let day = |d| Period::parse_date(d).expect("valid date");
    let period = Period::new(day("2026-10-22"), day("2026-10-29")).expect("valid week");
    let zone = Zone::Iana(chrono_tz::Europe::Brussels);
    let mut x = Expansion::for_dates(zone.clone(), period.from, period.to);
    x.max_instances = 50;
    let (occ, problems) = ical::read_occurrences(data, "fuzz.ics", "fuzz", &x);
    assert!(!problems.iter().any(|p| p.message == caltally::ical::recur::PANIC_MESSAGE), "a panic was caught");
    let settings = Settings {
        period,
        zone,
        zone_name: "Europe/Brussels".into(),
        all_day: AllDayPolicy::Hours(7.5),
        lang: Lang::Fr,
        rates: Vec::new(),
        currency: "EUR".into(),
        accounts: None,
    };
    let entries = report::build_entries(&occ, &Rules::default(), &settings);
    let r = report::build_report(entries, &Rules::default(), &settings, None, problems);
    let mut sink = Vec::new();
    report::csv::write_entries(&mut sink, &r).expect("csv to memory");
    report::markdown::write_summary(&mut sink, &r).expect("md to memory");
});
