// SPDX-License-Identifier: GPL-3.0-or-later
//! Markdown renderers: `summary.md` (the collective's overview) and `<association>.md`
//! (one page per association), in the report language.
//!
//! Text from events is escaped: `|` and Markdown punctuation are backslash-escaped and
//! newlines become spaces, so an event cannot break a table or inject markup. Durations
//! are written `h:mm`, so every printed total equals the sum of the rows printed.
//!
//! Association pages are for the association's treasurer: no internal markup (hashtags,
//! `@mentions`, duration tags) in the "what" column, a footnote mark on any row whose
//! minutes differ from its slot, the status of the figures (provisional, over, closed),
//! the date the page was made and the collective's contact.

use std::io::{self, Write};

use super::by_address::ByAddress;
use super::i18n::Text;
use super::{AssociationTotals, Report, Totals};
use crate::model::{Entry, Kind, Note, Review};

/// Writes `summary.md`.
pub fn write_summary(mut w: impl Write, r: &Report) -> io::Result<()> {
    write_summary_linked(&mut w, r, &Default::default())
}

/// Writes `summary.md`, each association's name linked to its page (`pages`: file name by
/// key).
pub fn write_summary_linked(
    mut w: impl Write,
    r: &Report,
    pages: &std::collections::BTreeMap<String, String>,
) -> io::Result<()> {
    let t = r.lang.text();
    writeln!(w, "# {} — {}\n", t.report_title, t.period(&r.period))?;
    status_lines(&mut w, r, t)?;
    header_line(&mut w, r, t)?;
    writeln!(w, "{}\n", t.person_hours_definition)?;
    writeln!(
        w,
        "| {} | {} | {} | {} | {} | {} |",
        t.association, t.volunteer, t.paid, t.unspecified, t.total, t.person_hours
    )?;
    writeln!(w, "|---|--:|--:|--:|--:|--:|")?;
    for a in &r.associations {
        let label = match pages.get(&a.key) {
            Some(page) => format!("[{}](<{page}>)", escape(&a.name)),
            None => escape(&a.name),
        };
        totals_row(&mut w, t, &label, &a.totals, Some(a.person_minutes))?;
    }
    for (_, name) in &r.idle {
        totals_row(&mut w, t, &escape(name), &Totals::default(), Some(0))?;
    }
    if r.entries.iter().any(|e| e.association.is_none()) {
        let pm = r
            .entries
            .iter()
            .filter(|e| e.association.is_none())
            .map(|e| e.minutes * e.people.len() as i64)
            .sum();
        totals_row(&mut w, t, t.unassigned, &r.unassigned, Some(pm))?;
    }
    totals_row(
        &mut w,
        t,
        &format!("**{}**", t.total),
        &r.totals,
        Some(r.person_minutes),
    )?;
    let counted = r.totals.volunteer + r.totals.paid;
    writeln!(
        w,
        "\n{}{}{}",
        t.volunteer_share_of,
        t.colon(),
        t.percent(r.totals.volunteer, counted)
    )?;
    if let Some(prev) = &r.previous {
        let diff = r.totals.total() - prev.total();
        let sign = if diff >= 0 { "+" } else { "" };
        writeln!(
            w,
            "\n{} ({}){}{} · {}{}{sign}{}",
            t.previous_period,
            t.period(&r.period.previous()),
            t.colon(),
            t.duration(prev.total()),
            t.change,
            t.colon(),
            t.duration(diff)
        )?;
    }
    writeln!(w, "\n![{}](summary.svg)", t.chart)?;
    write_monthly(&mut w, r, t)?;
    write_people(&mut w, r, t)?;
    write_review(&mut w, r, t)
}

/// Hours per association per month, for periods longer than a month.
fn write_monthly(w: &mut impl Write, r: &Report, t: &Text) -> io::Result<()> {
    if r.monthly.len() < 2 {
        return Ok(());
    }
    writeln!(w, "\n## {}\n", t.per_month)?;
    write!(w, "| {} |", t.association)?;
    for m in r.monthly.keys() {
        write!(w, " {} |", t.month_short(m))?;
    }
    writeln!(w, " {} |", t.total)?;
    writeln!(w, "|---|{}--:|", "--:|".repeat(r.monthly.len()))?;
    let mut keys: Vec<(String, String)> = r
        .associations
        .iter()
        .map(|a| (a.key.clone(), escape(&a.name)))
        .collect();
    if r.entries.iter().any(|e| e.association.is_none()) {
        keys.push((String::new(), t.unassigned.to_string()));
    }
    for (key, label) in keys {
        write!(w, "| {label} |")?;
        let mut sum = 0;
        for month in r.monthly.values() {
            let m = month.get(&key).map_or(0, |x| x.total());
            sum += m;
            write!(w, " {} |", t.duration(m))?;
        }
        writeln!(w, " {} |", t.duration(sum))?;
    }
    write!(w, "| **{}** |", t.total)?;
    for month in r.monthly.values() {
        write!(
            w,
            " {} |",
            t.duration(month.values().map(|x| x.total()).sum())
        )?;
    }
    writeln!(w, " {} |", t.duration(r.totals.total()))
}

fn header_line(w: &mut impl Write, r: &Report, t: &Text) -> io::Result<()> {
    let last = r.period.to.pred_opt().unwrap_or(r.period.to);
    writeln!(
        w,
        "{}{}{} → {} · {}{}{}. {}\n",
        t.period,
        t.colon(),
        t.date_words(r.period.from),
        t.date_words(last),
        t.time_zone,
        t.colon(),
        r.zone,
        t.hours_note
    )
}

/// Whether the figures are final, when the page was made, by whom, and whom to ask.
fn status_lines(w: &mut impl Write, r: &Report, t: &Text) -> io::Result<()> {
    let first = r.status_text();
    write!(
        w,
        "**{first}**. {} {}",
        t.made_on,
        t.date_words(r.about.made)
    )?;
    let c = &r.about.collective;
    if let Some(name) = &c.name {
        write!(w, " {} {}", t.made_by, escape(name))?;
    }
    let contact: Vec<String> = [&c.email, &c.url]
        .into_iter()
        .flatten()
        .map(|x| format!("<{}>", x.replace(['<', '>'], "")))
        .collect();
    if contact.is_empty() {
        writeln!(w, ".\n")
    } else {
        writeln!(w, ". {}{}{}.\n", t.contact, t.colon(), contact.join(" · "))
    }
}

/// The volunteer, paid and unspecified cells of a table row, in that order.
fn kind_cells(t: &Text, x: &Totals) -> String {
    format!(
        "{} | {} | {}",
        t.duration(x.volunteer),
        t.duration(x.paid),
        t.duration(x.unspecified)
    )
}

fn totals_row(
    w: &mut impl Write,
    t: &Text,
    label: &str,
    x: &Totals,
    person_minutes: Option<i64>,
) -> io::Result<()> {
    let pm = person_minutes.map(|m| t.duration(m)).unwrap_or_default();
    writeln!(
        w,
        "| {label} | {} | {} | {pm} |",
        kind_cells(t, x),
        t.duration(x.total())
    )
}

fn write_people(w: &mut impl Write, r: &Report, t: &Text) -> io::Result<()> {
    if r.people.is_empty() && r.unnamed.total() == 0 {
        return Ok(());
    }
    writeln!(w, "\n## {}\n", t.person_hours)?;
    writeln!(
        w,
        "| {} | {} | {} | {} | {} |",
        t.person, t.volunteer, t.paid, t.unspecified, t.total
    )?;
    writeln!(w, "|---|--:|--:|--:|--:|")?;
    for p in &r.people {
        let x = &p.totals;
        writeln!(
            w,
            "| {} | {} | {} |",
            escape(&p.name),
            kind_cells(t, x),
            t.duration(x.total())
        )?;
    }
    writeln!(
        w,
        "| **{}** | | | | {} |",
        t.total,
        t.duration(r.person_minutes)
    )?;
    if r.unnamed.total() > 0 {
        writeln!(
            w,
            "\n{}{}{}",
            t.nobody,
            t.colon(),
            t.duration(r.unnamed.total())
        )?;
    }
    Ok(())
}

fn write_review(w: &mut impl Write, r: &Report, t: &Text) -> io::Result<()> {
    writeln!(w, "\n## {}\n", t.review)?;
    let mut any = false;
    for e in r.review() {
        any = true;
        writeln!(
            w,
            "- {} {} — {} ({}) — {}",
            t.date(e.date),
            hh_mm(e.start),
            escape(&e.summary),
            escape(&e.uid),
            reason(t, e)
        )?;
    }
    if !r.problems.is_empty() {
        any = true;
        writeln!(w, "\n### {}\n", t.warnings)?;
        for p in &r.problems {
            writeln!(w, "- {}", escape(&p.to_string()))?;
        }
    }
    if !any {
        writeln!(w, "{}", t.review_empty)?;
    }
    Ok(())
}

fn reason(t: &Text, e: &Entry) -> String {
    match &e.review {
        Some(Review::Unclassified) => t.unclassified.to_string(),
        Some(Review::Ambiguous(list)) => {
            format!("{}{}{}", t.ambiguous, t.colon(), escape(&list.join(", ")))
        }
        Some(Review::ConflictingKinds) => t.conflicting_kinds.to_string(),
        Some(Review::AllDayNotCounted) => t.all_day_not_counted.to_string(),
        Some(Review::ConfidentialStub) => t.confidential_stub.to_string(),
        None => String::new(),
    }
}

/// Writes the page of association `a`.
pub fn write_association(mut w: impl Write, r: &Report, a: &AssociationTotals) -> io::Result<()> {
    let t = r.lang.text();
    writeln!(
        w,
        "# {} — {} {}\n",
        escape(&a.name),
        t.report_title,
        t.period(&r.period)
    )?;
    status_lines(&mut w, r, t)?;
    header_line(&mut w, r, t)?;
    writeln!(
        w,
        "| {} | {} | {} | {} |",
        t.volunteer, t.paid, t.unspecified, t.total
    )?;
    writeln!(w, "|--:|--:|--:|--:|")?;
    let x = &a.totals;
    writeln!(
        w,
        "| {} | **{}** |",
        kind_cells(t, x),
        t.duration(x.total())
    )?;
    write_association_people(&mut w, a, t)?;
    write_association_entries(&mut w, r, a, t)?;
    if let Some(v) = &a.valuation {
        write_valuation(&mut w, t, v)?;
        debug_assert_eq!(
            v.person_minutes(),
            r.entries_of(&a.key)
                .filter(|e| e.kind == Kind::Volunteer)
                .map(super::valuation::person_minutes)
                .sum::<i64>()
        );
    }
    Ok(())
}

/// Hours per person and kind, and the number of distinct volunteers.
fn write_association_people(w: &mut impl Write, a: &AssociationTotals, t: &Text) -> io::Result<()> {
    writeln!(w, "\n## {}\n", t.per_person)?;
    writeln!(w, "{}\n", t.person_hours_definition)?;
    writeln!(
        w,
        "| {} | {} | {} | {} | {} |",
        t.person, t.volunteer, t.paid, t.unspecified, t.total
    )?;
    writeln!(w, "|---|--:|--:|--:|--:|")?;
    let mut sum = super::Totals::default();
    let rows = a
        .people
        .iter()
        .map(|p| (escape(&p.name), p.totals))
        .chain((a.unnamed.total() > 0).then(|| (t.nobody_named.to_string(), a.unnamed)));
    for (name, x) in rows {
        for kind in [Kind::Volunteer, Kind::Paid, Kind::Unspecified] {
            sum.add(kind, x.get(kind));
        }
        writeln!(
            w,
            "| {name} | {} | {} |",
            kind_cells(t, &x),
            t.duration(x.total())
        )?;
    }
    writeln!(
        w,
        "| **{}** | **{}** | **{}** | **{}** | **{}** |",
        t.total,
        t.duration(sum.volunteer),
        t.duration(sum.paid),
        t.duration(sum.unspecified),
        t.duration(sum.total())
    )?;
    writeln!(w, "\n{}{}{}", t.volunteers, t.colon(), a.volunteers)
}

/// The kind of a note, for numbering: notes of one kind share a mark.
fn note_kind(note: &Note) -> u8 {
    match note {
        Note::DurationTag => 0,
        Note::ClockChange => 1,
        Note::StartsBefore(_) => 2,
        Note::EndsAfter(_) => 3,
    }
}

/// The footnote marks, numbered in the order the kinds of note first appear.
const MARKS: [&str; 4] = ["¹", "²", "³", "⁴"];

/// The entries, with footnote marks, and the notes that explain the marks used.
fn write_association_entries(
    w: &mut impl Write,
    r: &Report,
    a: &AssociationTotals,
    t: &Text,
) -> io::Result<()> {
    writeln!(w, "\n## {}\n", t.entries)?;
    writeln!(
        w,
        "| {} | {} | {} | {} | {} | {} |",
        t.date, t.time, t.duration, t.kind, t.who, t.what
    )?;
    writeln!(w, "|---|---|--:|---|---|---|")?;
    let mut sum = 0;
    let mut used: Vec<u8> = Vec::new();
    for e in r.entries_of(&a.key) {
        for n in &e.notes {
            if !used.contains(&note_kind(n)) {
                used.push(note_kind(n));
            }
        }
    }
    let mark = |n: &Note| {
        let at = used.iter().position(|k| *k == note_kind(n)).unwrap_or(0);
        MARKS[at.min(MARKS.len() - 1)]
    };
    // One line buffer, and the text of each event's summary and people made once.
    let mut line = String::new();
    let mut plain: ByAddress<String> = ByAddress::default();
    let mut names: ByAddress<String> = ByAddress::default();
    for e in r.entries_of(&a.key) {
        sum += e.minutes;
        line.clear();
        line.push_str("| ");
        t.push_date(&mut line, e.date);
        line.push_str(" | ");
        push_time_cell(&mut line, t, e);
        line.push_str(" | ");
        t.push_duration(&mut line, e.minutes);
        for n in &e.notes {
            line.push_str(mark(n));
        }
        line.push_str(" | ");
        line.push_str(t.kind(e.kind));
        line.push_str(" | ");
        let who = names.entry(e.people.as_ptr().cast()).or_insert_with(|| {
            let (mut who, list) = (String::new(), e.people.iter().map(|p| r.person_name(p)));
            push_escaped(&mut who, &list.collect::<Vec<_>>().join(", "));
            who
        });
        line.push_str(who);
        line.push_str(" | ");
        let what = plain.entry(e.summary.as_ptr()).or_insert_with(|| {
            let mut what = String::new();
            push_escaped(&mut what, &r.plain_summary(e));
            what
        });
        line.push_str(what);
        line.push_str(" |\n");
        w.write_all(line.as_bytes())?;
    }
    writeln!(w, "| **{}** | | **{}** | | | |", t.total, t.duration(sum))?;
    if !used.is_empty() {
        writeln!(w, "\n{}{}\n", t.notes, t.colon().trim_end())?;
        for (at, kind) in used.iter().enumerate() {
            let text = match kind {
                0 => t.note_duration_tag,
                1 => t.note_clock_change,
                2 => t.note_starts_before,
                _ => t.note_ends_after,
            };
            writeln!(w, "- {} {text}.", MARKS[at])?;
        }
    }
    Ok(())
}

/// `14:05`.
fn hh_mm(t: chrono::DateTime<chrono::FixedOffset>) -> String {
    let mut out = String::with_capacity(5);
    push_hh_mm(&mut out, t);
    out
}

/// Appends [`hh_mm`]'s text to `out`.
fn push_hh_mm(out: &mut String, t: chrono::DateTime<chrono::FixedOffset>) {
    use chrono::Timelike;
    super::odf::push_digits(out, t.hour().into(), 2);
    out.push(':');
    super::odf::push_digits(out, t.minute().into(), 2);
}

/// Appends the time of an entry: `14:00–16:30`; a clipped entry shows its real start or
/// end date.
fn push_time_cell(out: &mut String, t: &Text, e: &Entry) {
    if e.all_day {
        out.push_str(t.all_day);
        return;
    }
    let (mut start, mut end) = (e.start, e.end);
    let (mut start_day, mut end_day) = (false, false);
    for n in &e.notes {
        match n {
            Note::StartsBefore(real) => (start, start_day) = (*real, true),
            Note::EndsAfter(real) => (end, end_day) = (*real, true),
            _ => {}
        }
    }
    let push = |out: &mut String, at: chrono::DateTime<chrono::FixedOffset>, day: bool| {
        if day {
            out.push_str(&t.day_month(at.date_naive()));
            out.push(' ');
        }
        push_hh_mm(out, at);
    };
    push(out, start, start_day);
    out.push('–');
    push(out, end, end_day);
}

/// The value of the volunteer person-hours, per rate, and the accounts it goes to.
fn write_valuation(w: &mut impl Write, t: &Text, v: &super::Valuation) -> io::Result<()> {
    writeln!(w, "\n## {}\n", t.valuation)?;
    writeln!(w, "{}\n", t.valuation_method)?;
    writeln!(w, "| {} | {} | {} |", t.rate, t.person_hours, t.value)?;
    writeln!(w, "|--:|--:|--:|")?;
    for l in &v.lines {
        writeln!(
            w,
            "| {} ({} {}) | {} | {} |",
            t.amount((l.per_hour * 100.0).round() as i64, &v.currency),
            t.since,
            t.date_words(l.from),
            t.duration(l.person_minutes),
            t.amount(l.cents, &v.currency),
        )?;
    }
    writeln!(
        w,
        "| **{}** | **{}** | **{}** |",
        t.total,
        t.duration(v.person_minutes()),
        t.amount(v.total_cents, &v.currency),
    )?;
    if let Some((debit, credit)) = &v.accounts {
        let label = |account: &str| match t.account_label(account) {
            Some(l) => format!("{} {l}", escape(account)),
            None => escape(account),
        };
        writeln!(
            w,
            "\n{}{}{} ({}) / {} ({}){}{}",
            t.accounts,
            t.colon(),
            label(debit),
            t.debit,
            label(credit),
            t.credit,
            t.colon(),
            t.amount(v.total_cents, &v.currency)
        )?;
    }
    Ok(())
}

/// Writes `index.md`: every report folder, newest first, linked to its `summary.md`.
pub fn write_index(
    mut w: impl Write,
    lang: super::i18n::Lang,
    folders: &[String],
) -> io::Result<()> {
    let t = lang.text();
    writeln!(w, "{}\n", crate::output::INDEX_MARK)?;
    writeln!(w, "# {}\n", t.reports)?;
    writeln!(w, "{}\n", t.reports_intro)?;
    for name in folders.iter().rev() {
        let period = crate::model::Period::parse_month(name)
            .or_else(|_| crate::model::Period::parse_year(name))
            .ok()
            .or_else(|| {
                let (from, to) = name.split_once('_')?;
                let from = crate::model::Period::parse_date(from).ok()?;
                let to = crate::model::Period::parse_date(to).ok()?;
                crate::model::Period::new(from, to).ok()
            });
        let title = period.map_or_else(|| escape(name), |p| t.period(&p));
        writeln!(
            w,
            "- [{title}](<{}/summary.md>)",
            name.replace(['<', '>'], "")
        )?;
    }
    Ok(())
}

/// Escapes text from events for Markdown tables.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

/// Appends `text` to `out`, escaped as [`escape`] does.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
#[path = "markdown_tests.rs"]
mod tests;
