// SPDX-License-Identifier: GPL-3.0-or-later
//! Typed values of single properties (RFC 5545 §3.3, §3.8): date-times as written
//! ([`Moment`]), RDATE lists with their PERIOD ends, participants, TEXT unescaping, and the
//! TZID parameter as Outlook splits it. Pure readers of one calcard entry each; which
//! properties a report needs is decided in [`super::parse`].

use calcard::icalendar::{
    ICalendarEntry, ICalendarParameterName, ICalendarParameterValue, ICalendarParticipationStatus,
    ICalendarPeriod, ICalendarValue,
};
use chrono::TimeDelta;

use super::parse::{Moment, PeriodEnd, RDate};
use crate::model::Participant;

pub(super) fn joined_text(e: &ICalendarEntry) -> String {
    let parts: Vec<&str> = e.values.iter().filter_map(|v| v.as_text()).collect();
    parts.join(",")
}

pub(super) fn participant(e: &ICalendarEntry) -> Participant {
    let address = e
        .values
        .first()
        .and_then(|v| v.as_text())
        .unwrap_or_default();
    let email = calcard::icalendar::utils::strip_mailto_scheme(address).trim();
    let param_text = |name: ICalendarParameterName| {
        e.params
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| match &p.value {
                ICalendarParameterValue::Text(t) => Some(t.clone()),
                _ => None,
            })
    };
    Participant {
        email: (!email.is_empty() && email.contains('@')).then(|| email.to_lowercase()),
        name: param_text(ICalendarParameterName::Cn).filter(|n| !n.trim().is_empty()),
        declined: e.params.iter().any(|p| {
            p.name == ICalendarParameterName::Partstat
                && p.value
                    == ICalendarParameterValue::Partstat(ICalendarParticipationStatus::Declined)
        }),
    }
}

pub(super) fn moment(e: &ICalendarEntry) -> Option<Moment> {
    moments(e).next()
}

/// The TZID parameter; Outlook's display names hold commas, which split it into several
/// values: they are joined back.
pub(super) fn tzid_param(e: &ICalendarEntry) -> Option<String> {
    let parts: Vec<&str> = e
        .parameters(&ICalendarParameterName::Tzid)
        .filter_map(|v| v.as_text())
        .collect();
    (!parts.is_empty()).then(|| parts.join(","))
}

pub(super) fn moments(e: &ICalendarEntry) -> impl Iterator<Item = Moment> + '_ {
    let tzid = tzid_param(e);
    e.values
        .iter()
        .filter_map(move |v| to_moment(v.as_partial_date_time()?, tzid.as_deref()))
}

pub(super) fn to_moment(
    p: &calcard::common::PartialDateTime,
    tzid: Option<&str>,
) -> Option<Moment> {
    let dt = p.to_date_time()?;
    if p.hour.is_none() {
        return Some(Moment::Date(dt.date_time.date()));
    }
    if let Some(off) = dt.offset {
        return Some(Moment::Utc(
            dt.date_time - TimeDelta::seconds(off.local_minus_utc().into()),
        ));
    }
    Some(match tzid {
        Some(t) => Moment::Zoned(dt.date_time, t.to_string()),
        None => Moment::Floating(dt.date_time),
    })
}

pub(super) fn read_rdates(e: &ICalendarEntry, out: &mut Vec<RDate>) {
    let tzid = tzid_param(e);
    let tzid = tzid.as_deref();
    for v in &e.values {
        match v {
            ICalendarValue::PartialDateTime(p) => {
                if let Some(start) = to_moment(p, tzid) {
                    out.push(RDate { start, end: None });
                }
            }
            ICalendarValue::Period(ICalendarPeriod::Range { start, end }) => {
                if let (Some(s), Some(e)) = (to_moment(start, tzid), to_moment(end, tzid)) {
                    out.push(RDate {
                        start: s,
                        end: Some(PeriodEnd::End(e)),
                    });
                }
            }
            ICalendarValue::Period(ICalendarPeriod::Duration { start, duration }) => {
                if let Some(s) = to_moment(start, tzid) {
                    out.push(RDate {
                        start: s,
                        end: Some(PeriodEnd::Duration(duration.clone())),
                    });
                }
            }
            _ => {}
        }
    }
}

/// Unescapes RFC 5545 TEXT (`\,` `\;` `\n` `\\`).
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}
