// SPDX-License-Identifier: GPL-3.0-or-later
//! `check`: what needs a human in a period, grouped by person (the organizer), so each
//! technician sees their own.
//!
//! Owns: the list of findings (untagged events, unknown tags with a "did you mean",
//! ambiguous associations, entries with no kind, one person doing the same activity for the
//! same association both as a volunteer and for pay — which Belgian law forbids —, entries
//! over 12 h, overlapping entries of one person, zero-length events, all-day events without
//! hours, CONFIDENTIAL stubs, unknown TZIDs) and their text, Markdown and JSON renderings.
//! Pure: takes entries and warnings, returns values.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Arc;

use serde::Serialize;

use crate::classify::{self, Rules};
use crate::model::{Entry, Kind, Problem, Review};
use crate::terminal::sanitize;

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
    /// How many occurrences of the event it covers (from `date` on); 1 for most findings.
    pub occurrences: usize,
}

/// Lists every finding, ordered by person, date and UID.
pub fn check_entries(entries: &[Entry], problems: &[Problem], rules: &Rules) -> Vec<Finding> {
    let mut out = Vec::new();
    let known = known_words(rules);
    for e in entries {
        let mut add = |problem: &'static str, detail: String| out.push(finding(e, problem, detail));
        match &e.review {
            Some(Review::Unclassified) if e.tags.is_empty() => add("untagged", "no tag: add an association hashtag or category".into()),
            Some(Review::Unclassified) => add("no-association", format!("no association among the tags {}", e.tags.join(", "))),
            Some(Review::Ambiguous(list)) => add("ambiguous", format!("several associations: {}", list.join(", "))),
            Some(Review::ConflictingKinds) => add("both-kinds", "both a volunteer and a paid word".into()),
            Some(Review::AllDayNotCounted) => add("all-day-without-hours", "all-day event not counted: add a duration tag such as #3h".into()),
            Some(Review::ConfidentialStub) => add("confidential-stub", "CLASS:CONFIDENTIAL event seen as \"Busy\": sync with the owner's account, or make it public".into()),
            None => {}
        }
        if e.association.is_some() && e.kind == Kind::Unspecified {
            add(
                "no-kind",
                "neither a kind word nor a default kind for this association".into(),
            );
        }
        if !e.all_day && e.minutes > LONG_MINUTES {
            add("over-12h", format!("{} min", e.minutes));
        }
        if !e.all_day && e.start == e.end && e.minutes == 0 {
            add("zero-length", "the event ends when it starts".into());
        }
    }
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
            .and_then(|u| entries.iter().find(|e| e.uid == u));
        out.push(Finding {
            person: owner.map(organizer).unwrap_or_default(),
            date: owner.map(|e| e.date.to_string()).unwrap_or_default(),
            uid: p.uid.clone().unwrap_or_default(),
            summary: owner.map(|e| e.summary.clone()).unwrap_or_default(),
            problem: "unknown-tzid",
            detail: p.message.clone(),
            occurrences: 1,
        });
    }
    out.sort_by(|a, b| {
        (&a.person, &a.date, &a.uid, a.problem).cmp(&(&b.person, &b.date, &b.uid, b.problem))
    });
    out.dedup();
    out
}

fn organizer(e: &Entry) -> String {
    e.people.first().cloned().unwrap_or_default()
}

fn finding(e: &Entry, problem: &'static str, detail: String) -> Finding {
    Finding {
        person: organizer(e),
        date: e.date.to_string(),
        uid: e.uid.clone(),
        summary: e.summary.clone(),
        problem,
        detail,
        occurrences: 1,
    }
}

/// Each unknown tag once per event series: its first entry and how many entries carry it.
fn unknown_tags(entries: &[Entry], known: &[String]) -> Vec<Finding> {
    let mut seen: BTreeMap<(&str, &str), (usize, &Entry)> = BTreeMap::new();
    for e in entries {
        for tag in e.unknown_tags.iter() {
            seen.entry((e.uid.as_str(), tag.as_str()))
                .and_modify(|(count, _)| *count += 1)
                .or_insert((1, e));
        }
    }
    seen.into_iter()
        .map(|((_, tag), (count, e))| {
            let hint = did_you_mean(tag, known)
                .map(|k| format!("; did you mean #{k}?"))
                .unwrap_or_default();
            let times = if count > 1 {
                format!(" ({count} occurrences from this date)")
            } else {
                String::new()
            };
            let mut f = finding(e, "unknown-tag", format!("unknown tag #{tag}{hint}{times}"));
            f.occurrences = count;
            f
        })
        .collect()
}

/// Overlapping timed entries of one person (every person named, not only the organizer).
fn overlaps(entries: &[Entry]) -> Vec<Finding> {
    let mut by_person: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in entries.iter().filter(|e| !e.all_day && e.end > e.start) {
        for p in &e.people {
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
                    format!("overlaps \"{}\" ({})", pair[0].summary, pair[0].uid),
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
        for p in &e.people {
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
            let mut f = finding(e, "volunteer-and-paid", format!("\"{act}\" for {a} both as a volunteer and paid: not allowed for the same activity and organisation (Belgian volunteering law)"));
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

/// Writes the findings as text, one block per person.
pub fn write_text(mut w: impl Write, findings: &[Finding], rules: &Rules) -> io::Result<()> {
    for (person, list) in grouped(findings) {
        writeln!(w, "{}", sanitize(&person_label(person, rules)))?;
        for f in list {
            writeln!(
                w,
                "  {}  {}  {} ({}): {}",
                f.date,
                f.problem,
                sanitize(&f.summary),
                sanitize(&f.uid),
                sanitize(&f.detail)
            )?;
        }
    }
    Ok(())
}

/// Writes the findings as Markdown, one section per person.
pub fn write_markdown(mut w: impl Write, findings: &[Finding], rules: &Rules) -> io::Result<()> {
    for (person, list) in grouped(findings) {
        writeln!(
            w,
            "## {}\n",
            sanitize(&crate::report::markdown::escape(&person_label(
                person, rules
            )))
        )?;
        for f in list {
            let esc = |text: &str| sanitize(&crate::report::markdown::escape(text)).into_owned();
            writeln!(
                w,
                "- {} — `{}` — {} ({}) — {}",
                f.date,
                f.problem,
                esc(&f.summary),
                esc(&f.uid),
                esc(&f.detail)
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

fn person_label(key: &str, rules: &Rules) -> String {
    if key.is_empty() {
        "(nobody named)".to_string()
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
