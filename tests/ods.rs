// SPDX-License-Identifier: GPL-3.0-or-later
//! The spreadsheets of the demo, read back by independent readers: calamine (every `.ods`:
//! sheet names, typed cells, stored totals equal to `summary.csv`, no UID, key or tag), and
//! LibreOffice headless, which recalculates every formula; its totals must equal
//! `summary.csv` too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use calamine::{Data, Ods, Reader, open_workbook};

/// Writes the demo's October report (French, and English with `--lang en`) into a temporary
/// folder.
fn demo_report(lang: &str) -> tempfile::TempDir {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().expect("tempdir");
    Command::cargo_bin("caltally")
        .expect("binary")
        .current_dir(root)
        .env("CALTALLY_NOW", "2026-11-03T06:00:00+01:00")
        .args([
            "--config",
            "fixtures/demo/caltally.toml",
            "report",
            "--month",
            "2026-10",
            "--source",
            "fixtures/demo/collectif.ics",
            "--lang",
            lang,
            "--out",
        ])
        .arg(out.path())
        .assert()
        .success();
    out
}

/// `summary.csv` as scope → name → (volunteer, paid, unspecified, total) minutes.
fn summary_csv(dir: &Path) -> BTreeMap<(String, String), [i64; 4]> {
    let mut rows = BTreeMap::new();
    let mut reader = csv::Reader::from_path(dir.join("summary.csv")).expect("summary.csv");
    for r in reader.records() {
        let r = r.expect("row");
        let n = |i: usize| r[i].parse::<i64>().expect("minutes");
        rows.insert(
            (r[0].to_string(), r[2].to_string()),
            [n(3), n(4), n(5), n(6)],
        );
    }
    rows
}

/// Minutes of an ISO 8601 duration as the ODS stores it (`PT19H45M0.0S`).
fn iso_minutes(text: &str) -> i64 {
    let body = text
        .strip_prefix("PT")
        .unwrap_or_else(|| panic!("not a duration: {text}"));
    let (h, rest) = body.split_once('H').expect("hours");
    let (m, _) = rest.split_once('M').expect("minutes");
    h.parse::<i64>().expect("h") * 60 + m.parse::<i64>().expect("m")
}

fn duration(cell: &Data) -> i64 {
    match cell {
        Data::DurationIso(text) => iso_minutes(text),
        other => panic!("not a duration cell: {other:?}"),
    }
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

fn ods_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ods"))
        .collect();
    files.sort();
    files
}

/// The rows of a table on the summary sheet: from the row whose first cell is `head` to the
/// total row, as name → 4 durations.
fn kind_table(rows: &[Vec<Data>], head: &str) -> Vec<(String, [i64; 4])> {
    let start = rows
        .iter()
        .position(|r| text(&r[0]) == head && r.len() > 4 && !text(&r[4]).is_empty())
        .unwrap_or_else(|| panic!("no table {head}"));
    rows[start + 1..]
        .iter()
        .take_while(|r| !text(&r[0]).is_empty())
        .map(|r| {
            (
                text(&r[0]),
                [
                    duration(&r[1]),
                    duration(&r[2]),
                    duration(&r[3]),
                    duration(&r[4]),
                ],
            )
        })
        .collect()
}

#[test]
fn every_spreadsheet_reads_back_with_typed_cells_and_the_totals_of_summary_csv() {
    let out = demo_report("fr");
    let csv = summary_csv(out.path());
    let entries = std::fs::read_to_string(out.path().join("entries.csv")).expect("entries.csv");
    let mut reader = csv::Reader::from_reader(entries.as_bytes());
    let uids: Vec<String> = reader
        .records()
        .map(|r| r.expect("row")[11].to_string())
        .collect();
    let files = ods_files(out.path());
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "amis.ods",
            "collectif.ods",
            "ecole.ods",
            "jardin.ods",
            "radio.ods",
            "summary.ods"
        ]
    );
    for path in &files {
        let mut book: Ods<_> = open_workbook(path).expect("an OpenDocument spreadsheet");
        assert_eq!(book.sheet_names(), ["Détail", "Synthèse"], "{path:?}");
        let detail = book.worksheet_range("Détail").expect("Détail");
        let rows: Vec<Vec<Data>> = detail.rows().map(<[Data]>::to_vec).collect();
        assert_eq!(text(&rows[0][0]), "Date");
        let (body, total) = rows[1..].split_at(rows.len() - 2);
        let mut sum = 0;
        for r in body {
            assert!(
                matches!(&r[0], Data::DateTimeIso(d) if d.starts_with("2026-10-")),
                "{r:?}"
            );
            assert!(matches!(&r[1], Data::DurationIso(_) | Data::Empty), "{r:?}");
            sum += duration(&r[3]);
            assert!(["Bénévole", "Rémunéré", "Non précisé"].contains(&text(&r[4]).as_str()));
            for cell in r {
                let t = text(cell);
                assert!(
                    !t.contains('#') && !t.contains(" @"),
                    "markup in {path:?}: {t}"
                );
                assert!(
                    !uids.iter().any(|u| t.contains(u.as_str())),
                    "a UID in {path:?}: {t}"
                );
            }
        }
        assert_eq!(text(&total[0][0]), "Total");
        assert_eq!(duration(&total[0][3]), sum, "{path:?}: stored total");
        let summary = book.worksheet_range("Synthèse").expect("Synthèse");
        let rows: Vec<Vec<Data>> = summary.rows().map(<[Data]>::to_vec).collect();
        let people = kind_table(&rows, "Personne");
        if path.ends_with("summary.ods") {
            for (name, minutes) in kind_table(&rows, "Association") {
                let key = match name.as_str() {
                    "Total" => ("total".to_string(), String::new()),
                    "À revoir (sans association)" => ("unassigned".to_string(), String::new()),
                    _ => ("association".to_string(), name.clone()),
                };
                assert_eq!(csv[&key], minutes, "summary.ods: {name}");
            }
            for (name, minutes) in &people[..people.len() - 1] {
                let key = match name.as_str() {
                    "Sans personne nommée (compté une fois)" => {
                        ("unnamed".to_string(), String::new())
                    }
                    _ => ("person".to_string(), name.clone()),
                };
                assert_eq!(csv[&key], *minutes, "summary.ods: {name}");
            }
        }
    }
    // The association's own sheet: its totals, its people, the valuation in person-hours.
    let mut amis: Ods<_> = open_workbook(out.path().join("amis.ods")).expect("amis.ods");
    let rows: Vec<Vec<Data>> = amis
        .worksheet_range("Synthèse")
        .expect("Synthèse")
        .rows()
        .map(<[Data]>::to_vec)
        .collect();
    let volunteer = rows
        .iter()
        .find(|r| text(&r[0]) == "Bénévole")
        .expect("row");
    let expected = csv[&(
        "association".to_string(),
        "Les Amis du Quartier".to_string(),
    )];
    assert_eq!(duration(&volunteer[1]), expected[0]);
    let people = kind_table(&rows, "Personne");
    assert_eq!(
        people.last().expect("total").1[0],
        27 * 60 + 15,
        "person-hours"
    );
    let volunteers = rows
        .iter()
        .find(|r| text(&r[0]) == "Bénévoles distincts")
        .expect("row");
    assert_eq!(volunteers[1], Data::Float(3.0));
    let value = rows
        .iter()
        .skip_while(|r| text(&r[0]) != "depuis le")
        .find(|r| text(&r[0]) == "Total")
        .expect("valuation total");
    assert_eq!(value[2], Data::Float(27.25));
    assert_eq!(value[3], Data::Float(327.03));
    let accounts = rows
        .iter()
        .map(|r| text(&r[0]))
        .find(|t| t.starts_with("Comptes"));
    assert_eq!(
        accounts.as_deref(),
        Some(
            "Comptes\u{a0}: 864 «\u{a0}Personnel bénévole\u{a0}» (débit) / 875 «\u{a0}Bénévolat\u{a0}» (crédit)"
        )
    );
}

#[test]
fn english_spreadsheets_name_their_sheets_in_english() {
    let out = demo_report("en");
    let mut book: Ods<_> = open_workbook(out.path().join("amis.ods")).expect("amis.ods");
    assert_eq!(book.sheet_names(), ["Details", "Summary"]);
    let detail = book.worksheet_range("Details").expect("Details");
    let head: Vec<String> = detail
        .rows()
        .next()
        .expect("head")
        .iter()
        .map(text)
        .collect();
    assert_eq!(
        head,
        [
            "Date", "Start", "End", "Duration", "Kind", "Who", "What", "Notes"
        ]
    );
    let notes: Vec<String> = detail.rows().skip(1).map(|r| text(&r[7])).collect();
    assert_eq!(
        notes.first().map(String::as_str),
        Some(
            "began before the period (real start shown): only the part inside the period counts (30 Sep 22:00)"
        ),
        "the clipped first entry says when it began"
    );
}

/// LibreOffice's profile that recalculates every formula on load.
const RECALC_PROFILE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"#;

/// Converts `file` with LibreOffice, recalculating, into one CSV per sheet (as shown) in
/// `out`.
fn soffice_convert(file: &Path, out: &Path) {
    let profile = tempfile::tempdir().expect("profile");
    std::fs::create_dir_all(profile.path().join("user")).expect("profile dir");
    std::fs::write(
        profile.path().join("user/registrymodifications.xcu"),
        RECALC_PROFILE,
    )
    .expect("profile");
    let filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1";
    let status = std::process::Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.path().display()
        ))
        .args(["--headless", "--convert-to", filter, "--outdir"])
        .arg(out)
        .arg(file)
        .output();
    match status {
        Ok(o) => assert!(o.status.success(), "soffice failed: {o:?}"),
        Err(e) => panic!(
            "cannot run soffice ({e}): this test needs LibreOffice; install it with \
             `apt-get install --no-install-recommends libreoffice-calc-nogui` (.ci/run does)"
        ),
    }
}

/// A copy of `file` in `dir` whose formula cells all store a wrong value (999), so that
/// only a recalculation gives the right totals back.
fn with_wrong_stored_values(file: &Path, dir: &Path) -> PathBuf {
    let mut book = spreadsheet_ods::read_ods(file).expect("readable");
    for i in 0..book.num_sheets() {
        let sheet = book.sheet_mut(i);
        let formulas: Vec<(u32, u32)> = sheet
            .iter()
            .filter(|(_, c)| c.formula.is_some())
            .map(|(at, _)| at)
            .collect();
        assert!(!formulas.is_empty(), "no formula on sheet {i} of {file:?}");
        for (row, col) in formulas {
            sheet.set_value(row, col, 999.0);
        }
    }
    let copy = dir.join(file.file_name().expect("name"));
    spreadsheet_ods::write_ods(&mut book, &copy).expect("written");
    copy
}

fn hmm(cell: &str) -> i64 {
    let (h, m) = cell
        .split_once(':')
        .unwrap_or_else(|| panic!("not h:mm: {cell}"));
    h.parse::<i64>().expect("h") * 60 + m.parse::<i64>().expect("m")
}

#[test]
fn libreoffice_recalculates_the_totals_of_summary_csv() {
    let out = demo_report("fr");
    let csv = summary_csv(out.path());
    // A copy whose stored totals are all wrong: only a recalculation can give them back.
    let wrong = tempfile::tempdir().expect("copies");
    let converted = tempfile::tempdir().expect("converted");
    for name in ["summary.ods", "amis.ods"] {
        let copy = with_wrong_stored_values(&out.path().join(name), wrong.path());
        soffice_convert(&copy, converted.path());
    }
    let sheet = converted.path().join("summary-Synthèse.csv");
    let text = std::fs::read_to_string(&sheet)
        .unwrap_or_else(|_| panic!("LibreOffice wrote no {}", sheet.display()));
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("row").iter().map(str::to_string).collect())
        .collect();
    let kinds: BTreeMap<&str, i64> = rows
        .iter()
        .skip_while(|r| r[0] != "Nature")
        .skip(1)
        .take(4)
        .map(|r| (r[0].as_str(), hmm(&r[1])))
        .collect();
    let total = csv[&("total".to_string(), String::new())];
    assert_eq!(kinds["Bénévole"], total[0]);
    assert_eq!(kinds["Rémunéré"], total[1]);
    assert_eq!(kinds["Non précisé"], total[2]);
    assert_eq!(kinds["Total"], total[3]);
    let start = rows
        .iter()
        .position(|r| r[0] == "Association")
        .expect("table");
    let mut seen = 0;
    for r in rows[start + 1..].iter().take_while(|r| !r[0].is_empty()) {
        let key = match r[0].as_str() {
            "Total" => ("total".to_string(), String::new()),
            "À revoir (sans association)" => ("unassigned".to_string(), String::new()),
            name => ("association".to_string(), name.to_string()),
        };
        let got = [hmm(&r[1]), hmm(&r[2]), hmm(&r[3]), hmm(&r[4])];
        assert_eq!(got, csv[&key], "{}", r[0]);
        seen += 1;
    }
    assert_eq!(
        seen, 7,
        "five associations, the unassigned row and the total"
    );
    let amis = std::fs::read_to_string(converted.path().join("amis-Synthèse.csv"))
        .expect("amis-Synthèse.csv");
    assert!(
        amis.lines().any(|l| l.starts_with("Total,,27.25,327.03")),
        "valuation recalculated: {amis}"
    );
}
