// SPDX-License-Identifier: GPL-3.0-or-later
//! Parsing with calcard: from a file's bytes to [`Event`]s (a master VEVENT and its
//! overrides, grouped by UID) holding typed values (RFC 5545 §3.6.1, §3.8).
//!
//! Owns: which properties a report needs and how each is read; grouping by UID; one
//! warning per bad component or line, naming the UID or line and the source. Blocks far
//! outside the report window are skipped before parsing, and blocks are parsed in
//! parallel. Does not resolve time zones or expand recurrences (see [`super::recur`]).

use std::collections::HashMap;
use std::sync::Arc;

use calcard::icalendar::{
    ICalendar, ICalendarClassification, ICalendarComponent, ICalendarComponentType,
    ICalendarDuration, ICalendarParameterName, ICalendarParameterValue, ICalendarProperty,
    ICalendarRecurrenceRule, ICalendarStatus, ICalendarValue,
};
use calcard::{Entry as CalEntry, Parser};
use chrono::{NaiveDate, NaiveDateTime};
use rayon::prelude::*;

use super::merge;
use super::rule::unescape_rule;
use super::text::{self, Chunk};
use super::tz::{Zone, ZoneResolver, zone_by_name};
pub use super::values::unescape;
use super::values::{joined_text, moment, moments, participant, read_rdates};
use super::vtimezone::{CustomZone, tzid_of};
use crate::model::{EventInfo, Problem};

/// Most CATEGORIES values read from one VEVENT.
pub const MAX_CATEGORIES: usize = 1_000;

/// What one VEVENT may hold before it is parsed; the rest is dropped with a warning.
pub const LIMITS: text::Limits = text::Limits {
    categories: MAX_CATEGORIES,
    dates: super::recur::DEFAULT_MAX_INSTANCES,
    rrules: super::recur::MAX_RRULES,
};

/// A date or date-time value as written, before any zone is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moment {
    /// `VALUE=DATE`.
    Date(NaiveDate),
    /// No zone: read in the report zone.
    Floating(NaiveDateTime),
    /// UTC (`Z`), or a numeric offset already applied.
    Utc(NaiveDateTime),
    /// A local time with a TZID.
    Zoned(NaiveDateTime, String),
}

impl Moment {
    /// The wall-clock value (midnight for a date).
    pub fn wall(&self) -> NaiveDateTime {
        match self {
            Moment::Date(d) => d.and_time(chrono::NaiveTime::MIN),
            Moment::Floating(t) | Moment::Utc(t) | Moment::Zoned(t, _) => *t,
        }
    }

    /// True for `VALUE=DATE`.
    pub fn is_date(&self) -> bool {
        matches!(self, Moment::Date(_))
    }
}

/// The end of an RDATE period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodEnd {
    /// An explicit end.
    End(Moment),
    /// A duration.
    Duration(ICalendarDuration),
}

/// An RDATE value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RDate {
    /// Start of the added occurrence.
    pub start: Moment,
    /// Its own end, for `VALUE=PERIOD`.
    pub end: Option<PeriodEnd>,
}

/// One VEVENT component (a master or an override), with the values a report needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Line of `BEGIN:VEVENT` in the source.
    pub line: usize,
    /// DTSTART.
    pub start: Option<Moment>,
    /// DTEND.
    pub end: Option<Moment>,
    /// DURATION.
    pub duration: Option<ICalendarDuration>,
    /// RRULEs.
    pub rrules: Vec<ICalendarRecurrenceRule>,
    /// RDATEs.
    pub rdates: Vec<RDate>,
    /// EXDATEs.
    pub exdates: Vec<Moment>,
    /// RECURRENCE-ID.
    pub recurrence_id: Option<Moment>,
    /// RANGE=THISANDFUTURE on the RECURRENCE-ID.
    pub this_and_future: bool,
    /// SEQUENCE.
    pub sequence: i64,
    /// LAST-MODIFIED (UTC wall clock).
    pub last_modified: Option<NaiveDateTime>,
    /// DTSTAMP (UTC wall clock).
    pub stamp: Option<NaiveDateTime>,
    /// STATUS:CANCELLED.
    pub cancelled: bool,
    /// Descriptive properties.
    pub info: Arc<EventInfo>,
    /// Properties that could not be read (reported with the UID).
    pub warnings: Vec<String>,
}

/// A master and its overrides, sharing one UID in one calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The UID (made up from the line if missing).
    pub uid: Arc<str>,
    /// Calendar name.
    pub calendar: Arc<str>,
    /// The component without RECURRENCE-ID.
    pub master: Option<Component>,
    /// Components with a RECURRENCE-ID.
    pub overrides: Vec<Component>,
}

/// One block parsed: its VCALENDAR index, UID, component (or why not), and the line of
/// any invalid UTF-8.
type ParsedChunk = (
    usize,
    Option<Arc<str>>,
    Result<Component, String>,
    Option<usize>,
);

/// Everything read from one file.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Events, in file order.
    pub events: Vec<Event>,
    /// The file's VTIMEZONE-only zones.
    pub zones: ZoneResolver,
    /// Warnings.
    pub problems: Vec<Problem>,
}

/// Parses one file. `calendar` names the calendar when the file has no X-WR-CALNAME.
/// With a `window` of dates, non-recurring events certainly outside it are skipped.
pub fn parse_calendar(
    bytes: &[u8],
    source: &str,
    calendar: &str,
    window: Option<(NaiveDate, NaiveDate)>,
) -> Parsed {
    let mut problems = Vec::new();
    let split = text::split(bytes, source, window, &mut problems);
    let zones = read_timezones(&split.timezones, source, &mut problems);
    let parsed: Vec<ParsedChunk> = split
        .events
        .par_iter()
        .map(|c| {
            let (text, bad) = text::decode(c.text);
            let (uid, comp) = parse_block(&text, c.line);
            (
                c.calendar,
                uid.map(Arc::from),
                comp,
                bad.map(|l| c.line + l),
            )
        })
        .collect();
    let names: Vec<Arc<str>> = split
        .calendar_names
        .iter()
        .map(|n| Arc::from(n.as_deref().unwrap_or(calendar)))
        .collect();
    let default_name: Arc<str> = Arc::from(calendar);
    let mut events: Vec<Event> = Vec::with_capacity(parsed.len());
    // Keys come from the file: foldhash is seeded per process, and far cheaper per UID than
    // the default hasher.
    let mut index: HashMap<(Arc<str>, Arc<str>), usize, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(parsed.len(), Default::default());
    // Lines of the masters set aside, by event.
    let mut duplicates: HashMap<usize, Vec<usize>> = HashMap::new();
    for (cal, uid, comp, bad_line) in parsed {
        if let Some(line) = bad_line {
            problems.push(
                Problem::new(source, "invalid UTF-8 bytes replaced by U+FFFD")
                    .with_uid(uid.as_deref())
                    .with_line(line),
            );
        }
        let comp = match comp {
            Ok(c) => c,
            Err(msg) => {
                problems.push(Problem::new(source, msg).with_uid(uid.as_deref()));
                continue;
            }
        };
        for w in &comp.warnings {
            problems.push(
                Problem::new(source, w.clone())
                    .with_uid(uid.as_deref())
                    .with_line(comp.line),
            );
        }
        let uid: Arc<str> = match uid {
            Some(uid) => uid,
            None => {
                problems.push(
                    Problem::new(source, "VEVENT has no UID; counted on its own")
                        .with_line(comp.line),
                );
                Arc::from(format!("line-{}", comp.line))
            }
        };
        // Keyed by calendar name, not by VCALENDAR block: concatenated invitations (one
        // VCALENDAR each, same UID) are one event.
        let calendar = names
            .get(cal)
            .cloned()
            .unwrap_or_else(|| default_name.clone());
        let at = *index
            .entry((calendar.clone(), uid.clone()))
            .or_insert_with(|| {
                events.push(Event {
                    uid: uid.clone(),
                    calendar,
                    master: None,
                    overrides: Vec::new(),
                });
                events.len() - 1
            });
        let event = &mut events[at];
        if comp.recurrence_id.is_some() {
            event.overrides.push(comp);
        } else if let Some(kept) = event.master.as_mut() {
            let ignored = duplicates.entry(at).or_default();
            if merge::supersedes(&comp, kept) {
                ignored.push(kept.line);
                *kept = comp;
            } else {
                ignored.push(comp.line);
            }
        } else {
            event.master = Some(comp);
        }
    }
    let mut duplicates: Vec<_> = duplicates.into_iter().collect();
    duplicates.sort_unstable();
    for (at, mut ignored) in duplicates {
        let event = &events[at];
        let kept = event.master.as_ref().map_or(0, |m| m.line);
        ignored.sort_unstable();
        problems.push(
            Problem::new(source, merge::duplicate_message(kept, &ignored))
                .with_uid(Some(&event.uid))
                .with_line(kept),
        );
    }
    for event in &mut events {
        for (line, tzid) in merge::anchor_recurrence_ids(event) {
            problems.push(
                Problem::new(source, merge::floating_message("RECURRENCE-ID", &tzid))
                    .with_uid(Some(&event.uid))
                    .with_line(line),
            );
        }
    }
    Parsed {
        events,
        zones,
        problems,
    }
}

/// The TZID of a VTIMEZONE block read straight from its bytes, when it is plain: one
/// unfolded `TZID:` line of ASCII without escapes.
fn quick_tzid(block: &[u8]) -> Option<&str> {
    let mut lines = block.split(|b| *b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let Some(value) = line.strip_prefix(b"TZID:") else {
            continue;
        };
        let value = value.strip_suffix(b"\r").unwrap_or(value);
        let folded = lines
            .peek()
            .is_some_and(|next| matches!(next.first(), Some(b' ' | b'\t')));
        if folded || value.is_empty() || !value.iter().all(|b| b.is_ascii_graphic() && *b != b'\\')
        {
            return None;
        }
        return std::str::from_utf8(value).ok();
    }
    None
}

fn read_timezones(chunks: &[Chunk<'_>], source: &str, problems: &mut Vec<Problem>) -> ZoneResolver {
    let mut custom = HashMap::new();
    for chunk in chunks {
        // Most VTIMEZONEs name a zone known by name: no need to parse them.
        if quick_tzid(chunk.text).is_some_and(|id| zone_by_name(id).is_some()) {
            continue;
        }
        let (text, _) = text::decode(chunk.text);
        let text = match text::bound_values(&text, &LIMITS) {
            Some((cut, warnings)) => {
                for w in warnings {
                    problems.push(
                        Problem::new(source, format!("VTIMEZONE: {w}")).with_line(chunk.line),
                    );
                }
                std::borrow::Cow::Owned(cut)
            }
            None => text,
        };
        let CalEntry::ICalendar(ical) = Parser::new(&text).entry() else {
            continue;
        };
        let Some(tz) = ical
            .components
            .iter()
            .find(|c| c.component_type == ICalendarComponentType::VTimezone)
        else {
            continue;
        };
        let tzid = tzid_of(tz);
        if zone_by_name(&tzid).is_some() || custom.contains_key(&tzid) {
            continue;
        }
        let zone = lic_location(tz).or_else(|| match CustomZone::from_component(&ical, tz) {
            Ok(z) => Some(Zone::Custom(Arc::new(z))),
            Err(e) => {
                problems.push(Problem::new(source, e.to_string()).with_line(chunk.line));
                None
            }
        });
        if let Some(zone) = zone {
            custom.insert(tzid, zone);
        }
    }
    ZoneResolver::new(custom)
}

fn lic_location(tz: &ICalendarComponent) -> Option<Zone> {
    tz.entries
        .iter()
        .find_map(|e| match (&e.name, e.values.first()) {
            (ICalendarProperty::Other(n), Some(v)) if n.eq_ignore_ascii_case("X-LIC-LOCATION") => {
                zone_by_name(v.as_text()?)
            }
            _ => None,
        })
}

/// Parses one VEVENT block (decoded): plain blocks within [`LIMITS`] by [`super::fast`],
/// the others by calcard, after cutting what is over the limits (with a warning).
pub fn parse_block(text: &str, line: usize) -> (Option<String>, Result<Component, String>) {
    if let Some(read) = super::fast::parse_plain(text, line) {
        return read;
    }
    match text::bound_values(text, &LIMITS) {
        Some((cut, warnings)) => {
            let (uid, mut comp) = parse_component(&cut, line);
            if let Ok(comp) = comp.as_mut() {
                comp.warnings.extend(warnings);
            }
            (uid, comp)
        }
        None => parse_component(text, line),
    }
}

/// Parses one VEVENT block with calcard. Returns the UID (when readable) and the component, or a
/// message saying why it was dropped.
pub fn parse_component(text: &str, line: usize) -> (Option<String>, Result<Component, String>) {
    let ical = match Parser::new(text).entry() {
        CalEntry::ICalendar(ical) => ical,
        other => {
            return (
                None,
                Err(format!(
                    "line {line}: VEVENT could not be read ({})",
                    describe(&other)
                )),
            );
        }
    };
    let Some(vevent) = ical
        .components
        .iter()
        .find(|c| c.component_type == ICalendarComponentType::VEvent)
    else {
        return (None, Err(format!("line {line}: no VEVENT found")));
    };
    let uid = vevent.uid().map(str::to_string);
    (uid, read_component(&ical, vevent, line))
}

fn describe(entry: &CalEntry) -> String {
    match entry {
        CalEntry::InvalidLine(l) => {
            format!("invalid line `{}`", l.chars().take(60).collect::<String>())
        }
        CalEntry::UnterminatedComponent(c) => format!("{c} not terminated"),
        CalEntry::UnexpectedComponentEnd { found, .. } => {
            format!("unexpected END:{}", found.as_str())
        }
        CalEntry::TooManyComponents => "too many components".into(),
        _ => "unexpected content".into(),
    }
}

fn read_component(
    _ical: &ICalendar,
    c: &ICalendarComponent,
    line: usize,
) -> Result<Component, String> {
    let mut r = Reading::new(line);
    for e in &c.entries {
        r.entry(e)?;
    }
    r.finish()
}

/// A component being read, property by property: by calcard entries ([`Reading::entry`]) or
/// by the plain-line reader in [`super::fast`], which sets the fields itself.
pub(super) struct Reading {
    pub(super) comp: Component,
    pub(super) info: EventInfo,
    pub(super) class_confidential: bool,
    pub(super) has_dtstamp: bool,
}

impl Reading {
    pub(super) fn new(line: usize) -> Self {
        Reading {
            comp: Component {
                line,
                start: None,
                end: None,
                duration: None,
                rrules: Vec::new(),
                rdates: Vec::new(),
                exdates: Vec::new(),
                recurrence_id: None,
                this_and_future: false,
                sequence: 0,
                last_modified: None,
                stamp: None,
                cancelled: false,
                info: Arc::default(),
                warnings: Vec::new(),
            },
            info: EventInfo::default(),
            class_confidential: false,
            has_dtstamp: false,
        }
    }

    /// Reads one property.
    pub(super) fn entry(&mut self, e: &calcard::icalendar::ICalendarEntry) -> Result<(), String> {
        let comp = &mut self.comp;
        let info = &mut self.info;
        let line = comp.line;
        match &e.name {
            ICalendarProperty::Dtstart => {
                comp.start = Some(moment(e).ok_or_else(|| {
                    format!("line {line}: DTSTART is not a valid date or date-time")
                })?)
            }
            ICalendarProperty::Dtend => comp.end = moment(e),
            ICalendarProperty::Duration => {
                comp.duration = e.values.iter().find_map(|v| match v {
                    ICalendarValue::Duration(d) => Some(d.clone()),
                    _ => None,
                })
            }
            ICalendarProperty::Rrule
                if e.values
                    .iter()
                    .any(|v| matches!(v, ICalendarValue::RecurrenceRule(_))) =>
            {
                for v in &e.values {
                    if let ICalendarValue::RecurrenceRule(r) = v {
                        comp.rrules.push(r.as_ref().clone());
                    }
                }
            }
            ICalendarProperty::Rdate => read_rdates(e, &mut comp.rdates),
            ICalendarProperty::Exdate => comp.exdates.extend(moments(e)),
            ICalendarProperty::RecurrenceId => {
                comp.recurrence_id = moment(e);
                comp.this_and_future = e.params.iter().any(|p| {
                    p.name == ICalendarParameterName::Range
                        && p.value == ICalendarParameterValue::Bool(true)
                });
            }
            ICalendarProperty::Sequence => {
                comp.sequence = e.values.first().and_then(|v| v.as_integer()).unwrap_or(0)
            }
            ICalendarProperty::Status => {
                comp.cancelled = matches!(
                    e.values.first(),
                    Some(ICalendarValue::Status(ICalendarStatus::Cancelled))
                )
            }
            ICalendarProperty::Summary => info.summary = joined_text(e),
            ICalendarProperty::Description => info.description = joined_text(e),
            // A comma inside one value (khal writes `Bénévole\\,Les Amis`) still separates
            // categories: nobody means a comma to be part of a tag.
            ICalendarProperty::Categories => info.categories.extend(
                e.values
                    .iter()
                    .filter_map(|v| v.as_text())
                    .flat_map(|v| v.split(','))
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string),
            ),
            ICalendarProperty::Rrule => {
                let text: Vec<&str> = e.values.iter().filter_map(|v| v.as_text()).collect();
                let text = text.join(",");
                match unescape_rule(&text) {
                    Some(rule) => {
                        comp.warnings.push(format!(
                            "RRULE `{text}` has escaped semicolons (`\\;`); read as `{}`",
                            text.replace("\\;", ";")
                        ));
                        comp.rrules.push(rule);
                    }
                    None => comp.warnings.push(format!(
                        "RRULE `{text}` could not be read; only DTSTART and RDATEs are used"
                    )),
                }
            }
            ICalendarProperty::Organizer => info.organizer = Some(participant(e)),
            ICalendarProperty::Attendee => info.attendees.push(participant(e)),
            ICalendarProperty::Class => {
                self.class_confidential = matches!(
                    e.values.first(),
                    Some(ICalendarValue::Classification(
                        ICalendarClassification::Confidential
                    ))
                )
            }
            ICalendarProperty::Dtstamp => {
                self.has_dtstamp = true;
                comp.stamp = moment(e).map(|m| m.wall());
            }
            ICalendarProperty::LastModified => comp.last_modified = moment(e).map(|m| m.wall()),
            _ => {}
        }
        Ok(())
    }

    /// The component, once every property is read.
    pub(super) fn finish(self) -> Result<Component, String> {
        let Reading {
            mut comp,
            mut info,
            class_confidential,
            has_dtstamp,
        } = self;
        if comp.start.is_none() && comp.recurrence_id.is_none() {
            return Err(format!(
                "line {}: VEVENT has no DTSTART; ignored",
                comp.line
            ));
        }
        merge::anchor_floating(&mut comp);
        info.confidential_stub = class_confidential
            && !has_dtstamp
            && info.categories.is_empty()
            && info.description.is_empty();
        comp.info = Arc::new(info);
        Ok(comp)
    }
}
