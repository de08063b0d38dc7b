// SPDX-License-Identifier: GPL-3.0-or-later
//! Every component of a report's occurrences classified once: the entries of the period,
//! the totals of the previous one and the warning about too many tags all read the same
//! classification instead of each making their own.
//!
//! Owns: the key of a component (the address of its descriptive data and of its calendar
//! name, which every occurrence of the component shares), the classification of each
//! distinct key (on every core), the component of each occurrence (by its index, four
//! bytes each) and the "more than [`MAX_TAGS`] tags" warnings, one per component. Knows
//! nothing of periods.

use std::collections::HashMap;
use std::sync::Arc;

use crate::classify::{Classified, MAX_TAGS, Rules};
use crate::model::{Occurrence, Problem};

/// The component an occurrence comes from, as far as classification goes: the addresses
/// of its descriptive data and of its calendar name. Occurrences with equal keys classify
/// alike; two keys that differ may still hold equal data (then it is classified twice, to
/// the same result). A key is only good while the occurrences it was taken from live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key(usize, usize);

impl Key {
    fn of(o: &Occurrence) -> Key {
        Key(
            Arc::as_ptr(&o.info).addr(),
            Arc::as_ptr(&o.calendar).cast::<u8>().addr(),
        )
    }
}

/// The classification of every component of a set of occurrences, found by the index of
/// an occurrence in that set.
#[derive(Debug, Default)]
pub struct Classes {
    /// The component of each occurrence, by its index.
    of: Vec<u32>,
    classes: Vec<Classified>,
}

impl Classes {
    /// Classifies each distinct component of `occurrences` once, in parallel; also returns
    /// a warning for each component with more than [`MAX_TAGS`] tags.
    pub fn of(occurrences: &[Occurrence], rules: &Rules) -> (Classes, Vec<Problem>) {
        use rayon::prelude::*;
        let mut index: HashMap<Key, u32> = HashMap::new();
        let mut distinct: Vec<&Occurrence> = Vec::new();
        let mut last: Option<(Key, u32)> = None;
        let mut of = Vec::with_capacity(occurrences.len());
        for o in occurrences {
            let key = Key::of(o);
            let at = match last {
                // A component's occurrences mostly follow each other.
                Some((k, at)) if k == key => at,
                _ => *index.entry(key).or_insert_with(|| {
                    distinct.push(o);
                    // Fewer components than occurrences, which a Vec holds.
                    u32::try_from(distinct.len() - 1).unwrap_or(u32::MAX)
                }),
            };
            last = Some((key, at));
            of.push(at);
        }
        drop(index);
        let (classes, too_many): (Vec<Classified>, Vec<bool>) = distinct
            .par_iter()
            .map(|o| rules.classify_counted(&o.info, &o.calendar))
            .unzip();
        let problems = distinct
            .iter()
            .zip(too_many)
            .filter(|(_, too_many)| *too_many)
            .map(|(o, _)| {
                let message =
                    format!("more than {MAX_TAGS} tags; only the first {MAX_TAGS} are used");
                Problem::new(&o.calendar, message).with_uid(Some(&o.uid))
            })
            .collect();
        (Classes { of, classes }, problems)
    }

    /// The position of the component of the `i`-th occurrence of the set classified.
    pub fn position(&self, i: usize) -> Option<usize> {
        self.of.get(i).map(|&at| at as usize)
    }

    /// How many components were classified (positions are below this).
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    /// Whether no component was classified.
    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }

    /// The classification at `position`.
    pub fn at(&self, position: usize) -> &Classified {
        &self.classes[position]
    }

    /// The classification of the `i`-th occurrence of the set classified.
    pub fn get(&self, i: usize) -> Option<&Classified> {
        self.position(i).map(|at| self.at(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EventInfo;
    use chrono::{TimeZone, Utc};

    fn occurrence(info: &Arc<EventInfo>, calendar: &Arc<str>, hour: u32) -> Occurrence {
        let start = Utc
            .with_ymd_and_hms(2026, 10, 5, hour, 0, 0)
            .single()
            .expect("a time");
        Occurrence {
            uid: Arc::from("u"),
            calendar: calendar.clone(),
            start,
            end: start + chrono::TimeDelta::hours(1),
            recurrence_id: None,
            all_day: None,
            info: info.clone(),
        }
    }

    #[test]
    fn each_component_is_classified_once_and_found_by_any_of_its_occurrences() {
        let info = |summary: &str| {
            Arc::new(EventInfo {
                summary: summary.into(),
                ..EventInfo::default()
            })
        };
        let (amis, radio) = (info("Permanence #amis #benevole"), info("Émission #radio"));
        let (work, home): (Arc<str>, Arc<str>) = (Arc::from("Work"), Arc::from("Home"));
        let occurrences = vec![
            occurrence(&amis, &work, 8),
            occurrence(&radio, &work, 9),
            occurrence(&amis, &work, 10),
            // The same data from another calendar is another component.
            occurrence(&amis, &home, 11),
        ];
        let (classes, problems) = Classes::of(&occurrences, &Rules::default());
        assert!(problems.is_empty());
        assert_eq!(classes.classes.len(), 3);
        let at: Vec<_> = (0..5).map(|i| classes.position(i)).collect();
        assert_eq!(at, [Some(0), Some(1), Some(0), Some(2), None]);
        let amis = classes.get(2).expect("classified");
        assert_eq!(amis.association.as_deref(), Some("amis"));
        assert_eq!(
            classes.get(1).expect("classified").association.as_deref(),
            Some("radio")
        );
    }

    #[test]
    fn a_component_with_too_many_tags_is_warned_about_once() {
        let many: String = (0..=MAX_TAGS).map(|i| format!("#t{i} ")).collect();
        let info = Arc::new(EventInfo {
            summary: many,
            ..EventInfo::default()
        });
        let calendar: Arc<str> = Arc::from("Work");
        let occurrences: Vec<_> = (8..12).map(|h| occurrence(&info, &calendar, h)).collect();
        let (classes, problems) = Classes::of(&occurrences, &Rules::default());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].to_string().contains("more than 1000 tags"));
        let class = classes.get(3).expect("classified");
        assert_eq!(class.tags.len(), MAX_TAGS);
    }
}
