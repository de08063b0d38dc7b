// SPDX-License-Identifier: GPL-3.0-or-later
//! iCalendar input: from bytes to occurrences.
//!
//! Key terms: an *object* is what one CalDAV href holds; an *event* is a master VEVENT with
//! its overrides; an *occurrence* is one expanded instance with start and end instants.
//! Submodules: [`text`] (bytes, folds, splitting), [`parse`] (plain lines by `fast`, the
//! rest by calcard → typed values), [`merge`] (floating times beside zoned ones, one UID
//! written several times), [`tz`] and [`vtimezone`] (TZID → zone), [`offsets`] (a zone's
//! offset, from a table of the year), [`rule`] (RRULE → `rrule`), [`steps`] (plain rules
//! walked without `rrule`), [`recur`] (expansion and the override merge), [`expand`]
//! (every event of a file, in parallel). Nothing here does I/O or knows about tags.

pub mod expand;
pub mod fast;
pub mod merge;
pub mod offsets;
pub mod parse;
pub mod recur;
pub mod rule;
pub mod split;
pub mod steps;
pub mod text;
pub mod tz;
pub mod values;
pub mod vtimezone;

use chrono::TimeDelta;

use crate::model::{Occurrence, Problem};
pub use recur::Expansion;

/// Parses and expands one file's bytes over the expansion window. `source` names the file
/// in warnings; `calendar` names the calendar when the file has no X-WR-CALNAME.
pub fn read_occurrences(
    bytes: &[u8],
    source: &str,
    calendar: &str,
    x: &Expansion,
) -> (Vec<Occurrence>, Vec<Problem>) {
    let mut read = Default::default();
    read_occurrences_into(bytes, source, calendar, x, &mut read);
    read
}

/// [`read_occurrences`], appending to the occurrences and warnings of other files.
pub fn read_occurrences_into(
    bytes: &[u8],
    source: &str,
    calendar: &str,
    x: &Expansion,
    (occurrences, problems): &mut (Vec<Occurrence>, Vec<Problem>),
) {
    let parsed = parse_for(bytes, source, calendar, x, problems);
    recur::expand_occurrences_into(&parsed, x, source, occurrences, problems);
}

/// [`read_occurrences_into`] for a large file: `done_with_bytes` runs on a thread of its
/// own, beside the expansion, once the bytes are parsed and no longer read (so that a
/// caller can let them go while the occurrences are made).
pub fn read_occurrences_then(
    bytes: &[u8],
    source: &str,
    calendar: &str,
    x: &Expansion,
    (occurrences, problems): &mut (Vec<Occurrence>, Vec<Problem>),
    done_with_bytes: impl FnOnce() + Send,
) {
    let parsed = parse_for(bytes, source, calendar, x, problems);
    std::thread::scope(|s| {
        s.spawn(done_with_bytes);
        recur::expand_occurrences_into(&parsed, x, source, occurrences, problems);
    });
}

/// Parses the components of one file that can touch `x` (its dates widened by two days for
/// any time zone), moving the warnings to `problems`.
fn parse_for(
    bytes: &[u8],
    source: &str,
    calendar: &str,
    x: &Expansion,
    problems: &mut Vec<Problem>,
) -> parse::Parsed {
    let margin = TimeDelta::days(2);
    let window = ((x.from - margin).date_naive(), (x.to + margin).date_naive());
    let mut parsed = parse::parse_calendar(bytes, source, calendar, Some(window));
    problems.append(&mut parsed.problems);
    parsed
}

/// The time span of an object's occurrences, so the store can load only the objects
/// that may overlap a period. `None` bounds mean "always load".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bounds {
    /// The UID of the first event.
    pub uid: Option<String>,
    /// Earliest start (Unix time, widened by two days for any time zone).
    pub first_start: Option<i64>,
    /// Latest end (Unix time, widened by two days); `None` for open-ended series.
    pub last_end: Option<i64>,
    /// True if the object could be read.
    pub readable: bool,
}

/// Computes the bounds of one object.
pub fn object_bounds(bytes: &[u8]) -> Bounds {
    use chrono::TimeZone;
    let parsed = parse::parse_calendar(bytes, "object", "object", None);
    let uid = parsed.events.first().map(|e| e.uid.to_string());
    if parsed.events.is_empty() {
        return Bounds {
            uid,
            first_start: None,
            last_end: None,
            readable: false,
        };
    }
    let endless = parsed
        .events
        .iter()
        .filter_map(|e| e.master.as_ref())
        .any(|m| {
            m.rrules
                .iter()
                .any(|r| r.count.is_none() && r.until.is_none())
        });
    // Every date iCalendar can write (years 0000 to 9999), whatever its time zone.
    let utc = |year| {
        chrono::Utc
            .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default()
    };
    let x = Expansion {
        report_zone: tz::Zone::Utc,
        from: utc(-1),
        to: utc(10_001),
        max_instances: if endless { 1 } else { 20_000 },
    };
    let (occurrences, problems) = recur::expand_occurrences(&parsed, &x, "object");
    let capped = problems
        .iter()
        .any(|p| p.message.starts_with(recur::CAP_MESSAGE));
    let margin = TimeDelta::days(2).num_seconds();
    let first = occurrences.iter().map(|o| o.start.timestamp()).min();
    let last = occurrences.iter().map(|o| o.end.timestamp()).max();
    let mut first_start = first.map(|f| f - margin);
    if endless {
        // The first instance still bounds the start.
        let master_start = parsed
            .events
            .iter()
            .filter_map(|e| e.master.as_ref()?.start.as_ref())
            .map(|m| m.wall().and_utc().timestamp() - margin)
            .min();
        first_start = match (master_start, first_start) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    let (first_start, last_end) = match (first_start, last) {
        (Some(f), Some(l)) if !endless && !capped => (Some(f), Some(l + margin)),
        (Some(f), _) if endless || capped => (Some(f), None),
        // Nothing to count (e.g. everything cancelled): an empty span, never loaded.
        _ => (Some(0), Some(0)),
    };
    Bounds {
        uid,
        first_start,
        last_end,
        readable: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds_of(dtstart: &str, rule: &str) -> Bounds {
        let text = format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:far\r\nDTSTART:{dtstart}\r\nDURATION:PT1H\r\n{rule}END:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        object_bounds(text.as_bytes())
    }

    #[test]
    fn any_date_icalendar_can_write_is_inside_its_bounds() {
        for (dtstart, unix) in [
            ("00010101T000000Z", -62_135_596_800_i64),
            ("18500312T100000Z", -3_780_741_600),
            ("23001015T100000Z", 10_438_624_800),
            ("99991231T230000Z", 253_402_297_200),
        ] {
            let b = bounds_of(dtstart, "");
            let (first, last) = (b.first_start.unwrap(), b.last_end.unwrap());
            assert!(first <= unix && unix + 3600 <= last, "{dtstart}: {b:?}");
            let b = bounds_of(dtstart, "RRULE:FREQ=YEARLY\r\n");
            assert!(
                b.first_start.unwrap() <= unix && b.last_end.is_none(),
                "{dtstart}: {b:?}"
            );
        }
    }
}
