// SPDX-License-Identifier: GPL-3.0-or-later
//! The report model: occurrences clipped to the period and classified into entries, and
//! every total computed once, so that renderers only format.
//!
//! Owns: clipping (an occurrence crossing the period's edge counts only its part inside),
//! whole-minute counting (instants are floored to the minute before clipping, so the
//! minutes of consecutive sub-periods add up to the whole), all-day and duration-tag
//! counting, totals per association, kind and person, person-hours, the volunteer share
//! and the optional valuation. Submodules render: [`csv`], [`markdown`]; [`i18n`] holds
//! the words.

pub mod csv;
pub mod i18n;
pub mod markdown;
pub mod svg;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, DurationRound, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde::Serialize;

use crate::classify::{Classified, Rules};
use crate::config::{AllDayPolicy, Rate};
use crate::ical::tz::Zone;
use crate::model::{Entry, EventInfo, Kind, Occurrence, Period, Problem, Review};
use i18n::Lang;

/// Minutes per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Volunteer minutes.
    pub volunteer: i64,
    /// Paid minutes.
    pub paid: i64,
    /// Minutes of unspecified kind.
    pub unspecified: i64,
}

impl Totals {
    /// Adds minutes of one kind.
    pub fn add(&mut self, kind: Kind, minutes: i64) {
        match kind {
            Kind::Volunteer => self.volunteer += minutes,
            Kind::Paid => self.paid += minutes,
            Kind::Unspecified => self.unspecified += minutes,
        }
    }

    /// Minutes of one kind.
    pub fn get(&self, kind: Kind) -> i64 {
        match kind {
            Kind::Volunteer => self.volunteer,
            Kind::Paid => self.paid,
            Kind::Unspecified => self.unspecified,
        }
    }

    /// All minutes.
    pub fn total(&self) -> i64 {
        self.volunteer + self.paid + self.unspecified
    }
}

/// Totals of one association.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssociationTotals {
    /// Key.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Minutes per kind.
    pub totals: Totals,
    /// Minutes × people named.
    pub person_minutes: i64,
    /// Value of the volunteer minutes, if configured.
    pub valuation: Option<Valuation>,
}

/// Totals of one person (the entries they took part in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonTotals {
    /// Key (configured) or name.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Minutes per kind.
    pub totals: Totals,
}

/// Value of volunteer work, per rate in force.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Valuation {
    /// One line per rate used: rate, minutes, value (rounded to cents).
    pub lines: Vec<ValuationLine>,
    /// Sum of the lines' values, in cents.
    pub total_cents: i64,
    /// Currency code.
    pub currency: String,
    /// Accounts debited and credited, if configured.
    pub accounts: Option<(String, String)>,
}

/// Minutes valued at one rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValuationLine {
    /// First day of the rate.
    pub from: NaiveDate,
    /// Value of one hour.
    pub per_hour: f64,
    /// Volunteer minutes at this rate.
    pub minutes: i64,
    /// Value in cents.
    pub cents: i64,
}

/// Everything a renderer needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The period.
    pub period: Period,
    /// Language of the text.
    pub lang: Lang,
    /// IANA name of the report zone.
    pub zone: String,
    /// Entries, sorted by start.
    pub entries: Vec<Entry>,
    /// Associations with entries, by name.
    pub associations: Vec<AssociationTotals>,
    /// Entries without an association.
    pub unassigned: Totals,
    /// Every entry.
    pub totals: Totals,
    /// Minutes × people named, over every entry.
    pub person_minutes: i64,
    /// People, by name; their minutes add up to `person_minutes`.
    pub people: Vec<PersonTotals>,
    /// Entries that name nobody (not in person-hours).
    pub unnamed: Totals,
    /// Totals of the previous period, for comparison.
    pub previous: Option<Totals>,
    /// Warnings about single items.
    pub problems: Vec<Problem>,
    /// Minutes per month (`YYYY-MM`) and association key (empty: no association), for
    /// periods longer than a month.
    pub monthly: BTreeMap<String, BTreeMap<String, Totals>>,
}

/// What shapes entries besides the classification rules.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The period.
    pub period: Period,
    /// Report zone.
    pub zone: Zone,
    /// Its IANA name.
    pub zone_name: String,
    /// All-day policy.
    pub all_day: AllDayPolicy,
    /// Language.
    pub lang: Lang,
    /// Valuation rates (empty: no valuation).
    pub rates: Vec<Rate>,
    /// Valuation currency.
    pub currency: String,
    /// Accounts debited and credited by the valuation, if configured.
    pub accounts: Option<(String, String)>,
}

impl Settings {
    fn bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            self.zone.to_utc(self.period.from.and_time(NaiveTime::MIN)),
            self.zone.to_utc(self.period.to.and_time(NaiveTime::MIN)),
        )
    }
}

/// Clips and classifies occurrences into entries, sorted by start.
pub fn build_entries(occurrences: &[Occurrence], rules: &Rules, s: &Settings) -> Vec<Entry> {
    let (from, to) = s.bounds();
    // Occurrences of one component share their descriptive data: classify it once.
    let mut classified: HashMap<(*const EventInfo, &str), (Classified, Arc<str>)> = HashMap::new();
    let mut entries: Vec<Entry> = occurrences
        .iter()
        .filter(|o| overlaps(o, from, to))
        .map(|o| {
            let (c, summary) = classified
                .entry((Arc::as_ptr(&o.info), &*o.calendar))
                .or_insert_with(|| {
                    let summary = Arc::from(o.info.summary.as_str());
                    (rules.classify(&o.info, &o.calendar), summary)
                })
                .clone();
            entry_of(o, c, summary, s, from, to)
        })
        .collect();
    entries.sort_by(|a, b| {
        (a.start, &a.uid, a.recurrence_id).cmp(&(b.start, &b.uid, b.recurrence_id))
    });
    entries
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

/// Totals per kind of a period, without building its entries (for comparisons). With
/// `association`, only that association's.
pub fn period_totals(
    occurrences: &[Occurrence],
    rules: &Rules,
    s: &Settings,
    association: Option<&str>,
) -> Totals {
    let (from, to) = s.bounds();
    let mut classified: HashMap<(*const EventInfo, &str), Classified> = HashMap::new();
    let mut totals = Totals::default();
    for o in occurrences.iter().filter(|o| overlaps(o, from, to)) {
        let c = classified
            .entry((Arc::as_ptr(&o.info), &*o.calendar))
            .or_insert_with(|| rules.classify(&o.info, &o.calendar));
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
        calendar: o.calendar.to_string(),
        uid: o.uid.to_string(),
        recurrence_id: o.recurrence_id.map(|r| s.zone.fixed(r)),
        all_day: o.all_day.is_some(),
        review,
    }
}

/// Aggregates entries into the report model.
pub fn build_report(
    entries: Vec<Entry>,
    rules: &Rules,
    s: &Settings,
    previous: Option<Totals>,
    problems: Vec<Problem>,
) -> Report {
    let mut totals = Totals::default();
    let mut unassigned = Totals::default();
    let mut person_minutes = 0;
    let mut by_assoc: BTreeMap<String, AssociationTotals> = BTreeMap::new();
    let mut by_person: BTreeMap<String, Totals> = BTreeMap::new();
    let mut unnamed = Totals::default();
    let mut monthly: BTreeMap<String, BTreeMap<String, Totals>> = BTreeMap::new();
    for e in &entries {
        totals.add(e.kind, e.minutes);
        let named = e.people.len() as i64;
        person_minutes += e.minutes * named;
        match &e.association {
            Some(key) => {
                let a = by_assoc
                    .entry(key.clone())
                    .or_insert_with(|| AssociationTotals {
                        key: key.clone(),
                        name: rules.association_name(key),
                        totals: Totals::default(),
                        person_minutes: 0,
                        valuation: None,
                    });
                a.totals.add(e.kind, e.minutes);
                a.person_minutes += e.minutes * named;
            }
            None => unassigned.add(e.kind, e.minutes),
        }
        if e.people.is_empty() {
            unnamed.add(e.kind, e.minutes);
        }
        monthly
            .entry(e.date.format("%Y-%m").to_string())
            .or_default()
            .entry(e.association.clone().unwrap_or_default())
            .or_default()
            .add(e.kind, e.minutes);
        for p in &e.people {
            by_person
                .entry(p.clone())
                .or_default()
                .add(e.kind, e.minutes);
        }
    }
    let mut associations: Vec<AssociationTotals> = by_assoc.into_values().collect();
    if !s.rates.is_empty() {
        for a in &mut associations {
            a.valuation = Some(Valuation {
                accounts: s.accounts.clone(),
                ..valuation(&entries, &a.key, &s.rates, &s.currency)
            });
        }
    }
    associations.sort_by_cached_key(|a| (crate::classify::normalise(&a.name), a.key.clone()));
    let mut people: Vec<PersonTotals> = by_person
        .into_iter()
        .map(|(key, totals)| PersonTotals {
            name: rules.person_name(&key),
            key,
            totals,
        })
        .collect();
    people.sort_by_cached_key(|p| crate::classify::normalise(&p.name));
    Report {
        period: s.period,
        lang: s.lang,
        zone: s.zone_name.clone(),
        entries,
        associations,
        unassigned,
        totals,
        person_minutes,
        people,
        unnamed,
        previous,
        problems,
        monthly,
    }
}

fn valuation(entries: &[Entry], key: &str, rates: &[Rate], currency: &str) -> Valuation {
    let mut minutes_by_rate: BTreeMap<usize, i64> = BTreeMap::new();
    for e in entries
        .iter()
        .filter(|e| e.association.as_deref() == Some(key) && e.kind == Kind::Volunteer)
    {
        let idx = rates.partition_point(|r| r.from <= e.date);
        if idx > 0 {
            *minutes_by_rate.entry(idx - 1).or_default() += e.minutes;
        }
    }
    let lines: Vec<ValuationLine> = minutes_by_rate
        .into_iter()
        .map(|(i, minutes)| ValuationLine {
            from: rates[i].from,
            per_hour: rates[i].per_hour,
            minutes,
            cents: (minutes as f64 * rates[i].per_hour * 100.0 / 60.0).round() as i64,
        })
        .collect();
    Valuation {
        total_cents: lines.iter().map(|l| l.cents).sum(),
        lines,
        currency: currency.to_string(),
        accounts: None,
    }
}

impl Report {
    /// Entries of one association.
    pub fn entries_of<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries
            .iter()
            .filter(move |e| e.association.as_deref() == Some(key))
    }

    /// Display name of a person key (the key itself if unknown).
    pub fn person_name<'a>(&'a self, key: &'a str) -> &'a str {
        self.people
            .iter()
            .find(|p| p.key == key)
            .map_or(key, |p| p.name.as_str())
    }

    /// Entries that need a human.
    pub fn review(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.review.is_some())
    }
}
