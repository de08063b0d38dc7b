// SPDX-License-Identifier: GPL-3.0-or-later
//! The test servers and the calendar app themselves: Radicale and Xandikos start, the python
//! `caldav` client creates a calendar and three objects (a weekly series with an EXDATE and a
//! moved occurrence in one resource, an all-day event, a simple event), then deletes, adds,
//! replaces and renames objects as a person would; a killed server restarts with its data.

#[path = "support/servers.rs"]
mod servers;

use std::time::Instant;

use servers::{Kind, Server};

const CALENDAR: &str = "smoke";

const ICS: &str = "BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//caltally tests//smoke//EN\r
BEGIN:VTIMEZONE\r
TZID:Europe/Brussels\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
TZNAME:CEST\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
TZNAME:CET\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
UID:weekly@smoke.test\r
DTSTAMP:20251001T080000Z\r
DTSTART;TZID=Europe/Brussels:20251006T100000\r
DTEND;TZID=Europe/Brussels:20251006T110000\r
RRULE:FREQ=WEEKLY;COUNT=4\r
EXDATE;TZID=Europe/Brussels:20251013T100000\r
SEQUENCE:0\r
SUMMARY:Weekly meeting\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:allday@smoke.test\r
DTSTAMP:20251001T080000Z\r
DTSTART;VALUE=DATE:20251011\r
DTEND;VALUE=DATE:20251012\r
SUMMARY:Open day\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:weekly@smoke.test\r
DTSTAMP:20251001T080000Z\r
RECURRENCE-ID;TZID=Europe/Brussels:20251020T100000\r
DTSTART;TZID=Europe/Brussels:20251021T140000\r
DTEND;TZID=Europe/Brussels:20251021T153000\r
SEQUENCE:1\r
SUMMARY:Weekly meeting (moved)\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:simple@smoke.test\r
DTSTAMP:20251001T080000Z\r
DTSTART:20251015T120000Z\r
DTEND:20251015T130000Z\r
SUMMARY:Simple\r
END:VEVENT\r
END:VCALENDAR\r
";

const SCRIPT: &str = r#"[
  {"op": "delete", "uid": "allday@smoke.test"},
  {"op": "put", "ics": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//caltally tests//smoke//EN\r\nBEGIN:VEVENT\r\nUID:new@smoke.test\r\nDTSTAMP:20251024T080000Z\r\nDTSTART:20251024T080000Z\r\nDTEND:20251024T100000Z\r\nSUMMARY:Added later\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"},
  {"op": "put", "ics": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//caltally tests//smoke//EN\r\nBEGIN:VEVENT\r\nUID:simple@smoke.test\r\nDTSTAMP:20251024T080000Z\r\nDTSTART:20251015T120000Z\r\nDTEND:20251015T140000Z\r\nSUMMARY:Simple, longer\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"},
  {"op": "edit-summary", "uid": "weekly@smoke.test", "summary": "Weekly meeting, renamed"}
]"#;

fn lines(dump: &str) -> Vec<&str> {
    dump.lines().collect()
}

fn smoke(start: fn() -> Server, kind: Kind) {
    let t = Instant::now();
    let mut server = start();
    let started = t.elapsed();
    assert_eq!(server.kind, kind);

    let files = tempfile::tempdir().expect("tempdir");
    let ics = files.path().join("smoke.ics");
    std::fs::write(&ics, ICS).expect("ics");
    let script = files.path().join("script.json");
    std::fs::write(&script, SCRIPT).expect("script");

    let t = Instant::now();
    let created = server.populate(CALENDAR, &["--create", ics.to_str().expect("utf-8 path")]);
    let populated = t.elapsed();
    assert_eq!(
        created.trim(),
        format!("created 3 objects in {}", server.calendar_url(CALENDAR)),
        "populate.py reports the calendar where calendar_url() says"
    );
    eprintln!("{kind:?}: started in {started:?}, 3 objects created in {populated:?}");

    let dump = server.populate(CALENDAR, &["--dump"]);
    assert_eq!(
        lines(&dump),
        [
            "allday@smoke.test\tOpen day",
            "simple@smoke.test\tSimple",
            "weekly@smoke.test\tWeekly meeting",
        ],
        "{kind:?}: one object per UID, the override inside the weekly one"
    );

    // Creating again replaces the same resources: still three objects.
    server.populate(CALENDAR, &["--create", ics.to_str().expect("utf-8 path")]);
    assert_eq!(server.populate(CALENDAR, &["--dump"]), dump);

    let applied = server.populate(CALENDAR, &["--apply", script.to_str().expect("utf-8 path")]);
    assert_eq!(
        lines(&applied),
        [
            "deleted allday@smoke.test",
            "put new@smoke.test (created)",
            "put simple@smoke.test (replaced)",
            "edited weekly@smoke.test: SUMMARY Weekly meeting, renamed",
        ]
    );
    let after = [
        "new@smoke.test\tAdded later",
        "simple@smoke.test\tSimple, longer",
        "weekly@smoke.test\tWeekly meeting, renamed",
    ];
    assert_eq!(lines(&server.populate(CALENDAR, &["--dump"])), after);

    // The data outlives a kill; the server comes back on the same URL.
    let url = server.base_url.clone();
    server.kill();
    let t = Instant::now();
    server.restart();
    eprintln!("{kind:?}: restarted in {:?}", t.elapsed());
    assert_eq!(server.base_url, url);
    assert_eq!(lines(&server.populate(CALENDAR, &["--dump"])), after);
}

#[test]
fn radicale_serves_the_calendar_app() {
    smoke(servers::start_radicale, Kind::Radicale);
}

#[test]
fn xandikos_serves_the_calendar_app_over_https() {
    smoke(servers::start_xandikos, Kind::Xandikos);
}
