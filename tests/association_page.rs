// SPDX-License-Identifier: GPL-3.0-or-later
//! What an association's treasurer reads, through the built binary, on
//! `fixtures/pages/odd-lines.ics`: a page without markup, a footnote on every row whose
//! minutes differ from its slot (duration tag, change of the clocks, end of the month), the
//! real end of a clipped entry, the valuation in person-hours with the account labels, the
//! status of a month not over, the collective's name and contact, and a summary that links
//! every page and lists the association without hours. French and English pages are
//! reviewed snapshots.

use std::path::Path;

use assert_cmd::Command;

const CONFIG: &str = r#"timezone = "Europe/Brussels"

[collective]
name = "Le collectif"
email = "help@collectif.example"
url = "https://collectif.example"

[[source]]
ics = "odd-lines.ics"

[associations.amis]
name = "Les Amis du Quartier"

[associations.radio]
name = "Radio Libre"

[people.alice]
name = "Alice Dubois"

[people.bruno]
name = "Bruno Lefèvre"

[valuation]
rates = [{ from = "2024-11-01", per_hour = 11.88 }]
currency = "EUR"
debit_account = "864"
credit_account = "875"
"#;

/// The October 2026 report in `lang`, made on 20 October (the month is not over).
fn report(lang: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pages/odd-lines.ics");
    std::fs::copy(fixture, dir.path().join("odd-lines.ics")).expect("calendar");
    std::fs::write(dir.path().join("caltally.toml"), CONFIG).expect("config");
    Command::cargo_bin("caltally")
        .expect("binary")
        .current_dir(dir.path())
        .env("CALTALLY_NOW", "2026-10-20T12:00:00+02:00")
        .arg("--config")
        .arg(dir.path().join("caltally.toml"))
        .args([
            "report", "--month", "2026-10", "--lang", lang, "--out", "out",
        ])
        .assert()
        .success();
    dir
}

fn read(dir: &tempfile::TempDir, name: &str) -> String {
    std::fs::read_to_string(dir.path().join("out").join(name))
        .unwrap_or_else(|_| panic!("{name} written"))
}

#[test]
fn a_french_page_explains_its_odd_lines_and_values_person_hours() {
    let dir = report("fr");
    let page = read(&dir, "amis.md");
    assert!(
        page.contains(
            "**Provisoire — mois en cours**. Établi le 20 octobre 2026 par Le collectif."
        ),
        "{page}"
    );
    for markup in ["\\#", "#amis", "@alice", "@bruno", "2h30"] {
        assert!(!page.contains(markup), "{markup} in {page}");
    }
    assert!(
        page.contains("| 2026-10-06 | 10:00–11:00 | 2:30¹ |"),
        "duration tag: {page}"
    );
    assert!(
        page.contains("| 2026-10-24 | 23:00–03:00 | 5:00² |"),
        "clocks: {page}"
    );
    assert!(
        page.contains("| 2026-10-31 | 22:00–1 nov. 01:00 | 2:00³ |"),
        "edge: {page}"
    );
    // 2:30 × 2 people + 2:30 (Alice) + 2:00 (nobody named, once) = 9:30 at 11,88.
    assert!(
        page.contains("| **Total** | **9:30** | **112,86\u{a0}EUR** |"),
        "{page}"
    );
    assert!(page.contains("Bénévoles distincts\u{a0}: 2"), "{page}");
    let summary = read(&dir, "summary.md");
    assert!(
        summary.contains("| [Les Amis du Quartier](<amis.md>) |"),
        "{summary}"
    );
    assert!(
        summary.contains("| Radio Libre | 0:00 | 0:00 | 0:00 | 0:00 | 0:00 |"),
        "an association without hours is listed: {summary}"
    );
    insta::assert_snapshot!("page-fr", page);
}

#[test]
fn an_english_page_keeps_the_french_accounts_with_a_gloss_and_no_french_spaces() {
    let dir = report("en");
    let page = read(&dir, "amis.md");
    assert!(
        !page.contains('\u{a0}') && !page.contains('\u{202f}'),
        "{page}"
    );
    assert!(
        page.contains("**Provisional — month not over**. Made on 20 October 2026 by Le collectif.")
    );
    assert!(
        page.contains("Accounts: 864 “Personnel bénévole” (volunteer staff) (debit) / 875 “Bénévolat” (volunteering) (credit): 112.86 EUR"),
        "{page}"
    );
    insta::assert_snapshot!("page-en", page);
    insta::assert_snapshot!("summary-en", read(&dir, "summary.md"));
}
