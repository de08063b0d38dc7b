// SPDX-License-Identifier: GPL-3.0-or-later
//! The bundled demo, end to end through the binary: the reports exist, every printed total
//! equals the sum of the rows printed (Markdown tables and CSV), and `summary.md` matches
//! its reviewed snapshot.

use std::path::Path;

use assert_cmd::Command;

fn minutes(hmm: &str) -> i64 {
    let hmm = hmm
        .trim()
        .trim_matches('*')
        .trim_end_matches(['¹', '²', '³', '⁴']);
    let (h, m) = hmm
        .split_once(':')
        .unwrap_or_else(|| panic!("not h:mm: {hmm}"));
    h.parse::<i64>().expect("hours") * 60 + m.parse::<i64>().expect("minutes")
}

/// The cells of a table row (an escaped `\\|` only occurs in the last column, read by no test).
fn cells(line: &str) -> Vec<String> {
    line.trim()
        .trim_matches('|')
        .split('|')
        .map(|c| c.trim().to_string())
        .collect()
}

/// The rows of the first table after the line starting with `header`.
fn table(md: &str, header: &str) -> Vec<Vec<String>> {
    md.lines()
        .skip_while(|l| !l.starts_with(header))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(cells)
        .collect()
}

#[test]
fn demo_totals_equal_the_sum_of_their_rows() {
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
            "--out",
        ])
        .arg(out.path())
        .assert()
        .success();
    let read = |f: &str| {
        std::fs::read_to_string(out.path().join(f)).unwrap_or_else(|_| panic!("{f} written"))
    };

    let summary = read("summary.md");
    let rows = table(&summary, "| Association");
    let (body, total) = rows.split_at(rows.len() - 1);
    for col in 1..=5 {
        let sum: i64 = body.iter().map(|r| minutes(&r[col])).sum();
        assert_eq!(
            sum,
            minutes(&total[0][col]),
            "column {col} of the association table"
        );
    }
    let people = table(&summary, "| Personne");
    let (body, total) = people.split_at(people.len() - 1);
    assert_eq!(
        body.iter().map(|r| minutes(&r[4])).sum::<i64>(),
        minutes(&total[0][4]),
        "person-hours"
    );

    let csv = read("entries.csv");
    let csv_minutes: i64 = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|r| r.expect("row")[3].parse::<i64>().expect("minutes"))
        .sum();
    assert_eq!(
        csv_minutes,
        minutes(&total_of(&summary)),
        "entries.csv adds up to summary.md"
    );

    let mut pages = 0;
    for entry in std::fs::read_dir(out.path()).expect("dir") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .to_string();
        if !name.ends_with(".md") || name == "summary.md" {
            continue;
        }
        pages += 1;
        let page = read(&name);
        let top = table(&page, "| Bénévole");
        let entries = table(&page, "| Date");
        let (body, total) = entries.split_at(entries.len() - 1);
        let sum: i64 = body.iter().map(|r| minutes(&r[2])).sum();
        assert_eq!(sum, minutes(&total[0][2]), "{name}: entries add up");
        for r in body {
            assert!(
                !r[5].contains('#') && !r[5].contains('@'),
                "{name}: no markup in what an association reads: {}",
                r[5]
            );
        }
        let people = table(&page, "| Personne");
        let (each, all) = people.split_at(people.len() - 1);
        for col in 1..=4 {
            assert_eq!(
                each.iter().map(|r| minutes(&r[col])).sum::<i64>(),
                minutes(&all[0][col]),
                "{name}: column {col} of the people"
            );
        }
        assert_eq!(
            sum,
            minutes(&top[0][3]),
            "{name}: entries equal the page's total"
        );
    }
    assert_eq!(pages, 5, "one page per association");

    // Valuation: one line per rate in force, values add up, volunteer hours match.
    let amis = read("amis.md");
    assert!(amis.contains(
        "Comptes\u{a0}: 864 «\u{a0}Personnel bénévole\u{a0}» (débit) / 875 «\u{a0}Bénévolat\u{a0}» (crédit)\u{a0}: 327,03\u{a0}EUR"
    ));
    let rates = table(&amis, "| Taux horaire");
    let (body, total) = rates.split_at(rates.len() - 1);
    assert_eq!(body.len(), 2, "two dated rates used in October: {rates:?}");
    let cents = |v: &str| -> i64 {
        v.trim_matches('*')
            .trim_end_matches("\u{a0}EUR")
            .replace(',', "")
            .parse()
            .expect("value")
    };
    assert_eq!(
        body.iter().map(|r| cents(&r[2])).sum::<i64>(),
        cents(&total[0][2])
    );
    let people = table(&amis, "| Personne");
    assert_eq!(
        minutes(&total[0][1]),
        minutes(&people.last().expect("total")[1]),
        "every volunteer's hours are valued"
    );
    assert_eq!(total[0][1], "**27:15**", "person-hours: {rates:?}");
    assert_eq!(cents(&total[0][2]), 32703, "{rates:?}");
    insta::assert_snapshot!("demo-amis", amis);
    insta::assert_snapshot!("demo-summary", summary);
}

fn total_of(summary: &str) -> String {
    let rows = table(summary, "| Association");
    rows.last().expect("total row")[4].clone()
}

#[test]
fn demo_mail_matches_its_snapshot() {
    use mail_parser::{MessageParser, MimeHeaders};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().expect("tempdir");
    // The demo config with its own store, so that no earlier send of the demo changes it.
    let demo = root.join("fixtures/demo");
    let config = std::fs::read_to_string(demo.join("caltally.toml"))
        .expect("demo config")
        .replace(
            "store = \"../../target/demo/caltally.db\"",
            &format!("store = \"{}\"", out.path().join("store.db").display()),
        )
        .replace(
            "ics = \"collectif.ics\"",
            &format!("ics = \"{}\"", demo.join("collectif.ics").display()),
        );
    assert!(config.contains("store.db") && config.contains("fixtures/demo/collectif.ics"));
    std::fs::write(out.path().join("caltally.toml"), config).expect("config");
    Command::cargo_bin("caltally")
        .expect("binary")
        .current_dir(root)
        .env("CALTALLY_NOW", "2026-11-03T06:00:00+01:00")
        .arg("--config")
        .arg(out.path().join("caltally.toml"))
        .args(["send", "--month", "2026-10", "--dry-run", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let bytes = std::fs::read(out.path().join("amis-2026-10.eml")).expect("amis-2026-10.eml");
    let m = MessageParser::default().parse(&bytes).expect("a message");
    let header = |name: &str| m.header_raw(name).unwrap_or_default().trim().to_string();
    let attachments: Vec<String> = m
        .attachments()
        .map(|a| {
            let name = a.attachment_name().unwrap_or_default();
            // A spreadsheet's compressed size varies from one run to the next.
            if name.ends_with(".ods") {
                use calamine::Reader as _;
                let book = calamine::Ods::new(std::io::Cursor::new(a.contents().to_vec()));
                assert!(book.is_ok(), "{name} is a spreadsheet");
                let kind = a.content_type().map_or(String::new(), |c| {
                    format!(
                        "{}/{}",
                        c.c_type,
                        c.c_subtype.as_deref().unwrap_or_default()
                    )
                });
                format!("{name} ({kind})")
            } else {
                format!("{name} ({} bytes)", a.contents().len())
            }
        })
        .collect();
    let shown = format!(
        "From: {}\nReply-To: {}\nTo: {}\nCc: {}\nSubject: {}\nDate: {}\nMessage-ID: {}\nAttachments: {}\n\n{}",
        header("From"),
        header("Reply-To"),
        header("To"),
        header("Cc"),
        m.subject().unwrap_or_default(),
        header("Date"),
        header("Message-ID"),
        attachments.join(", "),
        m.body_text(0).unwrap_or_default()
    );
    insta::assert_snapshot!("demo-mail-amis", shown);
}
