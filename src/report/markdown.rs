// SPDX-License-Identifier: GPL-3.0-or-later
//! Markdown renderers: `summary.md` (the collective's overview) and `<association>.md`
//! (one page per association), in the report language.
//!
//! Text from events is escaped: `|` and Markdown punctuation are backslash-escaped and
//! newlines become spaces, so an event cannot break a table or inject markup. Durations
//! are written `h:mm`, so every printed total equals the sum of the rows printed.

use std::io::{self, Write};

use super::i18n::Text;
use super::{AssociationTotals, Report, Totals};
use crate::model::{Entry, Kind, Review};

/// Writes `summary.md`.
pub fn write_summary(mut w: impl Write, r: &Report) -> io::Result<()> {
    let t = r.lang.text();
    writeln!(w, "# {} — {}\n", t.report_title, t.period(&r.period))?;
    header_line(&mut w, r, t)?;
    writeln!(
        w,
        "| {} | {} | {} | {} | {} | {} |",
        t.association, t.volunteer, t.paid, t.unspecified, t.total, t.person_hours
    )?;
    writeln!(w, "|---|--:|--:|--:|--:|--:|")?;
    for a in &r.associations {
        totals_row(
            &mut w,
            t,
            &escape(&a.name),
            &a.totals,
            Some(a.person_minutes),
        )?;
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
        "\n{} : {}",
        t.volunteer_share,
        t.percent(r.totals.volunteer, counted)
    )?;
    if let Some(prev) = &r.previous {
        let diff = r.totals.total() - prev.total();
        let sign = if diff >= 0 { "+" } else { "" };
        writeln!(
            w,
            "\n{} ({}) : {} · {} : {sign}{}",
            t.previous_period,
            t.period(&r.period.previous()),
            t.duration(prev.total()),
            t.change,
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
        write!(w, " {m} |")?;
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
        "{} : {} → {} · {} : {}. {}\n",
        t.period,
        t.date(r.period.from),
        t.date(last),
        t.time_zone,
        r.zone,
        t.hours_note
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
        "| {label} | {} | {} | {} | {} | {pm} |",
        t.duration(x.volunteer),
        t.duration(x.paid),
        t.duration(x.unspecified),
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
            "| {} | {} | {} | {} | {} |",
            escape(&p.name),
            t.duration(x.volunteer),
            t.duration(x.paid),
            t.duration(x.unspecified),
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
        writeln!(w, "\n{} : {}", t.nobody, t.duration(r.unnamed.total()))?;
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
            e.start.format("%H:%M"),
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
        Some(Review::Ambiguous(list)) => format!("{} : {}", t.ambiguous, escape(&list.join(", "))),
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
        "| {} | {} | {} | **{}** |",
        t.duration(x.volunteer),
        t.duration(x.paid),
        t.duration(x.unspecified),
        t.duration(x.total())
    )?;
    writeln!(w, "\n## {}\n", t.entries)?;
    writeln!(
        w,
        "| {} | {} | {} | {} | {} | {} |",
        t.date, t.time, t.duration, t.kind, t.who, t.what
    )?;
    writeln!(w, "|---|---|--:|---|---|---|")?;
    let mut sum = 0;
    for e in r.entries_of(&a.key) {
        sum += e.minutes;
        let time = if e.all_day {
            t.all_day.to_string()
        } else {
            format!("{}–{}", e.start.format("%H:%M"), e.end.format("%H:%M"))
        };
        let who: Vec<String> = e.people.iter().map(|p| escape(r.person_name(p))).collect();
        writeln!(
            w,
            "| {} | {time} | {} | {} | {} | {} |",
            t.date(e.date),
            t.duration(e.minutes),
            t.kind(e.kind),
            who.join(", "),
            escape(&e.summary)
        )?;
    }
    writeln!(w, "| **{}** | | **{}** | | | |", t.total, t.duration(sum))?;
    if let Some(v) = &a.valuation {
        writeln!(w, "\n## {}\n", t.valuation)?;
        writeln!(w, "{}\n", t.valuation_method)?;
        if let Some((debit, credit)) = &v.accounts {
            writeln!(
                w,
                "{} : {} ({}) / {} ({})\n",
                t.accounts,
                escape(debit),
                t.debit,
                escape(credit),
                t.credit
            )?;
        }
        writeln!(w, "| {} | {} | {} |", t.rate, t.hours, t.value)?;
        writeln!(w, "|--:|--:|--:|")?;
        for l in &v.lines {
            writeln!(
                w,
                "| {} {} ({} {}) | {} | {} {} |",
                t.decimal2(l.per_hour),
                v.currency,
                t.since,
                t.date(l.from),
                t.duration(l.minutes),
                t.decimal2(l.cents as f64 / 100.0),
                v.currency
            )?;
        }
        let minutes: i64 = v.lines.iter().map(|l| l.minutes).sum();
        writeln!(
            w,
            "| **{}** | {} | **{} {}** |",
            t.total,
            t.duration(minutes),
            t.decimal2(v.total_cents as f64 / 100.0),
            v.currency
        )?;
        debug_assert_eq!(minutes, a.totals.get(Kind::Volunteer));
    }
    Ok(())
}

/// Escapes text from events for Markdown tables.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
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
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn pipes_and_newlines_cannot_break_tables() {
        assert_eq!(escape("a|b\nc <script>"), "a\\|b c \\<script\\>");
    }
}
