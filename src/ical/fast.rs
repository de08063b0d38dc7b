// SPDX-License-Identifier: GPL-3.0-or-later
//! A reader for plain VEVENT blocks, the common case, without building calcard's tree.
//!
//! Owns: deciding that a block is plain (every line it reads has the simple form RFC 5545
//! §3.1 gives: a name, `;NAME=value` parameters, quoted or not, and a value, with no
//! backslash in parameters, no stray CR, no encoding parameter), and reading the properties a
//! report needs from such lines into the same [`Component`] the calcard path builds.
//! Anything else (a line it does not fully understand, a date in another form, a text value
//! with an unusual escape) makes it answer `None`, and the block goes to calcard. Recurrence
//! lines (RRULE, RDATE, EXDATE, DURATION) are handed to calcard on their own, in a small
//! block. A differential test holds it to the calcard path: on every block where it answers,
//! the two results are equal.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::parse::{Component, LIMITS, Moment, Reading};
use super::text;
use crate::model::Participant;

/// Reads a VEVENT block (already decoded and unfolded) when every line is plain. `None`
/// means "use calcard"; otherwise the UID (when readable) and the component, or why it
/// was dropped, exactly as [`super::parse::parse_component`] would say.
pub(super) fn parse_plain(
    text: &str,
    line: usize,
) -> Option<(Option<String>, Result<Component, String>)> {
    let mut lines = text::lines(text);
    if !lines
        .next()?
        .trim_end_matches(['\r', '\n'])
        .eq("BEGIN:VEVENT")
    {
        return None;
    }
    let mut r = Reading::new(line);
    let mut uid: Option<Option<String>> = None;
    let mut nested: Vec<&str> = Vec::new();
    let mut recurrence = String::new();
    let mut ended = false;
    // What `text::bound_values` counts, at any depth: over a limit, calcard's path cuts.
    let (mut categories, mut rdates, mut exdates, mut rules) = (0, 0, 0, 0);
    for raw in lines.by_ref() {
        let raw = raw.strip_suffix('\n').unwrap_or(raw);
        let l = raw.strip_suffix('\r').unwrap_or(raw);
        if memchr::memchr(b'\r', l.as_bytes()).is_some() {
            return None;
        }
        let (name, rest) = split_name(l)?;
        let prop = Prop::of(name);
        match prop {
            Prop::Categories => categories += text::count_values(l),
            Prop::Rdate => rdates += text::count_values(l),
            Prop::Exdate => exdates += text::count_values(l),
            Prop::Rrule => rules += 1,
            _ => {}
        }
        match prop {
            Prop::Begin => {
                let value = rest.strip_prefix(':').filter(|v| is_name(v))?;
                nested.push(value);
                continue;
            }
            Prop::End => {
                let value = rest.strip_prefix(':')?;
                match nested.pop() {
                    Some(open) if open.eq_ignore_ascii_case(value) => continue,
                    None if value == "VEVENT" => {
                        ended = true;
                        break;
                    }
                    _ => return None,
                }
            }
            _ => {}
        }
        if !nested.is_empty() || prop == Prop::Other {
            // Not read; only a quoted-printable soft break (`=` at the end) could carry
            // it onto the next line.
            if l.trim_end().ends_with('=') {
                return None;
            }
            continue;
        }
        let (params, value) = split_params(rest)?;
        if params.iter().any(|p| {
            ["ENCODING", "CHARSET"]
                .iter()
                .any(|n| p.name.eq_ignore_ascii_case(n))
        }) {
            return None;
        }
        let typed = || params.iter().any(|p| p.name.eq_ignore_ascii_case("VALUE"));
        let plain_value = || (!value.contains('\\')).then_some(value);
        match prop {
            Prop::Rrule | Prop::Rdate | Prop::Exdate | Prop::Duration => {
                recurrence.push_str(l);
                recurrence.push_str("\r\n");
            }
            Prop::Dtstart => r.comp.start = Some(date_value(&params, value)?),
            Prop::Dtend => r.comp.end = Some(date_value(&params, value)?),
            Prop::RecurrenceId => {
                r.comp.recurrence_id = Some(date_value(&params, value)?);
                r.comp.this_and_future = params
                    .iter()
                    .filter(|p| p.name.eq_ignore_ascii_case("RANGE"))
                    .flat_map(|p| p.values.iter())
                    .any(|v| v.eq_ignore_ascii_case("THISANDFUTURE"));
            }
            Prop::Dtstamp => {
                r.has_dtstamp = true;
                r.comp.stamp = Some(date_value(&params, value)?.wall());
            }
            Prop::LastModified => {
                r.comp.last_modified = Some(date_value(&params, value)?.wall());
            }
            // The other properties read are text: a VALUE parameter is left to calcard.
            _ if typed() => return None,
            Prop::Uid => {
                if uid.is_none() {
                    let text = text_value(value)?;
                    uid = Some((!text.is_empty()).then_some(text));
                }
            }
            Prop::Summary => r.info.summary = text_value(value)?,
            Prop::Description => r.info.description = text_value(value)?,
            Prop::Categories => r.info.categories.extend(
                plain_value()?
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string),
            ),
            Prop::Sequence => r.comp.sequence = plain_value()?.parse().unwrap_or(0),
            Prop::Status => r.comp.cancelled = plain_value()?.eq_ignore_ascii_case("CANCELLED"),
            Prop::Class => {
                r.class_confidential = plain_value()?.eq_ignore_ascii_case("CONFIDENTIAL");
            }
            Prop::Organizer => r.info.organizer = Some(participant(&params, value)?),
            Prop::Attendee => r.info.attendees.push(participant(&params, value)?),
            Prop::Begin | Prop::End | Prop::Other => {}
        }
    }
    if !ended || lines.any(|l| !l.trim().is_empty()) {
        return None;
    }
    if categories > LIMITS.categories
        || rdates > LIMITS.dates
        || exdates > LIMITS.dates
        || rules > LIMITS.rrules
    {
        return None;
    }
    if !recurrence.is_empty() {
        recurrence.insert_str(0, "BEGIN:VEVENT\r\n");
        recurrence.push_str("END:VEVENT\r\n");
        let calcard::Entry::ICalendar(ical) = calcard::Parser::new(&recurrence).entry() else {
            return None;
        };
        let vevent = ical.components.first()?;
        for e in &vevent.entries {
            if r.entry(e).is_err() {
                return None;
            }
        }
    }
    if r.comp.start.is_none() && r.comp.recurrence_id.is_none() {
        return None;
    }
    Some((uid.flatten(), r.finish()))
}

/// The properties this reader tells apart: those a report reads, and the component
/// delimiters; every other line is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prop {
    Begin,
    End,
    Uid,
    Dtstart,
    Dtend,
    Duration,
    Rrule,
    Rdate,
    Exdate,
    RecurrenceId,
    Sequence,
    Status,
    Summary,
    Description,
    Categories,
    Organizer,
    Attendee,
    Class,
    Dtstamp,
    LastModified,
    Other,
}

impl Prop {
    /// The property a name stands for, without regard to ASCII case.
    fn of(name: &str) -> Prop {
        const LONGEST: usize = "LAST-MODIFIED".len();
        let name = name.as_bytes();
        if name.len() > LONGEST {
            return Prop::Other;
        }
        let mut upper = [0u8; LONGEST];
        for (u, b) in upper.iter_mut().zip(name) {
            *u = b.to_ascii_uppercase();
        }
        match &upper[..name.len()] {
            b"BEGIN" => Prop::Begin,
            b"END" => Prop::End,
            b"UID" => Prop::Uid,
            b"DTSTART" => Prop::Dtstart,
            b"DTEND" => Prop::Dtend,
            b"DURATION" => Prop::Duration,
            b"RRULE" => Prop::Rrule,
            b"RDATE" => Prop::Rdate,
            b"EXDATE" => Prop::Exdate,
            b"RECURRENCE-ID" => Prop::RecurrenceId,
            b"SEQUENCE" => Prop::Sequence,
            b"STATUS" => Prop::Status,
            b"SUMMARY" => Prop::Summary,
            b"DESCRIPTION" => Prop::Description,
            b"CATEGORIES" => Prop::Categories,
            b"ORGANIZER" => Prop::Organizer,
            b"ATTENDEE" => Prop::Attendee,
            b"CLASS" => Prop::Class,
            b"DTSTAMP" => Prop::Dtstamp,
            b"LAST-MODIFIED" => Prop::LastModified,
            _ => Prop::Other,
        }
    }
}

/// One parameter: its name and values (quotes removed).
#[derive(Debug)]
struct Param<'a> {
    name: &'a str,
    values: Vec<&'a str>,
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The property name and the rest of the line (starting at `;` or `:`).
fn split_name(l: &str) -> Option<(&str, &str)> {
    let at = l.find([';', ':'])?;
    let name = &l[..at];
    is_name(name).then_some((name, &l[at..]))
}

/// The parameters and the value. `None` when a parameter is not plain: a backslash, a
/// control character, a quote inside a value, space at either end, no `=`.
fn split_params(mut rest: &str) -> Option<(Vec<Param<'_>>, &str)> {
    let mut params = Vec::new();
    loop {
        if let Some(value) = rest.strip_prefix(':') {
            return Some((params, value));
        }
        rest = rest.strip_prefix(';')?;
        let eq = rest.find('=')?;
        let name = &rest[..eq];
        if !is_name(name) {
            return None;
        }
        rest = &rest[eq + 1..];
        let mut values = Vec::new();
        loop {
            let (value, after) = if let Some(quoted) = rest.strip_prefix('"') {
                let end = quoted.find('"')?;
                (&quoted[..end], &quoted[end + 1..])
            } else {
                let end = rest.find([',', ';', ':', '"'])?;
                (&rest[..end], &rest[end..])
            };
            if value
                .bytes()
                .any(|b| b == b'\\' || b == b'^' || b.is_ascii_control())
                || value.starts_with([' ', '\t'])
                || value.ends_with([' ', '\t'])
            {
                return None;
            }
            values.push(value);
            match after.as_bytes().first() {
                Some(b',') => rest = &after[1..],
                Some(b';' | b':') => {
                    rest = after;
                    break;
                }
                _ => return None,
            }
        }
        params.push(Param { name, values });
    }
}

/// A TEXT value with its escapes undone as calcard does (`\n` and `\N` a line feed, `\r`
/// and `\R` a carriage return, a backslash before anything else dropped). `None` for a
/// backslash before a space, a tab or the end, which calcard reads in its own way.
fn text_value(value: &str) -> Option<String> {
    if !value.contains('\\') {
        return Some(value.to_string());
    }
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' | 'N' => out.push('\n'),
            'r' | 'R' => out.push('\r'),
            ' ' | '\t' => return None,
            other => out.push(other),
        }
    }
    Some(out)
}

/// A DATE or DATE-TIME value of the plain forms `YYYYMMDD`, `YYYYMMDDTHHMMSS` and the same
/// with `Z`, agreeing with any VALUE parameter; the TZID parameter joined back as
/// [`super::values::tzid_param`] does.
fn date_value(params: &[Param<'_>], value: &str) -> Option<Moment> {
    let mut kind = None;
    let mut tzid: Option<String> = None;
    for p in params {
        if p.name.eq_ignore_ascii_case("VALUE") {
            let [v] = p.values.as_slice() else {
                return None;
            };
            kind = Some(v.to_ascii_uppercase());
        } else if p.name.eq_ignore_ascii_case("TZID") {
            for v in &p.values {
                match &mut tzid {
                    Some(t) => {
                        t.push(',');
                        t.push_str(v);
                    }
                    None => tzid = Some(v.to_string()),
                }
            }
        }
    }
    let b = value.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r.clone())?.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(4..6)?, num(6..8)?)?;
    match (b.len(), kind.as_deref()) {
        (8, None | Some("DATE")) => return Some(Moment::Date(date)),
        (15 | 16, None | Some("DATE-TIME")) if b[8] == b'T' => {}
        _ => return None,
    }
    let time = NaiveTime::from_hms_opt(num(9..11)?, num(11..13)?, num(13..15)?)?;
    let wall = NaiveDateTime::new(date, time);
    Some(match (b.get(15), tzid) {
        (Some(b'Z'), _) => Moment::Utc(wall),
        (Some(_), _) => return None,
        (None, Some(t)) => Moment::Zoned(wall, t),
        (None, None) => Moment::Floating(wall),
    })
}

/// ORGANIZER or ATTENDEE, as [`super::values::participant`] reads it.
fn participant(params: &[Param<'_>], value: &str) -> Option<Participant> {
    if value.contains('\\')
        || value
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("data:"))
    {
        return None;
    }
    let mut name = None;
    let mut declined = false;
    for p in params {
        if p.name.eq_ignore_ascii_case("CN") {
            if name.is_none() {
                name = Some(p.values.first().copied().unwrap_or_default());
            }
        } else if p.name.eq_ignore_ascii_case("PARTSTAT") {
            declined |= p.values.iter().any(|v| v.eq_ignore_ascii_case("DECLINED"));
        }
    }
    let email = calcard::icalendar::utils::strip_mailto_scheme(value).trim();
    Some(Participant {
        email: (!email.is_empty() && email.contains('@')).then(|| email.to_lowercase()),
        name: name.filter(|n| !n.trim().is_empty()).map(str::to_string),
        declined,
    })
}

#[cfg(test)]
#[path = "fast_tests.rs"]
mod tests;
