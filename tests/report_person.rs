// SPDX-License-Identifier: GPL-3.0-or-later
//! `report --person KEY`: one person's hours across every association, in a folder of its
//! own; an unknown person is a usage error; and the totals table `report` prints on a
//! terminal (and not when its output is piped). The calendar is the demo's.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

/// The demo config with its own store and paths, in `dir`.
fn demo_config(dir: &Path) -> PathBuf {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let config = std::fs::read_to_string(demo.join("caltally.toml"))
        .expect("demo config")
        .replace(
            "store = \"../../target/demo/caltally.db\"",
            &format!("store = \"{}\"", dir.join("store.db").display()),
        )
        .replace(
            "ics = \"collectif.ics\"",
            &format!("ics = \"{}\"", demo.join("collectif.ics").display()),
        );
    let path = dir.join("caltally.toml");
    std::fs::write(&path, config).expect("config");
    path
}

fn caltally(config: &Path) -> Command {
    let mut c = Command::cargo_bin("caltally").expect("binary");
    c.env("CALTALLY_NOW", "2026-11-03T06:00:00+01:00")
        .arg("--config")
        .arg(config)
        .current_dir(config.parent().expect("dir"));
    c
}

/// The `total_minutes` of a `summary.csv` row.
fn total_minutes(summary: &str, scope: &str, key: &str) -> i64 {
    summary
        .lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|c| c[0] == scope && c[1] == key)
        .and_then(|c| c[6].parse().ok())
        .unwrap_or_else(|| panic!("no {scope} row for {key}: {summary}"))
}

#[test]
fn one_persons_report_counts_their_hours_in_every_association() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = demo_config(dir.path());
    caltally(&config)
        .args(["report", "--month", "2026-10", "--out", "all"])
        .assert()
        .success();
    let all = std::fs::read_to_string(dir.path().join("all/summary.csv")).expect("summary");
    caltally(&config)
        .args(["report", "--month", "2026-10", "--person", "alice"])
        .assert()
        .success()
        .stdout(predicate::str::contains("person-alice"));
    let folder = dir.path().join("reports/2026-10/person-alice");
    let entries = std::fs::read_to_string(folder.join("entries.csv")).expect("entries");
    let mut reader = csv::Reader::from_reader(entries.as_bytes());
    let mut minutes = 0;
    let mut associations = std::collections::BTreeSet::new();
    for row in reader.records() {
        let row = row.expect("row");
        assert!(
            row[7].split(';').any(|p| p == "alice"),
            "only Alice's entries: {row:?}"
        );
        minutes += row[3].parse::<i64>().expect("minutes");
        associations.insert(row[5].to_string());
    }
    assert_eq!(minutes, total_minutes(&all, "person", "alice"));
    assert!(
        associations.len() > 1,
        "every association: {associations:?}"
    );
    assert!(
        !dir.path().join("reports/2026-10/summary.md").exists(),
        "the period's own files are left alone"
    );
}

#[test]
fn an_unknown_person_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = demo_config(dir.path());
    caltally(&config)
        .args(["report", "--month", "2026-10", "--person", "zoe"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--person `zoe` is not a configured person; the keys of [people] are: alice, bruno",
        ));
}

#[test]
fn the_totals_table_is_printed_on_a_terminal_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = demo_config(dir.path());
    let binary = assert_cmd::cargo::cargo_bin("caltally");
    let command = format!(
        "{} --config {} report --month 2026-10 --out tty",
        binary.display(),
        config.display()
    );
    // `script` (util-linux) gives the command a terminal.
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("CALTALLY_NOW", "2026-11-03T06:00:00+01:00")
        .current_dir(dir.path())
        .output()
        .expect("script");
    let shown = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    assert!(out.status.success(), "{shown}");
    let summary = std::fs::read_to_string(dir.path().join("tty/summary.csv")).expect("summary");
    let amis = total_minutes(&summary, "association", "amis");
    let line = shown
        .lines()
        .find(|l| l.starts_with("Les Amis du Quartier "))
        .unwrap_or_else(|| panic!("a row per association: {shown}"));
    assert!(
        line.ends_with(&format!(" {}:{:02}", amis / 60, amis % 60)),
        "{line}"
    );
    assert!(
        shown
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["Bénévole", "Rémunéré", "Non", "précisé", "Total"]),
        "a head per kind: {shown}"
    );
    caltally(&config)
        .args(["report", "--month", "2026-10", "--out", "piped"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Les Amis du Quartier").not());
}
