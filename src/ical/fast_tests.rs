// SPDX-License-Identifier: GPL-3.0-or-later
//! Tests of [`super`]: wherever the plain reader answers, it agrees with calcard (examples,
//! every fixture, and generated lines), and it steps aside where it should.

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
fn a_name_is_told_apart_in_any_case_and_only_when_whole() {
    let known = [
        ("BEGIN", Prop::Begin),
        ("end", Prop::End),
        ("Uid", Prop::Uid),
        ("DtStart", Prop::Dtstart),
        ("DTEND", Prop::Dtend),
        ("duration", Prop::Duration),
        ("RRule", Prop::Rrule),
        ("rdate", Prop::Rdate),
        ("EXDATE", Prop::Exdate),
        ("Recurrence-Id", Prop::RecurrenceId),
        ("SEQUENCE", Prop::Sequence),
        ("status", Prop::Status),
        ("Summary", Prop::Summary),
        ("DESCRIPTION", Prop::Description),
        ("categories", Prop::Categories),
        ("ORGANIZER", Prop::Organizer),
        ("attendee", Prop::Attendee),
        ("CLASS", Prop::Class),
        ("dtstamp", Prop::Dtstamp),
        ("LAST-MODIFIED", Prop::LastModified),
    ];
    for (name, prop) in known {
        assert_eq!(Prop::of(name), prop, "{name}");
        assert_eq!(Prop::of(&format!("{name}S")), Prop::Other, "{name}S");
        assert_eq!(
            Prop::of(&name[1..]),
            Prop::Other,
            "{name} without its first letter"
        );
    }
    for other in [
        "",
        "X-UID",
        "DTSTART-X",
        "LAST-MODIFIED-BY",
        "CREATED",
        "TZID",
    ] {
        assert_eq!(Prop::of(other), Prop::Other, "{other}");
    }
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
        let split = crate::ical::text::split(&bytes, "f", None, &mut Vec::new());
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
            Just("rrule"),
            Just("ExDate"),
            Just("RDATE"),
            Just("Last-Modified"),
            Just("uid"),
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
