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
    let mut lines = text.split('\n');
    if !lines.next()?.trim_end_matches('\r').eq("BEGIN:VEVENT") {
        return None;
    }
    let mut r = Reading::new(line);
    let mut uid: Option<Option<String>> = None;
    let mut nested: Vec<&str> = Vec::new();
    let mut recurrence = String::new();
    let mut ended = false;
    let mut counts = [0usize; 4];
    for raw in lines.by_ref() {
        let l = raw.strip_suffix('\r').unwrap_or(raw);
        if l.contains('\r') {
            return None;
        }
        let (name, rest) = split_name(l)?;
        // What `text::bound_values` counts, at any depth: over a limit, calcard's path cuts.
        if let Some(i) = BOUNDED.iter().position(|n| name.eq_ignore_ascii_case(n)) {
            counts[i] += if i == 3 { 1 } else { text::count_values(l) };
        }
        if name.eq_ignore_ascii_case("BEGIN") {
            let value = rest.strip_prefix(':').filter(|v| is_name(v))?;
            nested.push(value);
            continue;
        }
        if name.eq_ignore_ascii_case("END") {
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
        if !nested.is_empty() || !READ.iter().any(|n| name.eq_ignore_ascii_case(n)) {
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
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        if ["RRULE", "RDATE", "EXDATE", "DURATION", "EXRULE"]
            .iter()
            .any(|n| is(n))
        {
            recurrence.push_str(l);
            recurrence.push_str("\r\n");
            continue;
        }
        let typed = params.iter().any(|p| p.name.eq_ignore_ascii_case("VALUE"));
        if is("DTSTART") {
            r.comp.start = Some(date_value(&params, value)?);
        } else if is("DTEND") {
            r.comp.end = Some(date_value(&params, value)?);
        } else if is("RECURRENCE-ID") {
            r.comp.recurrence_id = Some(date_value(&params, value)?);
            r.comp.this_and_future = params
                .iter()
                .filter(|p| p.name.eq_ignore_ascii_case("RANGE"))
                .flat_map(|p| p.values.iter())
                .any(|v| v.eq_ignore_ascii_case("THISANDFUTURE"));
        } else if is("DTSTAMP") {
            r.has_dtstamp = true;
            r.comp.stamp = Some(date_value(&params, value)?.wall());
        } else if is("LAST-MODIFIED") {
            r.comp.last_modified = Some(date_value(&params, value)?.wall());
        } else if typed
            && [
                "UID",
                "SUMMARY",
                "DESCRIPTION",
                "CATEGORIES",
                "SEQUENCE",
                "STATUS",
                "CLASS",
                "ORGANIZER",
                "ATTENDEE",
            ]
            .iter()
            .any(|n| is(n))
        {
            return None;
        } else if is("UID") {
            if uid.is_none() {
                let text = text_value(value)?;
                uid = Some((!text.is_empty()).then_some(text));
            }
        } else if is("SUMMARY") {
            r.info.summary = text_value(value)?;
        } else if is("DESCRIPTION") {
            r.info.description = text_value(value)?;
        } else if is("CATEGORIES") {
            if value.contains('\\') {
                return None;
            }
            r.info.categories.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string),
            );
        } else if is("SEQUENCE") {
            if value.contains('\\') {
                return None;
            }
            r.comp.sequence = value.parse().unwrap_or(0);
        } else if is("STATUS") {
            if value.contains('\\') {
                return None;
            }
            r.comp.cancelled = value.eq_ignore_ascii_case("CANCELLED");
        } else if is("CLASS") {
            if value.contains('\\') {
                return None;
            }
            r.class_confidential = value.eq_ignore_ascii_case("CONFIDENTIAL");
        } else if is("ORGANIZER") {
            r.info.organizer = Some(participant(&params, value)?);
        } else if is("ATTENDEE") {
            r.info.attendees.push(participant(&params, value)?);
        }
    }
    if !ended || lines.any(|l| !l.trim().is_empty()) {
        return None;
    }
    let limits = [LIMITS.categories, LIMITS.dates, LIMITS.dates, LIMITS.rrules];
    if counts.iter().zip(limits).any(|(n, limit)| *n > limit) {
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

/// The properties a report reads (every other line is skipped).
const READ: [&str; 19] = [
    "UID",
    "DTSTART",
    "DTEND",
    "DURATION",
    "RRULE",
    "RDATE",
    "EXDATE",
    "RECURRENCE-ID",
    "SEQUENCE",
    "STATUS",
    "SUMMARY",
    "DESCRIPTION",
    "CATEGORIES",
    "ORGANIZER",
    "ATTENDEE",
    "CLASS",
    "DTSTAMP",
    "LAST-MODIFIED",
    "EXRULE",
];

/// The properties whose values are bounded by [`LIMITS`] (categories, dates, dates, rules).
const BOUNDED: [&str; 4] = ["CATEGORIES", "RDATE", "EXDATE", "RRULE"];

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
mod tests {
    use super::*;
    use crate::ical::parse::parse_component;

    /// The plain reader agrees with calcard, or steps aside.
    fn agrees(block: &str) -> bool {
        let fast = parse_plain(block, 3);
        let slow = parse_component(block, 3);
        match fast {
            Some(f) => {
                assert_eq!(f, slow, "plain reader differs on:\n{block}");
                true
            }
            None => false,
        }
    }

    fn block(lines: &[&str]) -> String {
        let mut s = String::from("BEGIN:VEVENT\r\n");
        for l in lines {
            s.push_str(l);
            s.push_str("\r\n");
        }
        s.push_str("END:VEVENT\r\n");
        s
    }

    #[test]
    fn a_typical_block_is_read_without_calcard_and_agrees() {
        let b = block(&[
            "UID:bench-1@example",
            "DTSTAMP:20260101T000000Z",
            "DTSTART;TZID=Europe/Brussels:20250105T090000",
            "DTEND;TZID=Europe/Brussels:20250105T103000",
            "SUMMARY:Serveur #amis #benevole",
            "DESCRIPTION:mise à jour\\, sauvegarde\\nligne 2\\;fin",
            "ORGANIZER;CN=Alice Dubois:mailto:Alice@Collectif.example",
            "ATTENDEE;CUTYPE=INDIVIDUAL;PARTSTAT=DECLINED;CN=\"Dubois, Bob\";X-NUM-GUESTS=0:mailto:bob@x.example",
            "CATEGORIES:Bénévole, Les Amis,,",
            "SEQUENCE:3",
            "STATUS:cancelled",
            "CLASS:PUBLIC",
            "LAST-MODIFIED:20251231T120000Z",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "DESCRIPTION:not the event's",
            "TRIGGER:-PT15M",
            "DURATION:PT5M",
            "END:VALARM",
        ]);
        assert!(agrees(&b));
    }

    #[test]
    fn recurrence_lines_go_through_calcard_and_agree() {
        let b = block(&[
            "UID:r@example",
            "DTSTART;TZID=Europe/Brussels:20250105T090000",
            "DURATION:PT1H30M",
            "RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=SU",
            "EXDATE;TZID=Europe/Brussels:20250112T090000,20250119T090000",
            "RDATE;VALUE=PERIOD:20250301T100000Z/PT2H",
            "RRULE:FREQ=DAILY\\;COUNT=3",
        ]);
        assert!(agrees(&b));
        let b = block(&[
            "UID:r@example",
            "RECURRENCE-ID;RANGE=thisandfuture;TZID=Europe/Brussels:20250112T090000",
            "DTSTART;VALUE=DATE:20250113",
            "DTEND;VALUE=DATE:20250114",
        ]);
        assert!(agrees(&b));
    }

    #[test]
    fn unusual_lines_are_left_to_calcard() {
        for l in [
            "SUMMARY;ENCODING=QUOTED-PRINTABLE:caf=C3=A9",
            "DTEND:20250105T103000+0100",
            "DTEND;TZID=A\\,B:20250105T103000",
            "DESCRIPTION:ends with a backslash\\",
            "SUMMARY;VALUE=TEXT:x",
            "ORGANIZER:data:text/plain,hello",
            "X-QP;ENCODING=QUOTED-PRINTABLE:soft break=",
            "DTEND:20250230T100000",
            "CATEGORIES:a\\,b",
            "DESCRIPTION:a\rb",
        ] {
            let b = block(&["UID:u", "DTSTART:20250105T090000", l]);
            assert!(!agrees(&b), "should step aside for {l}");
        }
        // A block that does not end, or ends with the wrong component.
        assert!(parse_plain("BEGIN:VEVENT\r\nDTSTART:20250105T090000\r\n", 1).is_none());
        assert!(parse_plain("BEGIN:VEVENT\r\nBEGIN:VALARM\r\nEND:VEVENT\r\n", 1).is_none());
    }

    #[test]
    fn dates_floating_zoned_utc_and_all_day_agree() {
        for (s, e) in [
            ("DTSTART:20250105T090000", "DTEND:20250105T100000"),
            ("DTSTART:20250105T090000Z", "DTEND:20250105T100000Z"),
            ("DTSTART;VALUE=DATE:20250105", "DTEND;VALUE=date:20250106"),
            ("DTSTART:20250105", "DTEND:20250106"),
            (
                "DTSTART;TZID=America/New_York:20261005T100000",
                "DTEND:20261005T113000",
            ),
            (
                "DTSTART;TZID=\"(UTC+01:00) Amsterdam, Berlin\":20250105T090000",
                "DTEND;TZID=W. Europe Standard Time:20250105T100000",
            ),
            (
                "DTSTART;VALUE=DATE-TIME:20250105T090000",
                "DTEND;TZID=Europe/Brussels;VALUE=DATE-TIME:20250105T100000Z",
            ),
        ] {
            assert!(agrees(&block(&["UID:d", s, e])), "{s} {e}");
        }
    }

    #[test]
    fn a_block_over_the_limits_is_left_to_calcard_which_cuts_it() {
        let many: Vec<String> = (0..=crate::ical::parse::MAX_CATEGORIES)
            .map(|i| format!("t{i}"))
            .collect();
        let line = format!("CATEGORIES:{}", many.join(","));
        let b = block(&["UID:c", "DTSTART:20250105T090000", &line]);
        assert!(parse_plain(&b, 1).is_none());
        let (_, comp) = crate::ical::parse::parse_block(&b, 1);
        let comp = comp.expect("component");
        assert_eq!(
            comp.info.categories.len(),
            crate::ical::parse::MAX_CATEGORIES
        );
        assert!(comp.warnings.iter().any(|w| w.contains("only the first")));
        let at_limit = format!("CATEGORIES:{}", many[1..].join(","));
        assert!(agrees(&block(&[
            "UID:c",
            "DTSTART:20250105T090000",
            &at_limit
        ])));
    }

    #[test]
    fn missing_uid_and_start_agree_or_step_aside() {
        assert!(agrees(&block(&["DTSTART:20250105T090000", "UID:"])));
        assert!(!agrees(&block(&["UID:x", "SUMMARY:no start"])));
    }

    /// Every VEVENT of every calendar file under `fixtures/`: where the plain reader
    /// answers, it agrees with calcard, and it answers for most of them.
    #[test]
    fn every_fixture_block_agrees() {
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).expect("fixtures dir").flatten() {
                let p = e.path();
                if p.is_dir() {
                    files(&p, out);
                } else if p.extension().is_some_and(|x| x == "ics") {
                    out.push(p);
                }
            }
        }
        let mut all = Vec::new();
        files(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
            &mut all,
        );
        let (mut read, mut total) = (0, 0);
        for path in all {
            let bytes = std::fs::read(&path).expect("fixture");
            let split = crate::ical::text::split(&bytes, "f", &mut Vec::new());
            for c in &split.events {
                let (text, _) = crate::ical::text::decode(c.text);
                let text = crate::ical::text::bound_values(&text, &crate::ical::parse::LIMITS)
                    .map_or(text, |(cut, _)| std::borrow::Cow::Owned(cut));
                total += 1;
                if let Some(f) = parse_plain(&text, c.line) {
                    assert_eq!(
                        f,
                        parse_component(&text, c.line),
                        "{}:{}",
                        path.display(),
                        c.line
                    );
                    read += 1;
                }
            }
        }
        assert!(total > 100, "{total} blocks");
        assert!(
            read * 2 > total,
            "plain reader read {read} of {total} blocks"
        );
    }

    mod differential {
        use super::*;
        use proptest::prelude::*;

        /// Pieces that exercise the parser's edges: separators, quotes, escapes, spaces,
        /// case, controls and non-ASCII.
        fn piece() -> impl Strategy<Value = String> {
            prop_oneof![
                Just(String::new()),
                "[a-zA-Z0-9]{1,6}",
                Just(" ".into()),
                Just("\t".into()),
                Just(",".into()),
                Just(";".into()),
                Just(":".into()),
                Just("=".into()),
                Just("\"".into()),
                Just("\\".into()),
                Just("\\n".into()),
                Just("\\,".into()),
                Just("\\;".into()),
                Just("^".into()),
                Just("é".into()),
                Just("\u{7}".into()),
                Just("mailto:".into()),
                Just("20250105T090000".into()),
                Just("20250105".into()),
                Just("Z".into()),
                Just("TZID=".into()),
                Just("VALUE=DATE".into()),
                Just("CN=".into()),
                Just("PARTSTAT=DECLINED".into()),
                Just("RANGE=THISANDFUTURE".into()),
                Just("Europe/Brussels".into()),
            ]
        }

        fn name() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("UID"),
                Just("DTSTART"),
                Just("dtstart"),
                Just("DTEND"),
                Just("SUMMARY"),
                Just("Description"),
                Just("CATEGORIES"),
                Just("SEQUENCE"),
                Just("STATUS"),
                Just("CLASS"),
                Just("ORGANIZER"),
                Just("ATTENDEE"),
                Just("DTSTAMP"),
                Just("LAST-MODIFIED"),
                Just("RECURRENCE-ID"),
                Just("X-OTHER"),
                Just("DURATION"),
            ]
            .prop_map(str::to_string)
        }

        /// `;NAME=value` with a value made of pieces, or raw pieces.
        fn param() -> impl Strategy<Value = String> {
            let pname = prop_oneof![
                Just("TZID"),
                Just("tzid"),
                Just("VALUE"),
                Just("CN"),
                Just("PARTSTAT"),
                Just("RANGE"),
                Just("X-P"),
                Just("ENCODING"),
            ];
            prop_oneof![
                (pname, prop::collection::vec(piece(), 0..3))
                    .prop_map(|(n, v)| format!(";{n}={}", v.concat())),
                prop::collection::vec(piece(), 1..3).prop_map(|v| format!(";{}", v.concat())),
            ]
        }

        fn line() -> impl Strategy<Value = String> {
            (
                name(),
                prop::collection::vec(param(), 0..3),
                prop::collection::vec(piece(), 0..6),
            )
                .prop_map(|(n, params, value)| format!("{n}{}:{}", params.concat(), value.concat()))
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4000))]
            #[test]
            fn plain_reader_agrees_with_calcard(
                lines in prop::collection::vec(line(), 0..6),
                start in prop_oneof![
                    Just("DTSTART;TZID=Europe/Brussels:20250105T090000"),
                    Just("DTSTART:20250105"),
                ],
            ) {
                let mut all = vec![start.to_string()];
                all.extend(lines);
                let refs: Vec<&str> = all.iter().map(String::as_str).collect();
                agrees(&block(&refs));
            }
        }
    }
}
