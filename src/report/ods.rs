// SPDX-License-Identifier: GPL-3.0-or-later
//! OpenDocument spreadsheets for the people who keep the accounts: `<association>.ods` (one
//! association) and `summary.ods` (every association).
//!
//! Two sheets, named in the report language. "Détail"/"Details": one row per entry with
//! real date, time and duration cells, the kind in words, the people by name, what was
//! done (without internal markup) and, where the minutes differ from the slot, why. "Synthèse"/"Summary": totals by kind, per person and,
//! on an association's sheet, the valuation of volunteer person-hours. Every total is a
//! formula that a spreadsheet recalculates, with the value computed here stored beside it,
//! so that a reader that does not recalculate sees the same figure. No UID, key or tag
//! appears. Text cells are typed as text, so nothing from a calendar is ever evaluated.

use std::io::Write;

use chrono::Timelike;

use super::i18n::Text;
use super::odf::{Book, Copies, Figure, Look, Row};
use super::zip::ZipError;
use super::{AssociationTotals, Report, Totals, Valuation};
use crate::model::{Entry, Kind, Note};

/// What can go wrong while writing a spreadsheet.
#[derive(Debug, thiserror::Error)]
pub enum OdsError {
    /// The spreadsheet could not be packed.
    #[error("cannot build the spreadsheet: {0}")]
    Build(#[from] ZipError),
    /// It could not be written.
    #[error("cannot write the spreadsheet: {0}")]
    Write(#[from] std::io::Error),
}

fn look(t: &Text) -> Look {
    Look {
        day_first: t.decimal == ',',
        decimal: t.decimal,
    }
}

/// `A`…`Z` for column 0…25.
fn col(c: u32) -> char {
    char::from(b'A' + c as u8)
}

/// A reference to a range of one column of the detail sheet, rows `first..=last`
/// (1-based), in OpenFormula syntax.
fn detail_range(sheet: &str, c: u32, first: u32, last: u32) -> String {
    let quoted = sheet.replace('\'', "''");
    format!("[$'{quoted}'.${0}${first}:.${0}${last}]", col(c))
}

fn minute_of_day(t: chrono::DateTime<chrono::FixedOffset>) -> i64 {
    i64::from(t.hour()) * 60 + i64::from(t.minute())
}

/// Every column width the spreadsheets use.
const WIDTHS: [&str; 5] = ["2.6cm", "5cm", "9cm", "6cm", "3cm"];

fn heads(sheet: &mut Book, row: u32, words: &[&str]) {
    let mut r = sheet.row(row);
    for w in words {
        r.head(w);
    }
}

/// Columns of the detail sheet.
const DURATION_COL: u32 = 3;
const KIND_COL: u32 = 4;

/// The detail sheet: one row per entry, then a total row. Returns the 1-based rows of
/// the first and last entry.
fn write_details<'a>(
    sheet: &mut Book,
    r: &Report,
    entries: impl Iterator<Item = &'a Entry>,
    with_association: bool,
) -> (u32, u32) {
    let t = r.lang.text();
    let mut words = vec![t.date, t.start, t.end, t.duration, t.kind, t.who, t.what];
    if with_association {
        words.push(t.association);
    }
    words.push(t.notes);
    let notes_col = words.len() as u32 - 1;
    let mut widths = vec![None; words.len()];
    widths[0] = Some("2.6cm");
    widths[5] = Some("5cm");
    widths[6] = Some("9cm");
    sheet.sheet(t.sheet_details, &widths);
    heads(sheet, 0, &words);
    let mut row = 1;
    let mut sum = 0;
    // Cells that many rows share, made once each: dates, times of day and durations by
    // their value, and the cells that come from an entry's component (its kind, people,
    // summary and association) by the addresses of what they are made from.
    let mut dates = Copies::default();
    let mut times = Copies::default();
    let mut durations = Copies::default();
    let mut tails = Copies::default();
    for e in entries {
        let mut x = sheet.row(row);
        x.once(&mut dates, e.date, |x| {
            x.date(e.date);
        });
        if !e.all_day {
            let (start, end) = (minute_of_day(e.start), minute_of_day(e.end));
            x.once(&mut times, (start, end), |x| {
                x.time(start).time(end);
            });
        }
        x.at(DURATION_COL);
        x.once(&mut durations, e.minutes, |x| {
            x.duration(e.minutes, None);
        });
        sum += e.minutes;
        // The rest of the row is the component's: made once for all its entries.
        let component = (
            e.summary.as_ptr(),
            e.people.as_ptr().cast::<u8>(),
            e.kind,
            e.association.as_ref().map(|a| a.as_ptr()),
        );
        let tail = |x: &mut Row<'_>| {
            x.text(t.kind(e.kind));
            let who: Vec<&str> = e.people.iter().map(|p| r.person_name(p)).collect();
            x.text(&who.join(", ")).text(&r.plain_summary(e));
            if with_association {
                let name = match &e.association {
                    Some(key) => r.association_name(key),
                    None => t.unassigned,
                };
                x.text(name);
            }
        };
        // Kept for the event's other entries, if it has any.
        if r.event_has_other_entries(e) {
            x.once(&mut tails, component, tail);
        } else {
            tail(&mut x);
        }
        if !e.notes.is_empty() {
            let notes: Vec<String> = e.notes.iter().map(|n| note_text(t, n)).collect();
            x.at(notes_col).text(&notes.join(" ; "));
        }
        drop(x);
        row += 1;
    }
    let (first, last) = (2, row.max(2));
    let total = format!("of:=SUM([.{0}{first}:.{0}{last}])", col(DURATION_COL));
    sheet
        .row(row)
        .head(t.total)
        .at(DURATION_COL)
        .duration(sum, Some(&total));
    (first, last)
}

/// Why a row's minutes differ from its slot, with the real start or end of a clipped entry.
fn note_text(t: &Text, note: &Note) -> String {
    let at = |real: &chrono::DateTime<chrono::FixedOffset>| {
        format!(
            "{} {}",
            t.day_month(real.date_naive()),
            real.format("%H:%M")
        )
    };
    match note {
        Note::DurationTag => t.note_duration_tag.to_string(),
        Note::ClockChange => t.note_clock_change.to_string(),
        Note::StartsBefore(real) => format!("{} ({})", t.note_starts_before, at(real)),
        Note::EndsAfter(real) => format!("{} ({})", t.note_ends_after, at(real)),
    }
}

/// A table of minutes per kind with a formula total per row and per column; rows are
/// given as values. Returns the next free row.
fn write_kind_table(
    sheet: &mut Book,
    mut row: u32,
    t: &Text,
    head: &str,
    rows: &[(String, Totals)],
) -> u32 {
    heads(
        sheet,
        row,
        &[head, t.volunteer, t.paid, t.unspecified, t.total],
    );
    row += 1;
    let first = row + 1;
    let mut sum = Totals::default();
    for (name, x) in rows {
        let mut cells = sheet.row(row);
        cells.text(name);
        for kind in [Kind::Volunteer, Kind::Paid, Kind::Unspecified] {
            cells.duration(x.get(kind), None);
            sum.add(kind, x.get(kind));
        }
        let n = row + 1;
        cells.duration(x.total(), Some(&format!("of:=SUM([.B{n}:.D{n}])")));
        drop(cells);
        row += 1;
    }
    let last = row.max(first);
    let mut cells = sheet.row(row);
    cells.head(t.total);
    for (c, value) in [
        (1u32, sum.volunteer),
        (2, sum.paid),
        (3, sum.unspecified),
        (4, sum.total()),
    ] {
        let formula = format!("of:=SUM([.{0}{first}:.{0}{last}])", col(c));
        cells.duration(value, Some(&formula));
    }
    row + 2
}

/// Hours per kind of the detail sheet, as SUMIF formulas over its kind column.
fn write_kinds_from_details(
    sheet: &mut Book,
    mut row: u32,
    t: &Text,
    (first, last): (u32, u32),
    totals: &Totals,
) -> u32 {
    heads(sheet, row, &[t.kind, t.hours]);
    row += 1;
    let top = row + 1;
    let kinds = detail_range(t.sheet_details, KIND_COL, first, last);
    let durations = detail_range(t.sheet_details, DURATION_COL, first, last);
    for kind in [Kind::Volunteer, Kind::Paid, Kind::Unspecified] {
        let word = t.kind(kind).replace('"', "\"\"");
        let formula = format!("of:=SUMIF({kinds};\"{word}\";{durations})");
        sheet
            .row(row)
            .text(t.kind(kind))
            .duration(totals.get(kind), Some(&formula));
        row += 1;
    }
    let formula = format!("of:=SUM([.B{top}:.B{row}])");
    sheet
        .row(row)
        .head(t.total)
        .duration(totals.total(), Some(&formula));
    row + 2
}

/// The valuation: one row per rate (person-hours × rate, rounded to cents), then totals.
fn write_valuation(sheet: &mut Book, mut row: u32, t: &Text, v: &Valuation) -> u32 {
    sheet.row(row).head(t.valuation);
    row += 1;
    sheet.row(row).text(t.valuation_method);
    row += 1;
    let money = format!("{} ({})", t.value, v.currency);
    let rate = format!("{} ({})", t.rate, v.currency);
    heads(sheet, row, &[t.since, &rate, t.person_hours, &money]);
    row += 1;
    let first = row + 1;
    for l in &v.lines {
        let n = row + 1;
        sheet
            .row(row)
            .date(l.from)
            .number(l.per_hour, Figure::Number, None)
            .number(l.person_minutes as f64 / 60.0, Figure::Number, None)
            .number(
                l.cents as f64 / 100.0,
                Figure::Money,
                Some(&format!("of:=ROUND([.B{n}]*[.C{n}];2)")),
            );
        row += 1;
    }
    let last = row.max(first);
    sheet
        .row(row)
        .head(t.total)
        .at(2)
        .number(
            v.person_minutes() as f64 / 60.0,
            Figure::Number,
            Some(&format!("of:=SUM([.C{first}:.C{last}])")),
        )
        .number(
            v.total_cents as f64 / 100.0,
            Figure::Money,
            Some(&format!("of:=SUM([.D{first}:.D{last}])")),
        );
    row += 1;
    if let Some((debit, credit)) = &v.accounts {
        let label = |account: &str| match t.account_label(account) {
            Some(l) => format!("{account} {l}"),
            None => account.to_string(),
        };
        sheet.row(row).text(&format!(
            "{}{}{} ({}) / {} ({})",
            t.accounts,
            t.colon(),
            label(debit),
            t.debit,
            label(credit),
            t.credit
        ));
        row += 1;
    }
    row + 1
}

/// Where the figures stand, when and by whom they were made: the first lines of the summary
/// sheet.
fn write_title(sheet: &mut Book, title: &str, r: &Report) -> u32 {
    let t = r.lang.text();
    sheet.row(0).head(title);
    let status = r.status_text();
    let mut made = format!("{} {}", t.made_on, t.date_words(r.about.made));
    let c = &r.about.collective;
    if let Some(name) = &c.name {
        made.push_str(&format!(" {} {name}", t.made_by));
    }
    sheet.row(1).text(&format!("{status}. {made}."));
    let contact: Vec<&str> = [&c.email, &c.url]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    if contact.is_empty() {
        return 3;
    }
    sheet.row(2).text(&format!(
        "{}{}{}",
        t.contact,
        t.colon(),
        contact.join(" · ")
    ));
    4
}

fn finish(book: Book, w: &mut impl Write) -> Result<(), OdsError> {
    w.write_all(&book.finish()?)?;
    Ok(())
}

/// Writes the spreadsheet of association `a`.
pub fn write_association(
    mut w: impl Write,
    r: &Report,
    a: &AssociationTotals,
) -> Result<(), OdsError> {
    let t = r.lang.text();
    let mut summary = Book::new(look(t), &WIDTHS);
    let rows = write_details(&mut summary, r, r.entries_of(&a.key), false);
    summary.sheet(
        t.sheet_summary,
        &[Some("6cm"), None, Some("3cm"), None, None],
    );
    let title = format!("{} — {} {}", a.name, t.report_title, t.period(&r.period));
    let mut row = write_title(&mut summary, &title, r);
    row = write_kinds_from_details(&mut summary, row, t, rows, &a.totals);
    summary.row(row).text(t.person_hours_definition);
    row += 1;
    let mut people: Vec<(String, Totals)> = a
        .people
        .iter()
        .map(|p| (p.name.clone(), p.totals))
        .collect();
    if a.unnamed.total() > 0 {
        people.push((t.nobody_named.to_string(), a.unnamed));
    }
    row = write_kind_table(&mut summary, row, t, t.person, &people);
    summary
        .row(row)
        .text(t.volunteers)
        .number(a.volunteers as f64, Figure::Count, None);
    row += 2;
    if let Some(v) = &a.valuation {
        write_valuation(&mut summary, row, t, v);
    }
    finish(summary, &mut w)
}

/// Writes `summary.ods`: every entry, and the totals per association and per person.
pub fn write_summary(mut w: impl Write, r: &Report) -> Result<(), OdsError> {
    let t = r.lang.text();
    let mut summary = Book::new(look(t), &WIDTHS);
    let rows = write_details(&mut summary, r, r.entries.iter(), true);
    summary.sheet(t.sheet_summary, &[Some("6cm"), None, None, None, None]);
    let title = format!("{} — {}", t.report_title, t.period(&r.period));
    let mut row = write_title(&mut summary, &title, r);
    row = write_kinds_from_details(&mut summary, row, t, rows, &r.totals);
    let mut associations: Vec<(String, Totals)> = r
        .associations
        .iter()
        .map(|a| (a.name.clone(), a.totals))
        .chain(r.idle.iter().map(|(_, n)| (n.clone(), Totals::default())))
        .collect();
    if r.entries.iter().any(|e| e.association.is_none()) {
        associations.push((t.unassigned.to_string(), r.unassigned));
    }
    row = write_kind_table(&mut summary, row, t, t.association, &associations);
    summary.row(row).text(t.person_hours_definition);
    row += 1;
    let mut people: Vec<(String, Totals)> = r
        .people
        .iter()
        .map(|p| (p.name.clone(), p.totals))
        .collect();
    if r.unnamed.total() > 0 {
        people.push((t.nobody_named.to_string(), r.unnamed));
    }
    write_kind_table(&mut summary, row, t, t.person, &people);
    finish(summary, &mut w)
}
