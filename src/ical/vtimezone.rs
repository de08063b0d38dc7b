// SPDX-License-Identifier: GPL-3.0-or-later
//! Evaluation of a VTIMEZONE block (RFC 5545 §3.6.5) for a TZID that no database knows.
//!
//! Owns: turning STANDARD/DAYLIGHT observances (DTSTART, TZOFFSETFROM, TZOFFSETTO, RRULE,
//! RDATE) into a sorted list of UTC transitions, and answering "which offset at this
//! instant". Used only for TZIDs that [`super::tz::zone_by_name`] cannot map.

use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarProperty, ICalendarValue,
};
use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

use super::rule;

/// Transitions are computed up to this year; later instants keep the last offset.
const LAST_YEAR: i32 = 2200;
/// At most this many transitions per observance.
const MAX_TRANSITIONS: usize = 2_000;

/// A zone defined by its own VTIMEZONE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomZone {
    initial: i32,
    /// `(instant of the change, offset from then on)`, sorted by instant.
    transitions: Vec<(NaiveDateTime, i32)>,
}

/// Why a VTIMEZONE block cannot be evaluated.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VTimezoneError {
    /// No STANDARD or DAYLIGHT sub-component could be read.
    #[error("VTIMEZONE {0} has no usable STANDARD or DAYLIGHT observance")]
    NoObservance(String),
}

impl CustomZone {
    /// Builds the zone from the VTIMEZONE component `tz` of `ical`.
    pub fn from_component(
        ical: &ICalendar,
        tz: &ICalendarComponent,
    ) -> Result<Self, VTimezoneError> {
        let mut transitions = Vec::new();
        let mut earliest: Option<(NaiveDateTime, i32)> = None;
        for id in &tz.component_ids {
            let Some(obs) = ical.components.get(*id as usize) else {
                continue;
            };
            if !matches!(
                obs.component_type,
                ICalendarComponentType::Standard | ICalendarComponentType::Daylight
            ) {
                continue;
            }
            let Some(o) = Observance::read(obs) else {
                continue;
            };
            if earliest.is_none_or(|(at, _)| o.start < at) {
                earliest = Some((o.start, o.from));
            }
            o.push_transitions(&mut transitions);
        }
        let Some((_, initial)) = earliest else {
            return Err(VTimezoneError::NoObservance(tzid_of(tz)));
        };
        transitions.sort_by_key(|t| t.0);
        transitions.dedup_by_key(|t| t.0);
        Ok(Self {
            initial,
            transitions,
        })
    }

    /// Offset in seconds in force at the UTC instant `utc`.
    pub fn offset_at(&self, utc: NaiveDateTime) -> i32 {
        match self.transitions.partition_point(|(at, _)| *at <= utc) {
            0 => self.initial,
            n => self.transitions[n - 1].1,
        }
    }
}

/// The TZID property of a VTIMEZONE component.
pub fn tzid_of(tz: &ICalendarComponent) -> String {
    // Outlook writes display names with unescaped commas, which a parser splits: join them.
    tz.property(&ICalendarProperty::Tzid)
        .map(|e| {
            e.values
                .iter()
                .filter_map(|v| v.as_text())
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

struct Observance<'a> {
    start: NaiveDateTime,
    from: i32,
    to: i32,
    component: &'a ICalendarComponent,
}

impl<'a> Observance<'a> {
    fn read(c: &'a ICalendarComponent) -> Option<Self> {
        let start = c
            .property(&ICalendarProperty::Dtstart)?
            .values
            .first()?
            .as_partial_date_time()?
            .to_date_time()?
            .date_time;
        Some(Self {
            start,
            from: offset(c, &ICalendarProperty::Tzoffsetfrom)?,
            to: offset(c, &ICalendarProperty::Tzoffsetto)?,
            component: c,
        })
    }

    fn instant(&self, local: NaiveDateTime) -> NaiveDateTime {
        local - TimeDelta::seconds(self.from.into())
    }

    fn push_transitions(&self, out: &mut Vec<(NaiveDateTime, i32)>) {
        out.push((self.instant(self.start), self.to));
        let end = NaiveDate::from_ymd_opt(LAST_YEAR, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or(NaiveDateTime::MAX);
        for entry in &self.component.entries {
            match (&entry.name, entry.values.first()) {
                (ICalendarProperty::Rrule, Some(ICalendarValue::RecurrenceRule(r))) => {
                    let until = r.until.as_ref().and_then(|u| u.to_date_time()).map(|u| {
                        // A UTC UNTIL is compared on the local clock of the observance.
                        if u.offset.is_some() {
                            u.date_time + TimeDelta::seconds(self.from.into())
                        } else {
                            u.date_time
                        }
                    });
                    if let Ok(set) =
                        rule::rule_set(std::slice::from_ref(r.as_ref()), self.start, until)
                    {
                        for local in set.into_iter().take(MAX_TRANSITIONS) {
                            let local = local.naive_utc();
                            if local > end {
                                break;
                            }
                            out.push((self.instant(local), self.to));
                        }
                    }
                }
                (ICalendarProperty::Rdate, _) => {
                    for v in &entry.values {
                        if let Some(dt) = v.as_partial_date_time().and_then(|p| p.to_date_time()) {
                            out.push((self.instant(dt.date_time), self.to));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

fn offset(c: &ICalendarComponent, name: &ICalendarProperty) -> Option<i32> {
    let p = c.property(name)?.values.first()?.as_partial_date_time()?;
    let secs = i32::from(p.tz_hour?) * 3600 + i32::from(p.tz_minute.unwrap_or(0)) * 60;
    Some(if p.tz_minus { -secs } else { secs })
}
