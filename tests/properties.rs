// SPDX-License-Identifier: GPL-3.0-or-later
//! Properties (proptest): for any event and any split of a period into consecutive
//! sub-periods, the minutes of the sub-periods add up to the minutes of the whole; and no
//! generated input makes parsing or expansion panic.

mod common;

use caltally::model::Period;
use chrono::{Days, NaiveDate};
use common::{day, entries, occurrences};
use proptest::prelude::*;

const ZONES: [&str; 5] = [
    ";TZID=Europe/Brussels",
    ";TZID=America/New_York",
    ";TZID=Australia/Lord_Howe",
    "",
    "UTC",
];

fn stamp(d: NaiveDate, minute_of_day: u32) -> String {
    format!(
        "{}T{:02}{:02}{:02}",
        d.format("%Y%m%d"),
        minute_of_day / 60,
        minute_of_day % 60,
        minute_of_day % 7
    )
}

prop_compose! {
    fn an_event()(
        // Not the last day of the year: a UTC start in its last hours falls in the next year
        // in the report's zone, and the event would then have no entry in the period.
        start_day in 0u64..364,
        minute in 0u32..1440,
        length in 0u32..4000,
        zone in 0usize..ZONES.len(),
        rule in prop_oneof![Just(""), Just("RRULE:FREQ=WEEKLY;COUNT=9\r\n"), Just("RRULE:FREQ=DAILY;INTERVAL=3\r\n"), Just("RRULE:FREQ=MONTHLY;BYDAY=-1SU\r\n")],
        all_day in any::<bool>(),
        tag in prop_oneof![Just(""), Just(" #2h30"), Just(" #45min")],
    ) -> String {
        let start = day(2026, 1, 1) + Days::new(start_day);
        let (dtstart, dtend) = if all_day {
            let end = start + Days::new(u64::from(length % 5) + 1);
            (format!("DTSTART;VALUE=DATE:{}", start.format("%Y%m%d")), format!("DTEND;VALUE=DATE:{}", end.format("%Y%m%d")))
        } else {
            let end_minutes = minute + length;
            let end = start + Days::new(u64::from(end_minutes / 1440));
            let (p, s) = match ZONES[zone] { "UTC" => ("", "Z"), z => (z, "") };
            (format!("DTSTART{p}:{}{s}", stamp(start, minute)), format!("DTEND{p}:{}{s}", stamp(end, end_minutes % 1440)))
        };
        format!("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:p\r\n{dtstart}\r\n{dtend}\r\n{rule}SUMMARY:work #amis{tag}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn minutes_of_a_split_add_up_to_the_whole(ics in an_event(), mut cuts in proptest::collection::vec(1u64..365, 0..6)) {
        let whole = Period::new(day(2026, 1, 1), day(2027, 1, 1)).expect("period");
        let (occ, _) = occurrences(ics.as_bytes(), whole, 10_000);
        let all = entries(&occ, whole);
        prop_assert!(!all.is_empty(), "an event starting in the period has an entry:\n{}", ics);
        let total: i64 = all.iter().map(|e| e.minutes).sum();
        cuts.sort_unstable();
        cuts.dedup();
        let mut bounds = vec![whole.from];
        bounds.extend(cuts.iter().map(|c| whole.from + Days::new(*c)));
        bounds.push(whole.to);
        let mut sum = 0;
        for w in bounds.windows(2) {
            let part = Period::new(w[0], w[1]).expect("sub-period");
            let (occ, _) = occurrences(ics.as_bytes(), part, 10_000);
            sum += entries(&occ, part).iter().map(|e| e.minutes).sum::<i64>();
        }
        prop_assert_eq!(sum, total, "event:\n{}", ics);
    }

    #[test]
    fn no_input_makes_expansion_panic(lines in proptest::collection::vec(prop_oneof![
        Just("BEGIN:VEVENT".to_string()), Just("END:VEVENT".to_string()), Just("BEGIN:VCALENDAR".to_string()),
        Just("UID:x".to_string()), Just("RECURRENCE-ID;RANGE=THISANDFUTURE:20260105T100000".to_string()),
        "(DTSTART|DTEND|EXDATE|RDATE|RECURRENCE-ID|UNTIL)(;TZID=[A-Za-z/]{0,12}|;VALUE=(DATE|PERIOD))?:[0-9TZ/P]{0,20}",
        "RRULE:(FREQ=(SECONDLY|MINUTELY|HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY);?)?((COUNT|INTERVAL|BYSETPOS|BYMONTHDAY|BYYEARDAY|BYWEEKNO|BYHOUR|BYMONTH)=-?[0-9]{1,4};?|BYDAY=(-?[0-9]?(MO|TU|SU|é));?|UNTIL=[0-9TZ]{8,16};?){0,4}",
        "DURATION:-?P([0-9]{1,3}[WDHMS]|T){0,4}",
        ".{0,30}",
    ], 0..14)) {
        let text = lines.join("\r\n");
        let whole = Period::new(day(2026, 1, 1), day(2026, 3, 1)).expect("period");
        let (_, problems) = occurrences(text.as_bytes(), whole, 2_000);
        prop_assert!(!problems.iter().any(|p| p.message == caltally::ical::recur::PANIC_MESSAGE), "panic caught for:\n{}", text);
    }
}
