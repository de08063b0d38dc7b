// SPDX-License-Identifier: GPL-3.0-or-later
//! Hostile calendar input (`fixtures/hostile/`, and large files written here): nothing a
//! calendar holds reaches the terminal as a control sequence, any date round-trips through
//! the store, and every list an event may hold is bounded, with a warning naming the UID.

#[path = "support/servers.rs"]
mod servers;

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use caltally::classify::{self, Rules};
use caltally::model::Period;
use common::{day, occurrences};

fn hostile(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/hostile")
        .join(name)
}

fn caltally(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("caltally").expect("binary");
    cmd.current_dir(dir)
        .env("CALTALLY_TEST_PASSWORD", "secret")
        .env_remove("CALTALLY_CONFIG")
        .env("TZ", "Europe/Brussels");
    cmd
}

fn october() -> Period {
    Period::new(day(2026, 10, 1), day(2026, 11, 1)).expect("period")
}

fn vevent(uid: &str, lines: &[String]) -> Vec<u8> {
    let mut text = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261001T000000Z\r\n"
    );
    for l in lines {
        text.push_str(l);
        text.push_str("\r\n");
    }
    text.push_str("END:VEVENT\r\nEND:VCALENDAR\r\n");
    text.into_bytes()
}

#[test]
fn no_escape_byte_reaches_the_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = hostile("caltally.toml");
    let source = hostile("escapes.ics");
    for format in ["text", "md", "json"] {
        let out = caltally(dir.path())
            .arg("--config")
            .arg(&config)
            .args([
                "check", "--month", "2026-10", "--format", format, "--source",
            ])
            .arg(&source)
            .assert()
            .success()
            .get_output()
            .clone();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("pwned"), "the summary is shown: {stdout}");
        for stream in [&out.stdout, &out.stderr] {
            let text = String::from_utf8_lossy(stream);
            assert!(
                !stream.contains(&0x1b),
                "ESC in `check --format {format}`: {text:?}"
            );
            // JSON escapes control characters itself, and carries the rest as data.
            if format != "json" {
                assert!(
                    !text.contains('\u{202e}') && !text.contains('\u{7}'),
                    "{text:?}"
                );
            }
        }
    }
    let out = caltally(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["report", "--month", "2026-10", "--out", "r", "--source"])
        .arg(&source)
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown TZID"), "{stderr}");
    assert!(
        stderr.contains("UID esc-\u{fffd}]0;pwned\u{fffd}-uid"),
        "{stderr}"
    );
    for stream in [&out.stdout, &out.stderr] {
        assert!(!stream.contains(&0x1b), "ESC in `report`: {stderr:?}");
    }
}

/// The entries of a report, without the `calendar` column (a file and a server name the
/// calendar differently).
fn entries(dir: &Path, out: &str) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join(out).join("entries.csv")).expect("entries.csv");
    text.lines()
        .skip(1)
        .map(|l| {
            let mut cells: Vec<&str> = l.split(',').collect();
            cells.remove(10);
            cells.join(",")
        })
        .collect()
}

#[test]
fn far_dates_round_trip_through_the_store() {
    let server = servers::start_radicale();
    let source = hostile("far-dates.ics");
    server.populate("collectif", &["--create", source.to_str().expect("path")]);
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(
        d.join("caltally.toml"),
        format!(
            "timezone = \"Europe/Brussels\"\nlang = \"en\"\nstore = \"store/caltally.db\"\n\n[[source]]\ncaldav = \"{}\"\nusername = \"alice\"\npassword_env = \"CALTALLY_TEST_PASSWORD\"\n",
            server.base_url
        ),
    )
    .expect("config");
    let config = d.join("caltally.toml");
    caltally(d)
        .arg("--config")
        .arg(&config)
        .arg("sync")
        .assert()
        .success();
    for month in ["1850-03", "2300-10"] {
        let store = format!("store-{month}");
        let file = format!("file-{month}");
        caltally(d)
            .arg("--config")
            .arg(&config)
            .args(["report", "--month", month, "--out", &store])
            .assert()
            .success();
        caltally(d)
            .arg("--config")
            .arg(&config)
            .args(["report", "--month", month, "--out", &file, "--source"])
            .arg(&source)
            .assert()
            .success();
        let from_store = entries(d, &store);
        assert_eq!(from_store.len(), 1, "{month}: {from_store:?}");
        assert_eq!(from_store, entries(d, &file), "{month}");
    }
}

#[test]
fn an_unknown_tag_is_one_finding_per_series() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = caltally(dir.path())
        .arg("--config")
        .arg(hostile("caltally.toml"))
        .args([
            "check", "--month", "2026-10", "--format", "json", "--source",
        ])
        .arg(hostile("minutely-unknown-tags.ics"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out).expect("json");
    let unknown: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["problem"] == "unknown-tag")
        .collect();
    assert_eq!(unknown.len(), 300);
    // Every minute from 02:00 (00:00 UTC) on 1 October, the 25-hour day included.
    let minutes_in_october = 31 * 24 * 60 + 60 - 120;
    assert!(
        unknown
            .iter()
            .all(|f| f["occurrences"] == minutes_in_october
                && f["date"] == "2026-10-01"
                && f["uid"] == "minutely-tags")
    );
    assert!(
        unknown.iter().any(|f| f["detail"] == "unknown tag #tag7"),
        "{:?}",
        unknown[0]
    );
    assert_eq!(findings.len(), 300, "nothing else to look at");
}

#[test]
fn rdates_count_in_the_instance_cap_once_each() {
    let mut lines = vec![
        "DTSTART:20261001T080000Z".to_string(),
        "DTEND:20261001T080100Z".to_string(),
        "SUMMARY:#amis".to_string(),
    ];
    // 400 RDATEs, each written twice, on lines of ten.
    let dates: Vec<String> = (0..400)
        .map(|i| {
            format!(
                "202610{:02}T{:02}{:02}00Z",
                2 + i / 60 % 28,
                9 + i / 60 % 10,
                i % 60
            )
        })
        .collect();
    for chunk in dates.chunks(10) {
        lines.push(format!("RDATE:{}", chunk.join(",")));
        lines.push(format!("RDATE:{}", chunk.join(",")));
    }
    let (occ, problems) = occurrences(&vevent("rdates", &lines), october(), 100_000);
    assert_eq!(occ.len(), 401, "DTSTART and each RDATE once");
    assert!(problems.is_empty(), "{problems:?}");
    let (occ, problems) = occurrences(&vevent("rdates", &lines), october(), 250);
    assert_eq!(occ.len(), 250, "DTSTART and RDATEs share the cap");
    let capped: Vec<_> = problems
        .iter()
        .filter(|p| {
            p.message
                .starts_with("recurrence stopped after 250 occurrences")
        })
        .collect();
    assert_eq!(capped.len(), 1, "{problems:?}");
    assert_eq!(capped[0].uid.as_deref(), Some("rdates"));
}

#[test]
fn the_instance_cap_is_per_event_for_rrules_and_rdates_together() {
    let mut lines = vec![
        "DTSTART:20261001T080000Z".to_string(),
        "DTEND:20261001T080100Z".to_string(),
        "SUMMARY:#amis".to_string(),
        "RRULE:FREQ=HOURLY".to_string(),
        "RRULE:FREQ=MINUTELY;INTERVAL=7".to_string(),
        "RDATE:20261020T100000Z,20261021T100000Z".to_string(),
    ];
    lines.extend((0..8000).map(|_| "RRULE:FREQ=SECONDLY".to_string()));
    let (occ, problems) = occurrences(&vevent("many-rules", &lines), october(), 1_000);
    assert_eq!(occ.len(), 1_000);
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "8002 RRULE lines; only the first 16 are read",
            "recurrence stopped after 1000 occurrences (RRULEs and RDATEs together; cap reached before the end of the period)"
        ]
    );
    assert!(
        problems
            .iter()
            .all(|p| p.uid.as_deref() == Some("many-rules"))
    );
}

#[test]
fn categories_are_bounded_before_parsing() {
    let values: Vec<String> = (0..5_000).map(|i| format!("c{i}")).collect();
    let lines = vec![
        "DTSTART:20261005T080000Z".to_string(),
        "DTEND:20261005T090000Z".to_string(),
        "SUMMARY:#amis".to_string(),
        format!("CATEGORIES:{}", values[..3_000].join(",")),
        format!("CATEGORIES:{}", values[3_000..].join("\\,")),
    ];
    let (occ, problems) = occurrences(&vevent("categories", &lines), october(), 100);
    assert_eq!(occ.len(), 1);
    assert_eq!(occ[0].info.categories.len(), 1_000);
    assert_eq!(occ[0].info.categories[999], "c999");
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        ["5000 CATEGORIES values; only the first 1000 are read"]
    );
}

#[test]
fn hashtags_are_bounded_with_a_warning() {
    let tags: Vec<String> = (0..3_000).map(|i| format!("#h{i}")).collect();
    let lines = vec![
        "DTSTART:20261005T080000Z".to_string(),
        "DTEND:20261005T090000Z".to_string(),
        format!("SUMMARY:#amis {}", tags[..1_500].join(" ")),
        format!("DESCRIPTION:{}", tags[1_500..].join(" ")),
    ];
    let (occ, problems) = occurrences(&vevent("hashtags", &lines), october(), 100);
    assert!(problems.is_empty(), "{problems:?}");
    let tags = classify::tags_of(&occ[0].info, None);
    assert_eq!(tags.len(), classify::MAX_TAGS);
    assert_eq!((tags[0].as_str(), tags[999].as_str()), ("amis", "h998"));
    let (_, warnings) = caltally::report::Classes::of(&occ, &Rules::default());
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].uid.as_deref(), Some("hashtags"));
    assert_eq!(
        warnings[0].message,
        "more than 1000 tags; only the first 1000 are used"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("hashtags.ics");
    std::fs::write(&file, vevent("hashtags", &lines)).expect("written");
    caltally(dir.path())
        .args(["report", "--month", "2026-10", "--out", "r", "--source"])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "UID hashtags: more than 1000 tags; only the first 1000 are used",
        ));
}

#[test]
fn a_vtimezone_is_bounded_before_parsing() {
    let rdates: Vec<String> = (0..150_000)
        .map(|i| format!("{}0101T020000", 2_000 + i % 8_000))
        .collect();
    let text = format!(
        "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Custom/Spam\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n\
         TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nRDATE:{}\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n\
         BEGIN:VEVENT\r\nUID:spam-zone\r\nDTSTART;TZID=Custom/Spam:20261005T100000\r\n\
         DTEND;TZID=Custom/Spam:20261005T110000\r\nSUMMARY:#amis\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        rdates.join(",")
    );
    let (occ, problems) = occurrences(text.as_bytes(), october(), 100);
    assert_eq!(occ.len(), 1);
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        ["VTIMEZONE: 150000 RDATE values; only the first 100000 are read"]
    );
}
