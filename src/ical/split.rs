// SPDX-License-Identifier: GPL-3.0-or-later
//! Cutting a file into components on raw bytes (RFC 5545 §3.1, §3.4).
//!
//! Owns: the BOM, LF or CRLF, several VCALENDARs per file, junk lines, components that
//! never end, and the few facts each VEVENT notes on the way (its dates, its rule) that let
//! a report skip it, unparsed and undecoded, when it lies far outside the period. A large
//! file is cut in pieces at `BEGIN:VEVENT` lines and the pieces are scanned at once; the
//! result is kept only if every piece starts and ends where a scan of the whole file
//! would (inside one VCALENDAR, no component open) and none found anything to warn about;
//! otherwise the file is scanned again in one piece.

use chrono::NaiveDate;
use rayon::prelude::*;

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
    let is = |text: &str, name: &str| text.eq_ignore_ascii_case(name);
    for part in rule.split(';') {
        let (k, v) = part.split_once('=')?;
        if is(k, "FREQ") {
            freq_days = Some(match v {
                _ if is(v, "YEARLY") => 366,
                _ if is(v, "MONTHLY") => 31,
                _ if is(v, "WEEKLY") => 7,
                _ => 1, // DAILY; HOURLY and finer: at most a day per instance
            });
        } else if is(k, "INTERVAL") {
            interval = v.parse().ok()?;
        } else if is(k, "COUNT") {
            count = Some(v.parse::<i64>().ok()?);
        } else if is(k, "UNTIL") {
            until = NaiveDate::parse_from_str(v.get(..8)?, "%Y%m%d").ok();
        } else if !(is(k, "WKST") || (is(k, "BYDAY") && freq_days == Some(7))) {
            return None;
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
    /// The block is a VEVENT (else a VTIMEZONE).
    event: bool,
    offset: usize,
    line: usize,
    depth: usize,
    meta: ChunkMeta,
}

/// The bytes of a property name: letters, digits and `-` (RFC 5545 §3.1).
const NAME_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric() || b == b'-' as usize;
        b += 1;
    }
    table
};

/// Files smaller than this are scanned in one piece (1 MiB).
const PIECES_FROM: usize = 1 << 20;

/// The scan of a piece of a file.
struct Scan<'a, 's> {
    source: &'s str,
    out: Split<'a>,
    stack: Vec<&'a [u8]>,
    open: Option<Open<'a>>,
    junk: Option<(usize, usize)>,
    problems: Vec<Problem>,
    /// Lines read.
    lines: usize,
    /// The piece starts inside a VCALENDAR begun in an earlier piece.
    inherited: bool,
    /// X-WR-CALNAME of that VCALENDAR, if the piece sets it.
    inherited_name: Option<String>,
    /// VEVENTs certainly outside these dates are dropped as they end.
    window: Option<(NaiveDate, NaiveDate)>,
}

impl<'a, 's> Scan<'a, 's> {
    fn new(source: &'s str, inherited: bool, window: Option<(NaiveDate, NaiveDate)>) -> Self {
        Scan {
            source,
            window,
            out: Split::default(),
            stack: if inherited {
                vec![b"VCALENDAR".as_slice()]
            } else {
                Vec::new()
            },
            open: None,
            junk: None,
            problems: Vec::new(),
            lines: 0,
            inherited,
            inherited_name: None,
        }
    }

    /// The calendar a block belongs to: the last begun (in a piece that inherits one, 0
    /// is the inherited calendar and `k` the `k`-th begun in the piece).
    fn calendar(&self) -> usize {
        let begun = self.out.calendar_names.len();
        if self.inherited {
            begun
        } else {
            begun.saturating_sub(1)
        }
    }

    /// True if the scan stands inside one VCALENDAR with no component open and found
    /// nothing to warn about: where a piece may end, or start.
    fn clean(&self) -> bool {
        self.open.is_none()
            && self.junk.is_none()
            && self.problems.is_empty()
            && matches!(self.stack.as_slice(), [c] if c.eq_ignore_ascii_case(b"VCALENDAR"))
    }

    fn run(&mut self, text: &'a [u8]) {
        let mut ends = memchr::memchr_iter(b'\n', text).map(|i| i + 1);
        let mut offset = 0;
        while offset < text.len() {
            let line_start = offset;
            let end = ends.next().unwrap_or(text.len());
            offset = end;
            self.lines += 1;
            let mut line = &text[line_start..end];
            while let [rest @ .., b'\r' | b'\n'] = line {
                line = rest;
            }
            if matches!(line.first(), Some(b' ' | b'\t')) {
                continue; // a folded continuation of the previous line
            }
            // The name of a content line ends at its first `:` or `;` (RFC 5545 §3.1).
            let name_end = line
                .iter()
                .position(|b| !NAME_BYTE[usize::from(*b)])
                .unwrap_or(line.len());
            let property = name_end > 0 && matches!(line.get(name_end), Some(b':' | b';'));
            let colon = line.get(name_end) == Some(&b':');
            if let Some(name) = keyword_at(line, name_end, colon, b"BEGIN") {
                let event = name.eq_ignore_ascii_case(b"VEVENT");
                let block = event || name.eq_ignore_ascii_case(b"VTIMEZONE");
                if self.open.is_none() && block && self.stack.len() <= 1 {
                    self.open = Some(Open {
                        name,
                        event,
                        offset: line_start,
                        line: self.lines,
                        depth: self.stack.len(),
                        meta: ChunkMeta::default(),
                    });
                } else if self.stack.is_empty() && name.eq_ignore_ascii_case(b"VCALENDAR") {
                    self.out.calendar_names.push(None);
                }
                self.stack.push(name);
                continue;
            }
            if let Some(name) = keyword_at(line, name_end, colon, b"END") {
                let Some(pos) = self
                    .stack
                    .iter()
                    .rposition(|n| n.eq_ignore_ascii_case(name))
                else {
                    note_junk(&mut self.junk, self.lines);
                    continue;
                };
                for unclosed in self.stack.drain(pos + 1..).rev() {
                    let msg = format!(
                        "{} has no END line; ignored",
                        String::from_utf8_lossy(unclosed).to_ascii_uppercase()
                    );
                    self.problems
                        .push(Problem::new(self.source, msg).with_line(self.lines));
                }
                self.stack.pop();
                if let Some(o) = self.open.take_if(|o| self.stack.len() == o.depth)
                    && o.name.eq_ignore_ascii_case(name)
                {
                    let chunk = Chunk {
                        text: &text[o.offset..end],
                        line: o.line,
                        calendar: self.calendar(),
                        meta: o.meta,
                    };
                    if name.eq_ignore_ascii_case(b"VEVENT") {
                        if self
                            .window
                            .is_none_or(|(from, to)| !chunk.meta.outside(from, to))
                        {
                            self.out.events.push(chunk);
                        }
                    } else {
                        self.out.timezones.push(chunk);
                    }
                }
                continue;
            }
            if (!property || self.stack.is_empty()) && !line.iter().all(u8::is_ascii_whitespace) {
                note_junk(&mut self.junk, self.lines);
                continue;
            }
            match (&mut self.open, self.stack.len()) {
                (Some(o), depth) if o.event && depth == o.depth + 1 => {
                    scan_property(line, name_end, &mut o.meta)
                }
                (None, 1) => {
                    if let Some(name) = keyword(line, b"X-WR-CALNAME:") {
                        let name = crate::ical::parse::unescape(&String::from_utf8_lossy(name));
                        match self.out.calendar_names.last_mut() {
                            Some(last) => *last = Some(name),
                            None if self.inherited => self.inherited_name = Some(name),
                            None => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// The warnings left at the end of the file.
    fn finish(mut self, problems: &mut Vec<Problem>) -> Split<'a> {
        if let Some(o) = &self.open {
            let msg = format!(
                "{} is not terminated before the end of the file; ignored",
                String::from_utf8_lossy(o.name).to_ascii_uppercase()
            );
            self.problems
                .push(Problem::new(self.source, msg).with_line(o.line));
        }
        if let Some((line, count)) = self.junk {
            self.problems.push(
                Problem::new(
                    self.source,
                    format!(
                        "{count} line(s) that are not iCalendar properties ignored (the first is here)"
                    ),
                )
                .with_line(line),
            );
        }
        problems.append(&mut self.problems);
        self.out
    }
}

/// Splits a file into VEVENT and VTIMEZONE blocks, warning about junk and about
/// components that do not end. A UTF-8 BOM is skipped. With a `window` of dates, VEVENTs
/// certainly outside it ([`ChunkMeta::outside`]) are dropped as the scan meets them.
pub fn split<'a>(
    bytes: &'a [u8],
    source: &str,
    window: Option<(NaiveDate, NaiveDate)>,
    problems: &mut Vec<Problem>,
) -> Split<'a> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(out) = split_in_pieces(text, source, window) {
        return out;
    }
    let mut scan = Scan::new(source, false, window);
    scan.run(text);
    scan.finish(problems)
}

/// The pieces of a large file, cut before a `BEGIN:VEVENT` line, one per thread.
fn pieces(text: &[u8]) -> Vec<&[u8]> {
    let n = rayon::current_num_threads().min(text.len() / PIECES_FROM);
    let mut cuts = vec![0];
    for k in 1..n {
        let from = (text.len() * k / n).max(*cuts.last().unwrap_or(&0));
        match memchr::memmem::find(&text[from..], b"\nBEGIN:VEVENT") {
            Some(at) => cuts.push(from + at + 1),
            None => break,
        }
    }
    cuts.dedup();
    cuts.push(text.len());
    cuts.windows(2).map(|w| &text[w[0]..w[1]]).collect()
}

/// Scans the pieces of a large, clean file at once; `None` if the file is small or if the
/// pieces do not join up cleanly.
fn split_in_pieces<'a>(
    text: &'a [u8],
    source: &str,
    window: Option<(NaiveDate, NaiveDate)>,
) -> Option<Split<'a>> {
    if text.len() < 2 * PIECES_FROM {
        return None;
    }
    let pieces = pieces(text);
    if pieces.len() < 2 {
        return None;
    }
    let last = pieces.len() - 1;
    let scans: Vec<Scan<'a, '_>> = pieces
        .into_par_iter()
        .enumerate()
        .map(|(i, piece)| {
            let mut scan = Scan::new(source, i > 0, window);
            scan.run(piece);
            scan
        })
        .collect();
    let joined = scans.iter().enumerate().all(|(i, s)| {
        if i < last {
            s.clean()
        } else {
            s.open.is_none() && s.junk.is_none() && s.problems.is_empty()
        }
    });
    if !joined {
        return None;
    }
    let mut out = Split {
        events: Vec::with_capacity(scans.iter().map(|s| s.out.events.len()).sum()),
        ..Split::default()
    };
    let mut lines = 0;
    for scan in scans {
        let Scan {
            out: piece,
            lines: piece_lines,
            inherited,
            inherited_name,
            ..
        } = scan;
        // Blocks of the inherited calendar belong to the last one begun before the piece.
        let base = out.calendar_names.len();
        let calendar = |c: usize| {
            if inherited {
                (base + c).saturating_sub(1)
            } else {
                c
            }
        };
        if let Some(name) = inherited_name
            && let Some(last) = out.calendar_names.last_mut()
        {
            *last = Some(name);
        }
        for mut chunk in piece.events {
            chunk.line += lines;
            chunk.calendar = calendar(chunk.calendar);
            out.events.push(chunk);
        }
        for mut chunk in piece.timezones {
            chunk.line += lines;
            chunk.calendar = calendar(chunk.calendar);
            out.timezones.push(chunk);
        }
        out.calendar_names.extend(piece.calendar_names);
        lines += piece_lines;
    }
    Some(out)
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

/// The value after `key:` of a line whose name, read up to `name_end`, is followed by a
/// colon; compared without regard to ASCII case.
#[inline]
fn keyword_at<'l>(line: &'l [u8], name_end: usize, colon: bool, key: &[u8]) -> Option<&'l [u8]> {
    (colon && line[..name_end].eq_ignore_ascii_case(key)).then(|| line[name_end + 1..].trim_ascii())
}

/// Notes what the content line `line`, whose name ends at `name_end`, says of its event.
fn scan_property(line: &[u8], name_end: usize, meta: &mut ChunkMeta) {
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
#[path = "split_tests.rs"]
mod tests;
