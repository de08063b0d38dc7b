// SPDX-License-Identifier: GPL-3.0-or-later
//! Differential test against an independent oracle: Python `icalendar` +
//! `recurring_ical_events` (installed by `make venv`) expand a generated calendar of more
//! than 5,000 events over 2025; caltally's timed occurrences must equal the oracle's
//! exactly. The generator (`tests/oracle/gen_calendar.py`) is deterministic by seed. The
//! fixtures of the ill-defined inputs that clients agree on (a floating DTEND beside a zoned
//! DTSTART, vendor TZID prefixes, one UID written several times, an escaped RRULE) are
//! compared with the oracle too.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use caltally::ical::{self, Expansion};
use chrono::{SecondsFormat, TimeZone, Utc};

fn python() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let py = std::env::var_os("CALTALLY_PYTHON")
        .map_or_else(|| manifest.join(".venv/bin/python"), PathBuf::from);
    assert!(
        py.exists(),
        "the oracle needs the test venv: run `make venv` (or set CALTALLY_PYTHON); {} not found",
        py.display()
    );
    py
}

fn run(py: &Path, args: &[&str]) -> String {
    let out = Command::new(py).args(args).output().expect("python runs");
    assert!(
        out.status.success(),
        "{args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn utc(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[test]
fn timed_occurrences_equal_the_oracle() {
    let py = python();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("generated.ics");
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle");
    let file_s = file.to_str().expect("path");
    run(
        &py,
        &[
            scripts.join("gen_calendar.py").to_str().expect("path"),
            "--seed",
            "42",
            "--events",
            "5000",
            "--year",
            "2025",
            "--out",
            file_s,
        ],
    );
    let expected: BTreeSet<String> = run(
        &py,
        &[
            scripts.join("oracle.py").to_str().expect("path"),
            file_s,
            "--from",
            "2025-01-01",
            "--to",
            "2026-01-01",
            "--floating-tz",
            "Europe/Brussels",
        ],
    )
    .lines()
    .map(str::to_string)
    .collect();
    assert!(
        expected.len() > 5_000,
        "the oracle found {} occurrences",
        expected.len()
    );

    let bytes = std::fs::read(&file).expect("generated file");
    let events = bytes.windows(12).filter(|w| w == b"BEGIN:VEVENT").count();
    assert!(events >= 5_000, "{events} VEVENTs generated");
    let x = Expansion {
        report_zone: common::brussels(),
        from: Utc
            .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
            .single()
            .expect("instant"),
        to: Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("instant"),
        max_instances: ical::recur::DEFAULT_MAX_INSTANCES,
    };
    let (occ, problems) = ical::read_occurrences(&bytes, "generated.ics", "generated", &x);
    assert!(
        problems.is_empty(),
        "no warning expected on the generated file: {:?}",
        &problems[..problems.len().min(5)]
    );
    let actual: BTreeSet<String> = occ
        .iter()
        .filter(|o| o.all_day.is_none())
        .map(|o| format!("{}\t{}\t{}", o.uid, utc(o.start), utc(o.end)))
        .collect();
    let missing: Vec<_> = expected.difference(&actual).take(15).collect();
    let extra: Vec<_> = actual.difference(&expected).take(15).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{} oracle occurrences, {} from caltally\nmissing from caltally: {missing:#?}\nonly in caltally: {extra:#?}",
        expected.len(),
        actual.len()
    );
}

/// Fixtures whose reading the oracle shares (each also has its snapshot in `fixtures.rs`).
const QUIRKS_THE_ORACLE_SHARES: [&str; 7] = [
    "dtend-floating-zoned.ics",
    "exdate-floating-zoned.ics",
    "recurrence-id-floating-zoned.ics",
    "tzid-libical-no-tzfile.ics",
    "tzid-mozilla.ics",
    "duplicate-uid.ics",
    "rrule-escaped-semicolon.ics",
];

#[test]
fn quirk_fixtures_equal_the_oracle() {
    let py = python();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let oracle = manifest.join("tests/oracle/oracle.py");
    let x = Expansion {
        report_zone: common::brussels(),
        from: Utc
            .with_ymd_and_hms(2026, 9, 1, 0, 0, 0)
            .single()
            .expect("instant"),
        to: Utc
            .with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
            .single()
            .expect("instant"),
        max_instances: ical::recur::DEFAULT_MAX_INSTANCES,
    };
    for name in QUIRKS_THE_ORACLE_SHARES {
        let file = manifest.join("fixtures/ical").join(name);
        let file_s = file.to_str().expect("path");
        let expected: BTreeSet<String> = run(
            &py,
            &[
                oracle.to_str().expect("path"),
                file_s,
                "--from",
                "2026-09-01",
                "--to",
                "2026-12-01",
            ],
        )
        .lines()
        .map(str::to_string)
        .collect();
        assert!(!expected.is_empty(), "{name}: the oracle found nothing");
        let bytes = std::fs::read(&file).expect("fixture");
        let (occ, _) = ical::read_occurrences(&bytes, name, "fixture", &x);
        let actual: BTreeSet<String> = occ
            .iter()
            .map(|o| format!("{}\t{}\t{}", o.uid, utc(o.start), utc(o.end)))
            .collect();
        assert_eq!(actual, expected, "{name}: caltally and the oracle differ");
    }
}
