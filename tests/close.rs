// SPDX-License-Identifier: GPL-3.0-or-later
//! `close`: a month closed in the store, then the calendar edited through a real Radicale
//! with python `caldav` (one deletion, one change of length, one forgotten event added).
//! The closed reports stay as they were, and the amendments are listed exactly, in
//! `summary.md` and in the pages of the associations concerned; `--reopen` undoes it.

#[path = "support/servers.rs"]
mod servers;

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn caltally(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("caltally").expect("binary");
    cmd.current_dir(dir)
        .env("CALTALLY_TEST_PASSWORD", "secret")
        .arg("--config")
        .arg(dir.join("caltally.toml"));
    cmd
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/sync")
        .join(name)
        .display()
        .to_string()
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|_| panic!("{file}"))
}

#[test]
fn amendments_after_closing_are_listed_exactly() {
    let server = servers::start_radicale();
    server.populate("collectif", &["--create", &fixture("collectif.ics")]);
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(
        d.join("caltally.toml"),
        format!("timezone = \"Europe/Brussels\"\nlang = \"en\"\nstore = \"store.db\"\n[[source]]\ncaldav = \"{}\"\nusername = \"alice\"\npassword_env = \"CALTALLY_TEST_PASSWORD\"\n", server.base_url),
    )
    .expect("config");
    caltally(d).arg("sync").assert().success();
    caltally(d)
        .args(["report", "--month", "2025-10", "--out", "before"])
        .assert()
        .success();
    caltally(d)
        .args(["close", "--month", "2025-10"])
        .assert()
        .success()
        .stdout(predicate::str::contains("closed (9 entries"));
    caltally(d)
        .args(["close", "--month", "2025-10"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already closed"));

    server.populate("collectif", &["--apply", &fixture("amendments.json")]);
    caltally(d).arg("sync").assert().success();
    caltally(d)
        .args(["report", "--month", "2025-10", "--out", "after"])
        .assert()
        .success();

    assert_eq!(
        read(d, "after/entries.csv"),
        read(d, "before/entries.csv"),
        "closed figures are kept"
    );
    let summary = read(d, "after/summary.md");
    let section = summary
        .split("## Amendments since the closing")
        .nth(1)
        .expect("amendments listed");
    let lines: Vec<&str> = section.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(lines.len(), 3, "{section}");
    // As a letter says it: the day and slot in words, no UID and no ISO time.
    assert!(
        lines
            .iter()
            .all(|l| !l.contains("@collectif.test") && !l.contains("2025-10")),
        "{section}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(
            "- Thursday 23 October, 15:00–15:30: removed (0:30, paid) — Appel fournisseur"
        )),
        "{section}"
    );
    assert!(
        lines.iter().any(|l| l.contains(": changed, now ")
            && l.contains("(4:00, volunteer) instead of (3:00, volunteer) — Formation tableur")),
        "{section}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(
            "- Wednesday 29 October, 14:00–16:00: added (2:00, volunteer) — Dépannage oublié"
        )),
        "{section}"
    );
    let ecole = read(d, "after/ecole.md");
    assert!(
        ecole
            .split("## Amendments since the closing")
            .nth(1)
            .is_some_and(|a| a.contains("Formation tableur") && !a.contains("Appel fournisseur")),
        "each page lists its own amendments"
    );
    assert!(
        !read(d, "after/collectif.md").contains("Amendments"),
        "a page without amendments is unchanged"
    );

    caltally(d)
        .args(["close", "--month", "2025-10", "--reopen"])
        .assert()
        .success();
    caltally(d)
        .args(["report", "--month", "2025-10", "--out", "reopened"])
        .assert()
        .success();
    assert!(!read(d, "reopened/summary.md").contains("Amendments"));
    assert!(
        read(d, "reopened/entries.csv").contains("oubli@collectif.test"),
        "reopened: the calendar as it is"
    );
}
