// SPDX-License-Identifier: GPL-3.0-or-later
//! From occurrences to entries: each occurrence clipped to the period and counted in whole
//! minutes (instants floored to the minute first), all-day and duration-tag rules applied,
//! with its component's class ([`Classes`]); and the totals of a period (the previous one,
//! for the comparison) without making its entries.

use std::sync::Arc;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use super::classes::Classes;
use super::{Settings, Totals};
use crate::classify::Classified;
use crate::config::AllDayPolicy;
use crate::model::{Entry, Note, Occurrence, Review};

/// Clips occurrences into entries with their components' classes (`classes` made from these
/// `occurrences`), sorted by start (in parallel).
pub fn build_entries(occurrences: &[Occurrence], classes: &Classes, s: &Settings) -> Vec<Entry> {
    use rayon::prelude::*;
    let (from, to) = s.bounds();
    // The entries of one component share its summary.
    let mut summaries: Vec<Option<Arc<str>>> = vec![None; classes.len()];
    let mut kept: Vec<(&Occurrence, usize)> = occurrences
        .iter()
        .enumerate()
        .filter(|(_, o)| overlaps(o, from, to))
        .filter_map(|(i, o)| {
            let at = classes.position(i)?;
            summaries[at].get_or_insert_with(|| Arc::from(o.info.summary.as_str()));
            Some((o, at))
        })
        .collect();
    // Sorted before the entries are made, by what orders them (the clipped start, the UID
    // and the original start), so that no entry is moved.
    kept.par_sort_by_cached_key(|&(o, _)| {
        (floor_minute(o.start).max(from), &*o.uid, o.recurrence_id)
    });
    kept.par_iter()
        .map(|&(o, at)| {
            let summary = summaries[at].clone().unwrap_or_default();
            entry_of(o, classes.at(at).clone(), summary, s, from, to)
        })
        .collect()
}

fn floor_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::minutes(1)).unwrap_or(t)
}

/// True if the occurrence has time inside `[from, to)`; a zero-length one, if it starts
/// inside.
fn overlaps(o: &Occurrence, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    if o.end > o.start {
        o.start < to && o.end > from
    } else {
        o.start >= from && o.start < to
    }
}

/// Minutes an occurrence counts in `[from, to)`, and whether it is an all-day event left
/// uncounted.
fn counted(
    o: &Occurrence,
    tagged: Option<i64>,
    s: &Settings,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> (i64, bool) {
    let starts_inside = o.start >= from && o.start < to;
    match (o.all_day, tagged) {
        (_, Some(tagged)) => (if starts_inside { tagged } else { 0 }, false),
        (Some(days), None) => {
            let first = days.first.max(s.period.from);
            let last = days.end.min(s.period.to);
            match s.all_day {
                AllDayPolicy::Hours(h) => (
                    ((last - first).num_days().max(0) as f64 * h * 60.0).round() as i64,
                    false,
                ),
                AllDayPolicy::Skip => (0, true),
            }
        }
        (None, None) => {
            let (start, end) = (floor_minute(o.start).max(from), floor_minute(o.end).min(to));
            ((end.max(start) - start).num_minutes(), false)
        }
    }
}

/// Totals per kind of a period, without building its entries (for comparisons; `classes`
/// made from these `occurrences`). With `association`, only that association's.
pub fn period_totals(
    occurrences: &[Occurrence],
    classes: &Classes,
    s: &Settings,
    association: Option<&str>,
) -> Totals {
    let (from, to) = s.bounds();
    let mut totals = Totals::default();
    for (i, o) in occurrences.iter().enumerate() {
        if !overlaps(o, from, to) {
            continue;
        }
        let Some(c) = classes.get(i) else {
            continue;
        };
        if association.is_some_and(|a| c.association.as_deref() != Some(a)) {
            continue;
        }
        totals.add(c.kind, counted(o, c.duration, s, from, to).0);
    }
    totals
}

fn entry_of(
    o: &Occurrence,
    c: Classified,
    summary: Arc<str>,
    s: &Settings,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Entry {
    let (start, end) = (floor_minute(o.start).max(from), floor_minute(o.end).min(to));
    let end = end.max(start);
    let (minutes, uncounted) = counted(o, c.duration, s, from, to);
    let review = if uncounted {
        c.review.or(Some(Review::AllDayNotCounted))
    } else {
        c.review
    };
    let start_local = s.zone.fixed(start);
    let notes = notes_of(o, c.duration, minutes, s, from, to);
    Entry {
        date: start_local.date_naive(),
        start: start_local,
        end: s.zone.fixed(end),
        minutes,
        association: c.association,
        kind: c.kind,
        people: c.people,
        summary,
        tags: c.tags,
        unknown_tags: c.unknown_tags,
        calendar: o.calendar.clone(),
        uid: o.uid.clone(),
        recurrence_id: o.recurrence_id.map(|r| s.zone.fixed(r)),
        all_day: o.all_day.is_some(),
        review,
        notes,
    }
}

/// Why an entry's minutes or times differ from its slot: a duration tag, a change of the
/// clocks, or an edge of the period.
fn notes_of(
    o: &Occurrence,
    tagged: Option<i64>,
    minutes: i64,
    s: &Settings,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Note> {
    let mut notes = Vec::new();
    let (start, end) = (floor_minute(o.start), floor_minute(o.end));
    if o.start < from {
        notes.push(Note::StartsBefore(s.zone.fixed(o.start)));
    }
    if o.end > to {
        notes.push(Note::EndsAfter(s.zone.fixed(o.end)));
    }
    let slot = (end.max(start) - start).num_minutes();
    if tagged.is_some() {
        if minutes != slot || o.all_day.is_some() {
            notes.push(Note::DurationTag);
        }
    } else if o.all_day.is_none() {
        let (start, end) = (start.max(from), end.min(to).max(start.max(from)));
        let wall = (s.zone.to_local(end) - s.zone.to_local(start)).num_minutes();
        if wall != (end - start).num_minutes() {
            notes.push(Note::ClockChange);
        }
    }
    notes
}
