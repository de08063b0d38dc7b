// SPDX-License-Identifier: GPL-3.0-or-later
//! `caltally check` on a fixture calendar with one instance of every problem
//! (`fixtures/check/`): each is listed once, under the right person; `--strict` exits 1.
//! Recurring events with problems (`fixtures/check/series.*`): one line per series with its
//! count, a fix hint, a did-you-mean for tags and people, in French and English.

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
    assert_eq!(typo["detail"], "unknown tag #benevol");
    assert_eq!(typo["hint"], "did you mean #benevole?");
    for f in &findings {
        assert!(
            !f["hint"].as_str().unwrap_or_default().is_empty(),
            "every finding has a fix hint: {f}"
        );
    }
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

fn run(config: &str, args: &[&str]) -> String {
    let out = Command::cargo_bin("caltally")
        .expect("binary")
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env("LANG", "C")
        .args(["--config", config, "check"])
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn a_clean_month_says_so_in_one_line() {
    let config = "fixtures/check/caltally.toml";
    assert_eq!(
        run(config, &["--month", "2026-09"]),
        "2026-09: nothing to review\n"
    );
    assert_eq!(
        run(config, &["--month", "2026-09", "--lang", "fr"]),
        "septembre 2026 : rien à revoir\n"
    );
    assert_eq!(
        run(config, &["--month", "2026-09", "--format", "json"]),
        "[]\n"
    );
}

#[test]
fn series_follow_the_config_language_with_hints_and_counts() {
    let text = run("fixtures/check/series.toml", &["--month", "2026-10"]);
    insta::assert_snapshot!("check-series-fr", text);
    let md = run(
        "fixtures/check/series.toml",
        &["--month", "2026-10", "--format", "md", "--lang", "en"],
    );
    insta::assert_snapshot!("check-series-en-md", md);
}

#[test]
fn one_finding_per_series_with_its_count_and_did_you_mean() {
    let out = run(
        "fixtures/check/series.toml",
        &["--month", "2026-10", "--format", "json", "--lang", "en"],
    );
    let findings: Vec<serde_json::Value> = serde_json::from_str(&out).expect("json");
    let got: Vec<(String, String, u64, String)> = findings
        .iter()
        .map(|f| {
            (
                f["uid"].as_str().unwrap_or_default().into(),
                f["problem"].as_str().unwrap_or_default().into(),
                f["occurrences"].as_u64().unwrap_or_default(),
                f["hint"].as_str().unwrap_or_default().into(),
            )
        })
        .collect();
    let add = "add this person to [people] in the config, or fix the name";
    let want = [
        (
            "weekly-untagged",
            "untagged",
            4,
            "add #amis or #ecole-des-devoirs",
        ),
        (
            "weekly-typo",
            "no-association",
            3,
            "add #amis or #ecole-des-devoirs",
        ),
        (
            "weekly-typo",
            "unknown-tag",
            3,
            "did you mean #ecole-des-devoirs?",
        ),
        (
            "both-kinds",
            "both-kinds",
            2,
            "both #benevole and #paye: keep one",
        ),
        (
            "strangers",
            "unknown-person",
            2,
            "did you mean Chloé (chloe)?",
        ),
        ("strangers", "unknown-person", 2, add),
        (
            "strangers",
            "unknown-person",
            2,
            "did you mean Chloé (chloe)?",
        ),
    ]
    .map(|(u, p, n, h)| (u.to_string(), p.to_string(), n, h.to_string()));
    assert_eq!(got, want);
}

#[test]
fn people_are_not_checked_without_a_people_table() {
    let out = Command::cargo_bin("caltally")
        .expect("binary")
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env("LANG", "C")
        .args([
            "check",
            "--source",
            "fixtures/check/series.ics",
            "--month",
            "2026-10",
        ])
        .args(["--tz", "Europe/Brussels", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("utf-8");
    assert!(!text.contains("unknown-person"), "{text}");
}
