// SPDX-License-Identifier: GPL-3.0-or-later
//! A scripted CalDAV server on loopback (`tests/servers/hostile_caldav.py`): each test
//! gives it the answers to send (redirects to other origins, malformed listings, bytes
//! that are not UTF-8, huge bodies…) and reads back which requests it received, with
//! their `Authorization` header.
//!
//! Include it with `#[path = "support/hostile.rs"] mod hostile;`. It needs only Python's
//! standard library: `$CALTALLY_PYTHON` (set by the Makefile), else `python3`.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

/// One route of the script: the first that matches a request answers it.
pub fn route(method: &str, path: &str, status: u16, body: &str) -> Value {
    json!({"method": method, "path": path, "status": status, "body": body})
}

/// A route that matches only requests whose body contains `needle`.
pub fn route_with(method: &str, path: &str, needle: &str, status: u16, body: &str) -> Value {
    json!({"method": method, "path": path, "contains": needle, "status": status, "body": body})
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The first 2,000 characters of the body.
    pub body: String,
    /// For a calendar-multiget: how many were being served when it arrived, itself
    /// included; 0 for other requests.
    pub in_flight: u64,
}

/// A running server; killed on drop.
pub struct Hostile {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub base: String,
    script: PathBuf,
    log: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Hostile {
    /// Starts the server with `routes`.
    pub fn start(routes: Value) -> Hostile {
        let dir = tempfile::tempdir().expect("tempdir");
        let script = dir.path().join("script.json");
        let log = dir.path().join("requests.jsonl");
        std::fs::write(&script, routes.to_string()).expect("script");
        std::fs::write(&log, "").expect("log");
        let python = std::env::var_os("CALTALLY_PYTHON")
            .filter(|p| Path::new(p).exists())
            .unwrap_or_else(|| "python3".into());
        let server = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/hostile_caldav.py");
        let mut child = Command::new(python)
            .arg(server)
            .arg(&script)
            .arg(&log)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the scripted CalDAV server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("port line");
        let port: u16 = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the scripted server did not start: {line:?}"));
        Hostile {
            base: format!("http://127.0.0.1:{port}"),
            script,
            log,
            child,
            _dir: dir,
        }
    }

    /// Replaces the script; the next request reads it.
    pub fn set_routes(&self, routes: Value) {
        let tmp = self.script.with_extension("tmp");
        std::fs::write(&tmp, routes.to_string()).expect("script");
        std::fs::rename(&tmp, &self.script).expect("script");
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        std::fs::read_to_string(&self.log)
            .expect("log")
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .map(|v| Seen {
                method: v["method"].as_str().unwrap_or_default().to_string(),
                path: v["path"].as_str().unwrap_or_default().to_string(),
                authorization: v["authorization"].as_str().map(str::to_string),
                body: v["body"].as_str().unwrap_or_default().to_string(),
                in_flight: v["in_flight"].as_u64().unwrap_or_default(),
            })
            .collect()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Namespaces of every multistatus built here.
const NS: &str = r#"xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/""#;

/// A multistatus around `responses`.
pub fn multistatus(responses: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><d:multistatus {NS}>{responses}</d:multistatus>"#
    )
}

/// XML text escaping.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The answer of a principal URL naming its calendar home.
pub fn home_set(href: &str, home: &str) -> String {
    multistatus(&format!(
        r#"<d:response><d:href>{href}</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype><c:calendar-home-set><d:href>{home}</d:href></c:calendar-home-set></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"#
    ))
}

/// One calendar of a home listing.
pub fn calendar_entry(href: &str, name: &str, token: &str) -> String {
    format!(
        r#"<d:response><d:href>{href}</d:href><d:propstat><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype><d:displayname>{}</d:displayname><c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set><d:sync-token>{token}</d:sync-token></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"#,
        escape(name)
    )
}

/// A home listing: the home itself, then `calendars` (from [`calendar_entry`]).
pub fn home_listing(home: &str, calendars: &[String]) -> String {
    multistatus(&format!(
        r#"<d:response><d:href>{home}</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>{}"#,
        calendars.concat()
    ))
}

/// A member with its ETag, in a sync-collection or PROPFIND answer.
pub fn member(href: &str, etag: &str) -> String {
    format!(
        r#"<d:response><d:href>{href}</d:href><d:propstat><d:prop><d:getetag>"{etag}"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"#
    )
}

/// A sync-collection answer.
pub fn sync_answer(members: &[String], token: &str) -> String {
    multistatus(&format!(
        "{}<d:sync-token>{token}</d:sync-token>",
        members.concat()
    ))
}

/// An object with its data, in a multiget answer.
pub fn object(href: &str, etag: &str, ics: &str) -> String {
    format!(
        r#"<d:response><d:href>{href}</d:href><d:propstat><d:prop><d:getetag>"{etag}"</d:getetag><c:calendar-data>{}</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"#,
        escape(ics)
    )
}

/// A one-hour event on a day of October 2026, 09:00 UTC.
pub fn event(uid: &str, summary: &str, day: u32) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//hostile//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261001T000000Z\r\nDTSTART:202610{day:02}T090000Z\r\nDTEND:202610{day:02}T100000Z\r\nSUMMARY:{summary}\r\nCATEGORIES:amis\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// One calendar of the scripted account.
pub struct Cal {
    /// Last path segment.
    pub slug: &'static str,
    /// Display name.
    pub name: String,
    /// Current sync token.
    pub token: String,
    /// `(file name, etag, iCalendar)`.
    pub objects: Vec<(String, String, String)>,
}

/// Routes of an account at `/dav/`: home `/dav/cal/`, each calendar at `/dav/cal/SLUG/`
/// answering sync-collection (every member) and calendar-multiget (every object).
pub fn account(calendars: &[Cal]) -> Vec<Value> {
    let mut routes = vec![route(
        "PROPFIND",
        "/dav/",
        207,
        &home_set("/dav/", "/dav/cal/"),
    )];
    let entries: Vec<String> = calendars
        .iter()
        .map(|c| calendar_entry(&format!("/dav/cal/{}/", c.slug), &c.name, &c.token))
        .collect();
    routes.push(route(
        "PROPFIND",
        "/dav/cal/",
        207,
        &home_listing("/dav/cal/", &entries),
    ));
    for c in calendars {
        let path = format!("/dav/cal/{}/", c.slug);
        let members: Vec<String> = c
            .objects
            .iter()
            .map(|(f, e, _)| member(&format!("{path}{f}"), e))
            .collect();
        let objects: Vec<String> = c
            .objects
            .iter()
            .map(|(f, e, ics)| object(&format!("{path}{f}"), e, ics))
            .collect();
        routes.push(route_with(
            "REPORT",
            &path,
            "sync-collection",
            207,
            &sync_answer(&members, &c.token),
        ));
        routes.push(route_with(
            "REPORT",
            &path,
            "calendar-multiget",
            207,
            &multistatus(&objects.concat()),
        ));
    }
    routes
}

/// A calendar-multiget route of the calendar at `path` (`/dav/cal/SLUG/`) that answers
/// only the hrefs asked for, each after `delay` seconds.
pub fn multiget_route(path: &str, objects: &[(String, String, String)], delay: f64) -> Value {
    let map: serde_json::Map<String, Value> = objects
        .iter()
        .map(|(f, e, ics)| {
            let href = format!("{path}{f}");
            let answer = object(&href, e, ics);
            (href, Value::String(answer))
        })
        .collect();
    json!({"method": "REPORT", "path": path, "contains": "calendar-multiget",
        "multiget": map, "delay": delay})
}

/// A config syncing `url` as alice, its store in `dir/store.db`.
pub fn write_config(dir: &Path, url: &str) -> PathBuf {
    let path = dir.join("caltally.toml");
    std::fs::write(
        &path,
        format!(
            "timezone = \"Europe/Brussels\"\nlang = \"en\"\nstore = \"store.db\"\n\n[[source]]\ncaldav = \"{url}\"\nusername = \"alice\"\npassword_env = \"CALTALLY_TEST_PASSWORD\"\n"
        ),
    )
    .expect("config");
    path
}

/// `caltally --config dir/caltally.toml`, with the password in the environment.
pub fn caltally(dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("caltally").expect("binary");
    cmd.current_dir(dir)
        .env("CALTALLY_TEST_PASSWORD", "s3cret-password")
        .env("CALTALLY_NOW", "2026-10-20T06:00:00Z")
        .env_remove("CALTALLY_CONFIG")
        .arg("--config")
        .arg(dir.join("caltally.toml"));
    cmd
}

/// The standard error of `caltally sync` in `dir`, which must exit with `code`.
pub fn sync_stderr(dir: &Path, code: i32) -> String {
    let out = caltally(dir)
        .arg("sync")
        .assert()
        .code(code)
        .get_output()
        .clone();
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every calendar and object of the store, to compare before and after a failure.
pub fn dump(dir: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(dir.join("store.db")).expect("store");
    let mut out = Vec::new();
    let mut stmt = conn
        .prepare("SELECT url, name, sync_token FROM calendars ORDER BY url")
        .expect("q");
    out.extend(
        stmt.query_map([], |r| {
            Ok(format!(
                "{:?}",
                (
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?
                )
            ))
        })
        .expect("q")
        .map(|r| r.expect("row")),
    );
    let mut stmt = conn
        .prepare("SELECT href, etag, uid, length(data) FROM objects ORDER BY href")
        .expect("q");
    out.extend(
        stmt.query_map([], |r| {
            Ok(format!(
                "{:?}",
                (
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, i64>(3)?
                )
            ))
        })
        .expect("q")
        .map(|r| r.expect("row")),
    );
    out
}
