// SPDX-License-Identifier: GPL-3.0-or-later
//! Tests of [`super`]: the pieces of a large file join up as one scan, a window drops
//! what cannot touch it, and recurring blocks are bounded whatever the case of their parts.

use super::*;

/// A file of `events` events of about `pad` bytes each, in two named VCALENDARs, the
/// second begun halfway.
fn calendar(events: usize, pad: usize) -> String {
    let mut s = String::from(
        "BEGIN:VCALENDAR\r\nX-WR-CALNAME:Un\r\nBEGIN:VTIMEZONE\r\nTZID:X\r\nEND:VTIMEZONE\r\n",
    );
    for i in 0..events {
        if i == events / 2 {
            s.push_str("END:VCALENDAR\r\nBEGIN:VCALENDAR\r\nX-WR-CALNAME:Deux\r\n");
        }
        s.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:{i}\r\nDTSTART:20260105T100000Z\r\nDESCRIPTION:{}\r\nEND:VEVENT\r\n",
            "x".repeat(pad)
        ));
    }
    s.push_str("END:VCALENDAR\r\n");
    s
}

fn whole<'a>(text: &'a [u8], problems: &mut Vec<Problem>) -> Split<'a> {
    let mut scan = Scan::new("f", false, None);
    scan.run(text);
    scan.finish(problems)
}

fn same(a: &Split<'_>, b: &Split<'_>) {
    assert_eq!(a.calendar_names, b.calendar_names);
    let key = |c: &Chunk<'_>| {
        (
            c.text.as_ptr(),
            c.text.len(),
            c.line,
            c.calendar,
            c.meta.start,
        )
    };
    let ka: Vec<_> = a.events.iter().map(key).collect();
    let kb: Vec<_> = b.events.iter().map(key).collect();
    assert_eq!(ka, kb);
    let ta: Vec<_> = a.timezones.iter().map(key).collect();
    let tb: Vec<_> = b.timezones.iter().map(key).collect();
    assert_eq!(ta, tb);
}

#[test]
fn rules_are_bounded_whatever_the_case_of_their_parts() {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    let start = d(2026, 1, 5);
    assert_eq!(
        rule_end("freq=Weekly;Count=3;interval=2", start),
        Some(d(2026, 2, 16))
    );
    assert_eq!(
        rule_end("FREQ=WEEKLY;BYDAY=MO;UNTIL=20260302T090000Z", start),
        Some(d(2026, 3, 3))
    );
    assert_eq!(rule_end("FREQ=YEARLY;COUNT=2", start), Some(d(2028, 1, 7)));
    assert_eq!(rule_end("FREQ=HOURLY;COUNT=30", start), Some(d(2026, 2, 4)));
    assert_eq!(rule_end("FREQ=MONTHLY;BYDAY=MO;COUNT=3", start), None);
    assert_eq!(rule_end("FREQ=WEEKLY", start), None);
}

#[test]
fn a_large_file_in_pieces_gives_what_one_scan_gives() {
    rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap()
        .install(|| {
            let text = calendar(4000, 900);
            assert!(text.len() > 3 * PIECES_FROM);
            assert!(pieces(text.as_bytes()).len() >= 2);
            let mut p1 = Vec::new();
            let pieces = split_in_pieces(text.as_bytes(), "f", None).expect("clean pieces");
            let one = whole(text.as_bytes(), &mut p1);
            assert!(p1.is_empty());
            same(&pieces, &one);
            assert_eq!(one.events.len(), 4000);
            assert_eq!(one.calendar_names, [Some("Un".into()), Some("Deux".into())]);
            assert_eq!(one.events[3999].calendar, 1);
        });
}

#[test]
fn with_a_window_events_outside_it_are_dropped_and_the_rest_kept_as_they_were() {
    rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap()
        .install(|| {
            // Events over ten years, every seventh one weekly for a year.
            let mut text = calendar(4000, 900).replace("DTSTART:2026", "DTSTART:YYYY");
            let mut i = 0;
            while let Some(at) = text.find("DTSTART:YYYY") {
                let year = 2020 + i % 10;
                let rule = if i % 7 == 0 {
                    "RRULE:FREQ=WEEKLY;COUNT=52\r\n"
                } else {
                    ""
                };
                text.replace_range(at..at + 12, &format!("{rule}DTSTART:{year}"));
                i += 1;
            }
            let d = |y| NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
            let window = Some((d(2024), d(2025)));
            let mut problems = Vec::new();
            let mut all = whole(text.as_bytes(), &mut problems);
            all.events.retain(|c| !c.meta.outside(d(2024), d(2025)));
            let pieces = split_in_pieces(text.as_bytes(), "f", window).expect("clean pieces");
            let mut one = Scan::new("f", false, window);
            one.run(text.as_bytes());
            let one = one.finish(&mut problems);
            assert!(problems.is_empty(), "{problems:?}");
            same(&pieces, &all);
            same(&one, &all);
            // 2024's events, and 2023's weekly ones (their bound reaches into 2024).
            assert_eq!(all.events.len(), 400 + 57);
            assert!(pieces.events.iter().all(|c| c.meta.start >= Some(d(2023))));
        });
}

#[test]
fn a_piece_that_does_not_join_up_falls_back_to_one_scan() {
    rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
        .install(|| {
            // A VTODO left open across the middle: the second piece starts inside it.
            let mut text = calendar(3000, 900);
            let middle = text.len() / 2 - 2000;
            let at = text[middle..].find("BEGIN:VEVENT").unwrap() + middle;
            text.insert_str(at, "BEGIN:VTODO\r\n");
            assert!(split_in_pieces(text.as_bytes(), "f", None).is_none());
            let mut problems = Vec::new();
            let out = split(text.as_bytes(), "f", None, &mut problems);
            let mut expected = Vec::new();
            let one = whole(text.as_bytes(), &mut expected);
            same(&out, &one);
            assert_eq!(problems.len(), expected.len());
            assert!(!problems.is_empty(), "the open VTODO is reported");
        });
}
