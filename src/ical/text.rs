// SPDX-License-Identifier: GPL-3.0-or-later
//! From one component's raw bytes to text (RFC 5545 §3.1).
//!
//! Owns: per component, unfolding before UTF-8 decoding (so a fold inside a multi-byte
//! character is healed) with invalid UTF-8 replaced and reported, and the bounds on long
//! value lists read before any parser sees them. The file itself is cut into components
//! by [`super::split`].

use std::borrow::Cow;

pub use super::split::{Chunk, ChunkMeta, Split, split};

/// Unfolds and decodes one block. Returns the text and, if bytes were not valid UTF-8
/// (they are replaced by U+FFFD), the line of the first bad byte counted from the block's
/// first line (0-based).
pub fn decode(block: &[u8]) -> (Cow<'_, str>, Option<usize>) {
    static SPACE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\n "));
    static TAB: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\n\t"));
    let folded = SPACE.find(block).is_some() || TAB.find(block).is_some();
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
        // Only these names start with C, E or R: most lines are ruled out by one byte.
        if !matches!(
            line.as_bytes().first(),
            Some(b'C' | b'E' | b'R' | b'c' | b'e' | b'r')
        ) {
            return None;
        }
        let name = property_name(line);
        props
            .iter()
            .position(|(n, _, _)| name.eq_ignore_ascii_case(n))
    };
    let size = |i: usize, line: &str| if props[i].2 { count_values(line) } else { 1 };
    // First pass: is anything over its limit? Most blocks are not, and stay borrowed.
    let mut counts = [0usize; 4];
    for line in lines(text) {
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
    for line in lines(text) {
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

/// The lines of `text`, each with its line end (as `split_inclusive('\n')`, by `memchr`).
pub(super) fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', text.as_bytes());
    std::iter::from_fn(move || {
        let end = match ends.next() {
            Some(nl) => nl + 1,
            None if start < text.len() => text.len(),
            None => return None,
        };
        // Cut after a `\n`, or at the end: both are character boundaries.
        let line = &text[start..end];
        start = end;
        Some(line)
    })
}

/// The property name of a content line.
fn property_name(line: &str) -> &str {
    let end = memchr::memchr2(b':', b';', line.as_bytes()).unwrap_or(0);
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

pub(super) fn count_values(line: &str) -> usize {
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
    fn lines_are_cut_as_split_inclusive_cuts_them() {
        for text in ["", "a", "a\n", "a\r\nb", "\n\n", "é\nü\r\n\u{1F600}"] {
            let ours: Vec<&str> = lines(text).collect();
            let std: Vec<&str> = text.split_inclusive('\n').collect();
            assert_eq!(ours, std, "{text:?}");
        }
    }

    #[test]
    fn folds_by_space_or_tab_are_unfolded_and_plain_blocks_borrowed() {
        let (text, _) = decode(b"SUMMARY:a\r\n\tb\r\nUID:x\r\n");
        assert_eq!(text, "SUMMARY:ab\r\nUID:x\r\n");
        let (text, _) = decode(b"SUMMARY:a\n b\n");
        assert_eq!(text, "SUMMARY:ab\n");
        let (text, bad) = decode(b"SUMMARY:a b\r\nUID:x\r\n");
        assert!(matches!(text, Cow::Borrowed("SUMMARY:a b\r\nUID:x\r\n")));
        assert_eq!(bad, None);
    }

    #[test]
    fn invalid_bytes_name_their_line() {
        let (text, bad) = decode(b"BEGIN:VEVENT\r\nSUMMARY:caf\xe9\r\nEND:VEVENT\r\n");
        assert!(text.contains('\u{fffd}'));
        assert_eq!(bad, Some(1));
    }
}
