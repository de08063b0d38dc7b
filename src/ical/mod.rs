// SPDX-License-Identifier: GPL-3.0-or-later
//! iCalendar input: from bytes to occurrences.
//!
//! Key terms: an *object* is what one CalDAV href holds; an *event* is a master VEVENT with
//! its overrides; an *occurrence* is one expanded instance with start and end instants.
//! Submodules: [`text`] (bytes, folds, splitting), [`parse`] (calcard → typed values),
//! [`tz`] and [`vtimezone`] (TZID → zone), [`rule`] (RRULE → `rrule`), [`recur`]
//! (expansion and the override merge). Nothing here does I/O or knows about tags.

pub mod parse;
pub mod recur;
pub mod rule;
pub mod text;
pub mod tz;
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
    let margin = TimeDelta::days(2);
    let window = ((x.from - margin).date_naive(), (x.to + margin).date_naive());
    let parsed = parse::parse_calendar(bytes, source, calendar, Some(window));
    let (occurrences, mut problems) = recur::expand_occurrences(&parsed, x, source);
    let mut all = parsed.problems;
    all.append(&mut problems);
    (occurrences, all)
}
