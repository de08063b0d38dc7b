// SPDX-License-Identifier: GPL-3.0-or-later
//! From raw bytes to unfolded text split into components (RFC 5545 §3.1, §3.4).
//!
//! Owns: the byte-level work that must happen before any parser sees the data: the BOM,
//! LF or CRLF, unfolding (before UTF-8 decoding, so a fold inside a multi-byte character
//! is healed), invalid UTF-8, several VCALENDARs per file, junk lines, and components that
//! never end. It also notes, per VEVENT, the few facts that let a report skip events far
//! outside its period without parsing them.

use chrono::NaiveDate;

use crate::model::Problem;

/// Unfolded, decoded text, with enough bookkeeping to name original line numbers.
pub struct Unfolded {
    /// The text, folds removed.
    pub text: String,
    /// Offsets in `text` at which a fold was removed, ascending.
    folds: Vec<usize>,
}

impl Unfolded {
    /// Line number in the original file of the byte at `offset` in the unfolded text.
    pub fn original_line(&self, offset: usize) -> usize {
        let newlines =
            memchr::memchr_iter(b'\n', &self.text.as_bytes()[..offset.min(self.text.len())])
                .count();
        newlines + self.folds.partition_point(|f| *f <= offset) + 1
    }
}

/// Strips a BOM, unfolds, and decodes. Invalid UTF-8 is replaced, with a warning that
/// names the line.
pub fn unfold(bytes: &[u8], source: &str, problems: &mut Vec<Problem>) -> Unfolded {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut out = Vec::with_capacity(bytes.len());
    let mut folds = Vec::new();
    let mut rest = bytes;
    while let Some(nl) = memchr::memchr(b'\n', rest) {
        let continues = matches!(rest.get(nl + 1), Some(b' ' | b'\t'));
        if continues {
            let keep = if nl > 0 && rest[nl - 1] == b'\r' {
                nl - 1
            } else {
                nl
            };
            out.extend_from_slice(&rest[..keep]);
            folds.push(out.len());
            rest = &rest[nl + 2..];
        } else {
            out.extend_from_slice(&rest[..=nl]);
            rest = &rest[nl + 1..];
        }
    }
    out.extend_from_slice(rest);
    let text = match String::from_utf8(out) {
        Ok(text) => text,
        Err(err) => {
            let at = err.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(err.as_bytes()).into_owned();
            let probe = Unfolded {
                text: String::from_utf8_lossy(&err.as_bytes()[..at]).into_owned(),
                folds: folds.clone(),
            };
            problems.push(
                Problem::new(source, "invalid UTF-8 bytes replaced by U+FFFD")
                    .with_line(probe.original_line(at)),
            );
            lossy
        }
    };
    Unfolded { text, folds }
}

/// One VEVENT or VTIMEZONE block, as a slice of the unfolded text.
#[derive(Debug, Clone)]
pub struct Chunk<'a> {
    /// The block, from `BEGIN:` to its `END:` line.
    pub text: &'a str,
    /// Byte offset of the block in the unfolded text.
    pub offset: usize,
    /// Index of the VCALENDAR it belongs to (for its calendar name).
    pub calendar: usize,
    /// What a quick scan of the block's own lines found.
    pub meta: ChunkMeta,
}

/// Facts about a VEVENT gathered without parsing it.
#[derive(Debug, Clone, Default)]
pub struct ChunkMeta {
    /// Has RRULE, RDATE or RECURRENCE-ID: never skipped.
    pub recurring: bool,
    /// Has DURATION.
    pub has_duration: bool,
    /// Date part of DTSTART.
    pub start: Option<NaiveDate>,
    /// Date part of DTEND.
    pub end: Option<NaiveDate>,
}

impl ChunkMeta {
    /// True if this non-recurring event certainly ends before `from` or starts on or
    /// after `to` (dates already widened by the caller for any time-zone offset).
    pub fn outside(&self, from: NaiveDate, to: NaiveDate) -> bool {
        if self.recurring {
            return false;
        }
        let Some(start) = self.start else {
            return false;
        };
        if start >= to {
            return true;
        }
        match (self.end, self.has_duration) {
            (Some(end), false) => end < from,
            (None, false) => start < from,
            _ => false,
        }
    }
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

struct Open {
    name: String,
    offset: usize,
    depth: usize,
    meta: ChunkMeta,
}

/// Splits unfolded text into VEVENT and VTIMEZONE blocks, warning about junk and about
/// components that do not end.
pub fn split<'a>(doc: &'a Unfolded, source: &str, problems: &mut Vec<Problem>) -> Split<'a> {
    let text = doc.text.as_str();
    let mut out = Split::default();
    let mut stack: Vec<String> = Vec::new();
    let mut open: Option<Open> = None;
    let mut junk: Option<(usize, usize)> = None;
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\r', '\n']);
        if let Some(name) = keyword(line, "BEGIN:") {
            let name = name.to_ascii_uppercase();
            if open.is_none() && (name == "VEVENT" || name == "VTIMEZONE") && stack.len() <= 1 {
                open = Some(Open {
                    name: name.clone(),
                    offset: line_start,
                    depth: stack.len(),
                    meta: ChunkMeta::default(),
                });
            } else if stack.is_empty() && name == "VCALENDAR" {
                out.calendar_names.push(None);
            }
            stack.push(name);
            continue;
        }
        if let Some(name) = keyword(line, "END:") {
            let name = name.to_ascii_uppercase();
            let Some(pos) = stack.iter().rposition(|n| *n == name) else {
                note_junk(&mut junk, doc, line_start);
                continue;
            };
            for unclosed in stack.drain(pos + 1..).rev() {
                problems.push(
                    Problem::new(source, format!("{unclosed} has no END line; ignored"))
                        .with_line(doc.original_line(line_start)),
                );
            }
            stack.pop();
            if let Some(o) = open.take_if(|o| stack.len() == o.depth)
                && o.name == name
            {
                let chunk = Chunk {
                    text: &text[o.offset..offset],
                    offset: o.offset,
                    calendar: out.calendar_names.len().saturating_sub(1),
                    meta: o.meta,
                };
                if name == "VEVENT" {
                    out.events.push(chunk)
                } else {
                    out.timezones.push(chunk)
                }
            }
            continue;
        }
        if !line.trim().is_empty() && (stack.is_empty() || !is_property(line)) {
            note_junk(&mut junk, doc, line_start);
            continue;
        }
        match (&mut open, stack.len()) {
            (Some(o), depth) if depth == o.depth + 1 && o.name == "VEVENT" => {
                scan_property(line, &mut o.meta)
            }
            (None, 1) => {
                if let Some(name) = keyword(line, "X-WR-CALNAME:")
                    && let Some(last) = out.calendar_names.last_mut()
                {
                    *last = Some(crate::ical::parse::unescape(name));
                }
            }
            _ => {}
        }
    }
    if let Some(o) = open {
        problems.push(
            Problem::new(
                source,
                format!(
                    "{} is not terminated before the end of the file; ignored",
                    o.name
                ),
            )
            .with_line(doc.original_line(o.offset)),
        );
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

fn note_junk(junk: &mut Option<(usize, usize)>, doc: &Unfolded, offset: usize) {
    match junk {
        Some((_, count)) => *count += 1,
        None => *junk = Some((doc.original_line(offset), 1)),
    }
}

/// The rest of `line` after `key`, compared without regard to ASCII case.
fn keyword<'l>(line: &'l str, key: &str) -> Option<&'l str> {
    let head = line.get(..key.len())?;
    head.eq_ignore_ascii_case(key)
        .then(|| line[key.len()..].trim())
}

/// True if `line` starts like a content line: a name of letters, digits and `-`, then
/// `:` or `;` (RFC 5545 §3.1).
fn is_property(line: &str) -> bool {
    let end = line.find([':', ';']).unwrap_or(0);
    end > 0
        && line[..end]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn scan_property(line: &str, meta: &mut ChunkMeta) {
    let name_end = line.find([':', ';']).unwrap_or(line.len());
    let name = &line[..name_end];
    let value_date = || {
        let value = line.rsplit(':').next()?;
        let digits = value.get(..8)?;
        NaiveDate::parse_from_str(digits, "%Y%m%d").ok()
    };
    if name.eq_ignore_ascii_case("RRULE")
        || name.eq_ignore_ascii_case("RDATE")
        || name.eq_ignore_ascii_case("RECURRENCE-ID")
    {
        meta.recurring = true;
    } else if name.eq_ignore_ascii_case("DURATION") {
        meta.has_duration = true;
    } else if name.eq_ignore_ascii_case("DTSTART") {
        meta.start = value_date();
    } else if name.eq_ignore_ascii_case("DTEND") {
        meta.end = value_date();
    }
}
