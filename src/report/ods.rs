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

use chrono::{NaiveTime, TimeDelta};
use spreadsheet_ods::format::FormatNumberStyle;
use spreadsheet_ods::{
    CellStyle, CellStyleRef, Length, Sheet, ValueFormatDateTime, ValueFormatNumber,
    ValueFormatTimeDuration, WorkBook,
};

use super::i18n::Text;
use super::{AssociationTotals, Report, Totals, Valuation};
use crate::classify::without_markup;
use crate::model::{Entry, Kind, Note};

/// What can go wrong while writing a spreadsheet.
#[derive(Debug, thiserror::Error)]
pub enum OdsError {
    /// The spreadsheet could not be built.
    #[error("cannot build the spreadsheet: {0}")]
    Build(#[from] spreadsheet_ods::OdsError),
    /// It could not be written.
    #[error("cannot write the spreadsheet: {0}")]
    Write(#[from] std::io::Error),
}

/// The cell styles of a workbook.
struct Styles {
    date: CellStyleRef,
    time: CellStyleRef,
    duration: CellStyleRef,
    number: CellStyleRef,
    money: CellStyleRef,
    head: CellStyleRef,
}

impl Styles {
    fn add(wb: &mut WorkBook, t: &Text) -> Styles {
        let french = t.decimal == ',';
        let mut date = ValueFormatDateTime::new_named("caltally-date");
        if french {
            date.part_day().style(FormatNumberStyle::Long).build();
            date.part_text("/").build();
            date.part_month().style(FormatNumberStyle::Long).build();
            date.part_text("/").build();
            date.part_year().style(FormatNumberStyle::Long).build();
        } else {
            date.part_year().style(FormatNumberStyle::Long).build();
            date.part_text("-").build();
            date.part_month().style(FormatNumberStyle::Long).build();
            date.part_text("-").build();
            date.part_day().style(FormatNumberStyle::Long).build();
        }
        let date = wb.add_datetime_format(date);
        let mut time = ValueFormatTimeDuration::new_named("caltally-time");
        time.part_hours().style(FormatNumberStyle::Long).build();
        time.part_text(":").build();
        time.part_minutes().style(FormatNumberStyle::Long).build();
        let time = wb.add_timeduration_format(time);
        let mut duration = ValueFormatTimeDuration::new_named("caltally-duration");
        duration.set_truncate_on_overflow(false);
        duration.part_hours().build();
        duration.part_text(":").build();
        duration
            .part_minutes()
            .style(FormatNumberStyle::Long)
            .build();
        let duration = wb.add_timeduration_format(duration);
        let mut number = ValueFormatNumber::new_named("caltally-number");
        number.part_number().fixed_decimal_places(2).build();
        let number = wb.add_number_format(number);
        let mut plain = ValueFormatNumber::new_named("caltally-integer");
        plain.part_number().fixed_decimal_places(0).build();
        let plain = wb.add_number_format(plain);
        let mut head = CellStyle::new("caltally-head", &plain);
        head.set_font_bold();
        Styles {
            date: wb.add_cellstyle(CellStyle::new("caltally-date", &date)),
            time: wb.add_cellstyle(CellStyle::new("caltally-time", &time)),
            duration: wb.add_cellstyle(CellStyle::new("caltally-duration", &duration)),
            number: wb.add_cellstyle(CellStyle::new("caltally-number", &number)),
            money: wb.add_cellstyle(CellStyle::new("caltally-money", &number)),
            head: wb.add_cellstyle(head),
        }
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

fn minutes(m: i64) -> TimeDelta {
    TimeDelta::minutes(m)
}

fn time_of(t: chrono::DateTime<chrono::FixedOffset>) -> TimeDelta {
    t.time().signed_duration_since(NaiveTime::MIN)
}

fn heads(sheet: &mut Sheet, row: u32, styles: &Styles, words: &[&str]) {
    for (i, w) in words.iter().enumerate() {
        sheet.set_styled_value(row, i as u32, *w, &styles.head);
    }
}

/// Columns of the detail sheet.
const DURATION_COL: u32 = 3;
const KIND_COL: u32 = 4;

/// The detail sheet: one row per entry, then a total row. Returns the 1-based rows of the
/// first and last entry.
fn write_details<'a>(
    sheet: &mut Sheet,
    r: &Report,
    entries: impl Iterator<Item = &'a Entry>,
    with_association: bool,
    styles: &Styles,
) -> (u32, u32) {
    let t = r.lang.text();
    let mut words = vec![t.date, t.start, t.end, t.duration, t.kind, t.who, t.what];
    if with_association {
        words.push(t.association);
    }
    words.push(t.notes);
    let notes_col = words.len() as u32 - 1;
    heads(sheet, 0, styles, &words);
    let mut row = 1;
    let mut sum = 0;
    for e in entries {
        sheet.set_styled_value(row, 0, e.date, &styles.date);
        if !e.all_day {
            sheet.set_styled_value(row, 1, time_of(e.start), &styles.time);
            sheet.set_styled_value(row, 2, time_of(e.end), &styles.time);
        }
        sheet.set_styled_value(row, DURATION_COL, minutes(e.minutes), &styles.duration);
        sum += e.minutes;
        sheet.set_value(row, KIND_COL, t.kind(e.kind));
        let who: Vec<&str> = e.people.iter().map(|p| r.person_name(p)).collect();
        sheet.set_value(row, 5, who.join(", "));
        sheet.set_value(row, 6, without_markup(&e.summary));
        if with_association {
            let name = match &e.association {
                Some(key) => r
                    .associations
                    .iter()
                    .find(|a| &a.key == key)
                    .map_or(key.as_str(), |a| a.name.as_str()),
                None => t.unassigned,
            };
            sheet.set_value(row, 7, name);
        }
        if !e.notes.is_empty() {
            let notes: Vec<String> = e.notes.iter().map(|n| note_text(t, n)).collect();
            sheet.set_value(row, notes_col, notes.join(" ; "));
        }
        row += 1;
    }
    let (first, last) = (2, row.max(2));
    sheet.set_styled_value(row, 0, t.total, &styles.head);
    sheet.set_styled_value(row, DURATION_COL, minutes(sum), &styles.duration);
    sheet.set_formula(
        row,
        DURATION_COL,
        format!("of:=SUM([.{0}{first}:.{0}{last}])", col(DURATION_COL)),
    );
    sheet.set_col_width(0, Length::Cm(2.6));
    sheet.set_col_width(5, Length::Cm(5.0));
    sheet.set_col_width(6, Length::Cm(9.0));
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
    sheet: &mut Sheet,
    mut row: u32,
    t: &Text,
    head: &str,
    rows: &[(String, Totals)],
    styles: &Styles,
) -> u32 {
    heads(
        sheet,
        row,
        styles,
        &[head, t.volunteer, t.paid, t.unspecified, t.total],
    );
    row += 1;
    let first = row + 1;
    let mut sum = Totals::default();
    for (name, x) in rows {
        sheet.set_value(row, 0, name.as_str());
        for (i, kind) in [Kind::Volunteer, Kind::Paid, Kind::Unspecified]
            .into_iter()
            .enumerate()
        {
            sheet.set_styled_value(row, 1 + i as u32, minutes(x.get(kind)), &styles.duration);
            sum.add(kind, x.get(kind));
        }
        sheet.set_styled_value(row, 4, minutes(x.total()), &styles.duration);
        let n = row + 1;
        sheet.set_formula(row, 4, format!("of:=SUM([.B{n}:.D{n}])"));
        row += 1;
    }
    let last = row.max(first);
    sheet.set_styled_value(row, 0, t.total, &styles.head);
    for c in 1..=4u32 {
        let value = match c {
            1 => sum.volunteer,
            2 => sum.paid,
            3 => sum.unspecified,
            _ => sum.total(),
        };
        sheet.set_styled_value(row, c, minutes(value), &styles.duration);
        sheet.set_formula(row, c, format!("of:=SUM([.{0}{first}:.{0}{last}])", col(c)));
    }
    row + 2
}

/// Hours per kind of the detail sheet, as SUMIF formulas over its kind column.
fn write_kinds_from_details(
    sheet: &mut Sheet,
    mut row: u32,
    t: &Text,
    (first, last): (u32, u32),
    totals: &Totals,
    styles: &Styles,
) -> u32 {
    heads(sheet, row, styles, &[t.kind, t.hours]);
    row += 1;
    let top = row + 1;
    let kinds = detail_range(t.sheet_details, KIND_COL, first, last);
    let durations = detail_range(t.sheet_details, DURATION_COL, first, last);
    for kind in [Kind::Volunteer, Kind::Paid, Kind::Unspecified] {
        sheet.set_value(row, 0, t.kind(kind));
        sheet.set_styled_value(row, 1, minutes(totals.get(kind)), &styles.duration);
        let word = t.kind(kind).replace('"', "\"\"");
        sheet.set_formula(row, 1, format!("of:=SUMIF({kinds};\"{word}\";{durations})"));
        row += 1;
    }
    sheet.set_styled_value(row, 0, t.total, &styles.head);
    sheet.set_styled_value(row, 1, minutes(totals.total()), &styles.duration);
    sheet.set_formula(row, 1, format!("of:=SUM([.B{top}:.B{}])", row));
    row + 2
}

/// The valuation: one row per rate (person-hours × rate, rounded to cents), then totals.
fn write_valuation(
    sheet: &mut Sheet,
    mut row: u32,
    t: &Text,
    v: &Valuation,
    styles: &Styles,
) -> u32 {
    sheet.set_styled_value(row, 0, t.valuation, &styles.head);
    row += 1;
    sheet.set_value(row, 0, t.valuation_method);
    row += 1;
    let money = format!("{} ({})", t.value, v.currency);
    let rate = format!("{} ({})", t.rate, v.currency);
    heads(
        sheet,
        row,
        styles,
        &[t.since, &rate, t.person_hours, &money],
    );
    row += 1;
    let first = row + 1;
    for l in &v.lines {
        let n = row + 1;
        sheet.set_styled_value(row, 0, l.from, &styles.date);
        sheet.set_styled_value(row, 1, l.per_hour, &styles.number);
        sheet.set_styled_value(row, 2, l.person_minutes as f64 / 60.0, &styles.number);
        sheet.set_styled_value(row, 3, l.cents as f64 / 100.0, &styles.money);
        sheet.set_formula(row, 3, format!("of:=ROUND([.B{n}]*[.C{n}];2)"));
        row += 1;
    }
    let last = row.max(first);
    sheet.set_styled_value(row, 0, t.total, &styles.head);
    sheet.set_styled_value(row, 2, v.person_minutes() as f64 / 60.0, &styles.number);
    sheet.set_formula(row, 2, format!("of:=SUM([.C{first}:.C{last}])"));
    sheet.set_styled_value(row, 3, v.total_cents as f64 / 100.0, &styles.money);
    sheet.set_formula(row, 3, format!("of:=SUM([.D{first}:.D{last}])"));
    row += 1;
    if let Some((debit, credit)) = &v.accounts {
        let label = |account: &str| match t.account_label(account) {
            Some(l) => format!("{account} {l}"),
            None => account.to_string(),
        };
        sheet.set_value(
            row,
            0,
            format!(
                "{}{}{} ({}) / {} ({})",
                t.accounts,
                t.colon(),
                label(debit),
                t.debit,
                label(credit),
                t.credit
            ),
        );
        row += 1;
    }
    row + 1
}

/// Where the figures stand, when and by whom they were made: the first lines of the summary
/// sheet.
fn write_title(sheet: &mut Sheet, title: &str, r: &Report, styles: &Styles) -> u32 {
    let t = r.lang.text();
    sheet.set_styled_value(0, 0, title, &styles.head);
    let status = r.status_text();
    let mut made = format!("{} {}", t.made_on, t.date_words(r.about.made));
    let c = &r.about.collective;
    if let Some(name) = &c.name {
        made.push_str(&format!(" {} {name}", t.made_by));
    }
    sheet.set_value(1, 0, format!("{status}. {made}."));
    let contact: Vec<&str> = [&c.email, &c.url]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    if contact.is_empty() {
        return 3;
    }
    sheet.set_value(
        2,
        0,
        format!("{}{}{}", t.contact, t.colon(), contact.join(" · ")),
    );
    4
}

fn finish(mut wb: WorkBook, w: &mut impl Write) -> Result<(), OdsError> {
    let bytes = spreadsheet_ods::write_ods_buf(&mut wb, Vec::new())?;
    w.write_all(&bytes)?;
    Ok(())
}

/// Writes the spreadsheet of association `a`.
pub fn write_association(
    mut w: impl Write,
    r: &Report,
    a: &AssociationTotals,
) -> Result<(), OdsError> {
    let t = r.lang.text();
    let mut wb = WorkBook::new_empty();
    let styles = Styles::add(&mut wb, t);
    let mut details = Sheet::new(t.sheet_details);
    let rows = write_details(&mut details, r, r.entries_of(&a.key), false, &styles);
    let mut summary = Sheet::new(t.sheet_summary);
    let title = format!("{} — {} {}", a.name, t.report_title, t.period(&r.period));
    let mut row = write_title(&mut summary, &title, r, &styles);
    row = write_kinds_from_details(&mut summary, row, t, rows, &a.totals, &styles);
    summary.set_value(row, 0, t.person_hours_definition);
    row += 1;
    let mut people: Vec<(String, Totals)> = a
        .people
        .iter()
        .map(|p| (p.name.clone(), p.totals))
        .collect();
    if a.unnamed.total() > 0 {
        people.push((t.nobody_named.to_string(), a.unnamed));
    }
    row = write_kind_table(&mut summary, row, t, t.person, &people, &styles);
    summary.set_value(row, 0, t.volunteers);
    summary.set_value(row, 1, a.volunteers as f64);
    row += 2;
    if let Some(v) = &a.valuation {
        write_valuation(&mut summary, row, t, v, &styles);
    }
    summary.set_col_width(0, Length::Cm(6.0));
    summary.set_col_width(2, Length::Cm(3.0));
    wb.push_sheet(details);
    wb.push_sheet(summary);
    finish(wb, &mut w)
}

/// Writes `summary.ods`: every entry, and the totals per association and per person.
pub fn write_summary(mut w: impl Write, r: &Report) -> Result<(), OdsError> {
    let t = r.lang.text();
    let mut wb = WorkBook::new_empty();
    let styles = Styles::add(&mut wb, t);
    let mut details = Sheet::new(t.sheet_details);
    let rows = write_details(&mut details, r, r.entries.iter(), true, &styles);
    let mut summary = Sheet::new(t.sheet_summary);
    let title = format!("{} — {}", t.report_title, t.period(&r.period));
    let mut row = write_title(&mut summary, &title, r, &styles);
    row = write_kinds_from_details(&mut summary, row, t, rows, &r.totals, &styles);
    let mut associations: Vec<(String, Totals)> = r
        .associations
        .iter()
        .map(|a| (a.name.clone(), a.totals))
        .chain(r.idle.iter().map(|(_, n)| (n.clone(), Totals::default())))
        .collect();
    if r.entries.iter().any(|e| e.association.is_none()) {
        associations.push((t.unassigned.to_string(), r.unassigned));
    }
    row = write_kind_table(&mut summary, row, t, t.association, &associations, &styles);
    summary.set_value(row, 0, t.person_hours_definition);
    row += 1;
    let mut people: Vec<(String, Totals)> = r
        .people
        .iter()
        .map(|p| (p.name.clone(), p.totals))
        .collect();
    if r.unnamed.total() > 0 {
        people.push((t.nobody_named.to_string(), r.unnamed));
    }
    write_kind_table(&mut summary, row, t, t.person, &people, &styles);
    summary.set_col_width(0, Length::Cm(6.0));
    wb.push_sheet(details);
    wb.push_sheet(summary);
    finish(wb, &mut w)
}
