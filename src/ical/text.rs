// SPDX-License-Identifier: GPL-3.0-or-later
//! From raw bytes to components (RFC 5545 §3.1, §3.4).
//!
//! Owns: the byte-level work that must happen before any parser sees the data: the BOM,
//! LF or CRLF, several VCALENDARs per file, junk lines, components that never end, and,
//! per component, unfolding before UTF-8 decoding (so a fold inside a multi-byte character
//! is healed) with invalid UTF-8 replaced and reported. The file is split on raw bytes,
//! and each VEVENT notes the few facts that let a report skip it, unparsed and undecoded,
//! when it lies far outside the period.

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::model::Problem;

/// One VEVENT or VTIMEZONE block of raw bytes.
#[derive(Debug, Clone)]
pub struct Chunk<'a> {
    /// The block, from `BEGIN:` to its `END:` line, folded as in the file.
    pub text: &'a [u8],
    /// Line of its `BEGIN:` in the file.
    pub line: usize,
    /// Index of the VCALENDAR it belongs to (for its calendar name).
    pub calendar: usize,
    /// What a quick scan of the block's own lines found.
    pub meta: ChunkMeta,
}

/// Facts about a VEVENT gathered without parsing it.
#[derive(Debug, Clone, Default)]
pub struct ChunkMeta {
    /// The RRULE value, if one (several: `unknown_rule`).
    pub rrule: Option<String>,
    /// Several RRULEs, or an RDATE: the span cannot be bounded cheaply.
    pub unknown_rule: bool,
    /// Date part of RECURRENCE-ID.
    pub recurrence_id: Option<NaiveDate>,
    /// Has RECURRENCE-ID (even unreadable).
    pub is_override: bool,
    /// Has DURATION.
    pub has_duration: bool,
    /// Date part of DTSTART.
    pub start: Option<NaiveDate>,
    /// Date part of DTEND.
    pub end: Option<NaiveDate>,
}

impl ChunkMeta {
    /// True if this event certainly has no occurrence in `[from, to)` (dates already
    /// widened by the caller for any time-zone offset). Unsure means false.
    pub fn outside(&self, from: NaiveDate, to: NaiveDate) -> bool {
        let Some(start) = self.start else {
            return false;
        };
        if self.unknown_rule || self.has_duration {
            return false;
        }
        let end = self.end.unwrap_or(start);
        if self.is_override {
            // The override also cancels the instance it replaces: keep it if either is near.
            let Some(rid) = self.recurrence_id else {
                return false;
            };
            return (end.max(rid) < from) || (start.min(rid) >= to);
        }
        if start >= to {
            return true;
        }
        let last_start = match &self.rrule {
            None => start,
            Some(rule) => match rule_end(rule, start) {
                Some(d) => d,
                None => return false,
            },
        };
        last_start + (end - start) < from
    }
}

/// A date on or after the start of the last instance of `rule` from `start`, for rules
/// whose span is easy to bound (UNTIL, or COUNT with no filtering BY* part).
fn rule_end(rule: &str, start: NaiveDate) -> Option<NaiveDate> {
    let (mut freq_days, mut interval, mut count, mut until) = (None, 1i64, None, None);
    for part in rule.split(';') {
        let (k, v) = part.split_once('=')?;
        match k.to_ascii_uppercase().as_str() {
            "FREQ" => {
                freq_days = Some(match v.to_ascii_uppercase().as_str() {
                    "YEARLY" => 366,
                    "MONTHLY" => 31,
                    "WEEKLY" => 7,
                    "DAILY" => 1,
                    _ => 1, // HOURLY and finer: at most a day per instance
                });
            }
            "INTERVAL" => interval = v.parse().ok()?,
            "COUNT" => count = Some(v.parse::<i64>().ok()?),
            "UNTIL" => until = NaiveDate::parse_from_str(v.get(..8)?, "%Y%m%d").ok(),
            "WKST" => {}
            "BYDAY" if freq_days == Some(7) => {}
            _ => return None,
        }
    }
    if let Some(u) = until {
        return u.succ_opt();
    }
    let days = count?.checked_mul(interval)?.checked_mul(freq_days?)?;
    start.checked_add_signed(chrono::TimeDelta::try_days(days)?)
}

/// The blocks of one file.
#[derive(Debug, Default)]
pub struct Split<'a> {
    /// VEVENT blocks.
    pub events: Vec<Chunk<'a>>,
    /// VTIMEZONE blocks.
    pub timezones: Vec<Chunk<'a>>,
    /// X-WR-CALNAME of each VCALENDAR, in order.
    pub calendar_names: Vec<Option<String>>,
}

struct Open<'a> {
    name: &'a [u8],
    offset: usize,
    line: usize,
    depth: usize,
    meta: ChunkMeta,
}

/// Splits a file into VEVENT and VTIMEZONE blocks, warning about junk and about
/// components that do not end. A UTF-8 BOM is skipped.
pub fn split<'a>(bytes: &'a [u8], source: &str, problems: &mut Vec<Problem>) -> Split<'a> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut out = Split::default();
    // Component names as written (compared without regard to ASCII case).
    let mut stack: Vec<&[u8]> = Vec::new();
    let mut open: Option<Open<'_>> = None;
    let mut junk: Option<(usize, usize)> = None;
    let mut offset = 0;
    let mut line_no = 0;
    while offset < text.len() {
        let line_start = offset;
        let end = memchr::memchr(b'\n', &text[offset..]).map_or(text.len(), |i| offset + i + 1);
        offset = end;
        line_no += 1;
        let mut line = &text[line_start..end];
        while let [rest @ .., b'\r' | b'\n'] = line {
            line = rest;
        }
        if matches!(line.first(), Some(b' ' | b'\t')) {
            continue; // a folded continuation of the previous line
        }
        if let Some(name) = keyword(line, b"BEGIN:") {
            let block =
                name.eq_ignore_ascii_case(b"VEVENT") || name.eq_ignore_ascii_case(b"VTIMEZONE");
            if open.is_none() && block && stack.len() <= 1 {
                open = Some(Open {
                    name,
                    offset: line_start,
                    line: line_no,
                    depth: stack.len(),
                    meta: ChunkMeta::default(),
                });
            } else if stack.is_empty() && name.eq_ignore_ascii_case(b"VCALENDAR") {
                out.calendar_names.push(None);
            }
            stack.push(name);
            continue;
        }
        if let Some(name) = keyword(line, b"END:") {
            let Some(pos) = stack.iter().rposition(|n| n.eq_ignore_ascii_case(name)) else {
                note_junk(&mut junk, line_no);
                continue;
            };
            for unclosed in stack.drain(pos + 1..).rev() {
                let msg = format!(
                    "{} has no END line; ignored",
                    String::from_utf8_lossy(unclosed).to_ascii_uppercase()
                );
                problems.push(Problem::new(source, msg).with_line(line_no));
            }
            stack.pop();
            if let Some(o) = open.take_if(|o| stack.len() == o.depth)
                && o.name.eq_ignore_ascii_case(name)
            {
                let chunk = Chunk {
                    text: &text[o.offset..end],
                    line: o.line,
                    calendar: out.calendar_names.len().saturating_sub(1),
                    meta: o.meta,
                };
                if name.eq_ignore_ascii_case(b"VEVENT") {
                    out.events.push(chunk);
                } else {
                    out.timezones.push(chunk);
                }
            }
            continue;
        }
        if !line.iter().all(u8::is_ascii_whitespace) && (stack.is_empty() || !is_property(line)) {
            note_junk(&mut junk, line_no);
            continue;
        }
        match (&mut open, stack.len()) {
            (Some(o), depth) if depth == o.depth + 1 && o.name.eq_ignore_ascii_case(b"VEVENT") => {
                scan_property(line, &mut o.meta)
            }
            (None, 1) => {
                if let Some(name) = keyword(line, b"X-WR-CALNAME:")
                    && let Some(last) = out.calendar_names.last_mut()
                {
                    *last = Some(crate::ical::parse::unescape(&String::from_utf8_lossy(name)));
                }
            }
            _ => {}
        }
    }
    if let Some(o) = open {
        let msg = format!(
            "{} is not terminated before the end of the file; ignored",
            String::from_utf8_lossy(o.name).to_ascii_uppercase()
        );
        problems.push(Problem::new(source, msg).with_line(o.line));
    }
    if let Some((line, count)) = junk {
        problems.push(
            Problem::new(
                source,
                format!(
                    "{count} line(s) that are not iCalendar properties ignored (the first is here)"
                ),
            )
            .with_line(line),
        );
    }
    out
}

/// Unfolds and decodes one block. Returns the text and, if bytes were not valid UTF-8
/// (they are replaced by U+FFFD), the line of the first bad byte counted from the block's
/// first line (0-based).
pub fn decode(block: &[u8]) -> (Cow<'_, str>, Option<usize>) {
    let folded = memchr::memmem::find(block, b"\n ").is_some()
        || memchr::memmem::find(block, b"\n\t").is_some();
    if !folded {
        return match std::str::from_utf8(block) {
            Ok(s) => (Cow::Borrowed(s), None),
            Err(e) => (
                Cow::Owned(String::from_utf8_lossy(block).into_owned()),
                Some(count_lines(&block[..e.valid_up_to()])),
            ),
        };
    }
    let mut out = Vec::with_capacity(block.len());
    let mut lines_before = Vec::new();
    let mut physical = 0;
    let mut rest = block;
    while let Some(nl) = memchr::memchr(b'\n', rest) {
        physical += 1;
        if matches!(rest.get(nl + 1), Some(b' ' | b'\t')) {
            let keep = if nl > 0 && rest[nl - 1] == b'\r' {
                nl - 1
            } else {
                nl
            };
            out.extend_from_slice(&rest[..keep]);
            lines_before.push((out.len(), physical));
            rest = &rest[nl + 2..];
        } else {
            out.extend_from_slice(&rest[..=nl]);
            rest = &rest[nl + 1..];
        }
    }
    out.extend_from_slice(rest);
    match String::from_utf8(out) {
        Ok(s) => (Cow::Owned(s), None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let unfolded_lines = count_lines(&bytes[..at]);
            let folds_before = lines_before.iter().filter(|(off, _)| *off <= at).count();
            (
                Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
                Some(unfolded_lines + folds_before),
            )
        }
    }
}

/// How many values one VEVENT may hold, by property, before the parser sees it: the
/// rest would cost memory and time and could never be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// CATEGORIES values (every comma separates two).
    pub categories: usize,
    /// RDATE values, and EXDATE values.
    pub dates: usize,
    /// RRULE lines.
    pub rrules: usize,
}

/// The block `text` (unfolded) cut to `limits`, with a warning per property cut; `None`
/// when it is within them.
pub fn bound_values(text: &str, limits: &Limits) -> Option<(String, Vec<String>)> {
    // (name, limit, counted in comma-separated values rather than lines)
    let props = [
        ("CATEGORIES", limits.categories, true),
        ("RDATE", limits.dates, true),
        ("EXDATE", limits.dates, true),
        ("RRULE", limits.rrules, false),
    ];
    let which = |line: &str| {
        let name = property_name(line);
        props
            .iter()
            .position(|(n, _, _)| name.eq_ignore_ascii_case(n))
    };
    let size = |i: usize, line: &str| if props[i].2 { count_values(line) } else { 1 };
    // First pass: is anything over its limit? Most blocks are not, and stay borrowed.
    let mut counts = [0usize; 4];
    for line in text.split_inclusive('\n') {
        if let Some(i) = which(line) {
            counts[i] += size(i, line);
        }
    }
    let over: Vec<usize> = (0..props.len())
        .filter(|i| counts[*i] > props[*i].1)
        .collect();
    if over.is_empty() {
        return None;
    }
    let mut used = [0usize; 4];
    let mut out = String::with_capacity(text.len().min(1 << 20));
    for line in text.split_inclusive('\n') {
        let Some(i) = which(line) else {
            out.push_str(line);
            continue;
        };
        let room = props[i].1.saturating_sub(used[i]);
        if room == 0 {
            continue;
        }
        let (kept, n) = if props[i].2 {
            first_values(line, room)
        } else {
            (line, 1)
        };
        used[i] += n;
        out.push_str(kept);
        if kept.len() < line.len() {
            out.push_str("\r\n");
        }
    }
    let warnings = over
        .into_iter()
        .map(|i| {
            let (name, limit, values) = props[i];
            let what = if values { "values" } else { "lines" };
            format!(
                "{} {name} {what}; only the first {limit} are read",
                counts[i]
            )
        })
        .collect();
    Some((out, warnings))
}

/// The property name of a content line.
fn property_name(line: &str) -> &str {
    let end = line.find([':', ';']).unwrap_or(0);
    &line[..end]
}

/// Where the value of a content line starts: after the first `:` outside quoted parameter
/// values.
fn value_start(line: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, b) in line.bytes().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b':' if !quoted => return Some(i + 1),
            _ => {}
        }
    }
    None
}

fn count_values(line: &str) -> usize {
    value_start(line).map_or(0, |v| {
        1 + memchr::memchr_iter(b',', &line.as_bytes()[v..]).count()
    })
}

/// The line cut after its first `n` values (without line end when cut), and how many it
/// keeps.
fn first_values(line: &str, n: usize) -> (&str, usize) {
    let Some(v) = value_start(line) else {
        return (line, 0);
    };
    match memchr::memchr_iter(b',', &line.as_bytes()[v..]).nth(n.saturating_sub(1)) {
        Some(comma) if n > 0 => (&line[..v + comma], n),
        Some(_) => ("", 0),
        None => (line, count_values(line)),
    }
}

fn count_lines(bytes: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', bytes).count()
}

fn note_junk(junk: &mut Option<(usize, usize)>, line: usize) {
    match junk {
        Some((_, count)) => *count += 1,
        None => *junk = Some((line, 1)),
    }
}

/// The rest of `line` after `key`, compared without regard to ASCII case.
fn keyword<'l>(line: &'l [u8], key: &[u8]) -> Option<&'l [u8]> {
    let head = line.get(..key.len())?;
    head.eq_ignore_ascii_case(key)
        .then(|| line[key.len()..].trim_ascii())
}

/// True if `line` starts like a content line: a name of letters, digits and `-`, then
/// `:` or `;` (RFC 5545 §3.1).
fn is_property(line: &[u8]) -> bool {
    let end = memchr::memchr2(b':', b';', line).unwrap_or(0);
    end > 0
        && line[..end]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

fn scan_property(line: &[u8], meta: &mut ChunkMeta) {
    let name_end = memchr::memchr2(b':', b';', line).unwrap_or(line.len());
    let name = &line[..name_end];
    let value_date = || {
        let colon = memchr::memrchr(b':', line)?;
        let digits = line.get(colon + 1..colon + 9)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let number = |r: std::ops::Range<usize>| {
            digits[r]
                .iter()
                .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
        };
        NaiveDate::from_ymd_opt(number(0..4) as i32, number(4..6), number(6..8))
    };
    if name.eq_ignore_ascii_case(b"RRULE") {
        let value =
            memchr::memchr(b':', line).and_then(|c| std::str::from_utf8(&line[c + 1..]).ok());
        match (&meta.rrule, value) {
            (None, Some(v)) => meta.rrule = Some(v.to_string()),
            _ => meta.unknown_rule = true,
        }
    } else if name.eq_ignore_ascii_case(b"RDATE") || name.eq_ignore_ascii_case(b"EXRULE") {
        meta.unknown_rule = true;
    } else if name.eq_ignore_ascii_case(b"RECURRENCE-ID") {
        meta.is_override = true;
        meta.recurrence_id = value_date();
    } else if name.eq_ignore_ascii_case(b"DURATION") {
        meta.has_duration = true;
    } else if name.eq_ignore_ascii_case(b"DTSTART") {
        meta.start = value_date();
    } else if name.eq_ignore_ascii_case(b"DTEND") {
        meta.end = value_date();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fold_inside_a_character_is_healed() {
        let block = "SUMMARY:caf\u{e9} cr\u{e8}me\r\n".as_bytes();
        let cut = 12; // inside the two bytes of é? no: after "SUMMARY:caf" + first byte of é
        let mut folded = block[..cut].to_vec();
        folded.extend_from_slice(b"\r\n ");
        folded.extend_from_slice(&block[cut..]);
        let (text, bad) = decode(&folded);
        assert_eq!(text, "SUMMARY:caf\u{e9} cr\u{e8}me\r\n");
        assert_eq!(bad, None);
    }

    #[test]
    fn long_lists_are_cut_across_lines() {
        let limits = Limits {
            categories: 3,
            dates: 2,
            rrules: 1,
        };
        let block = "BEGIN:VEVENT\r\nCATEGORIES;X-A=\"a:b\":x,y\r\nCATEGORIES:z,w,v\r\n\
                     RDATE:20261001T100000Z,20261002T100000Z,20261003T100000Z\r\n\
                     RRULE:FREQ=DAILY\r\nRRULE:FREQ=WEEKLY\r\nEXDATE:20261001T100000Z\r\n\
                     END:VEVENT\r\n";
        let (text, warnings) = bound_values(block, &limits).expect("cut");
        assert_eq!(
            text,
            "BEGIN:VEVENT\r\nCATEGORIES;X-A=\"a:b\":x,y\r\nCATEGORIES:z\r\n\
             RDATE:20261001T100000Z,20261002T100000Z\r\nRRULE:FREQ=DAILY\r\n\
             EXDATE:20261001T100000Z\r\nEND:VEVENT\r\n"
        );
        assert_eq!(
            warnings,
            [
                "5 CATEGORIES values; only the first 3 are read",
                "3 RDATE values; only the first 2 are read",
                "2 RRULE lines; only the first 1 are read"
            ]
        );
        assert_eq!(bound_values("CATEGORIES:a,b,c\r\n", &limits), None);
    }

    #[test]
    fn invalid_bytes_name_their_line() {
        let (text, bad) = decode(b"BEGIN:VEVENT\r\nSUMMARY:caf\xe9\r\nEND:VEVENT\r\n");
        assert!(text.contains('\u{fffd}'));
        assert_eq!(bad, Some(1));
    }
}
