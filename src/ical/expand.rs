// SPDX-License-Identifier: GPL-3.0-or-later
//! Expanding all the events of a file, and the results of many files, in file order.
//!
//! Owns: running [`super::recur::expand_event`] per event, in parallel when a file holds
//! enough events, each event guarded so that a panic leaves nothing of it but a warning;
//! and joining the parts that parallel runs give, each occurrence moved or copied once.
//! The expansion itself is [`super::recur`]'s.

use std::panic::{AssertUnwindSafe, catch_unwind};

use rayon::prelude::*;

use super::parse::{Event, Parsed};
use super::recur::{Expansion, PANIC_MESSAGE, expand_event};
use super::tz::ZoneResolver;
use crate::model::{Occurrence, Problem};

/// Files with fewer events than this are expanded on the calling thread (most store
/// objects hold one event).
const PARALLEL_FROM: usize = 8;

/// Expands every event of a parsed file, in parallel, keeping the file's order.
pub fn expand_occurrences(
    parsed: &Parsed,
    x: &Expansion,
    source: &str,
) -> (Vec<Occurrence>, Vec<Problem>) {
    let (mut occurrences, mut problems) = (Vec::new(), Vec::new());
    expand_occurrences_into(parsed, x, source, &mut occurrences, &mut problems);
    (occurrences, problems)
}

/// [`expand_occurrences`], appending to `out` and `problems`.
pub fn expand_occurrences_into(
    parsed: &Parsed,
    x: &Expansion,
    source: &str,
    out: &mut Vec<Occurrence>,
    problems: &mut Vec<Problem>,
) {
    if parsed.events.len() < PARALLEL_FROM {
        for event in &parsed.events {
            expand_guarded(event, &parsed.zones, x, source, out, problems);
        }
        return;
    }
    let parts: Vec<(Vec<Occurrence>, Vec<Problem>)> = parsed
        .events
        .par_iter()
        .fold(Default::default, |mut acc: (Vec<_>, Vec<_>), event| {
            expand_guarded(event, &parsed.zones, x, source, &mut acc.0, &mut acc.1);
            acc
        })
        .collect();
    append_parts(parts, out, problems);
}

/// Appends the results of parallel parts, in order, each moved or copied once.
pub fn append_parts<T, U>(parts: Vec<(Vec<T>, Vec<U>)>, out: &mut Vec<T>, problems: &mut Vec<U>) {
    let mut left: usize = parts.iter().map(|p| p.0.len()).sum();
    for (mut part, mut warnings) in parts {
        left -= part.len();
        if out.is_empty() {
            *out = part;
        } else {
            out.append(&mut part);
        }
        out.reserve(left);
        problems.append(&mut warnings);
    }
}

/// Expands one event into `out`; a panic leaves nothing of it but a warning.
fn expand_guarded(
    event: &Event,
    zones: &ZoneResolver,
    x: &Expansion,
    source: &str,
    out: &mut Vec<Occurrence>,
    problems: &mut Vec<Problem>,
) {
    let (occurrences, warnings) = (out.len(), problems.len());
    let run = catch_unwind(AssertUnwindSafe(|| {
        expand_event(event, zones, x, source, out, problems);
    }));
    if run.is_err() {
        out.truncate(occurrences);
        problems.truncate(warnings);
        problems.push(Problem::new(source, PANIC_MESSAGE).with_uid(Some(&event.uid)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ical::{read_occurrences, tz::Zone};
    use chrono::{NaiveDate, Timelike};

    /// A weekly series of ten Mondays at 10:00 UTC, of which the first `moved` are moved
    /// to 15:00 by overrides, and the last one excluded.
    fn series(moved: usize) -> String {
        let mut s = String::from(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:s\r\nDTSTART:20260105T100000Z\r\n\
             DURATION:PT1H\r\nRRULE:FREQ=WEEKLY;COUNT=10\r\nEXDATE:20260309T100000Z\r\n\
             END:VEVENT\r\n",
        );
        for week in 0..moved {
            let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()
                + chrono::TimeDelta::weeks(week as i64);
            let d = day.format("%Y%m%d");
            s.push_str(&format!(
                "BEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID:{d}T100000Z\r\nDTSTART:{d}T150000Z\r\n\
                 DURATION:PT1H\r\nEND:VEVENT\r\n"
            ));
        }
        s.push_str("END:VCALENDAR\r\n");
        s
    }

    #[test]
    fn overrides_replace_their_instances_however_many_there_are() {
        let x = Expansion::for_dates(
            Zone::Utc,
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
        );
        // Few overrides are looked up one way, many another: the result is the same.
        for moved in [0, 1, 4, 5, 9] {
            let (occ, problems) = read_occurrences(series(moved).as_bytes(), "f", "c", &x);
            assert!(problems.is_empty(), "{problems:?}");
            assert_eq!(occ.len(), 9, "{moved} moved");
            let afternoons = occ.iter().filter(|o| o.start.hour() == 15).count();
            assert_eq!(afternoons, moved.min(9), "{moved} moved");
            let mut keys: Vec<_> = occ.iter().filter_map(|o| o.recurrence_id).collect();
            keys.dedup();
            assert_eq!(keys.len(), 9);
        }
    }

    #[test]
    fn parts_are_joined_in_order() {
        let parts = vec![
            (vec![1, 2], vec!["a"]),
            (vec![], vec![]),
            (vec![3], vec!["b", "c"]),
        ];
        let (mut out, mut problems) = (Vec::new(), Vec::new());
        append_parts(parts, &mut out, &mut problems);
        assert_eq!((out, problems), (vec![1, 2, 3], vec!["a", "b", "c"]));
    }
}
