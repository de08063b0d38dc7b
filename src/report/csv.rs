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

use super::{Report, Totals};

mod rows;

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
///
/// The rows are written without the `csv` crate but exactly as it writes them (quoting
/// only the fields that hold `,`, `"`, CR or LF, quotes doubled, CRLF after each row);
/// [`entries_size_hint`] tells a caller how much room to make for them.
pub fn write_entries(w: impl Write, report: &Report) -> csv::Result<()> {
    rows::write_rows(w, &report.entries)
}

/// About how many bytes [`write_entries`] writes: the length of every text cell plus the
/// usual width of the others.
pub fn entries_size_hint(report: &Report) -> usize {
    let list = |items: &[String]| items.iter().map(|i| i.len() + 1).sum::<usize>();
    let fixed = 10 + 25 + 25 + 4 + 5 + 11 + 25 + 5 + 13 + 2;
    let rows: usize = report
        .entries
        .iter()
        .map(|e| {
            fixed
                + e.association.as_deref().map_or(0, str::len)
                + list(&e.people)
                + e.summary.len()
                + list(&e.tags)
                + e.calendar.len()
                + e.uid.len()
        })
        .sum();
    256 + rows + rows / 64
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
    if is_formula(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Whether [`safe`] prefixes `cell`.
fn is_formula(cell: &str) -> bool {
    // Most cells start with a letter or a digit.
    if !matches!(
        cell.as_bytes().first(),
        Some(b' ' | b'\t' | b'\r' | b'\n' | b'=' | b'+' | b'-' | b'@')
    ) {
        return false;
    }
    let body = cell.trim_start_matches([' ', '\t', '\r', '\n']);
    matches!(body.chars().next(), Some('=' | '+' | '-' | '@')) || cell.starts_with(['\t', '\r'])
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
    fn hours_have_two_places() {
        assert_eq!(hours(90), "1.50");
        assert_eq!(hours(20), "0.33");
        assert_eq!(hours(0), "0.00");
        assert_eq!(hours(599), "9.98");
    }
}
