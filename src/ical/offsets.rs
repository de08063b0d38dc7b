// SPDX-License-Identifier: GPL-3.0-or-later
//! The UTC offset of a tz-database zone at an instant, looked up in a table of the year's
//! changes instead of a search of the zone's whole history each time.
//!
//! Owns: one table per zone, UTC year and thread, made the first time that thread asks for
//! an instant of that year: the offset at the start of the year and every change of it, to
//! the second. The table is made by reading the offset at each midnight (UTC) of the year
//! and, where two midnights differ, halving the day until the change is found. That finds
//! every change as long as two changes of a zone's offset are never less than a day apart:
//! across the 598 zones of the tz database, from 1900 to 2100, the closest two are more
//! than two days apart. Years outside 1900–2100 are read from chrono-tz directly.
//! Expanding a year of weekly series asks for several offsets per occurrence, each of which
//! cost a binary search of chrono-tz's table of the zone's history.

use std::cell::RefCell;
use std::rc::Rc;

use chrono::{Datelike, NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;

/// The years whose changes are tabled; others are read from chrono-tz each time.
const TABLED: std::ops::RangeInclusive<i32> = 1900..=2100;

/// Tables a thread keeps at most. A table costs about 370 lookups to make, so a calendar
/// that asks for a few instants in each of many zones and years (a report needs a few)
/// gets its offsets from chrono-tz once this many are made, and never pays that again.
const MAX_TABLES: usize = 64;

/// The offsets of one zone in one UTC year.
#[derive(Debug)]
struct Year {
    tz: Tz,
    /// Unix times of the first second of the year and of the next.
    start: i64,
    end: i64,
    /// Offset (seconds east of UTC) at the first second of the year.
    first: i32,
    /// Each change in the year: its first second (Unix time) and the offset from then on.
    changes: Vec<(i64, i32)>,
}

thread_local! {
    /// The years tabled on this thread (a report reads a few zones over a few years).
    static YEARS: RefCell<Vec<Rc<Year>>> = const { RefCell::new(Vec::new()) };
}

/// The offset chrono-tz gives at the Unix time `t`.
fn exact(tz: Tz, t: i64) -> i32 {
    match chrono::DateTime::from_timestamp(t, 0) {
        Some(at) => tz
            .offset_from_utc_datetime(&at.naive_utc())
            .fix()
            .local_minus_utc(),
        None => 0,
    }
}

/// Unix time of the first second of `year` (UTC).
fn year_start(year: i32) -> Option<i64> {
    Some(
        NaiveDate::from_ymd_opt(year, 1, 1)?
            .and_hms_opt(0, 0, 0)?
            .and_utc()
            .timestamp(),
    )
}

impl Year {
    fn new(tz: Tz, start: i64, end: i64) -> Year {
        const DAY: i64 = 86_400;
        let first = exact(tz, start);
        let mut changes = Vec::new();
        let (mut at, mut offset) = (start, first);
        while at < end {
            let next = (at + DAY).min(end);
            let then = exact(tz, next);
            if then != offset {
                // One change in (at, next]: the first second with the new offset.
                let (mut before, mut after) = (at, next);
                while after - before > 1 {
                    let mid = before + (after - before) / 2;
                    if exact(tz, mid) == offset {
                        before = mid;
                    } else {
                        after = mid;
                    }
                }
                changes.push((after, then));
                offset = then;
            }
            at = next;
        }
        Year {
            tz,
            start,
            end,
            first,
            changes,
        }
    }

    fn offset(&self, t: i64) -> i32 {
        let mut offset = self.first;
        for &(at, then) in &self.changes {
            if t < at {
                break;
            }
            offset = then;
        }
        offset
    }
}

/// The offset from UTC, in seconds, of `tz` at the Unix time `t`.
pub fn offset_at(tz: Tz, t: i64) -> i32 {
    YEARS.with(|years| {
        if let Some(y) = years
            .borrow()
            .iter()
            .find(|y| y.tz == tz && y.start <= t && t < y.end)
        {
            return y.offset(t);
        }
        let year = chrono::DateTime::from_timestamp(t, 0).map(|at| at.year());
        let Some(year) = year.filter(|y| TABLED.contains(y)) else {
            return exact(tz, t);
        };
        let (Some(start), Some(end)) = (year_start(year), year_start(year + 1)) else {
            return exact(tz, t);
        };
        if years.borrow().len() >= MAX_TABLES {
            return exact(tz, t);
        }
        let table = Rc::new(Year::new(tz, start, end));
        let offset = table.offset(t);
        years.borrow_mut().push(table);
        offset
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Zones with every kind of change: none, half-hour DST (Lord Howe), two-hour DST
    /// (Troll), DST suspended for Ramadan (Casablanca), DST abolished (São Paulo), the date
    /// line crossed (Apia), and the usual European and American rules.
    const ZONES: [Tz; 9] = [
        Tz::Europe__Brussels,
        Tz::America__New_York,
        Tz::Australia__Lord_Howe,
        Tz::Antarctica__Troll,
        Tz::Africa__Casablanca,
        Tz::America__Sao_Paulo,
        Tz::Pacific__Apia,
        Tz::Asia__Kolkata,
        Tz::Europe__Moscow,
    ];

    #[test]
    fn every_quarter_hour_and_every_second_around_a_change_reads_as_chrono_tz_reads_it() {
        for tz in ZONES {
            for year in [1916, 1942, 1981, 2011, 2014, 2019, 2026] {
                let start = year_start(year).expect("a year");
                let end = year_start(year + 1).expect("a year");
                let mut t = start;
                while t < end {
                    let utc = chrono::DateTime::from_timestamp(t, 0).expect("a time");
                    assert_eq!(offset_at(tz, t), exact(tz, t), "{tz} at {utc}");
                    t += 900;
                }
                let table = Year::new(tz, start, end);
                for &(at, _) in &table.changes {
                    for s in at - 3..=at + 3 {
                        assert_eq!(offset_at(tz, s), exact(tz, s), "{tz} at {s}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_change_mid_year_is_found_to_the_second() {
        // Brussels, 2026: CET to CEST at 01:00 UTC on 29 March, back on 25 October.
        let start = year_start(2026).expect("a year");
        let table = Year::new(
            Tz::Europe__Brussels,
            start,
            year_start(2027).expect("a year"),
        );
        let at = |m, d| {
            NaiveDate::from_ymd_opt(2026, m, d)
                .and_then(|d| d.and_hms_opt(1, 0, 0))
                .expect("a time")
                .and_utc()
                .timestamp()
        };
        assert_eq!(table.first, 3600);
        assert_eq!(table.changes, [(at(3, 29), 7200), (at(10, 25), 3600)]);
    }

    #[test]
    fn a_thread_keeps_a_bounded_number_of_tables_and_reads_the_rest_exactly() {
        // On a thread of its own, so that other tests' tables do not count.
        std::thread::spawn(|| {
            for year in 1900..2100 {
                let utc = NaiveDate::from_ymd_opt(year, 7, 1)
                    .and_then(|d| d.and_hms_opt(12, 0, 0))
                    .expect("a time");
                let t = utc.and_utc().timestamp();
                let tz = Tz::Europe__Paris;
                assert_eq!(offset_at(tz, t), exact(tz, t), "{year}");
            }
            assert_eq!(YEARS.with(|y| y.borrow().len()), MAX_TABLES);
        })
        .join()
        .expect("the thread ends");
    }

    #[test]
    fn years_outside_the_table_are_read_from_chrono_tz() {
        for (y, m, d) in [(1850, 6, 1), (2200, 7, 1), (1899, 12, 31)] {
            let utc = NaiveDate::from_ymd_opt(y, m, d)
                .and_then(|d| d.and_hms_opt(12, 0, 0))
                .expect("a time");
            let t = utc.and_utc().timestamp();
            assert_eq!(
                offset_at(Tz::America__New_York, t),
                exact(Tz::America__New_York, t)
            );
        }
    }
}
