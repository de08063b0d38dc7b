// SPDX-License-Identifier: GPL-3.0-or-later
//! CSV renderers: `entries.csv` (one row per entry, the columns of DESIGN.md) and
//! `summary.csv` (totals per association and per person).
//!
//! RFC 4180, UTF-8 without BOM. Text cells that a spreadsheet would read as a formula
//! are prefixed with `'`: those starting with `=`, `+`, `-` or `@`, also after leading
//! spaces, tabs or line breaks, and those starting with a tab or a carriage return. The
//! `people` and `tags` cells are lists joined with `;`, which a spreadsheet may be told to
//! split into cells: each item is neutralised on its own.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write;

use chrono::{DateTime, Datelike, FixedOffset, SecondsFormat, Timelike};

use super::{Report, Totals};

/// The header of `entries.csv`, exactly.
pub const ENTRIES_HEADER: [&str; 14] = [
    "date",
    "start",
    "end",
    "minutes",
    "hours",
    "association",
    "kind",
    "people",
    "summary",
    "tags",
    "calendar",
    "uid",
    "recurrence_id",
    "all_day",
];

/// Writes `entries.csv`.
pub fn write_entries(w: impl Write, report: &Report) -> csv::Result<()> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(w);
    out.write_record(ENTRIES_HEADER)?;
    // One buffer for the cells that are formatted, none allocated per row.
    let mut cell = String::new();
    let mut field = |out: &mut csv::Writer<_>,
                     f: &dyn Fn(&mut String) -> std::fmt::Result|
     -> csv::Result<()> {
        cell.clear();
        let _ = f(&mut cell);
        out.write_field(cell.as_bytes())
    };
    for e in &report.entries {
        field(&mut out, &|c| write!(c, "{}", e.date))?;
        field(&mut out, &|c| write_instant(c, &e.start))?;
        field(&mut out, &|c| write_instant(c, &e.end))?;
        field(&mut out, &|c| write!(c, "{}", e.minutes))?;
        field(&mut out, &|c| write_hours(c, e.minutes))?;
        out.write_field(safe(e.association.as_deref().unwrap_or_default()).as_bytes())?;
        out.write_field(e.kind.as_str())?;
        field(&mut out, &|c| {
            push_safe_list(c, &e.people);
            Ok(())
        })?;
        out.write_field(safe(&e.summary).as_bytes())?;
        field(&mut out, &|c| {
            push_safe_list(c, &e.tags);
            Ok(())
        })?;
        out.write_field(safe(&e.calendar).as_bytes())?;
        out.write_field(safe(&e.uid).as_bytes())?;
        match &e.recurrence_id {
            Some(r) => field(&mut out, &|c| write_instant(c, r))?,
            None => out.write_field("")?,
        }
        out.write_field(if e.all_day { "true" } else { "false" })?;
        out.write_record(None::<&[u8]>)?;
    }
    out.flush()?;
    Ok(())
}

/// Writes `summary.csv`: `scope,key,name` then minutes per kind, total and hours.
/// Scopes: `association`, `unassigned`, `total`, `person`, `unnamed` (entries naming nobody).
pub fn write_summary(w: impl Write, report: &Report) -> csv::Result<()> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(w);
    out.write_record([
        "scope",
        "key",
        "name",
        "volunteer_minutes",
        "paid_minutes",
        "unspecified_minutes",
        "total_minutes",
        "total_hours",
        "person_hours",
    ])?;
    let mut row = |scope: &str, key: &str, name: &str, t: &Totals, person_minutes: Option<i64>| {
        out.write_record([
            scope.to_string(),
            safe(key).into_owned(),
            safe(name).into_owned(),
            t.volunteer.to_string(),
            t.paid.to_string(),
            t.unspecified.to_string(),
            t.total().to_string(),
            hours(t.total()),
            person_minutes.map(hours).unwrap_or_default(),
        ])
    };
    for a in &report.associations {
        row(
            "association",
            &a.key,
            &a.name,
            &a.totals,
            Some(a.person_minutes),
        )?;
    }
    if report.unassigned.total() > 0 || report.entries.iter().any(|e| e.association.is_none()) {
        row("unassigned", "", "", &report.unassigned, None)?;
    }
    row("total", "", "", &report.totals, Some(report.person_minutes))?;
    for p in &report.people {
        row("person", &p.key, &p.name, &p.totals, None)?;
    }
    if report.unnamed.total() > 0 {
        row("unnamed", "", "", &report.unnamed, None)?;
    }
    out.flush()?;
    Ok(())
}

/// Minutes as decimal hours with two places.
pub fn hours(minutes: i64) -> String {
    let mut s = String::new();
    let _ = write_hours(&mut s, minutes);
    s
}

fn write_hours(out: &mut String, minutes: i64) -> std::fmt::Result {
    let hundredths = (minutes * 100 + 30) / 60;
    write!(out, "{}.{:02}", hundredths / 100, hundredths % 100)
}

/// Neutralises a cell a spreadsheet would evaluate: a formula character first, also after
/// leading blanks and line breaks, or a tab or carriage return first.
pub fn safe(cell: &str) -> Cow<'_, str> {
    // Most cells start with a letter or a digit.
    if !matches!(
        cell.as_bytes().first(),
        Some(b' ' | b'\t' | b'\r' | b'\n' | b'=' | b'+' | b'-' | b'@')
    ) {
        return Cow::Borrowed(cell);
    }
    let body = cell.trim_start_matches([' ', '\t', '\r', '\n']);
    let formula = matches!(body.chars().next(), Some('=' | '+' | '-' | '@'));
    if formula || cell.starts_with(['\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A list cell: the items joined with `;`, each neutralised on its own.
pub fn safe_list(items: &[String]) -> String {
    let mut out = String::new();
    push_safe_list(&mut out, items);
    out
}

/// Appends [`safe_list`]'s cell to `out`.
fn push_safe_list(out: &mut String, items: &[String]) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(&safe(item));
    }
}

/// An instant as RFC 3339 with its offset and whole seconds (`2026-10-05T14:00:00+02:00`),
/// as `to_rfc3339_opts(SecondsFormat::Secs, false)` writes it.
fn write_instant(out: &mut String, t: &DateTime<FixedOffset>) -> std::fmt::Result {
    if !(0..=9999).contains(&t.year()) {
        return out.write_str(&t.to_rfc3339_opts(SecondsFormat::Secs, false));
    }
    let offset = t.offset().local_minus_utc();
    let sign = if offset < 0 { '-' } else { '+' };
    // Minutes, rounded as chrono rounds an offset with seconds.
    let offset = (offset.unsigned_abs() + 30) / 60;
    write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        offset / 60,
        offset % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe("-1+1"), "'-1+1");
        assert_eq!(safe("Réunion"), "Réunion");
        assert_eq!(safe("Réunion -1"), "Réunion -1");
    }

    #[test]
    fn formulas_after_leading_blanks_are_neutralised() {
        assert_eq!(safe("  =1+1"), "'  =1+1");
        assert_eq!(safe("\n@SUM(A1)"), "'\n@SUM(A1)");
        assert_eq!(safe(" \r\n -2"), "' \r\n -2");
        assert_eq!(safe("\tplain"), "'\tplain");
        assert_eq!(safe("\rplain"), "'\rplain");
        assert_eq!(safe("  plain"), "  plain");
        assert_eq!(safe("\nplain"), "\nplain");
    }

    #[test]
    fn each_item_of_a_list_is_neutralised() {
        let items = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(safe_list(&items(&["amis", "=cmd"])), "amis;'=cmd");
        assert_eq!(safe_list(&items(&["-x", " +y", "z"])), "'-x;' +y;z");
        assert_eq!(safe_list(&items(&["alice", "bob"])), "alice;bob");
        assert_eq!(safe_list(&[]), "");
    }

    #[test]
    fn instants_are_written_as_rfc_3339_with_whole_seconds() {
        use chrono::TimeZone;
        for (offset, (y, mo, d, h, mi, s)) in [
            (7200, (2026, 10, 5, 14, 0, 0)),
            (0, (2026, 1, 1, 0, 0, 59)),
            (-(9 * 3600 + 30 * 60), (999, 12, 31, 23, 59, 1)),
            (20700, (10000, 3, 1, 9, 5, 0)),
            (-45, (2026, 6, 1, 12, 0, 0)),
            (1050, (1880, 6, 1, 12, 0, 0)),
            (1049, (1880, 6, 1, 12, 0, 0)),
        ] {
            let t = FixedOffset::east_opt(offset)
                .and_then(|z| z.with_ymd_and_hms(y, mo, d, h, mi, s).single())
                .expect("a valid time")
                + chrono::TimeDelta::milliseconds(250);
            let mut out = String::new();
            write_instant(&mut out, &t).expect("written");
            assert_eq!(out, t.to_rfc3339_opts(SecondsFormat::Secs, false));
        }
    }

    #[test]
    fn hours_have_two_places() {
        assert_eq!(hours(90), "1.50");
        assert_eq!(hours(20), "0.33");
        assert_eq!(hours(0), "0.00");
        assert_eq!(hours(599), "9.98");
    }
}
