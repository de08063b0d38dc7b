// SPDX-License-Identifier: GPL-3.0-or-later
//! The fixture corpus: every file of `fixtures/ical/` (one quirk per file) is read,
//! expanded over December 2025 – January 2027 in Brussels time and classified with zero
//! configuration. Its entries, the minutes per month and its warnings are compared with
//! the reviewed snapshot in `tests/snapshots/` (insta; a mismatch fails).

mod common;

use std::fmt::Write;
use std::path::Path;

use caltally::model::Period;
use chrono::Datelike;
use common::{day, entries, occurrences};

/// Fixtures need far fewer instances; a small cap keeps endless rules readable.
const FIXTURE_CAP: usize = 100;

fn render(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("fixture readable");
    let wide = Period::new(day(2025, 12, 1), day(2027, 2, 1)).expect("period");
    let (occ, problems) = occurrences(&bytes, wide, FIXTURE_CAP);
    let mut out = String::new();
    writeln!(
        out,
        "## entries (start → end, minutes, association, kind, people, tags, uid, recurrence_id)"
    )
    .ok();
    for e in entries(&occ, wide) {
        writeln!(
            out,
            "{} → {} | {} | {} | {} | {} | {} | {} | {}{}{}",
            e.start.to_rfc3339(),
            e.end.to_rfc3339(),
            e.minutes,
            e.association.as_deref().unwrap_or("-"),
            e.kind.as_str(),
            e.people.join(";"),
            e.tags.join(";"),
            e.uid,
            e.recurrence_id
                .map(|r| r.to_rfc3339())
                .unwrap_or_else(|| "-".into()),
            if e.all_day { " | all-day" } else { "" },
            e.review
                .as_ref()
                .map(|r| format!(" | review: {r:?}"))
                .unwrap_or_default(),
        )
        .ok();
    }
    writeln!(out, "## minutes per month (clipped to each month)").ok();
    let mut month = Period::month(2025, 12).expect("month");
    while month.from < wide.to {
        let minutes: i64 = entries(&occ, month).iter().map(|e| e.minutes).sum();
        let count = entries(&occ, month).len();
        if count > 0 {
            writeln!(out, "{}: {} entries, {} min", month.label(), count, minutes).ok();
        }
        let next = month.to;
        month = Period::month(next.year(), next.month()).expect("month");
    }
    writeln!(out, "## warnings").ok();
    for p in problems {
        writeln!(out, "{p}").ok();
    }
    out
}

#[test]
fn every_fixture_matches_its_snapshot() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ical");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/ical exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ics"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "the corpus has {} files", files.len());
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for f in &files {
            let name = f.file_stem().expect("stem").to_string_lossy().to_string();
            insta::assert_snapshot!(name, render(f));
        }
    });
}
