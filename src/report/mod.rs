// SPDX-License-Identifier: GPL-3.0-or-later
//! The report model: occurrences clipped to the period and classified into entries, and
//! every total computed once, so that renderers only format.
//!
//! Owns: clipping (an occurrence crossing the period's edge counts only its part inside),
//! whole-minute counting (instants are floored to the minute before clipping, so the
//! minutes of consecutive sub-periods add up to the whole), all-day and duration-tag
//! counting, totals per association, kind and person, person-hours, the volunteer share
//! and the optional valuation (in person-hours: each volunteer's time). Submodules render:
//! [`csv`], [`markdown`], [`ods`]; [`i18n`] holds the words.

mod by_address;
mod classes;
pub mod correction;
pub mod csv;
mod entries;
pub mod i18n;
mod index;
pub mod markdown;
pub mod odf;
pub mod ods;
pub mod svg;
pub mod text;
mod valuation;
pub mod zip;

pub use classes::Classes;
pub use entries::{build_entries, period_totals};
use index::Index;
pub use valuation::{Valuation, ValuationLine};

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use serde::Serialize;

use crate::classify::Rules;
use crate::config::{AllDayPolicy, Rate};
use crate::ical::tz::Zone;
use crate::model::{Entry, Kind, Period, Problem};
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
    /// People who worked for this association, by name, with their minutes per kind.
    pub people: Vec<PersonTotals>,
    /// Distinct people named on volunteer entries.
    pub volunteers: usize,
    /// Entries that name nobody.
    pub unnamed: Totals,
    /// Value of the volunteer person-minutes, if configured.
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
    /// Configured associations with no entry in the period: key and name, by name.
    pub idle: Vec<(String, String)>,
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
    /// When the report was made, whether its figures are final, and who made it.
    pub about: About,
    /// Each association's entries and the names by key, built with the report from its
    /// entries, associations and people (which are not to be changed after).
    #[serde(skip)]
    index: Index,
}

/// Whether a report's figures may still change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "on", rename_all = "snake_case")]
pub enum Status {
    /// The period is not over: more work may be logged.
    Provisional,
    /// The period is over, but its month has not been closed.
    Over,
    /// The month was closed on this date: later edits are told as amendments.
    Closed(NaiveDate),
}

/// The collective that makes the reports, as its pages name it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Collective {
    /// Its name.
    pub name: Option<String>,
    /// A contact address.
    pub email: Option<String>,
    /// Its web site.
    pub url: Option<String>,
}

/// Where a report stands and who made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct About {
    /// The day it was made, in the report zone.
    pub made: NaiveDate,
    /// Provisional, over or closed.
    pub status: Status,
    /// The collective and its contact.
    pub collective: Collective,
}

impl Report {
    /// Where the figures stand, as a page's first words: "Provisoire — mois en cours",
    /// "Clôturé le 3 novembre 2026"…
    pub fn status_text(&self) -> String {
        let t = self.lang.text();
        let status = match self.about.status {
            Status::Provisional if self.period.is_month() => t.provisional.to_string(),
            Status::Provisional => t.provisional_period.to_string(),
            Status::Over if self.period.is_month() => t.over.to_string(),
            Status::Over => t.over_period.to_string(),
            Status::Closed(on) => format!("{} {}", t.closed_on, t.date_words(on)),
        };
        let mut chars = status.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    }
}

impl About {
    /// A report of `period` made on `today`: provisional until the period is over.
    pub fn new(period: &Period, today: NaiveDate, collective: Collective) -> About {
        About {
            made: today,
            status: if today < period.to {
                Status::Provisional
            } else {
                Status::Over
            },
            collective,
        }
    }
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

/// Aggregates entries into the report model.
pub fn build_report(
    entries: Vec<Entry>,
    rules: &Rules,
    s: &Settings,
    previous: Option<Totals>,
    problems: Vec<Problem>,
    about: About,
) -> Report {
    let mut totals = Totals::default();
    let mut unassigned = Totals::default();
    let mut person_minutes = 0;
    let mut unnamed = Totals::default();
    // Unassigned entries; those of each association are counted from its own entries.
    let mut unassigned_months = Months::default();
    let mut unassigned_people: BTreeMap<&str, Totals> = BTreeMap::new();
    for e in &entries {
        totals.add(e.kind, e.minutes);
        person_minutes += e.minutes * e.people.len() as i64;
        if e.people.is_empty() {
            unnamed.add(e.kind, e.minutes);
        }
        if e.association.is_none() {
            unassigned.add(e.kind, e.minutes);
            unassigned_months.add(e);
            for p in e.people.iter() {
                unassigned_people
                    .entry(p)
                    .or_default()
                    .add(e.kind, e.minutes);
            }
        }
    }
    let mut monthly: BTreeMap<(i32, u32), BTreeMap<String, Totals>> = BTreeMap::new();
    for (month, x) in unassigned_months.0 {
        monthly.entry(month).or_default().insert(String::new(), x);
    }
    let positions = index::positions(&entries);
    let mut by_key: Vec<(&String, &Vec<usize>)> = positions.iter().collect();
    by_key.sort();
    let of = |at: &[usize]| {
        at.iter()
            .filter_map(|&at| entries.get(at))
            .collect::<Vec<_>>()
    };
    let counted: Vec<(AssociationTotals, Months)> = {
        use rayon::prelude::*;
        by_key
            .into_par_iter()
            .map(|(key, at)| {
                let mine = of(at);
                let (mut a, months) = association_totals(key, mine.iter().copied(), rules);
                if !s.rates.is_empty() {
                    a.valuation = Some(Valuation {
                        accounts: s.accounts.clone(),
                        ..valuation::value(mine.iter().copied(), &s.rates, &s.currency)
                    });
                }
                (a, months)
            })
            .collect()
    };
    let mut associations = Vec::with_capacity(counted.len());
    for (a, months) in counted {
        for (month, x) in months.0 {
            monthly.entry(month).or_default().insert(a.key.clone(), x);
        }
        associations.push(a);
    }
    associations.sort_by_cached_key(|a| (crate::classify::normalise(&a.name), a.key.clone()));
    let monthly: BTreeMap<String, BTreeMap<String, Totals>> = monthly
        .into_iter()
        .map(|((year, month), keys)| (format!("{year:04}-{month:02}"), keys))
        .collect();
    let mut by_person = unassigned_people;
    for p in associations.iter().flat_map(|a| &a.people) {
        let x = by_person.entry(&p.key).or_default();
        for kind in [Kind::Volunteer, Kind::Paid, Kind::Unspecified] {
            x.add(kind, p.totals.get(kind));
        }
    }
    let mut people: Vec<PersonTotals> = by_person
        .into_iter()
        .map(|(key, totals)| PersonTotals {
            name: rules.person_name(key),
            key: key.to_string(),
            totals,
        })
        .collect();
    people.sort_by_cached_key(|p| crate::classify::normalise(&p.name));
    let mut idle: Vec<(String, String)> = rules
        .associations
        .iter()
        .filter(|r| !positions.contains_key(&r.key))
        .map(|r| (r.key.clone(), r.name.clone()))
        .collect();
    idle.sort_by_cached_key(|(key, name)| (crate::classify::normalise(name), key.clone()));
    let index = Index::new(
        positions,
        index::plain_summaries(&entries),
        &associations,
        &people,
    );
    Report {
        period: s.period,
        lang: s.lang,
        zone: s.zone_name.clone(),
        entries,
        associations,
        idle,
        unassigned,
        totals,
        person_minutes,
        people,
        unnamed,
        previous,
        problems,
        monthly,
        about,
        index,
    }
}

/// Totals per month (year and month of the entries' dates), in the order first met.
#[derive(Default)]
struct Months(Vec<((i32, u32), Totals)>);

impl Months {
    fn add(&mut self, e: &Entry) {
        let month = (e.date.year(), e.date.month());
        // Entries come by start, so mostly the month of the one before.
        let at = match self.0.iter().rposition(|(m, _)| *m == month) {
            Some(at) => at,
            None => {
                self.0.push((month, Totals::default()));
                self.0.len() - 1
            }
        };
        self.0[at].1.add(e.kind, e.minutes);
    }
}

/// The totals of association `key` from its entries: per kind, per person, the entries
/// that name nobody and the count of distinct volunteers; and per month.
fn association_totals<'a>(
    key: &str,
    entries: impl Iterator<Item = &'a Entry>,
    rules: &Rules,
) -> (AssociationTotals, Months) {
    let mut a = AssociationTotals {
        key: key.to_string(),
        name: rules.association_name(key),
        totals: Totals::default(),
        person_minutes: 0,
        people: Vec::new(),
        volunteers: 0,
        unnamed: Totals::default(),
        valuation: None,
    };
    let mut by_person: BTreeMap<&str, Totals> = BTreeMap::new();
    let mut volunteers = std::collections::BTreeSet::new();
    let mut months = Months::default();
    for e in entries {
        months.add(e);
        a.totals.add(e.kind, e.minutes);
        a.person_minutes += e.minutes * e.people.len() as i64;
        if e.people.is_empty() {
            a.unnamed.add(e.kind, e.minutes);
        }
        for p in e.people.iter() {
            by_person.entry(p).or_default().add(e.kind, e.minutes);
            if e.kind == Kind::Volunteer && e.minutes > 0 {
                volunteers.insert(p.as_str());
            }
        }
    }
    a.volunteers = volunteers.len();
    a.people = by_person
        .into_iter()
        .map(|(key, totals)| PersonTotals {
            name: rules.person_name(key),
            key: key.to_string(),
            totals,
        })
        .collect();
    a.people
        .sort_by_cached_key(|p| crate::classify::normalise(&p.name));
    (a, months)
}

impl Report {
    /// Entries of one association, in order.
    pub fn entries_of<'a>(&'a self, key: &str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.index
            .entries_of(key)
            .iter()
            .filter_map(|&at| self.entries.get(at))
    }

    /// Display name of a person key (the key itself if unknown).
    pub fn person_name<'a>(&'a self, key: &'a str) -> &'a str {
        self.index
            .person(key)
            .and_then(|at| self.people.get(at))
            .map_or(key, |p| p.name.as_str())
    }

    /// Display name of an association key (the key itself if it has no entry).
    pub fn association_name<'a>(&'a self, key: &'a str) -> &'a str {
        self.index
            .association(key)
            .and_then(|at| self.associations.get(at))
            .map_or(key, |a| a.name.as_str())
    }

    /// The entry's summary without its tags and mentions ([`without_markup`]), made once
    /// per event with the report.
    ///
    /// [`without_markup`]: crate::classify::without_markup
    pub fn plain_summary<'a>(&'a self, e: &'a Entry) -> std::borrow::Cow<'a, str> {
        match self.index.plain(&e.summary) {
            Some(plain) => std::borrow::Cow::Borrowed(plain),
            None => std::borrow::Cow::Owned(crate::classify::without_markup(&e.summary)),
        }
    }

    /// False if `e` is the only entry of its event (its summary is shared by no other), so
    /// that what is made of its event's data is made once and never again.
    pub fn event_has_other_entries(&self, e: &Entry) -> bool {
        self.index.sharing(&e.summary) != 1
    }

    /// Entries that need a human.
    pub fn review(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.review.is_some())
    }
}
