// SPDX-License-Identifier: GPL-3.0-or-later
//! The lookups a renderer makes for every entry, prepared once with the report: the
//! positions of each association's entries, the display name of each person and
//! association by key, and each event's summary without its tags and mentions.
//!
//! Owns: building those tables from a report's entries, associations and people, in one
//! pass (the summaries in parallel, once per event instead of once per file that shows
//! them). Knows nothing of formats. The index describes the report it was built from: it is
//! part of the model, not of its serialised form.

use std::sync::Arc;

use super::by_address::SharedByAddress as ByAddress;
use super::{AssociationTotals, PersonTotals};
use crate::classify::without_markup;
use crate::model::Entry;

/// A map by key. Keys come from calendars: foldhash is seeded per process, and far cheaper
/// per lookup than the standard hasher (a renderer makes several lookups per entry).
/// Their order never reaches a report: the one map iterated ([`positions`], by the
/// report's totals) is sorted by key first.
pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// Positions and names by key, for a report's entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Index {
    /// Positions in the entries of each association's entries, in order, by key.
    entries: HashMap<String, Vec<usize>>,
    /// Position of each association, by key.
    associations: HashMap<String, usize>,
    /// Position of each person, by key.
    people: HashMap<String, usize>,
    /// Each summary the entries share, by its address: its text without markup and how
    /// many entries share it.
    plain: ByAddress<Plain>,
}

/// What the index knows of one summary the entries share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plain {
    /// The summary itself, kept so that its address cannot be given to other text while
    /// the index lives.
    own: Arc<str>,
    /// Its text without markup.
    text: Arc<str>,
    /// The entries that share it.
    entries: usize,
}

/// The summaries of `entries` without markup, each made once, in parallel, and how many
/// entries share each.
pub fn plain_summaries(entries: &[Entry]) -> ByAddress<Plain> {
    use rayon::prelude::*;
    let mut counts: ByAddress<usize> = ByAddress::default();
    let mut distinct: Vec<&Arc<str>> = Vec::new();
    for e in entries {
        let count = counts.entry(e.summary.as_ptr().addr()).or_default();
        if *count == 0 {
            distinct.push(&e.summary);
        }
        *count += 1;
    }
    distinct
        .into_par_iter()
        .map(|s| {
            let at = s.as_ptr().addr();
            let plain = Plain {
                own: s.clone(),
                text: Arc::from(without_markup(s)),
                entries: counts.get(&at).copied().unwrap_or_default(),
            };
            (at, plain)
        })
        .collect()
}

/// Positions in `entries` of each association's entries, in order, by key.
pub fn positions(entries: &[Entry]) -> HashMap<String, Vec<usize>> {
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::default();
    for (at, e) in entries.iter().enumerate() {
        let Some(key) = e.association.as_deref() else {
            continue;
        };
        match by_key.get_mut(key) {
            Some(list) => list.push(at),
            None => {
                by_key.insert(key.to_string(), vec![at]);
            }
        }
    }
    by_key
}

impl Index {
    /// The index of a report's entries, given their [`positions`] and
    /// [`plain_summaries`], and of its associations and people.
    pub fn new(
        positions: HashMap<String, Vec<usize>>,
        plain: ByAddress<Plain>,
        associations: &[AssociationTotals],
        people: &[PersonTotals],
    ) -> Index {
        Index {
            entries: positions,
            plain,
            associations: associations
                .iter()
                .enumerate()
                .map(|(at, a)| (a.key.clone(), at))
                .collect(),
            people: people
                .iter()
                .enumerate()
                .map(|(at, p)| (p.key.clone(), at))
                .collect(),
        }
    }

    /// Positions of the entries of association `key`, in order (none if it has none).
    pub fn entries_of(&self, key: &str) -> &[usize] {
        self.entries.get(key).map_or(&[], Vec::as_slice)
    }

    /// Position of association `key` among the report's associations.
    pub fn association(&self, key: &str) -> Option<usize> {
        self.associations.get(key).copied()
    }

    /// Position of person `key` among the report's people.
    pub fn person(&self, key: &str) -> Option<usize> {
        self.people.get(key).copied()
    }

    /// What the index knows of `summary`, if it is one of the indexed entries' own.
    fn summary(&self, summary: &Arc<str>) -> Option<&Plain> {
        self.plain
            .get(&summary.as_ptr().addr())
            .filter(|p| Arc::ptr_eq(&p.own, summary))
    }

    /// The text of `summary` without markup, if it is one of the indexed entries' own.
    pub fn plain(&self, summary: &Arc<str>) -> Option<&str> {
        self.summary(summary).map(|p| &*p.text)
    }

    /// How many of the indexed entries share `summary` (0 if none does).
    pub fn sharing(&self, summary: &Arc<str>) -> usize {
        self.summary(summary).map_or(0, |p| p.entries)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{FixedOffset, NaiveDate, TimeZone};

    use crate::classify::{PersonRule, Rules};
    use crate::config::AllDayPolicy;
    use crate::ical::tz::zone_by_name;
    use crate::model::{Entry, Kind, Period};
    use crate::report::i18n::Lang;
    use crate::report::{About, Collective, Settings, build_report};

    fn entry(at: u32, association: Option<&str>, people: &[&str]) -> Entry {
        let start = FixedOffset::east_opt(3600)
            .and_then(|z| z.with_ymd_and_hms(2026, 10, 1 + at % 28, 9, 0, 0).single())
            .expect("a valid time");
        Entry {
            date: start.date_naive(),
            start,
            end: start + chrono::TimeDelta::minutes(60),
            minutes: 60,
            association: association.map(std::sync::Arc::from),
            kind: if at.is_multiple_of(3) {
                Kind::Volunteer
            } else {
                Kind::Paid
            },
            people: people.iter().map(|p| p.to_string()).collect(),
            summary: "".into(),
            tags: Vec::new().into(),
            calendar: "".into(),
            uid: format!("u{at}").into(),
            recurrence_id: None,
            all_day: false,
            review: None,
            unknown_tags: Vec::new().into(),
            notes: Vec::new(),
        }
    }

    fn report(entries: Vec<Entry>, rules: &Rules) -> crate::report::Report {
        let day = |d| NaiveDate::from_ymd_opt(2026, 10, d).expect("a date");
        let period = Period::new(day(1), day(31)).expect("a period");
        let settings = Settings {
            period,
            zone: zone_by_name("Europe/Brussels").expect("a zone"),
            zone_name: "Europe/Brussels".into(),
            all_day: AllDayPolicy::Skip,
            lang: Lang::En,
            rates: Vec::new(),
            currency: "EUR".into(),
            accounts: None,
        };
        let about = About::new(&period, day(2), Collective::default());
        build_report(entries, rules, &settings, None, Vec::new(), about)
    }

    #[test]
    fn each_summary_is_made_plain_once_and_read_back_only_for_its_own_entries() {
        let shared: std::sync::Arc<str> = "Sauvegardes #amis avec @alice (#paid)".into();
        let entries: Vec<Entry> = (0..12)
            .map(|at| Entry {
                summary: if at % 3 == 0 {
                    format!("Mise à jour #radio n°{at}").into()
                } else {
                    shared.clone()
                },
                ..entry(at, Some("amis"), &["alice"])
            })
            .collect();
        let r = report(entries, &Rules::default());
        for e in &r.entries {
            let plain = r.plain_summary(e);
            assert!(
                matches!(plain, std::borrow::Cow::Borrowed(_)),
                "{}",
                e.summary
            );
            assert_eq!(plain, crate::classify::without_markup(&e.summary));
        }
        assert_eq!(r.index.plain.len(), 5, "one per distinct summary");
        for e in &r.entries {
            let shared = std::sync::Arc::ptr_eq(&e.summary, &shared);
            assert_eq!(r.event_has_other_entries(e), shared, "{}", e.summary);
            assert_eq!(r.index.sharing(&e.summary), if shared { 8 } else { 1 });
        }
        // Equal text that is not the entries' own is made plain on the spot.
        let stranger = Entry {
            summary: shared.to_string().into(),
            ..entry(0, Some("amis"), &[])
        };
        let plain = r.plain_summary(&stranger);
        assert!(matches!(plain, std::borrow::Cow::Owned(_)));
        assert_eq!(plain, "Sauvegardes avec");
        // Unknown to the index: whatever is made of it may be needed again.
        assert!(r.event_has_other_entries(&stranger));
    }

    #[test]
    fn each_association_has_the_entries_the_filter_finds_in_the_same_order() {
        let keys = [
            Some("amis"),
            None,
            Some("radio"),
            Some("amis"),
            Some("zz"),
            None,
        ];
        let entries: Vec<Entry> = (0..60)
            .map(|at| entry(at, keys[at as usize % keys.len()], &["alice"]))
            .collect();
        let r = report(entries, &Rules::default());
        for key in ["amis", "radio", "zz", "none", ""] {
            let filtered: Vec<&Entry> = r
                .entries
                .iter()
                .filter(|e| e.association.as_deref() == Some(key))
                .collect();
            let indexed: Vec<&Entry> = r.entries_of(key).collect();
            assert_eq!(indexed.len(), filtered.len(), "{key}");
            assert!(
                indexed
                    .iter()
                    .zip(&filtered)
                    .all(|(a, b)| std::ptr::eq(*a, *b)),
                "{key}"
            );
        }
        assert_eq!(r.entries_of("amis").count(), 20);
    }

    #[test]
    fn names_are_those_of_the_people_and_associations_or_the_key() {
        let rules = Rules {
            people: vec![PersonRule {
                key: "alice".into(),
                name: "Alice Martin".into(),
                emails: Vec::new(),
            }],
            ..Rules::default()
        };
        let entries = vec![
            entry(1, Some("amis"), &["alice", "bob"]),
            entry(2, Some("radio"), &["bob"]),
        ];
        let r = report(entries, &rules);
        for p in &r.people {
            assert_eq!(r.person_name(&p.key), p.name);
        }
        assert_eq!(r.person_name("alice"), "Alice Martin");
        assert_eq!(r.person_name("bob"), "bob");
        assert_eq!(r.person_name("carol"), "carol");
        for a in &r.associations {
            assert_eq!(r.association_name(&a.key), a.name);
        }
        assert_eq!(r.association_name("unknown"), "unknown");
    }
}
