// SPDX-License-Identifier: GPL-3.0-or-later
//! `sync` against a scripted CalDAV server on loopback that answers what real servers
//! sometimes do, and worse: a calendar unshared between two runs, an empty listing, a
//! sync-collection member with only an href, one object with Latin-1 bytes, objects and
//! answers far too large. The store only loses what the server explicitly deleted, and
//! the summary says what happened. Also: `sync` with local files only, and reports from a
//! source that was never synced or not for days.

#[path = "support/hostile.rs"]
mod hostile;

use std::path::Path;

use hostile::{
    Cal, Hostile, account, caltally, dump, event, multistatus, route_with, sync_stderr,
    write_config,
};
use predicates::prelude::*;
use serde_json::{Value, json};

fn cal(slug: &'static str, name: &str, token: &str, objects: &[(&str, &str)]) -> Cal {
    Cal {
        slug,
        name: name.into(),
        token: token.into(),
        objects: objects
            .iter()
            .enumerate()
            .map(|(i, (file, summary))| {
                let uid = format!("{slug}-{file}");
                (
                    file.to_string(),
                    "1".into(),
                    event(&uid, summary, 5 + i as u32),
                )
            })
            .collect(),
    }
}

fn synced(routes: Vec<Value>) -> (Hostile, tempfile::TempDir) {
    let server = Hostile::start(Value::Array(routes));
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(dir.path(), &format!("{}/dav/", server.base));
    caltally(dir.path()).arg("sync").assert().success();
    (server, dir)
}

fn entries(dir: &Path) -> String {
    caltally(dir)
        .args(["report", "--month", "2026-10", "--out", "r"])
        .assert()
        .success();
    std::fs::read_to_string(dir.join("r/entries.csv")).expect("entries")
}

#[test]
fn a_calendar_that_disappears_is_named_and_counted() {
    let team = || cal("team", "Team", "t1", &[("a.ics", "Réunion")]);
    let old = cal(
        "old",
        "Old",
        "o1",
        &[("x.ics", "Old one"), ("y.ics", "Old two")],
    );
    let (server, dir) = synced(account(&[team(), old]));
    let d = dir.path();
    server.set_routes(Value::Array(account(&[team()])));
    caltally(d).arg("sync").assert().success().stderr(
        predicate::str::contains("-2 deleted, 1 calendar(s) gone from the server: Old").and(
            predicate::str::contains("calendar `Old` is no longer on the server"),
        ),
    );
    assert!(!entries(d).contains("Old one"));

    // An empty listing is not believed: nothing is forgotten until `sync --full`.
    server.set_routes(Value::Array(account(&[])));
    let before = dump(d);
    caltally(d)
        .arg("sync")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("sync --full").and(predicate::str::contains("Team")));
    assert_eq!(dump(d), before, "nothing forgotten");
    caltally(d)
        .args(["sync", "--full"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "-1 deleted, 1 calendar(s) gone from the server: Team",
        ));
    assert!(dump(d).is_empty());
}

#[test]
fn an_incremental_member_with_only_an_href_deletes_nothing() {
    let objects = [("a.ics", "Réunion"), ("b.ics", "Permanence")];
    let (server, dir) = synced(account(&[cal("team", "Team", "t1", &objects)]));
    let d = dir.path();
    let before = dump(d);
    let since_t1 = |answer: &str| {
        let mut routes = account(&[cal("team", "Team", "t2", &objects)]);
        routes.insert(
            0,
            route_with(
                "REPORT",
                "/dav/cal/team/",
                "<d:sync-token>t1</d:sync-token>",
                207,
                answer,
            ),
        );
        Value::Array(routes)
    };
    let href_only = multistatus(
        "<d:response><d:href>/dav/cal/team/b.ics</d:href></d:response><d:sync-token>t2</d:sync-token>",
    );
    server.set_routes(since_t1(&href_only));
    caltally(d).arg("sync").assert().code(1).stderr(
        predicate::str::contains("malformed answer: /dav/cal/team/b.ics")
            .and(predicate::str::contains("1 failed")),
    );
    assert_eq!(dump(d), before, "the store is as it was");

    let deleted = multistatus(
        "<d:response><d:href>/dav/cal/team/b.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response><d:sync-token>t2</d:sync-token>",
    );
    server.set_routes(since_t1(&deleted));
    caltally(d)
        .arg("sync")
        .assert()
        .success()
        .stderr(predicate::str::contains("-1 deleted"));
    assert!(!entries(d).contains("Permanence"));
}

/// A calendar whose multiget answer is encoded in Latin-1 and labelled `content_type`.
fn latin1_calendar(content_type: &str) -> (Hostile, tempfile::TempDir, std::process::Output) {
    let mut routes = account(&[cal(
        "team",
        "Team",
        "t1",
        &[("a.ics", "Meeting"), ("b.ics", "Café")],
    )]);
    for r in routes.iter_mut() {
        if r["contains"] == "calendar-multiget" {
            r["encoding"] = json!("latin-1");
            r["headers"] = json!({ "Content-Type": content_type });
        }
    }
    let server = Hostile::start(Value::Array(routes));
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(dir.path(), &format!("{}/dav/", server.base));
    let out = caltally(dir.path())
        .arg("sync")
        .assert()
        .success()
        .get_output()
        .clone();
    (server, dir, out)
}

#[test]
fn one_object_that_is_not_utf8_does_not_block_its_calendar() {
    let (_server, dir, out) = latin1_calendar("application/xml; charset=utf-8");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("object /dav/cal/team/b.ics is not valid UTF-8"),
        "{stderr}"
    );
    assert!(
        stderr.contains("synced 1 calendar(s): 0 unchanged, +2 new"),
        "{stderr}"
    );
    let rows = entries(dir.path());
    assert!(
        rows.contains("Meeting") && rows.contains("Caf\u{FFFD}"),
        "{rows}"
    );

    let (_server, dir, out) = latin1_calendar("text/xml; charset=ISO-8859-1");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("warning"), "{stderr}");
    assert!(entries(dir.path()).contains("Café"));
}

#[test]
fn errors_are_told_once() {
    let server =
        Hostile::start(json!([{"method": "PROPFIND", "path": "/dav/", "status": 401, "body": ""}]));
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write_config(d, &format!("{}/dav/", server.base));
    caltally(d).arg("sync").assert().code(1).stderr(
        predicate::str::contains("refused the credentials")
            .and(predicate::str::contains("synced").not()),
    );
    server.set_routes(
        json!([{"method": "PROPFIND", "path": "/dav/", "status": 207,
        "body": "<d:multistatus xmlns:d=\"DAV:\"><d:response>"}]),
    );
    let stderr = sync_stderr(d, 1);
    assert_eq!(
        stderr.matches("ends inside an element").count(),
        1,
        "{stderr}"
    );
}

/// A multiget answer of one object whose data is `size` bytes of `X`.
fn huge_object(file: &str, size: u64) -> Value {
    let href = format!("/dav/cal/team/{file}");
    json!({"method": "REPORT", "path": "/dav/cal/team/", "contains": format!("team/{file}"), "status": 207,
    "huge": {
        "prefix": format!(r#"<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:response><d:href>{href}</d:href><d:propstat><d:prop><d:getetag>"1"</d:getetag><c:calendar-data>"#),
        "filler": "X", "size": size,
        "suffix": "</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"
    }})
}

#[test]
fn objects_over_the_bounds_are_kept_without_their_data() {
    let objects = [("a.ics", "Réunion"), ("mid.ics", "x"), ("big.ics", "x")];
    let mut routes = account(&[cal("team", "Team", "t1", &objects)]);
    routes.insert(0, huge_object("a.ics", 0));
    routes.insert(0, huge_object("mid.ics", 5 << 20));
    routes.insert(0, huge_object("big.ics", 70 << 20));
    // a.ics as a real event: its own multiget answer.
    let a = account(&[cal("team", "Team", "t1", &objects[..1])]);
    routes[2] = a[3].clone();
    routes[2]["contains"] = json!("team/a.ics");
    let server = Hostile::start(Value::Array(routes));
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write_config(d, &format!("{}/dav/", server.base));
    caltally(d).arg("sync").assert().success().stderr(
        predicate::str::contains("object /dav/cal/team/mid.ics is larger than 4 MiB")
            .and(predicate::str::contains(
                "object /dav/cal/team/big.ics is larger than 4 MiB",
            ))
            .and(predicate::str::contains("+3 new")),
    );
    let stored = dump(d);
    assert!(
        stored.contains(&r#"("/dav/cal/team/big.ics", None, None, 0)"#.to_string()),
        "{stored:#?}"
    );
    assert!(
        stored.contains(&r#"("/dav/cal/team/mid.ics", Some("\"1\""), None, 0)"#.to_string()),
        "{stored:#?}"
    );
    assert!(entries(d).contains("Réunion"));
    caltally(d)
        .args(["report", "--month", "2026-10"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "/dav/cal/team/big.ics: no calendar data",
        ));
}

#[test]
fn an_answer_over_the_bound_fails_the_calendar_and_leaves_the_store() {
    let objects = [("a.ics", "Réunion")];
    let (server, dir) = synced(account(&[cal("team", "Team", "t1", &objects)]));
    let d = dir.path();
    let before = dump(d);
    let mut routes = account(&[cal("team", "Team", "t2", &objects)]);
    routes.insert(0, json!({"method": "REPORT", "path": "/dav/cal/team/", "contains": "sync-collection", "status": 207,
        "huge": {"prefix": r#"<d:multistatus xmlns:d="DAV:"><d:response><d:href>/dav/cal/team/"#, "filler": "a", "size": 100u64 << 20,
                 "suffix": "</d:href></d:response></d:multistatus>"}}));
    server.set_routes(Value::Array(routes));
    caltally(d)
        .arg("sync")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "the response is larger than 64 MiB",
        ));
    assert_eq!(dump(d), before);
}

#[test]
fn sync_and_calendars_with_local_files_only_succeed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for command in ["sync", "calendars"] {
        assert_cmd::Command::cargo_bin("caltally")
            .expect("binary")
            .current_dir(root)
            .args(["--config", "fixtures/demo/caltally.toml", command])
            .assert()
            .success()
            .stderr(predicate::str::contains(
                "nothing to sync: local files are read at report time",
            ));
    }
}

#[test]
fn a_source_never_synced_fails_reports_and_a_stale_one_warns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let config = |url: &str| {
        let path = write_config(d, url);
        let mut text = std::fs::read_to_string(&path).expect("config");
        text.push_str("\n[mail]\nsmtp = \"smtp://127.0.0.1:9\"\nstarttls = \"never\"\nfrom = \"Collectif <help@collectif.example>\"\n");
        std::fs::write(path, text).expect("config");
    };
    config("http://127.0.0.1:9/dav/");
    caltally(d).arg("sync").assert().code(1);
    let never = "source http://127.0.0.1:9/dav/ has never been synced: run `caltally sync`";
    for args in [
        &["report", "--month", "2026-10"][..],
        &["check", "--month", "2026-10"],
        &["send", "--month", "2026-09", "--dry-run"],
    ] {
        caltally(d)
            .args(args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(never));
    }

    let server = Hostile::start(Value::Array(account(&[cal(
        "team",
        "Team",
        "t1",
        &[("a.ics", "Réunion")],
    )])));
    let url = format!("{}/dav/", server.base);
    config(&url);
    caltally(d).arg("sync").assert().success();
    let report_at = |now: &str| {
        let mut c = caltally(d);
        c.env("CALTALLY_NOW", now)
            .args(["report", "--month", "2026-10"]);
        c
    };
    report_at("2026-10-21T06:00:00Z")
        .assert()
        .success()
        .stderr(predicate::str::contains("last synced").not());
    report_at("2026-10-23T07:00:00Z")
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "source {url} was last synced on 2026-10-20 06:00 UTC: run `caltally sync`"
        )));
}
