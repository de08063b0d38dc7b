// SPDX-License-Identifier: GPL-3.0-or-later
//! `report`'s output folder, through the built binary: nothing caltally did not write is
//! ever deleted, a partial report replaces only its own files, a full one removes only the
//! stale files it wrote, one file name per association even for hostile tags, formulas
//! neutralised in `entries.csv`, and concurrent writers of one folder all succeed.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn event(uid: &str, day: u32, summary: &str, categories: &str) -> String {
    let categories = if categories.is_empty() {
        String::new()
    } else {
        format!("CATEGORIES:{categories}\r\n")
    };
    format!(
        "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:202610{day:02}T080000Z\r\nDTEND:202610{day:02}T090000Z\r\n\
         SUMMARY:{summary}\r\n{categories}END:VEVENT\r\n"
    )
}

fn calendar(events: &[String]) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{}END:VCALENDAR\r\n",
        events.concat()
    )
}

/// Entries for `amis` and `radio`.
fn two_associations() -> String {
    calendar(&[
        event("a", 5, "Réunion #amis #benevole", ""),
        event("r", 6, "Antenne #radio #paye", ""),
    ])
}

fn caltally(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("caltally").expect("binary built");
    cmd.current_dir(dir)
        .env_remove("CALTALLY_CONFIG")
        .env("XDG_CONFIG_HOME", dir.join("xdg"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("LANG", "C")
        .env("TZ", "UTC");
    cmd
}

fn report(dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    caltally(dir)
        .args(["report", "--source", "cal.ics", "--month", "2026-10"])
        .args(extra)
        .assert()
}

fn setup(ics: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("cal.ics"), ics).expect("calendar");
    dir
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    v.sort();
    v
}

#[test]
fn files_beside_a_report_are_never_deleted() {
    let dir = setup(&two_associations());
    let d = dir.path();
    report(d, &["--out", "out"]).success();
    std::fs::write(d.join("out/thesis.txt"), "my thesis").expect("user file");
    std::fs::create_dir(d.join("out/sub")).expect("user folder");
    std::fs::write(d.join("out/sub/notes.md"), "notes").expect("user file");
    report(d, &["--out", "out"]).success();
    report(d, &["--out", "out", "--format", "csv"]).success();
    assert_eq!(
        std::fs::read_to_string(d.join("out/thesis.txt")).expect("kept"),
        "my thesis"
    );
    assert!(d.join("out/sub/notes.md").is_file());
    assert!(d.join("out/amis.md").is_file());
}

#[test]
fn a_folder_of_other_files_and_a_file_are_refused_untouched() {
    let dir = setup(&two_associations());
    let d = dir.path();
    std::fs::create_dir_all(d.join("thesis/sub")).expect("folder");
    std::fs::write(d.join("thesis/thesis.txt"), "my thesis").expect("user file");
    report(d, &["--out", "thesis"])
        .code(2)
        .stderr(predicate::str::contains("not a caltally report folder"));
    assert_eq!(names(&d.join("thesis")), ["sub", "thesis.txt"]);
    std::fs::write(d.join("report.txt"), "mine").expect("user file");
    report(d, &["--out", "report.txt"])
        .code(2)
        .stderr(predicate::str::contains("is a file, not a folder"));
    assert_eq!(
        std::fs::read_to_string(d.join("report.txt")).expect("kept"),
        "mine"
    );
    assert_eq!(
        names(d),
        ["cal.ics", "report.txt", "thesis"],
        "nothing renamed away"
    );
}

#[test]
fn a_partial_report_replaces_only_its_own_files() {
    let dir = setup(&two_associations());
    let d = dir.path();
    report(d, &["--out", "out"]).success();
    let full = names(&d.join("out"));
    assert_eq!(
        full,
        [
            "amis.md",
            "amis.ods",
            "entries.csv",
            "radio.md",
            "radio.ods",
            "summary.csv",
            "summary.md",
            "summary.ods",
            "summary.svg"
        ]
    );
    report(d, &["--out", "out", "--association", "amis"]).success();
    assert_eq!(names(&d.join("out")), full, "radio.md is still there");
    report(d, &["--out", "out", "--format", "csv"]).success();
    assert_eq!(
        names(&d.join("out")),
        full,
        "the Markdown files are still there"
    );
    report(d, &["--out", "out", "--format", "md"]).success();
    assert_eq!(names(&d.join("out")), full, "the CSV files are still there");
}

#[test]
fn a_full_report_removes_the_page_of_an_association_without_entries() {
    let dir = setup(&two_associations());
    let d = dir.path();
    report(d, &["--out", "out"]).success();
    std::fs::write(
        d.join("cal.ics"),
        calendar(&[event("a", 5, "Réunion #amis #benevole", "")]),
    )
    .expect("calendar");
    // A CSV-only report leaves the pages alone; a full one removes the stale page.
    report(d, &["--out", "out", "--format", "csv"]).success();
    assert!(d.join("out/radio.md").exists());
    report(d, &["--out", "out"]).success();
    assert!(!d.join("out/radio.md").exists());
    assert!(d.join("out/amis.md").exists());
}

#[test]
fn zero_config_tags_get_one_file_each() {
    let long = "x".repeat(300);
    let ics = calendar(&[
        event("1", 1, "One", "a.b"),
        event("2", 2, "Two", "a/b"),
        event("3", 3, "Three", "a-b"),
        event("4", 4, "Four", "summary"),
        event("5", 5, "Five", "entries"),
        event("6", 6, "Six", &long),
        event("7", 7, "Seven", "-rf"),
    ]);
    let dir = setup(&ics);
    let d = dir.path();
    report(d, &["--out", "out"]).success();
    let files = names(&d.join("out"));
    let pages: Vec<&String> = files
        .iter()
        .filter(|n| n.ends_with(".md") && *n != "summary.md")
        .collect();
    assert_eq!(pages.len(), 7, "one page per association: {files:?}");
    assert!(files.contains(&"a-b.md".to_string()), "{files:?}");
    for p in &pages {
        assert!(p.len() <= 64 + 9 + 3, "bounded: {p}");
        assert!(!p.starts_with('-'), "{p}");
    }
    let summary = std::fs::read_to_string(d.join("out/summary.md")).expect("summary");
    for name in ["a.b", "a/b", "a-b", "entries"] {
        assert!(
            summary.contains(name),
            "the real summary lists {name}: {summary}"
        );
    }
    let entries = std::fs::read_to_string(d.join("out/entries.csv")).expect("entries");
    assert!(
        entries.starts_with("date,start,end"),
        "the real entries.csv"
    );
    for (tag, summary) in [("a.b", "One"), ("a/b", "Two"), ("a-b", "Three")] {
        let page = pages
            .iter()
            .map(|p| std::fs::read_to_string(d.join("out").join(p)).expect("page"))
            .filter(|text| text.contains(&format!("| {summary} |")))
            .count();
        assert_eq!(page, 1, "{tag}: its entry on exactly one page");
    }
}

#[test]
fn entries_csv_neutralises_formulas_after_blanks_and_in_lists() {
    let ics = calendar(&[event(
        "f",
        5,
        "  =HYPERLINK(\"http://x\")",
        "amis,=cmd|' /C calc'!A0",
    )]);
    let dir = setup(&ics);
    let d = dir.path();
    report(d, &["--out", "out", "--format", "csv"]).success();
    let text = std::fs::read_to_string(d.join("out/entries.csv")).expect("entries");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("header").clone();
    let row = reader.records().next().expect("a row").expect("row");
    let cell = |name: &str| row[headers.iter().position(|h| h == name).expect(name)].to_string();
    assert!(cell("summary").starts_with("'  ="), "{}", cell("summary"));
    let tags = cell("tags");
    for item in tags.split(';') {
        assert!(
            !item.trim_start().starts_with(['=', '+', '-', '@']),
            "{tags}"
        );
    }
    assert!(
        tags.contains(";'=cmd") || tags.starts_with("'=cmd"),
        "{tags}"
    );
}

#[test]
fn writers_of_one_folder_all_succeed() {
    let dir = setup(&two_associations());
    let d = dir.path().to_path_buf();
    let writer = |format: &'static str| {
        let d = d.clone();
        std::thread::spawn(move || {
            for i in 0..40 {
                let out = caltally(&d)
                    .args(["report", "--source", "cal.ics", "--month", "2026-10"])
                    .args(["--out", "out", "--format", format])
                    .output()
                    .expect("run");
                assert!(
                    out.status.success(),
                    "run {i} ({format}) failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        })
    };
    let writers = [
        writer("csv,md"),
        writer("csv,md"),
        writer("csv,md"),
        writer("md"),
    ];
    for w in writers {
        w.join().expect("a writer");
    }
    assert_eq!(names(&d.join("out")).len(), 6);
    let hidden: Vec<String> = std::fs::read_dir(d.join("out"))
        .expect("folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".caltally-tmp-"))
        .collect();
    assert!(hidden.is_empty(), "no temporary file left: {hidden:?}");
}

#[test]
fn the_output_folder_gets_an_index_of_the_periods_written() {
    let dir = setup(&two_associations());
    let d = dir.path();
    report(d, &[]).success();
    caltally(d)
        .args(["report", "--source", "cal.ics", "--month", "2026-09"])
        .assert()
        .success();
    std::fs::create_dir_all(d.join("reports/photos")).expect("a folder of someone else");
    report(d, &["--out", "elsewhere"]).success();
    let index = std::fs::read_to_string(d.join("reports/index.md")).expect("index.md");
    let links: Vec<&str> = index.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(
        links,
        [
            "- [October 2026](<2026-10/summary.md>)",
            "- [September 2026](<2026-09/summary.md>)"
        ],
        "{index}"
    );
    std::fs::write(d.join("reports/index.md"), "my own index").expect("write");
    report(d, &[]).success().stderr(predicate::str::contains(
        "index.md was not written by caltally",
    ));
    assert_eq!(
        std::fs::read_to_string(d.join("reports/index.md")).expect("index.md"),
        "my own index"
    );
}
