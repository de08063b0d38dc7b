// SPDX-License-Identifier: GPL-3.0-or-later
//! Tests of [`super`]: dates and durations written digit by digit read as `format!` writes them.

use super::*;

#[test]
fn dates_and_durations_read_as_format_writes_them() {
    let t = Lang::Fr.text();
    for minutes in [0i64, 5, 59, 60, 61, 90, 600, 1439, 100_000, -1, -90, -6000] {
        let m = minutes.abs();
        let sign = if minutes < 0 { "-" } else { "" };
        assert_eq!(
            t.duration(minutes),
            format!("{sign}{}:{:02}", m / 60, m % 60)
        );
    }
    for (y, m, d) in [(2026, 1, 5), (999, 12, 31), (10_000, 2, 29)] {
        let date = NaiveDate::from_ymd_opt(y, m, d).expect("a date");
        let mut out = String::new();
        t.push_date(&mut out, date);
        assert_eq!(out, format!("{y:04}-{m:02}-{d:02}"));
    }
}
