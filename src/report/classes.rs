// SPDX-License-Identifier: GPL-3.0-or-later
//! Every component of a report's occurrences classified once: the entries of the period,
//! the totals of the previous one and the warning about too many tags all read the same
//! classification instead of each making their own.
//!
//! Owns: the key of a component (the address of its descriptive data and of its calendar
//! name, which every occurrence of the component shares), the classification of each
//! distinct key (on every core) and the "more than [`MAX_TAGS`] tags" warnings, one per
//! component. Knows nothing of periods.

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

/// A component's classification, with its summary shared by its entries.
#[derive(Debug)]
pub struct Class {
    /// The classification.
    pub classified: Classified,
    /// The summary, as every entry of the component holds it.
    pub summary: Arc<str>,
}

/// The classification of every component of a set of occurrences.
#[derive(Debug, Default)]
pub struct Classes {
    index: HashMap<Key, usize>,
    classes: Vec<Class>,
}

impl Classes {
    /// Classifies each distinct component of `occurrences` once, in parallel; also returns
    /// a warning for each component with more than [`MAX_TAGS`] tags.
    pub fn of(occurrences: &[Occurrence], rules: &Rules) -> (Classes, Vec<Problem>) {
        use rayon::prelude::*;
        let mut index: HashMap<Key, usize> = HashMap::new();
        let mut distinct: Vec<&Occurrence> = Vec::new();
        let mut last = None;
        for o in occurrences {
            let key = Key::of(o);
            // A component's occurrences mostly follow each other.
            if last != Some(key) {
                index.entry(key).or_insert_with(|| {
                    distinct.push(o);
                    distinct.len() - 1
                });
                last = Some(key);
            }
        }
        let (classes, too_many): (Vec<Class>, Vec<bool>) = distinct
            .par_iter()
            .map(|o| {
                let (classified, too_many) = rules.classify_counted(&o.info, &o.calendar);
                let summary = Arc::from(o.info.summary.as_str());
                (
                    Class {
                        classified,
                        summary,
                    },
                    too_many,
                )
            })
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
        (Classes { index, classes }, problems)
    }

    /// The position of `o`'s component, if it was among the occurrences classified.
    pub fn position(&self, o: &Occurrence) -> Option<usize> {
        self.index.get(&Key::of(o)).copied()
    }

    /// The class at `position`.
    pub fn at(&self, position: usize) -> &Class {
        &self.classes[position]
    }

    /// The class of `o`'s component, if it was among the occurrences classified.
    pub fn get(&self, o: &Occurrence) -> Option<&Class> {
        self.position(o).map(|at| self.at(at))
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
        let at: Vec<_> = occurrences.iter().map(|o| classes.position(o)).collect();
        assert_eq!(at, [Some(0), Some(1), Some(0), Some(2)]);
        let amis = classes.get(&occurrences[2]).expect("classified");
        assert_eq!(amis.classified.association.as_deref(), Some("amis"));
        assert_eq!(&*amis.summary, "Permanence #amis #benevole");
        let other = occurrence(&info("Permanence #amis"), &work, 12);
        assert!(classes.get(&other).is_none(), "not among those classified");
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
        let class = classes.get(&occurrences[3]).expect("classified");
        assert_eq!(class.classified.tags.len(), MAX_TAGS);
    }
}
