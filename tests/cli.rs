// SPDX-License-Identifier: GPL-3.0-or-later
//! The built binary: exit codes, warnings on stderr, the files written.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

const CAL: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:Collectif\r\n\
BEGIN:VEVENT\r\nUID:night\r\nDTSTART;TZID=Europe/Brussels:20261031T220000\r\nDTEND;TZID=Europe/Brussels:20261101T020000\r\nSUMMARY:Migration #amis #benevole\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:formula\r\nDTSTART:20261005T080000Z\r\nDTEND:20261005T093000Z\r\nSUMMARY:=HYPERLINK(\"http://x\")|pipe #radio #paye\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:bad-tz\r\nDTSTART;TZID=Nowhere/Land:20261006T100000\r\nDTEND;TZID=Nowhere/Land:20261006T110000\r\nSUMMARY:Unknown zone #amis\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

fn caltally(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("caltally").expect("binary built");
    cmd.current_dir(dir)
        .env_remove("CALTALLY_CONFIG")
        .env("XDG_CONFIG_HOME", dir.join("xdg"))
        .env("LANG", "C");
    cmd
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("cal.ics"), CAL).expect("write");
    dir
}

#[test]
fn report_writes_every_file_and_warns_on_stderr() {
    let dir = setup();
    caltally(dir.path())
        .args([
            "report",
            "--source",
            "cal.ics",
            "--month",
            "2026-10",
            "--tz",
            "Europe/Brussels",
            "--out",
            "out",
        ])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("UID bad-tz").and(predicate::str::contains("Nowhere/Land")),
        )
        .stdout(predicate::str::contains("October 2026"));
    let out = dir.path().join("out");
    for f in [
        "entries.csv",
        "summary.csv",
        "summary.md",
        "amis.md",
        "radio.md",
    ] {
        assert!(out.join(f).is_file(), "{f} written");
    }
    let csv = std::fs::read_to_string(out.join("entries.csv")).expect("csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "date,start,end,minutes,hours,association,kind,people,summary,tags,calendar,uid,recurrence_id,all_day"
        )
    );
    assert!(csv.contains("\"'=HYPERLINK("), "formula neutralised: {csv}");
    assert!(
        csv.contains(
            "2026-10-31,2026-10-31T22:00:00+01:00,2026-11-01T00:00:00+01:00,120,2.00,amis,volunteer"
        ),
        "{csv}"
    );
    let md = std::fs::read_to_string(out.join("radio.md")).expect("md");
    assert!(md.contains("\\|pipe"), "pipe escaped: {md}");
    assert!(
        !out.parent()
            .expect("parent")
            .read_dir()
            .expect("dir")
            .any(|e| e
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .contains(".tmp"))
    );
}

#[test]
fn strict_turns_warnings_into_exit_1_but_still_writes() {
    let dir = setup();
    caltally(dir.path())
        .args([
            "report", "--source", "cal.ics", "--month", "2026-10", "--tz", "UTC", "--out", "out",
            "--strict", "-q",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty());
    assert!(dir.path().join("out/entries.csv").is_file());
}

#[test]
fn usage_and_config_errors_exit_2() {
    let dir = setup();
    caltally(dir.path())
        .args(["report", "--source", "cal.ics", "--month", "2026-13"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("2026-13"));
    caltally(dir.path())
        .args(["report", "--source", "cal.ics", "--tz", "Mars/Base"])
        .assert()
        .code(2);
    std::fs::write(
        dir.path().join("bad.toml"),
        "timezone = \"Europe/Brussels\"\n[classify]\nall_day = true\n",
    )
    .expect("write");
    caltally(dir.path())
        .args(["--config", "bad.toml", "report", "--source", "cal.ics"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.toml:3: key `all_day`"));
    caltally(dir.path())
        .args(["report", "--month", "2026-10"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--source"));
}

#[test]
fn missing_source_is_a_usage_error_and_writes_nothing() {
    let dir = setup();
    caltally(dir.path())
        .args([
            "report",
            "--source",
            "missing.ics",
            "--month",
            "2026-10",
            "--out",
            "out",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--source missing.ics: no such file",
        ));
    assert!(!dir.path().join("out").exists());
}

#[test]
fn report_refuses_a_folder_it_did_not_write_and_deletes_nothing() {
    let dir = setup();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::write(out.join("stale.md"), "old").expect("write");
    caltally(dir.path())
        .args([
            "report", "--source", "cal.ics", "--month", "2026-10", "--out", "out", "--format",
            "csv",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a caltally report folder"));
    assert_eq!(
        std::fs::read_to_string(out.join("stale.md")).expect("kept"),
        "old"
    );
    assert!(!out.join("summary.csv").exists());
}

#[test]
fn french_reports_and_association_filter() {
    let dir = setup();
    caltally(dir.path())
        .args([
            "report",
            "--source",
            "cal.ics",
            "--month",
            "2026-10",
            "--tz",
            "Europe/Brussels",
            "--out",
            "out",
            "--lang",
            "fr",
            "--association",
            "amis",
        ])
        .assert()
        .success();
    let summary = std::fs::read_to_string(dir.path().join("out/summary.md")).expect("md");
    assert!(
        summary.starts_with("# Rapport d'heures — octobre 2026"),
        "{summary}"
    );
    assert!(!dir.path().join("out/radio.md").exists());
}

#[test]
fn init_writes_a_template_once() {
    let dir = setup();
    caltally(dir.path())
        .args(["--config", "c.toml", "init"])
        .assert()
        .success();
    let text = std::fs::read_to_string(dir.path().join("c.toml")).expect("written");
    assert!(text.contains("[classify]"));
    caltally(dir.path())
        .args(["--config", "c.toml", "init"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    caltally(dir.path())
        .args(["--config", "c.toml", "init", "--force"])
        .assert()
        .success();
}

#[test]
fn help_documents_exit_codes_and_examples() {
    let dir = setup();
    caltally(dir.path())
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes").and(predicate::str::contains("Examples")));
    caltally(dir.path())
        .args(["report", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--month"));
    for command in [
        "init",
        "calendars",
        "sync",
        "report",
        "check",
        "close",
        "send",
        "run",
    ] {
        caltally(dir.path())
            .args([command, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Example"));
    }
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().expect("tempdir");
    // A thousand untagged events: far more findings than a pipe holds.
    let mut cal = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    for i in 0..1000 {
        cal.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:u{i}\r\nDTSTART:20261005T{:02}0000Z\r\nDTEND:20261005T{:02}3000Z\r\nSUMMARY:Work with no tag number {i}\r\nEND:VEVENT\r\n",
            i % 20,
            i % 20
        ));
    }
    cal.push_str("END:VCALENDAR\r\n");
    std::fs::write(dir.path().join("cal.ics"), cal).expect("write");
    let command = caltally(dir.path());
    let mut child = std::process::Command::new(command.get_program())
        .args(["check", "--source", "cal.ics", "--month", "2026-10"])
        .current_dir(dir.path())
        .env_remove("CALTALLY_CONFIG")
        .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("started");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("a first line");
    // The reader goes, as `| head -1` does.
    let output = child.wait_with_output().expect("ended");
    assert!(!first.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(
        !stderr.contains("Broken pipe") && !stderr.contains("panicked"),
        "{stderr}"
    );
}
