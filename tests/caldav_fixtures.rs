// SPDX-License-Identifier: GPL-3.0-or-later
//! The CalDAV XML parsers against server-shaped responses in `fixtures/caldav/` (each file
//! says which documented behaviour it reproduces): discovery, a calendar listing with
//! shared, birthday, deleted, trash and subscription collections, a sync delta with 404 +
//! 418 deletions, 403 `valid-sync-token`, 507 on a limit, and a multiget.

use std::collections::HashMap;

use caltally::caldav::discovery::is_event_calendar;
use caltally::caldav::sync::{Local, listing_of, plan};
use caltally::caldav::xml::{DAV, parse_error, parse_multistatus};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/caldav")
            .join(name),
    )
    .expect("fixture")
}

#[test]
fn discovery_follows_principal_then_home() {
    let root = parse_multistatus(&fixture("nextcloud-principal.xml")).expect("parses");
    assert_eq!(
        root.responses[0].props.current_user_principal.as_deref(),
        Some("/remote.php/dav/principals/users/alice/")
    );
    assert_eq!(
        root.responses[0].props.calendar_home_set, None,
        "404 propstat ignored"
    );
    let principal = parse_multistatus(&fixture("nextcloud-home-set.xml")).expect("parses");
    assert_eq!(
        principal.responses[0].props.calendar_home_set.as_deref(),
        Some("/remote.php/dav/calendars/alice/")
    );
}

#[test]
fn listing_keeps_event_calendars_only() {
    let ms = parse_multistatus(&fixture("nextcloud-calendar-list.xml")).expect("parses");
    let kept: Vec<&str> = ms
        .responses
        .iter()
        .filter(|r| is_event_calendar(&r.href, &r.props))
        .map(|r| r.href.as_str())
        .collect();
    assert_eq!(
        kept,
        [
            "/remote.php/dav/calendars/alice/personal/",
            "/remote.php/dav/calendars/alice/collectif_shared_by_bob/"
        ]
    );
    let shared = &ms.responses[2].props;
    assert_eq!(shared.displayname.as_deref(), Some("Collectif (Bob)"));
    assert_eq!(shared.read_only, Some(true));
    assert_eq!(
        shared.owner_principal.as_deref(),
        Some("principals/users/bob")
    );
    assert_eq!(
        shared.sync_token.as_deref(),
        Some("http://sabre.io/ns/sync/4071")
    );
    assert_eq!(
        ms.responses[1].props.components.as_deref(),
        Some(&["VEVENT".to_string(), "VTODO".to_string()][..])
    );
}

#[test]
fn sync_delta_reads_deletions_with_status_first_and_ignores_the_teapot() {
    let ms = parse_multistatus(&fixture("nextcloud-sync-delta.xml")).expect("parses");
    let listing =
        listing_of(&ms, "/remote.php/dav/calendars/alice/personal/", false).expect("well-formed");
    assert_eq!(listing.token.as_deref(), Some("http://sabre.io/ns/sync/57"));
    assert_eq!(
        listing.deleted,
        ["/remote.php/dav/calendars/alice/personal/old-event.ics"]
    );
    assert_eq!(
        listing.present[1].0, "/remote.php/dav/calendars/alice/personal/réunion équipe.ics",
        "percent-decoded"
    );
    let local = Local {
        etags: HashMap::from([
            (
                "/remote.php/dav/calendars/alice/personal/old-event.ics".to_string(),
                Some("\"x\"".to_string()),
            ),
            (
                "/remote.php/dav/calendars/alice/personal/réunion équipe.ics".to_string(),
                Some("\"old\"".to_string()),
            ),
        ]),
        ..Local::default()
    };
    let p = plan(&local, &listing);
    assert_eq!(
        p.fetch,
        ["/remote.php/dav/calendars/alice/personal/6D1A0C4E-1111-4a4a-9a9a-0123456789ab.ics"]
    );
    assert_eq!(
        p.update,
        ["/remote.php/dav/calendars/alice/personal/réunion équipe.ics"]
    );
    assert_eq!(
        p.delete,
        ["/remote.php/dav/calendars/alice/personal/old-event.ics"]
    );
}

#[test]
fn other_servers_shapes() {
    let x = parse_multistatus(&fixture("xandikos-sync.xml")).expect("parses");
    let l = listing_of(&x, "/alice/calendars/work/", false).expect("well-formed");
    assert_eq!(
        l.token.as_deref(),
        Some("3b1f0c9e2d8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c")
    );
    assert_eq!(
        l.present[0].0,
        "/alice/calendars/work/weekly-team@populate.ics"
    );
    assert_eq!(l.deleted, ["/alice/calendars/work/gone.ics"]);
    let r = parse_multistatus(&fixture("radicale-sync.xml")).expect("parses");
    let l = listing_of(&r, "/alice/work/", false).expect("well-formed");
    assert!(
        l.token
            .as_deref()
            .is_some_and(|t| t.starts_with("http://radicale.org/ns/sync/"))
    );
    assert_eq!(
        l.present[0].0, "/alice/work/weekly-team@populate.ics",
        "%40 decoded"
    );
    assert_eq!(l.deleted, ["/alice/work/ev3.ics"]);
}

#[test]
fn error_bodies() {
    let names = parse_error(&fixture("nextcloud-invalid-sync-token.xml"));
    assert!(names.contains(&(DAV.to_string(), "valid-sync-token".to_string())));
    let names = parse_error(&fixture("nextcloud-limit-507.xml"));
    assert!(names.contains(&(
        DAV.to_string(),
        "number-of-matches-within-limits".to_string()
    )));
    assert!(
        parse_multistatus(&fixture("nextcloud-limit-507.xml")).is_err(),
        "an error body is not a multistatus"
    );
}

#[test]
fn multiget_bodies_and_confidential_stubs() {
    let ms = parse_multistatus(&fixture("nextcloud-multiget.xml")).expect("parses");
    assert_eq!(ms.responses.len(), 2);
    let a = ms.responses[0]
        .props
        .calendar_data
        .as_deref()
        .expect("data");
    assert!(
        a.contains("\r\nSUMMARY:Mise à jour YunoHost #amis #bénévole\r\n"),
        "CR restored from &#13;"
    );
    let stub = ms.responses[1]
        .props
        .calendar_data
        .as_deref()
        .expect("data");
    let info = caltally::ical::parse::parse_component(
        &stub[stub.find("BEGIN:VEVENT").expect("vevent")..],
        1,
    )
    .1
    .expect("parses")
    .info;
    assert!(info.confidential_stub);
}
