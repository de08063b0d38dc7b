// SPDX-License-Identifier: GPL-3.0-or-later
//! What a hostile CalDAV server cannot do with caltally's credentials and config: a
//! scripted server on loopback redirects to another origin, names a home or a calendar
//! on another origin, or hands out a display name built to add a `[[source]]` to the
//! config that `init` writes. Also: a password written in a URL is refused everywhere,
//! and discovery from the server root asks the DAV root once.

#[path = "support/hostile.rs"]
mod hostile;

use hostile::{
    Cal, Hostile, account, caltally, event, home_listing, home_set, route, write_config,
};
use predicates::prelude::*;
use serde_json::{Value, json};

fn team(name: &str) -> Cal {
    Cal {
        slug: "team",
        name: name.into(),
        token: "t1".into(),
        objects: vec![("a.ics".into(), "1".into(), event("a@test", "Réunion", 5))],
    }
}

fn homes_remembered(dir: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(dir.join("store.db")).expect("store");
    let mut stmt = conn
        .prepare("SELECT home_url FROM sources WHERE home_url IS NOT NULL")
        .expect("q");
    stmt.query_map([], |r| r.get(0))
        .expect("q")
        .map(|r| r.expect("row"))
        .collect()
}

#[test]
fn init_writes_a_hostile_display_name_as_a_harmless_comment() {
    let name = "Team\n[[source]]\nics = 'https://evil.example/x.ics'\npassword_command = 'touch pwned'\n# ''' \"\"\" it's #1\r\n[mail]";
    let server = Hostile::start(Value::Array(account(&[team(name)])));
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let url = format!("{}/dav/", server.base);
    caltally(d)
        .args(["init", "--caldav", &url, "--username", "alice"])
        .args(["--password-env", "CALTALLY_TEST_PASSWORD"])
        .assert()
        .success();
    let path = d.join("caltally.toml");
    let text = std::fs::read_to_string(&path).expect("written");
    let config = caltally::config::Config::load(&path).expect("the written config parses");
    assert_eq!(config.sources.len(), 1, "{text}");
    let source = &config.sources[0];
    assert_eq!(source.caldav.as_deref(), Some(url.as_str()));
    assert_eq!(source.password_command, None);
    assert_eq!(source.ics, None);
    assert!(config.mail.is_none(), "{text}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("[[source]]")).count(),
        1,
        "{text}"
    );
    assert!(
        text.contains(
            r#"# Calendars found: "Team\u000A[[source]]\u000Aics = 'https://evil.example/x.ics'"#
        ),
        "the name is shown, escaped, in a comment: {text}"
    );
    assert!(
        text.contains(r#"# ''' \"\"\" it's #1\u000D\u000A[mail]""#),
        "{text}"
    );
}

#[test]
fn a_well_known_redirect_to_another_origin_is_refused() {
    let other = Hostile::start(Value::Array(account(&[team("Team")])));
    let server = Hostile::start(json!([{
        "method": "PROPFIND", "path": "/.well-known/caldav", "status": 301,
        "headers": {"Location": format!("{}/dav/", other.base)}, "body": ""
    }]));
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write_config(d, &format!("{}/", server.base));
    caltally(d).arg("sync").assert().code(1).stderr(
        predicate::str::contains(format!("refused to send PROPFIND to {}", other.base))
            .and(predicate::str::contains(format!(
                "only for {}",
                server.base
            )))
            .and(predicate::str::contains("synced 0").not()),
    );
    assert!(other.seen().is_empty(), "nothing went to the other origin");
    assert!(homes_remembered(d).is_empty());
}

#[test]
fn a_home_or_a_calendar_on_another_origin_is_refused_and_never_remembered() {
    let other = Hostile::start(Value::Array(account(&[team("Team")])));
    let foreign_home = format!("{}/dav/cal/", other.base);
    let server = Hostile::start(json!([route(
        "PROPFIND",
        "/dav/",
        207,
        &home_set("/dav/", &foreign_home)
    )]));
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write_config(d, &format!("{}/dav/", server.base));
    caltally(d)
        .arg("sync")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "refused to send PROPFIND to {}",
            other.base
        )));
    assert!(homes_remembered(d).is_empty());

    // A listing naming a calendar on the other origin.
    let mut routes = account(&[team("Team")]);
    routes.insert(
        0,
        route(
            "PROPFIND",
            "/dav/cal/",
            207,
            &home_listing(
                "/dav/cal/",
                &[hostile::calendar_entry(
                    &format!("{}/dav/cal/team/", other.base),
                    "Team",
                    "t1",
                )],
            ),
        ),
    );
    server.set_routes(Value::Array(routes));
    caltally(d)
        .arg("sync")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!("to {}", other.base)));
    assert!(other.seen().is_empty(), "nothing went to the other origin");

    // A home on another origin remembered by an older version is not asked.
    server.set_routes(Value::Array(account(&[team("Team")])));
    caltally(d).arg("sync").assert().success();
    let conn = rusqlite::Connection::open(d.join("store.db")).expect("store");
    conn.execute("UPDATE sources SET home_url = ?1", [&foreign_home])
        .expect("update");
    caltally(d).arg("sync").assert().success();
    assert!(other.seen().is_empty(), "nothing went to the other origin");
    assert!(
        server.seen().iter().all(|r| r.authorization.is_some()),
        "the configured origin gets the credentials"
    );
}

#[test]
fn a_password_in_a_url_is_refused_everywhere() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let no_secret = || predicate::str::contains("hunter2").not();
    for source in [
        "caldav = \"http://alice:hunter2@127.0.0.1:9/dav/\"\nusername = \"alice\"",
        "ics = \"https://alice:hunter2@127.0.0.1:9/cal.ics\"",
    ] {
        std::fs::write(
            d.join("caltally.toml"),
            format!("store = \"store.db\"\n[[source]]\n{source}\n"),
        )
        .expect("config");
        caltally(d).arg("sync").assert().code(2).stderr(
            predicate::str::contains("password_env")
                .and(predicate::str::contains("http"))
                .and(no_secret()),
        );
    }
    std::fs::write(d.join("caltally.toml"), "lang = \"en\"\n").expect("config");
    caltally(d)
        .args([
            "report",
            "--month",
            "2026-10",
            "--source",
            "http://bob:hunter2@127.0.0.1:9/x.ics",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("http://127.0.0.1:9/x.ics").and(no_secret()));
    std::fs::remove_file(d.join("caltally.toml")).expect("rm");
    caltally(d)
        .args([
            "init",
            "--caldav",
            "http://alice:hunter2@127.0.0.1:9/",
            "--username",
            "alice",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("username").and(no_secret()));
    assert!(!d.join("caltally.toml").exists());
}

#[test]
fn discovery_from_the_root_asks_the_dav_root_once() {
    let principal = hostile::multistatus(
        r#"<d:response><d:href>/remote.php/dav/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype><d:current-user-principal><d:href>/remote.php/dav/principals/users/alice/</d:href></d:current-user-principal></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"#,
    );
    let mut routes = vec![
        json!({"method": "PROPFIND", "path": "/.well-known/caldav", "status": 301,
               "headers": {"Location": "/remote.php/dav/"}, "body": ""}),
        route("PROPFIND", "/remote.php/dav/", 207, &principal),
        route(
            "PROPFIND",
            "/remote.php/dav/principals/users/alice/",
            207,
            &home_set("/remote.php/dav/principals/users/alice/", "/dav/cal/"),
        ),
    ];
    routes.extend(account(&[team("Team")]));
    let server = Hostile::start(Value::Array(routes));
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write_config(d, &format!("{}/", server.base));
    caltally(d)
        .arg("sync")
        .assert()
        .success()
        .stderr(predicate::str::contains("+1 new"));
    let dav_root = server
        .seen()
        .iter()
        .filter(|r| r.path == "/remote.php/dav/")
        .count();
    assert_eq!(dav_root, 1, "{:#?}", server.seen());
}
