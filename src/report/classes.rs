// SPDX-License-Identifier: GPL-3.0-or-later
//! Every component of a report's occurrences classified once: the entries of the period,
//! the totals of the previous one and the warning about too many tags all read the same
//! classification instead of each making their own.
//!
//! Owns: the key of a component (the address of its descriptive data and of its calendar
//! name, which every occurrence of the component shares), the classification of each
//! run of occurrences with one key (on every core), the component of each occurrence (by its index, four
//! bytes each) and the "more than [`MAX_TAGS`] tags" warnings, one per component. Knows
//! nothing of periods.

use std::collections::HashSet;
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
    /// Classifies each component of `occurrences` once, in parallel; also returns a warning
    /// for each component with more than [`MAX_TAGS`] tags. A component's occurrences
    /// follow each other (they are expanded together): each run of them is classified once,
    /// and a component met again after others is classified again, to the same result.
    pub fn of(occurrences: &[Occurrence], rules: &Rules) -> (Classes, Vec<Problem>) {
        use rayon::prelude::*;
        let mut runs: Vec<&Occurrence> = Vec::new();
        let mut last = None;
        let of = occurrences
            .iter()
            .map(|o| {
                let key = Key::of(o);
                if last != Some(key) {
                    runs.push(o);
                    last = Some(key);
                }
                // Fewer runs than occurrences, which a Vec holds.
                u32::try_from(runs.len() - 1).unwrap_or(u32::MAX)
            })
            .collect();
        let (classes, too_many): (Vec<Classified>, Vec<bool>) = runs
            .par_iter()
            .map(|o| rules.classify_counted(&o.info, &o.calendar))
            .unzip();
        let mut warned: HashSet<Key> = HashSet::new();
        let problems = runs
            .iter()
            .zip(too_many)
            .filter(|(o, too_many)| *too_many && warned.insert(Key::of(o)))
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
    fn each_run_of_a_component_is_classified_once_and_found_by_any_of_its_occurrences() {
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
        // Met again after another, a component is classified again.
        assert_eq!(classes.classes.len(), 4);
        let at: Vec<_> = (0..5).map(|i| classes.position(i)).collect();
        assert_eq!(at, [Some(0), Some(1), Some(2), Some(3), None]);
        assert_eq!(classes.at(0), classes.at(2));
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
        let other = Arc::new(EventInfo::default());
        let mut occurrences: Vec<_> = (8..12).map(|h| occurrence(&info, &calendar, h)).collect();
        // Met again after another component: still one warning.
        occurrences.push(occurrence(&other, &calendar, 12));
        occurrences.push(occurrence(&info, &calendar, 13));
        let (classes, problems) = Classes::of(&occurrences, &Rules::default());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].to_string().contains("more than 1000 tags"));
        let class = classes.get(3).expect("classified");
        assert_eq!(class.tags.len(), MAX_TAGS);
    }
}
