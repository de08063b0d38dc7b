// SPDX-License-Identifier: GPL-3.0-or-later
//! Periods on the command line: `--to` is the last day included (folder name and title
//! agree), `--from X --to X` is one day, a year has four digits, `--month last|this`
//! follow the clock; and `report` ends by saying how many entries need review.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

const CAL: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n\
BEGIN:VEVENT\r\nUID:night\r\nDTSTART;TZID=Europe/Brussels:20261031T220000\r\n\
DTEND;TZID=Europe/Brussels:20261101T020000\r\nSUMMARY:Migration #amis #benevole\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:untagged\r\nDTSTART:20261005T080000Z\r\nDTEND:20261005T093000Z\r\n\
SUMMARY:Something\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn caltally(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("caltally").expect("binary built");
    cmd.current_dir(dir)
        .env_remove("CALTALLY_CONFIG")
        .env("XDG_CONFIG_HOME", dir.join("xdg"))
        .env("CALTALLY_NOW", "2026-11-03T06:00:00+01:00")
        .env("LANG", "C");
    cmd
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("cal.ics"), CAL).expect("write");
    dir
}

fn report(dir: &Path, period: &[&str]) -> assert_cmd::assert::Assert {
    caltally(dir)
        .args(["report", "--source", "cal.ics", "--tz", "Europe/Brussels"])
        .args(period)
        .assert()
}

#[test]
fn to_is_the_last_day_included() {
    let dir = setup();
    report(dir.path(), &["--from", "2026-10-30", "--to", "2026-10-31"])
        .success()
        .stdout(predicate::str::contains(
            "30 October 2026 to 31 October 2026 → reports/2026-10-30_2026-10-31",
        ));
    let out = dir.path().join("reports/2026-10-30_2026-10-31");
    let csv = std::fs::read_to_string(out.join("entries.csv")).expect("csv");
    assert!(
        csv.contains("2026-10-31,2026-10-31T22:00:00+01:00"),
        "{csv}"
    );
    let md = std::fs::read_to_string(out.join("summary.md")).expect("md");
    assert!(md.contains("30 October 2026 to 31 October 2026"), "{md}");
}

#[test]
fn from_and_to_the_same_day_is_one_day() {
    let dir = setup();
    report(dir.path(), &["--from", "2026-10-31", "--to", "2026-10-31"])
        .success()
        .stdout(predicate::str::contains("1 entry, 2:00 h)"));
    let csv = std::fs::read_to_string(dir.path().join("reports/2026-10-31_2026-10-31/entries.csv"))
        .expect("csv");
    assert_eq!(csv.lines().count(), 2, "{csv}");
    report(dir.path(), &["--from", "2026-10-31", "--to", "2026-10-30"])
        .code(2)
        .stderr(predicate::str::contains("before the first day"));
}

#[test]
fn a_year_has_four_digits() {
    let dir = setup();
    report(dir.path(), &["--year", "26"])
        .code(2)
        .stderr(predicate::str::contains("four digits"));
    assert!(!dir.path().join("reports").exists());
    report(dir.path(), &["--from", "26-10-01", "--to", "2026-10-31"]).code(2);
}

#[test]
fn last_and_this_month_follow_the_clock() {
    let dir = setup();
    report(dir.path(), &["--month", "last"])
        .success()
        .stdout(predicate::str::contains("October 2026 → reports/2026-10"));
    report(dir.path(), &["--month", "this"])
        .success()
        .stdout(predicate::str::contains("November 2026 → reports/2026-11"));
}

#[test]
fn report_says_how_many_entries_need_review_in_english() {
    let dir = setup();
    report(dir.path(), &["--month", "2026-10", "--lang", "fr"])
        .success()
        .stdout(
            predicate::str::contains("Time report October 2026").and(predicate::str::ends_with(
                "caltally: 1 entry needs review: caltally check --month 2026-10 --source cal.ics --tz Europe/Brussels\n",
            )),
        );
    let md = std::fs::read_to_string(dir.path().join("reports/2026-10/summary.md")).expect("md");
    assert!(md.starts_with("# Rapport d'heures"), "{md}");
    report(dir.path(), &["--month", "2026-09"])
        .success()
        .stdout(predicate::str::contains("review").not());
}

#[test]
fn lang_lists_its_values() {
    let dir = setup();
    caltally(dir.path())
        .args(["report", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("[possible values: fr, en]"));
    report(dir.path(), &["--lang", "de"]).code(2);
}
