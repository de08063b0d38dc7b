// SPDX-License-Identifier: GPL-3.0-or-later
//! The rows of `entries.csv`, written as bytes into one buffer: dates, instants, minutes
//! and hours are pushed digit by digit, text cells are neutralised (see [`super::safe`])
//! and quoted exactly as the `csv` crate quotes them (`QuoteStyle::Necessary`: only a field
//! holding `,`, `"`, CR or LF, its quotes doubled), each row ended by CRLF.

use std::io::Write;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, SecondsFormat, Timelike};

use super::{ENTRIES_HEADER, is_formula, write_hours};
use crate::model::Entry;

/// Bytes of rows gathered before they are handed to the writer.
const FLUSH_AT: usize = 1 << 16;

/// Writes the header and a row per entry.
pub(super) fn write_rows(mut w: impl Write, entries: &[Entry]) -> csv::Result<()> {
    let mut buf = Vec::with_capacity(FLUSH_AT + 4096);
    for (i, head) in ENTRIES_HEADER.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(head.as_bytes());
    }
    buf.extend_from_slice(b"\r\n");
    for e in entries {
        push_entry(&mut buf, e);
        if buf.len() >= FLUSH_AT {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)?;
    w.flush()?;
    Ok(())
}

/// Appends one row with its CRLF.
fn push_entry(out: &mut Vec<u8>, e: &Entry) {
    push_date(out, e.date);
    out.push(b',');
    push_instant(out, &e.start);
    out.push(b',');
    push_instant(out, &e.end);
    out.push(b',');
    push_int(out, e.minutes);
    out.push(b',');
    push_hours(out, e.minutes);
    out.push(b',');
    push_cell(out, e.association.as_deref().unwrap_or_default());
    out.push(b',');
    out.extend_from_slice(e.kind.as_str().as_bytes());
    out.push(b',');
    push_list_cell(out, &e.people);
    out.push(b',');
    push_cell(out, &e.summary);
    out.push(b',');
    push_list_cell(out, &e.tags);
    out.push(b',');
    push_cell(out, &e.calendar);
    out.push(b',');
    push_cell(out, &e.uid);
    out.push(b',');
    if let Some(r) = &e.recurrence_id {
        push_instant(out, r);
    }
    out.push(b',');
    out.extend_from_slice(if e.all_day { b"true" } else { b"false" });
    out.extend_from_slice(b"\r\n");
}

/// Whether the `csv` crate quotes a field holding these bytes. Eight bytes are looked at
/// together: a byte of `word ^ b…b` is zero where `word` holds `b`, and
/// `(x - 1…1) & !x & 80…80` is not zero exactly when a byte of `x` is.
fn needs_quotes(field: &str) -> bool {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    let holds = |word: u64, b: u8| {
        let x = word ^ (ONES * u64::from(b));
        x.wrapping_sub(ONES) & !x & (ONES * 0x80) != 0
    };
    let mut words = field.as_bytes().chunks_exact(8);
    for chunk in &mut words {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_ne_bytes(word);
        if holds(word, b',') || holds(word, b'"') || holds(word, b'\r') || holds(word, b'\n') {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
}

/// Appends `s` with its quotes doubled.
fn push_doubled(out: &mut Vec<u8>, s: &str) {
    for part in s.split_inclusive('"') {
        out.extend_from_slice(part.as_bytes());
        if part.ends_with('"') {
            out.push(b'"');
        }
    }
}

/// Appends a text cell, neutralised as [`super::safe`] does and quoted if it must be.
fn push_cell(out: &mut Vec<u8>, cell: &str) {
    let quoted = needs_quotes(cell);
    if quoted {
        out.push(b'"');
    }
    if is_formula(cell) {
        out.push(b'\'');
    }
    if quoted {
        push_doubled(out, cell);
        out.push(b'"');
    } else {
        out.extend_from_slice(cell.as_bytes());
    }
}

/// Appends [`super::safe_list`]'s cell, quoted if it must be.
fn push_list_cell(out: &mut Vec<u8>, items: &[String]) {
    let quoted = items.iter().any(|i| needs_quotes(i));
    if quoted {
        out.push(b'"');
    }
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b';');
        }
        if is_formula(item) {
            out.push(b'\'');
        }
        if quoted {
            push_doubled(out, item);
        } else {
            out.extend_from_slice(item.as_bytes());
        }
    }
    if quoted {
        out.push(b'"');
    }
}

/// Appends `n` in decimal, with leading zeros to at least `width` digits.
fn push_digits(out: &mut Vec<u8>, n: u64, width: usize) {
    out.extend_from_slice(crate::report::odf::Digits::of(n, width).as_bytes());
}

/// Appends `n` as `{}` writes it.
fn push_int(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    push_digits(out, n.unsigned_abs(), 1);
}

/// Appends a date as `{}` writes it (`2026-10-05`).
fn push_date(out: &mut Vec<u8>, d: NaiveDate) {
    if !(0..=9999).contains(&d.year()) {
        // A sign and at least four digits, as chrono writes them; no real calendar has it.
        let _ = write!(out, "{d}");
        return;
    }
    let mut text = *b"0000-00-00";
    put_date(&mut text, d);
    out.extend_from_slice(&text);
}

/// Writes a date of the years 0 to 9999 over the first ten bytes of `text`.
fn put_date(text: &mut [u8], d: NaiveDate) {
    put_digits(&mut text[0..4], d.year().unsigned_abs());
    put_digits(&mut text[5..7], d.month());
    put_digits(&mut text[8..10], d.day());
}

/// Writes the last digits of `n` over `slot`, with leading zeros.
fn put_digits(slot: &mut [u8], mut n: u32) {
    for b in slot.iter_mut().rev() {
        *b = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// Appends [`super::hours`]' text.
fn push_hours(out: &mut Vec<u8>, minutes: i64) {
    let hundredths = (minutes * 100 + 30) / 60;
    if hundredths < 0 {
        let mut s = String::new();
        let _ = write_hours(&mut s, minutes);
        out.extend_from_slice(s.as_bytes());
        return;
    }
    push_digits(out, hundredths.unsigned_abs() / 100, 1);
    out.push(b'.');
    push_digits(out, hundredths.unsigned_abs() % 100, 2);
}

/// Appends an instant as RFC 3339 with its offset and whole seconds
/// (`2026-10-05T14:00:00+02:00`), as `to_rfc3339_opts(SecondsFormat::Secs, false)` writes
/// it.
fn push_instant(out: &mut Vec<u8>, t: &DateTime<FixedOffset>) {
    let local = t.naive_local();
    if !(0..=9999).contains(&local.year()) {
        out.extend_from_slice(t.to_rfc3339_opts(SecondsFormat::Secs, false).as_bytes());
        return;
    }
    let mut text = *b"0000-00-00T00:00:00+00:00";
    put_date(&mut text, local.date());
    put_digits(&mut text[11..13], local.hour());
    put_digits(&mut text[14..16], local.minute());
    put_digits(&mut text[17..19], local.second());
    let offset = t.offset().local_minus_utc();
    if offset < 0 {
        text[19] = b'-';
    }
    // Minutes, rounded as chrono rounds an offset with seconds (never a day or more).
    let offset = (offset.unsigned_abs() + 30) / 60;
    put_digits(&mut text[20..22], offset / 60);
    put_digits(&mut text[23..25], offset % 60);
    out.extend_from_slice(&text);
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::{hours, safe, safe_list};
    use super::*;

    /// `entries.csv` as the `csv` crate writes it.
    fn written_by_csv_crate(entries: &[Entry]) -> Vec<u8> {
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        out.write_record(ENTRIES_HEADER).expect("written");
        let instant = |t: &DateTime<FixedOffset>| t.to_rfc3339_opts(SecondsFormat::Secs, false);
        for e in entries {
            out.write_record([
                e.date.to_string(),
                instant(&e.start),
                instant(&e.end),
                e.minutes.to_string(),
                hours(e.minutes),
                safe(e.association.as_deref().unwrap_or_default()).into_owned(),
                e.kind.as_str().to_string(),
                safe_list(&e.people),
                safe(&e.summary).into_owned(),
                safe_list(&e.tags),
                safe(&e.calendar).into_owned(),
                safe(&e.uid).into_owned(),
                e.recurrence_id.as_ref().map(instant).unwrap_or_default(),
                e.all_day.to_string(),
            ])
            .expect("written");
        }
        out.into_inner().expect("flushed")
    }

    fn written(entries: &[Entry]) -> Vec<u8> {
        let mut out = Vec::new();
        write_rows(&mut out, entries).expect("written");
        out
    }

    fn instant(seconds: i64, nanos: u32, offset: i32) -> DateTime<FixedOffset> {
        let zone = FixedOffset::east_opt(offset).expect("an offset");
        DateTime::from_timestamp(seconds, nanos)
            .expect("an instant")
            .with_timezone(&zone)
    }

    fn entry(summary: &str, minutes: i64) -> Entry {
        let start = instant(1_790_000_000, 0, 7200);
        Entry {
            people: vec!["alice".into(), "=bob".into()].into(),
            summary: summary.into(),
            tags: vec!["amis".to_string(), "a,b".to_string()].into(),
            calendar: "Agenda".into(),
            uid: "u1@example.org".into(),
            recurrence_id: Some(start),
            ..Entry::volunteer(start, minutes)
        }
    }

    #[test]
    fn many_rows_are_written_as_the_csv_crate_writes_them() {
        let entries: Vec<Entry> = (0..3000i64)
            .map(|i| {
                let tail = "x".repeat(i.unsigned_abs() as usize % 97);
                entry(&format!("Réunion \"n° {i}\", salle\r\n{tail}"), i - 100)
            })
            .collect();
        let out = written(&entries);
        assert!(out.len() > 4 * FLUSH_AT);
        assert_eq!(out, written_by_csv_crate(&entries));
        assert!(written(&[]).starts_with(ENTRIES_HEADER.join(",").as_bytes()));
        assert_eq!(written(&[]), written_by_csv_crate(&[]));
    }

    /// Text full of what CSV and spreadsheets treat apart.
    const HOSTILE: &str = "[a-z ,;\"'=+@\\-\t\r\néü€😀]{0,20}";

    fn any_instant() -> impl Strategy<Value = DateTime<FixedOffset>> {
        // Years from before 0 to after 9999, offsets with seconds, fractions of a second.
        (
            -65_000_000_000i64..260_000_000_000,
            0u32..1_000_000_000,
            -86_399i32..86_400,
        )
            .prop_map(|(s, n, o)| instant(s, n, o))
    }

    fn any_entry() -> impl Strategy<Value = Entry> {
        let texts = (
            proptest::option::of(HOSTILE),
            proptest::collection::vec(HOSTILE, 0..3),
            HOSTILE,
            proptest::collection::vec(HOSTILE, 0..3),
            HOSTILE,
            HOSTILE,
        );
        let times = (
            any_instant(),
            any_instant(),
            proptest::option::of(any_instant()),
            -200_000i64..2_000_000,
            any::<bool>(),
        );
        (texts, times).prop_map(
            |(
                (association, people, summary, tags, calendar, uid),
                (start, end, rid, minutes, all_day),
            )| {
                Entry {
                    date: start.date_naive(),
                    start,
                    end,
                    minutes,
                    association: association.map(Into::into),
                    kind: crate::model::Kind::Paid,
                    people: people.into(),
                    summary: summary.into(),
                    tags: tags.into(),
                    calendar: calendar.into(),
                    uid: uid.into(),
                    recurrence_id: rid,
                    all_day,
                    review: None,
                    unknown_tags: Vec::new().into(),
                    notes: Vec::new(),
                }
            },
        )
    }

    proptest! {
        #[test]
        fn rows_are_written_as_the_csv_crate_writes_them(
            entries in proptest::collection::vec(any_entry(), 0..6)
        ) {
            let (ours, theirs) = (written(&entries), written_by_csv_crate(&entries));
            prop_assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&theirs));
        }
    }

    #[test]
    fn fields_are_quoted_for_a_comma_a_quote_or_a_line_break_anywhere() {
        let plain = "Réunion du comité; 20 € — 'ok' =x\t#tag @bob";
        assert!(!needs_quotes(plain));
        for special in [",", "\"", "\r", "\n"] {
            for at in 0..=plain.len() {
                if let (Some(head), Some(tail)) = (plain.get(..at), plain.get(at..)) {
                    assert!(
                        needs_quotes(&format!("{head}{special}{tail}")),
                        "{at} {special:?}"
                    );
                }
            }
        }
        // Bytes one away from the special ones, and bytes with the high bit set.
        assert!(!needs_quotes(
            "+-!#\x0b\x0c\x0e\u{ac}\u{22c}\u{10d}+-!#\x0b\x0c"
        ));
    }

    #[test]
    fn instants_are_written_as_rfc_3339_with_whole_seconds() {
        use chrono::TimeZone;
        for (offset, (y, mo, d, h, mi, s)) in [
            (7200, (2026, 10, 5, 14, 0, 0)),
            (0, (2026, 1, 1, 0, 0, 59)),
            (-(9 * 3600 + 30 * 60), (999, 12, 31, 23, 59, 1)),
            (20700, (10000, 3, 1, 9, 5, 0)),
            (-45, (2026, 6, 1, 12, 0, 0)),
            (1050, (1880, 6, 1, 12, 0, 0)),
            (1049, (1880, 6, 1, 12, 0, 0)),
        ] {
            let t = FixedOffset::east_opt(offset)
                .and_then(|z| z.with_ymd_and_hms(y, mo, d, h, mi, s).single())
                .expect("a valid time")
                + chrono::TimeDelta::milliseconds(250);
            let mut out = Vec::new();
            push_instant(&mut out, &t);
            assert_eq!(
                String::from_utf8_lossy(&out),
                t.to_rfc3339_opts(SecondsFormat::Secs, false)
            );
        }
    }
}
