// SPDX-License-Identifier: GPL-3.0-or-later
//! `sync` with several calendar-multiget requests in flight, against the scripted server
//! on loopback (which counts the multigets it is serving at once): the count stays within
//! the bound, every object is stored whatever order the answers arrive in, a multiget that
//! fails while others are in flight leaves the store as it was, and a refused password
//! stops the source with one message; a server slow to answer even small requests gets
//! the full bound in flight. Also: the home listing asks only for the change markers the
//! sync can use.

#[path = "support/hostile.rs"]
mod hostile;

use hostile::{
    Cal, Hostile, Seen, account, caltally, dump, event, multiget_route, sync_stderr, write_config,
};
use predicates::prelude::*;
use serde_json::{Value, json};

/// The bound on multigets in flight (`caldav::fetch::MULTIGETS_IN_FLIGHT`), kept to a
/// server that is not near and light.
const IN_FLIGHT: u64 = 4;

/// A calendar of `n` one-hour events named `{prefix}-NNNN.ics`, all with ETag `etag`.
fn calendar(slug: &'static str, token: &str, prefix: &str, n: usize, etag: &str) -> Cal {
    Cal {
        slug,
        name: format!("{}{}", slug[..1].to_uppercase(), &slug[1..]),
        token: token.into(),
        objects: (0..n)
            .map(|i| {
                (
                    format!("{prefix}-{i:04}.ics"),
                    etag.to_string(),
                    event(
                        &format!("{slug}-{prefix}-{i}"),
                        &format!("Shift {i}"),
                        1 + (i % 28) as u32,
                    ),
                )
            })
            .collect(),
    }
}

/// The account's routes, each multiget answering only the hrefs asked for after `delay` s.
fn routes(calendars: &[Cal], delay: f64) -> Vec<Value> {
    let mut routes = account(calendars);
    for c in calendars {
        let path = format!("/dav/cal/{}/", c.slug);
        let i = routes
            .iter()
            .position(|r| r["path"] == path.as_str() && r["contains"] == "calendar-multiget")
            .expect("a multiget route");
        routes[i] = multiget_route(&path, &c.objects, delay);
    }
    routes
}

/// A scripted server with `routes`, and a folder whose config points at it, after a `sync`
/// that succeeded saying `summary`.
fn synced(routes: Vec<Value>, summary: &str) -> (Hostile, tempfile::TempDir) {
    let server = Hostile::start(Value::Array(routes));
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(dir.path(), &format!("{}/dav/", server.base));
    caltally(dir.path())
        .arg("sync")
        .assert()
        .success()
        .stderr(predicate::str::contains(summary));
    (server, dir)
}

fn multigets(seen: &[Seen]) -> Vec<&Seen> {
    seen.iter()
        .filter(|s| s.method == "REPORT" && s.body.contains("calendar-multiget"))
        .collect()
}

/// `(href, etag, uid)` of every stored object of the calendar at `path`.
fn stored(dir: &std::path::Path, path: &str) -> Vec<(String, Option<String>, Option<String>)> {
    let conn = rusqlite::Connection::open(dir.join("store.db")).expect("store");
    let mut stmt = conn
        .prepare("SELECT href, etag, uid FROM objects WHERE href LIKE ?1 ORDER BY href")
        .expect("query");
    stmt.query_map([format!("{path}%")], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
    .expect("query")
    .map(|r| r.expect("row"))
    .collect()
}

#[test]
fn multigets_overlap_within_the_bound_and_every_object_is_stored_whatever_the_order() {
    let team = calendar("team", "t1", "obj", 1000, "1");
    let expected: Vec<_> = team
        .objects
        .iter()
        .enumerate()
        .map(|(i, (file, _, _))| {
            (
                format!("/dav/cal/team/{file}"),
                Some("\"1\"".to_string()),
                Some(format!("team-obj-{i}")),
            )
        })
        .collect();
    let mut routes = routes(&[team], 0.05);
    // The first batch answers last.
    let mut slow_first = routes
        .iter()
        .find(|r| r["contains"] == "calendar-multiget")
        .expect("the multiget route")
        .clone();
    slow_first["contains"] = json!("team/obj-0000.ics");
    slow_first["delay"] = json!(0.3);
    routes.insert(0, slow_first);
    let (server, dir) = synced(routes, "+1000 new");
    let d = dir.path();
    let seen = server.seen();
    let batches = multigets(&seen);
    assert_eq!(batches.len(), 10, "batches of 100");
    let most = batches.iter().map(|s| s.in_flight).max().unwrap_or(0);
    assert!(
        most > 1 && most <= IN_FLIGHT,
        "{most} multigets in flight at once"
    );
    assert_eq!(stored(d, "/dav/cal/team/"), expected);
}

#[test]
fn a_server_slow_to_answer_even_small_requests_gets_the_full_bound_in_flight() {
    let team = calendar("team", "t1", "obj", 1000, "1");
    // Every answer takes at least 20 ms, as from a server far away or slow to start.
    let mut routes = routes(&[team], 0.05);
    for r in &mut routes {
        if r.get("delay").is_none() {
            r["delay"] = json!(0.02);
        }
    }
    let (server, dir) = synced(routes, "+1000 new");
    let seen = server.seen();
    let most = multigets(&seen)
        .iter()
        .map(|s| s.in_flight)
        .max()
        .unwrap_or(0);
    assert_eq!(most, IN_FLIGHT, "multigets in flight at once");
    assert_eq!(stored(dir.path(), "/dav/cal/team/").len(), 1000);
}

#[test]
fn a_multiget_failing_while_others_are_in_flight_leaves_the_store_as_it_was() {
    let before_routes = routes(
        &[
            calendar("team", "t1", "old", 3, "1"),
            calendar("other", "o1", "obj", 2, "1"),
        ],
        0.0,
    );
    let server = Hostile::start(Value::Array(before_routes));
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write_config(d, &format!("{}/dav/", server.base));
    caltally(d).arg("sync").assert().success();
    let before = dump(d);

    // Team now holds 1,000 new objects; the batch holding the first one fails after the
    // others were sent; Other is unchanged.
    let changed = || {
        routes(
            &[
                calendar("team", "t2", "obj", 1000, "2"),
                calendar("other", "o1", "obj", 2, "1"),
            ],
            0.02,
        )
    };
    let mut failing = changed();
    failing.insert(
        0,
        json!({"method": "REPORT", "path": "/dav/cal/team/", "contains": "team/obj-0000.ics",
               "status": 500, "body": "", "delay": 0.3}),
    );
    server.set_routes(Value::Array(failing));
    let seen_before = server.seen().len();
    caltally(d).arg("sync").assert().code(1).stderr(
        predicate::str::contains("calendar `Team`")
            .and(predicate::str::contains(
                "REPORT calendar-multiget /dav/cal/team/ answered 500",
            ))
            .and(predicate::str::contains("1 failed")),
    );
    assert_eq!(dump(d), before, "the store is as it was");
    let seen = server.seen();
    let run = multigets(&seen[seen_before..]);
    assert!(
        run.len() as u64 <= IN_FLIGHT,
        "no batch asked for after the window: {} multigets",
        run.len()
    );
    assert!(
        run.iter().any(|s| s.in_flight > 1),
        "the failure came while other multigets were in flight"
    );

    // The next run resumes.
    server.set_routes(Value::Array(changed()));
    caltally(d)
        .arg("sync")
        .assert()
        .success()
        .stderr(predicate::str::contains("+1000 new"));
    assert_eq!(stored(d, "/dav/cal/team/obj-").len(), 1000);
}

#[test]
fn a_refused_password_on_a_multiget_stops_the_source_with_one_message() {
    let mut refusing = routes(
        &[
            calendar("team", "t1", "obj", 300, "1"),
            calendar("other", "o1", "obj", 2, "1"),
        ],
        0.02,
    );
    refusing.insert(
        0,
        json!({"method": "REPORT", "path": "/dav/cal/team/", "contains": "team/obj-0200.ics",
               "status": 401, "body": ""}),
    );
    let server = Hostile::start(Value::Array(refusing));
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write_config(d, &format!("{}/dav/", server.base));
    let stderr = sync_stderr(d, 1);
    assert_eq!(
        stderr.matches("refused the credentials").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("calendar `Team`"), "{stderr}");
    assert!(
        !server
            .seen()
            .iter()
            .any(|s| s.path.starts_with("/dav/cal/other/")),
        "nothing asked after the refusal"
    );
    assert!(stored(d, "/dav/cal/").is_empty(), "nothing stored");
}

#[test]
fn the_home_listing_asks_only_for_the_markers_a_sync_can_use() {
    let server = Hostile::start(Value::Array(routes(
        &[calendar("team", "t1", "obj", 2, "1")],
        0.0,
    )));
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write_config(d, &format!("{}/dav/", server.base));
    let listings = || -> Vec<String> {
        server
            .seen()
            .into_iter()
            .filter(|s| s.method == "PROPFIND" && s.path == "/dav/cal/")
            .map(|s| s.body)
            .collect()
    };
    // The first sync lists every calendar in full: sync-collection gives the token.
    caltally(d).arg("sync").assert().success();
    let first = listings();
    assert_eq!(first.len(), 1);
    assert!(
        !first[0].contains("sync-token") && !first[0].contains("getctag"),
        "{}",
        first[0]
    );
    // Then the sync token tells an unchanged calendar, in one request.
    caltally(d).arg("sync").assert().success().stderr(
        predicate::str::contains("1 unchanged").and(predicate::str::contains("(1 requests)")),
    );
    let second = listings();
    assert!(
        second[1].contains("sync-token") && !second[1].contains("getctag"),
        "{}",
        second[1]
    );
}
