// SPDX-License-Identifier: GPL-3.0-or-later
//! `caltally check` on a fixture calendar with one instance of every problem
//! (`fixtures/check/`): each is listed once, under the right person; `--strict` exits 1.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn check(args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("caltally")
        .expect("binary")
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .args([
            "--config",
            "fixtures/check/caltally.toml",
            "check",
            "--month",
            "2026-10",
        ])
        .args(args)
        .assert()
}

#[test]
fn every_problem_is_listed_once_under_its_person() {
    let out = check(&["--format", "json"])
        .success()
        .get_output()
        .stdout
        .clone();
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out).expect("json");
    let mut got: Vec<(String, String, String)> = findings
        .iter()
        .map(|f| {
            (
                f["person"].as_str().unwrap_or_default().into(),
                f["problem"].as_str().unwrap_or_default().into(),
                f["uid"].as_str().unwrap_or_default().into(),
            )
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, String, String)> = [
        ("", "confidential-stub", "busy"),
        ("alice", "untagged", "untagged"),
        ("alice", "unknown-tag", "unknown-tag"),
        ("alice", "no-kind", "unknown-tag"),
        ("alice", "zero-length", "zero"),
        ("bruno", "ambiguous", "ambiguous"),
        ("bruno", "no-kind", "no-kind"),
        ("bruno", "all-day-without-hours", "all-day"),
        ("chloe", "volunteer-and-paid", "paid-1"),
        ("chloe", "unknown-tzid", "odd-zone"),
        ("driss", "over-12h", "long"),
        ("driss", "overlap", "overlap-b"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    want.sort();
    assert_eq!(got, want);
    let typo = findings
        .iter()
        .find(|f| f["problem"] == "unknown-tag")
        .expect("unknown tag");
    assert!(
        typo["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("did you mean #benevole")
    );
    assert_eq!(
        typo["occurrences"], 1,
        "one finding per event series, with its count"
    );
}

#[test]
fn text_and_markdown_group_by_person_and_strict_fails() {
    check(&[])
        .success()
        .stdout(predicate::str::contains("Driss\n  2026-10-13  over-12h"));
    check(&["--format", "md"])
        .success()
        .stdout(predicate::str::contains("## Chloé\n"));
    check(&["--strict"]).code(1);
}
