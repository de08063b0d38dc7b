// SPDX-License-Identifier: GPL-3.0-or-later
//! `check`: what needs a human in a period, grouped by person (the organizer), so each
//! technician sees their own.
//!
//! Owns: the list of findings (untagged events, unknown tags with a "did you mean",
//! ambiguous associations, entries with no kind, one person doing the same activity for the
//! same association both as a volunteer and for pay — which Belgian law forbids —, entries
//! over 12 h, overlapping entries of one person, zero-length events, all-day events without
//! hours, CONFIDENTIAL stubs, unknown TZIDs, people not in `[people]`), one per event
//! series with its count of occurrences, and their text, Markdown and JSON renderings (the
//! words and fix hints, in French or English, are in `words`).
//! Pure: takes entries and warnings, returns values.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Arc;

use serde::Serialize;

use crate::classify::{self, Rules};
use crate::model::{Entry, Kind, Problem, Review};
use crate::report::i18n::Lang;
use crate::terminal::sanitize;

mod words;
pub use words::localize;

/// Entries longer than this many minutes are listed.
pub const LONG_MINUTES: i64 = 12 * 60;

/// One thing to look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Person key (the organizer), or empty when nobody is named.
    pub person: String,
    /// Date of the entry (`YYYY-MM-DD`), or empty for a warning without entry.
    pub date: String,
    /// UID.
    pub uid: String,
    /// SUMMARY (shared with the entry).
    pub summary: Arc<str>,
    /// What kind of problem: a stable machine name.
    pub problem: &'static str,
    /// Details in words.
    pub detail: String,
    /// How many occurrences of the event it covers (from `date` on).
    pub occurrences: usize,
    /// How to fix it, in plain words (in the report's language after [`localize`]).
    pub hint: String,
    /// The values the words are made from (a tag, a suggestion, a list of tags…).
    #[serde(skip)]
    pub args: Vec<String>,
}

/// Lists every finding, ordered by person, date and UID.
pub fn check_entries(entries: &[Entry], problems: &[Problem], rules: &Rules) -> Vec<Finding> {
    let mut out = Vec::new();
    let known = known_words(rules);
    for e in entries {
        let mut add =
            |problem: &'static str, args: Vec<String>| out.push(finding(e, problem, args));
        match &e.review {
            Some(Review::Unclassified) if e.tags.is_empty() => {
                add("untagged", association_keys(rules))
            }
            Some(Review::Unclassified) => add("no-association", association_keys(rules)),
            Some(Review::Ambiguous(list)) => add("ambiguous", list.clone()),
            Some(Review::ConflictingKinds) => add("both-kinds", kind_tags(e, rules)),
            Some(Review::AllDayNotCounted) => add("all-day-without-hours", Vec::new()),
            Some(Review::ConfidentialStub) => add("confidential-stub", Vec::new()),
            None => {}
        }
        let conflicting = matches!(e.review, Some(Review::ConflictingKinds));
        if e.association.is_some() && e.kind == Kind::Unspecified && !conflicting {
            add("no-kind", first_kind_words(rules));
        }
        if !e.all_day && e.minutes > LONG_MINUTES {
            add("over-12h", vec![e.minutes.to_string()]);
        }
        if !e.all_day && e.start == e.end && e.minutes == 0 {
            add("zero-length", Vec::new());
        }
    }
    out.extend(words::unknown_people(entries, rules));
    out.extend(unknown_tags(entries, &known));
    out.extend(overlaps(entries));
    out.extend(volunteer_and_paid(entries));
    for p in problems
        .iter()
        .filter(|p| p.message.starts_with("unknown TZID"))
    {
        let owner = p
            .uid
            .as_deref()
            .and_then(|u| entries.iter().find(|e| &*e.uid == u));
        out.push(Finding {
            person: owner.map(organizer).unwrap_or_default(),
            date: owner.map(|e| e.date.to_string()).unwrap_or_default(),
            uid: p.uid.clone().unwrap_or_default(),
            summary: owner.map(|e| e.summary.clone()).unwrap_or_default(),
            problem: "unknown-tzid",
            detail: String::new(),
            occurrences: 1,
            hint: String::new(),
            args: vec![p.message.clone()],
        });
    }
    let mut out = per_series(out);
    localize(&mut out, Lang::En);
    out
}

/// One finding per event series, person, problem and subject (a tag, a name): the first
/// occurrence's, with the count of occurrences it stands for.
fn per_series(mut list: Vec<Finding>) -> Vec<Finding> {
    list.sort_by(|a, b| {
        (&a.person, &a.date, &a.uid, a.problem).cmp(&(&b.person, &b.date, &b.uid, b.problem))
    });
    list.dedup();
    let mut out: Vec<Finding> = Vec::new();
    let mut index: BTreeMap<(String, String, &'static str, String), usize> = BTreeMap::new();
    for f in list {
        let subject = match f.problem {
            "unknown-tag" | "unknown-person" | "overlap" => f.args.first().cloned(),
            _ => None,
        };
        let key = (
            f.person.clone(),
            f.uid.clone(),
            f.problem,
            subject.unwrap_or_default(),
        );
        match index.get(&key) {
            Some(&i) => out[i].occurrences += f.occurrences,
            None => {
                index.insert(key, out.len());
                out.push(f);
            }
        }
    }
    out
}

/// The configured association keys (the words a fix hint offers).
fn association_keys(rules: &Rules) -> Vec<String> {
    rules.associations.iter().map(|a| a.key.clone()).collect()
}

/// The volunteer and paid words among an entry's tags.
fn kind_tags(e: &Entry, rules: &Rules) -> Vec<String> {
    let v = e.tags.iter().find(|t| rules.volunteer.contains(t));
    let p = e.tags.iter().find(|t| rules.paid.contains(t));
    v.into_iter().chain(p).cloned().collect()
}

/// The first volunteer word and the first paid word.
fn first_kind_words(rules: &Rules) -> Vec<String> {
    rules
        .volunteer
        .iter()
        .take(1)
        .chain(rules.paid.iter().take(1))
        .cloned()
        .collect()
}

fn organizer(e: &Entry) -> String {
    e.people.first().cloned().unwrap_or_default()
}

fn finding(e: &Entry, problem: &'static str, args: Vec<String>) -> Finding {
    Finding {
        person: organizer(e),
        date: e.date.to_string(),
        uid: e.uid.to_string(),
        summary: e.summary.clone(),
        problem,
        detail: String::new(),
        occurrences: 1,
        hint: String::new(),
        args,
    }
}

/// Each unknown tag once per event series: its first entry and how many entries carry it.
fn unknown_tags(entries: &[Entry], known: &[String]) -> Vec<Finding> {
    let mut seen: BTreeMap<(&str, &str), (usize, &Entry)> = BTreeMap::new();
    for e in entries {
        for tag in e.unknown_tags.iter() {
            seen.entry((&*e.uid, tag.as_str()))
                .and_modify(|(count, _)| *count += 1)
                .or_insert((1, e));
        }
    }
    seen.into_iter()
        .map(|((_, tag), (count, e))| {
            let mut args = vec![tag.to_string()];
            args.extend(did_you_mean(tag, known).map(str::to_string));
            let mut f = finding(e, "unknown-tag", args);
            f.occurrences = count;
            f
        })
        .collect()
}

/// Overlapping timed entries of one person (every person named, not only the organizer).
fn overlaps(entries: &[Entry]) -> Vec<Finding> {
    let mut by_person: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in entries.iter().filter(|e| !e.all_day && e.end > e.start) {
        for p in e.people.iter() {
            by_person.entry(p).or_default().push(e);
        }
    }
    let mut out = Vec::new();
    for (person, mut list) in by_person {
        list.sort_by_key(|e| (e.start, e.end));
        for pair in list.windows(2) {
            if pair[1].start < pair[0].end && pair[1].uid != pair[0].uid {
                let mut f = finding(
                    pair[1],
                    "overlap",
                    vec![pair[0].uid.to_string(), pair[0].summary.to_string()],
                );
                f.person = person.to_string();
                out.push(f);
            }
        }
    }
    out
}

/// The activity of an entry: its summary without tags, mentions and punctuation.
fn activity(summary: &str) -> String {
    let words: Vec<String> = summary
        .split_whitespace()
        .filter(|w| !w.starts_with('#') && !w.starts_with('@'))
        .map(|w| classify::normalise(w.trim_matches(|c: char| !c.is_alphanumeric())))
        .filter(|w| !w.is_empty())
        .collect();
    words.join(" ")
}

/// One person, one association, one activity, both volunteer and paid in the period.
fn volunteer_and_paid(entries: &[Entry]) -> Vec<Finding> {
    let mut seen: BTreeMap<(&str, &str, String), (bool, bool, &Entry)> = BTreeMap::new();
    for e in entries {
        let Some(a) = e.association.as_deref() else {
            continue;
        };
        for p in e.people.iter() {
            let slot = seen
                .entry((p.as_str(), a, activity(&e.summary)))
                .or_insert((false, false, e));
            match e.kind {
                Kind::Volunteer => slot.0 = true,
                Kind::Paid => slot.1 = true,
                Kind::Unspecified => {}
            }
            slot.2 = e;
        }
    }
    seen.into_iter()
        .filter(|(_, (v, p, _))| *v && *p)
        .map(|((person, a, act), (_, _, e))| {
            let mut f = finding(e, "volunteer-and-paid", vec![act, a.to_string()]);
            f.person = person.to_string();
            f
        })
        .collect()
}

fn known_words(rules: &Rules) -> Vec<String> {
    let mut words: Vec<String> = rules
        .associations
        .iter()
        .flat_map(|a| a.tags.iter().cloned())
        .collect();
    words.extend(rules.volunteer.iter().cloned());
    words.extend(rules.paid.iter().cloned());
    words
}

/// The closest known word within an edit distance of 2 (1 for short words).
pub fn did_you_mean<'a>(tag: &str, known: &'a [String]) -> Option<&'a str> {
    let limit = if tag.chars().count() <= 4 { 1 } else { 2 };
    known
        .iter()
        .map(|k| (levenshtein(tag, k), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(previous + cost);
            previous = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// Writes the findings as text, one block per person, in `lang`; a clean period is one
/// line naming `period` (e.g. `2026-10: nothing to review`).
pub fn write_text(
    mut w: impl Write,
    findings: &[Finding],
    rules: &Rules,
    lang: Lang,
    period: &str,
) -> io::Result<()> {
    if findings.is_empty() {
        return writeln!(w, "{}", sanitize(&words::nothing_to_review(lang, period)));
    }
    for (person, list) in grouped(findings) {
        writeln!(w, "{}", sanitize(&person_label(person, rules, lang)))?;
        for f in list {
            writeln!(
                w,
                "  {}  {}  {} ({}){}{}{} → {}",
                f.date,
                f.problem,
                sanitize(&f.summary),
                sanitize(&f.uid),
                sanitize(&words::times(lang, f.occurrences)),
                words::colon(lang),
                sanitize(&f.detail),
                sanitize(&f.hint)
            )?;
        }
    }
    Ok(())
}

/// Writes the findings as Markdown, one section per person, in `lang`; a clean period is
/// one line.
pub fn write_markdown(
    mut w: impl Write,
    findings: &[Finding],
    rules: &Rules,
    lang: Lang,
    period: &str,
) -> io::Result<()> {
    let esc = |text: &str| sanitize(&crate::report::markdown::escape(text)).into_owned();
    if findings.is_empty() {
        return writeln!(w, "{}", esc(&words::nothing_to_review(lang, period)));
    }
    for (person, list) in grouped(findings) {
        writeln!(w, "## {}\n", esc(&person_label(person, rules, lang)))?;
        for f in list {
            writeln!(
                w,
                "- {} — `{}` — {} ({}){} — {} — *{}*",
                f.date,
                f.problem,
                esc(&f.summary),
                esc(&f.uid),
                esc(&words::times(lang, f.occurrences)),
                esc(&f.detail),
                esc(&f.hint)
            )?;
        }
        writeln!(w)?;
    }
    Ok(())
}

fn grouped(findings: &[Finding]) -> BTreeMap<&str, Vec<&Finding>> {
    let mut map: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        map.entry(f.person.as_str()).or_default().push(f);
    }
    map
}

fn person_label(key: &str, rules: &Rules, lang: Lang) -> String {
    if key.is_empty() {
        words::nobody(lang).to_string()
    } else {
        rules.person_name(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_use_edit_distance() {
        let known = vec![
            "amis".to_string(),
            "benevole".to_string(),
            "radio".to_string(),
        ];
        assert_eq!(did_you_mean("benevol", &known), Some("benevole"));
        assert_eq!(did_you_mean("ami", &known), Some("amis"));
        assert_eq!(did_you_mean("jardin", &known), None);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
    }

    #[test]
    fn activity_ignores_tags_and_case() {
        assert_eq!(
            activity("Mise à jour #amis #paye"),
            activity("mise a jour #amis #benevole @bob")
        );
    }
}
