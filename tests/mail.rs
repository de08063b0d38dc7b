// SPDX-License-Identifier: GPL-3.0-or-later
//! `send` against a real SMTP server (aiosmtpd with STARTTLS on a self-signed certificate
//! and AUTH, writing a Maildir): one message per association, then none; the messages parsed
//! back (RFC 2047 subject, parts, attachments, totals equal to the CSV); `--dry-run`;
//! `--to`; a refused recipient; corrections after amendments; implicit TLS; a session that
//! breaks off after the message (never resent blindly); an interrupted run.
//!
//! The calendar is `fixtures/sync/collectif.ics` (October 2025), read as a local source;
//! `tests/run.rs` does the same through Radicale.

#[path = "support/smtp.rs"]
mod smtp;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use mail_parser::{MessageParser, MimeHeaders};
use predicates::prelude::*;

use smtp::{SinkOptions, start_sink};

const MONTH: &str = "2025-10";

/// Associations with an address, and their names: `collectif` has none and gets nothing.
const ASSOCIATIONS: &[(&str, &str, &[&str])] = &[
    ("amis", "Les Amis du Quartier", &["tresorerie@amis.example"]),
    (
        "ecole",
        "École des Devoirs",
        &["secretariat@ecole.example", "direction@ecole.example"],
    ),
    ("radio", "Radio Libre", &["bureau@radio.example"]),
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/sync")
        .join(name)
}

/// A config reading `calendar` and sending through `sink`.
fn setup(sink: &smtp::Sink, calendar: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = format!(
        "timezone = \"Europe/Brussels\"\nlang = \"fr\"\nstore = \"store.db\"\noutput = \"out\"\n\
         [[source]]\nics = \"{}\"\n[associations.collectif]\nname = \"Le collectif\"\n",
        calendar.display()
    );
    for (key, name, emails) in ASSOCIATIONS {
        let list: Vec<String> = emails.iter().map(|e| format!("\"{e}\"")).collect();
        text.push_str(&format!(
            "[associations.{key}]\nname = \"{name}\"\nemail = [{}]\n",
            list.join(", ")
        ));
    }
    text.push_str(&format!(
        "{}from = \"Le collectif <help@collectif.example>\"\ncc = [\"archives@collectif.example\"]\n\
         attach = [\"ods\", \"csv\", \"md\"]\n",
        sink.mail_section()
    ));
    std::fs::write(dir.path().join("caltally.toml"), text).expect("config");
    dir
}

fn caltally(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("caltally").expect("binary");
    cmd.current_dir(dir)
        .env("CALTALLY_TEST_SMTP_PASSWORD", smtp::SMTP_PASSWORD)
        .env("CALTALLY_NOW", "2025-11-03T06:00:00+01:00")
        .arg("--config")
        .arg(dir.join("caltally.toml"));
    cmd
}

/// One message, parsed back.
struct Parsed {
    subject: String,
    raw_subject: String,
    to: Vec<String>,
    cc: Vec<String>,
    reply_to: String,
    rcpt: String,
    text: String,
    html: String,
    attachments: BTreeMap<String, String>,
    /// The attachments' bytes, for the spreadsheets.
    files: BTreeMap<String, Vec<u8>>,
    message_id: String,
    in_reply_to: String,
    references: String,
}

fn parse(bytes: &[u8]) -> Parsed {
    let m = MessageParser::default().parse(bytes).expect("a message");
    let list = |a: Option<&mail_parser::Address<'_>>| -> Vec<String> {
        a.map(|a| {
            a.iter()
                .filter_map(|x| x.address().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
    };
    Parsed {
        subject: m.subject().unwrap_or_default().to_string(),
        raw_subject: m
            .header_raw("Subject")
            .unwrap_or_default()
            .trim()
            .to_string(),
        to: list(m.to()),
        cc: list(m.cc()),
        reply_to: list(m.reply_to()).join(","),
        rcpt: m
            .header_raw("X-RcptTo")
            .unwrap_or_default()
            .trim()
            .to_string(),
        text: m.body_text(0).unwrap_or_default().into_owned(),
        html: m.body_html(0).unwrap_or_default().into_owned(),
        attachments: m
            .attachments()
            .map(|a| {
                (
                    a.attachment_name().unwrap_or_default().to_string(),
                    String::from_utf8_lossy(a.contents()).into_owned(),
                )
            })
            .collect(),
        message_id: m
            .header_raw("Message-ID")
            .unwrap_or_default()
            .trim()
            .to_string(),
        in_reply_to: m
            .header_raw("In-Reply-To")
            .unwrap_or_default()
            .trim()
            .to_string(),
        // Unfolded: one space between the Message-IDs.
        references: m
            .header_raw("References")
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        files: m
            .attachments()
            .map(|a| {
                (
                    a.attachment_name().unwrap_or_default().to_string(),
                    a.contents().to_vec(),
                )
            })
            .collect(),
    }
}

/// The total of the detail sheet of a spreadsheet, in minutes (the cell stored beside its
/// formula).
fn ods_total(bytes: Vec<u8>) -> i64 {
    use calamine::{Data, Reader};
    let mut book = calamine::Ods::new(std::io::Cursor::new(bytes)).expect("a spreadsheet");
    let detail = book.worksheet_range("Détail").expect("its Détail sheet");
    let last = detail.rows().next_back().expect("a total row");
    match &last[3] {
        Data::DurationIso(d) => {
            let body = d.trim_start_matches("PT");
            let (h, rest) = body.split_once('H').expect("hours");
            let (m, _) = rest.split_once('M').expect("minutes");
            h.parse::<i64>().expect("h") * 60 + m.parse::<i64>().expect("m")
        }
        other => panic!("the total is not a duration: {other:?}"),
    }
}

fn by_recipient(messages: &[Vec<u8>]) -> BTreeMap<String, Parsed> {
    messages
        .iter()
        .map(|m| {
            let p = parse(m);
            (p.to.join(","), p)
        })
        .collect()
}

/// Sum of the `minutes` column of an entries CSV.
fn csv_minutes(csv: &str) -> i64 {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let column = reader
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == "minutes")
        .expect("minutes column");
    reader
        .records()
        .map(|r| r.expect("row")[column].parse::<i64>().expect("minutes"))
        .sum()
}

fn hm(minutes: i64) -> String {
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

#[test]
fn send_once_per_association_and_messages_parse_back() {
    let sink = start_sink(SinkOptions::default());
    let dir = setup(&sink, &fixture("collectif.ics"));
    let d = dir.path();
    caltally(d)
        .args(["send", "--month", MONTH])
        .assert()
        .success()
        .stdout(predicate::str::contains("2025-10 closed"));
    let messages = sink.messages();
    assert_eq!(messages.len(), ASSOCIATIONS.len(), "{}", sink.log());
    caltally(d)
        .args(["send", "--month", MONTH])
        .assert()
        .success()
        .stdout(predicate::str::contains("0 sent, 3 already sent"));
    assert_eq!(sink.messages().len(), ASSOCIATIONS.len(), "sent once");

    // The month's own report, to compare the totals with.
    caltally(d)
        .args(["report", "--month", MONTH, "--out", "report"])
        .assert()
        .success();
    let summary = std::fs::read_to_string(d.join("report/summary.csv")).expect("summary.csv");
    let total_of = |key: &str| -> i64 {
        let line = summary
            .lines()
            .find(|l| l.starts_with(&format!("association,{key},")))
            .unwrap_or_else(|| panic!("{key} in summary.csv"));
        line.split(',')
            .nth(6)
            .expect("total_minutes")
            .parse()
            .expect("n")
    };

    let mails = by_recipient(&messages);
    for (key, name, emails) in ASSOCIATIONS {
        let m = mails
            .get(&emails.join(","))
            .unwrap_or_else(|| panic!("a message to {emails:?}: {:?}", mails.keys()));
        assert_eq!(
            m.subject,
            format!("Rapport d'heures — {name} — octobre 2025")
        );
        assert!(
            m.raw_subject.contains("=?utf-8?"),
            "RFC 2047: {}",
            m.raw_subject
        );
        assert_eq!(m.cc, ["archives@collectif.example"]);
        assert_eq!(m.reply_to, "help@collectif.example");
        for e in emails.iter().chain(["archives@collectif.example"].iter()) {
            assert!(m.rcpt.contains(e), "envelope to {e}: {}", m.rcpt);
        }
        let title = format!("{name} — Rapport d'heures octobre 2025");
        assert!(
            m.text.replace("\r\n", "\n").contains(&format!(
                "\n{title}\n{}\n",
                "=".repeat(title.chars().count())
            )),
            "{}",
            m.text
        );
        // The plain-text part is plain text: no Markdown escapes, pipes or stars.
        for markup in ["\\", "|", "**", "## ", "\n# "] {
            assert!(!m.text.contains(markup), "`{markup}` in {}", m.text);
        }
        assert!(m.html.contains("<table style=\"border-collapse:collapse"));
        assert!(m.html.contains(&format!(">{name} — ")), "{}", m.html);
        let names: Vec<&String> = m.attachments.keys().collect();
        assert_eq!(
            names,
            [
                &format!("{key}-{MONTH}-data.csv"),
                &format!("{key}-{MONTH}.md"),
                &format!("{key}-{MONTH}.ods")
            ]
        );
        let csv = &m.attachments[&format!("{key}-{MONTH}-data.csv")];
        let ods = m.files[&format!("{key}-{MONTH}.ods")].clone();
        assert_eq!(
            ods_total(ods),
            csv_minutes(csv),
            "{key}: the spreadsheet's total is the CSV's"
        );
        assert!(
            csv.lines().skip(1).all(|l| l.contains(&format!(",{key},"))),
            "only its own entries: {csv}"
        );
        let minutes = csv_minutes(csv);
        assert!(minutes > 0);
        assert_eq!(minutes, total_of(key), "{key}: CSV = summary.csv");
        let total_in_body = m
            .text
            .lines()
            .skip_while(|l| !l.trim_end().ends_with("Non précisé  Total"))
            .nth(1)
            .and_then(|l| l.split_whitespace().last());
        assert_eq!(
            total_in_body,
            Some(hm(minutes).as_str()),
            "{key}: the total in the body is the CSV's {}: {}",
            hm(minutes),
            m.text
        );
        // The mail closed the month; the report written since shows the closed page.
        let attached = &m.attachments[&format!("{key}-{MONTH}.md")];
        assert!(
            attached.contains("**Clôturé le 3 novembre 2025**. Établi le 3 novembre 2025."),
            "{attached}"
        );
        let page = std::fs::read_to_string(d.join(format!("report/{key}.md"))).expect("page");
        assert_eq!(
            attached.trim_end(),
            page.trim_end(),
            "the attached page is the report's"
        );
    }
}

#[test]
fn a_month_that_is_not_over_is_not_sent() {
    let sink = start_sink(SinkOptions::default());
    let dir = setup(&sink, &fixture("collectif.ics"));
    let d = dir.path();
    caltally(d)
        .env("CALTALLY_NOW", "2025-10-31T20:00:00+01:00")
        .args(["send", "--month", MONTH])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "2025-10 is not over yet: it can be sent from 2025-11-01 on",
        ));
    assert!(sink.messages().is_empty());
    caltally(d)
        .env("CALTALLY_NOW", "2025-10-31T20:00:00+01:00")
        .args(["send", "--month", MONTH, "--dry-run"])
        .assert()
        .success();
}

#[test]
fn dry_run_writes_eml_files_and_sends_nothing() {
    let sink = start_sink(SinkOptions::default());
    let dir = setup(&sink, &fixture("collectif.ics"));
    let d = dir.path();
    caltally(d)
        .args(["send", "--month", MONTH, "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains("3 message(s) written"));
    assert!(sink.messages().is_empty(), "nothing sent");
    assert!(!d.join("store.db").exists(), "the store is not touched");
    let mut files: Vec<String> = std::fs::read_dir(d.join("out/mail/2025-10"))
        .expect("eml dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["amis-2025-10.eml", "ecole-2025-10.eml", "radio-2025-10.eml"]
    );
    let ecole = parse(&std::fs::read(d.join("out/mail/2025-10/ecole-2025-10.eml")).expect("eml"));
    assert_eq!(
        ecole.subject,
        "Rapport d'heures — École des Devoirs — octobre 2025"
    );
    assert_eq!(
        ecole.to,
        ["secretariat@ecole.example", "direction@ecole.example"]
    );
    // Then the real thing still sends everything.
    caltally(d)
        .args(["send", "--month", MONTH])
        .assert()
        .success();
    assert_eq!(sink.messages().len(), 3);
}

#[test]
fn to_address_tries_out_without_logging() {
    let sink = start_sink(SinkOptions::default());
    let dir = setup(&sink, &fixture("collectif.ics"));
    let d = dir.path();
    caltally(d)
        .args(["send", "--month", MONTH, "--to", "moi@collectif.example"])
        .assert()
        .success();
    let tried = sink.messages();
    assert_eq!(tried.len(), 3);
    for m in &tried {
        let p = parse(m);
        assert_eq!(p.to, ["moi@collectif.example"]);
        assert!(p.cc.is_empty(), "no Cc when trying out");
        assert_eq!(p.rcpt, "moi@collectif.example");
    }
    caltally(d)
        .args(["send", "--month", MONTH])
        .assert()
        .success();
    assert_eq!(
        sink.messages().len(),
        6,
        "trying out logged nothing as sent"
    );
}

#[test]
fn a_refused_recipient_does_not_stop_the_others_and_is_retried() {
    let mut sink = start_sink(SinkOptions {
        refuse: vec!["bureau@radio.example".into()],
        ..SinkOptions::default()
    });
    let dir = setup(&sink, &fixture("collectif.ics"));
    let d = dir.path();
    caltally(d)
        .args(["send", "--month", MONTH])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("radio: not sent to bureau@radio.example")
                .and(predicate::str::contains("tried again on the next run")),
        );
    let first = by_recipient(&sink.messages());
    assert_eq!(first.len(), 2, "{:?}", first.keys());
    assert!(!first.keys().any(|k| k.contains("radio")));

    sink.restart_with(SinkOptions::default());
    caltally(d)
        .args(["send", "--month", MONTH])
        .assert()
        .success()
        .stdout(predicate::str::contains("1 sent, 2 already sent"));
    let second = by_recipient(&sink.messages());
    assert_eq!(second.len(), 3);
    assert_eq!(
        second["bureau@radio.example"].subject,
        "Rapport d'heures — Radio Libre — octobre 2025"
    );
    caltally(d)
        .args(["send", "--month", MONTH])
        .assert()
        .success();
    assert_eq!(sink.messages().len(), 3);
}

/// The event `uid` removed from `ics`.
fn without(ics: &str, uid: &str) -> String {
    let at = ics.find(&format!("UID:{uid}")).expect("the event");
    let begin = ics[..at].rfind("BEGIN:VEVENT").expect("begin");
    let end = at + ics[at..].find("END:VEVENT\r\n").expect("end") + 12;
    format!("{}{}", &ics[..begin], &ics[end..])
}

/// `ics` with one more event.
fn with_event(ics: &str, uid: &str, start: &str, end: &str, summary: &str) -> String {
    let event = format!(
        "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20251102T080000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\n"
    );
    let at = ics.rfind("END:VCALENDAR").expect("end of calendar");
    format!("{}{event}{}", &ics[..at], &ics[at..])
}

fn corrections(sink: &smtp::Sink) -> Vec<Parsed> {
    sink.messages()
        .iter()
        .map(|m| parse(m))
        .filter(|p| p.subject.starts_with("Rectificatif"))
        .collect()
}

#[test]
fn amendments_are_sent_once_as_a_correction() {
    let sink = start_sink(SinkOptions::default());
    let calendar = tempfile::tempdir().expect("calendar dir");
    let ics = calendar.path().join("collectif.ics");
    let original = std::fs::read_to_string(fixture("collectif.ics")).expect("fixture");
    std::fs::write(&ics, &original).expect("copy");
    let dir = setup(&sink, &ics);
    let d = dir.path();
    // An association with an address and no entry in the closed month.
    let config = std::fs::read_to_string(d.join("caltally.toml")).expect("config");
    std::fs::write(
        d.join("caltally.toml"),
        config.replace(
            "[mail]",
            "[associations.jardin]\nname = \"Jardin Partagé\"\nemail = [\"jardin@potager.example\"]\n[mail]",
        ),
    )
    .expect("config");
    caltally(d)
        .args(["send", "--month", MONTH])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "1 association(s) with no entries this month got nothing",
        ));
    assert_eq!(
        sink.messages().len(),
        3,
        "no mail for an association without entries"
    );

    // After the mails: the radio's supplier call is deleted, and the garden gets 2 h.
    let edited = with_event(
        &without(&original, "appel@collectif.test"),
        "taille@collectif.test",
        "20251025T080000Z",
        "20251025T100000Z",
        "Taille des haies #jardin #benevole",
    );
    std::fs::write(&ics, &edited).expect("edit");

    caltally(d)
        .args(["send", "--month", MONTH])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "jardin has entries only since the closing",
        ));
    assert_eq!(sink.messages().len(), 3, "plain send never resends");
    caltally(d)
        .args(["send", "--month", MONTH, "--amendments"])
        .assert()
        .success()
        .stdout(predicate::str::contains("2 sent, 2 already sent"));
    assert_eq!(sink.messages().len(), 5);
    let first = corrections(&sink);
    let radio = first
        .iter()
        .find(|c| c.to == ["bureau@radio.example"])
        .expect("a correction to the radio");
    assert_eq!(
        radio.subject,
        "Rectificatif\u{a0}: Rapport d'heures — Radio Libre — octobre 2025"
    );
    let text = radio.text.replace("\r\n", "\n");
    let (changes, totals) = text
        .split("Changements depuis notre dernier envoi\n")
        .nth(1)
        .expect("the changes")
        .split_once("Totaux du mois\n")
        .expect("then the totals");
    assert_eq!(
        changes.lines().filter(|l| l.starts_with("- ")).count(),
        1,
        "{changes}"
    );
    let changes = changes.replace('\u{a0}', " ");
    assert!(
        changes.contains(
            "- jeudi 23 octobre, 15 h – 15 h 30 : retiré (30 min, rémunéré) — Appel fournisseur"
        ),
        "a letter's words, no UID, no ISO time: {changes}"
    );
    assert!(!changes.contains("@collectif.test") && !changes.contains("2025-10-23"));
    let now = csv_minutes(&radio.attachments[&format!("radio-{MONTH}-data.csv")]);
    assert!(
        totals
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["Total", hm(now + 30).as_str(), hm(now).as_str()]),
        "the totals before and now, in columns: {totals}"
    );
    let radio_report = by_recipient(&sink.messages()[..3])
        .remove("bureau@radio.example")
        .expect("the radio's report");
    assert!(radio_report.in_reply_to.is_empty() && radio_report.references.is_empty());
    assert_eq!(
        radio.in_reply_to, radio_report.message_id,
        "the correction answers the report"
    );
    assert_eq!(radio.references, radio_report.message_id);
    let csv = &radio.attachments[&format!("radio-{MONTH}-data.csv")];
    assert!(
        !csv.contains("appel@collectif.test"),
        "the corrected entries"
    );
    let page = &radio.attachments[&format!("radio-{MONTH}.md")];
    assert!(
        page.contains(&format!("**{}**", hm(csv_minutes(csv)))),
        "the attached page is the corrected one, its total equal to the CSV: {page}"
    );
    assert!(
        !radio.text.contains("Rectificatifs depuis la clôture"),
        "the body shows the corrected page, not the closed one"
    );
    assert_eq!(first.len(), 1, "the garden's first mail is no correction");
    let garden = by_recipient(&sink.messages())
        .remove("jardin@potager.example")
        .expect("the garden hears of its new hours");
    assert_eq!(
        garden.subject,
        "Rapport d'heures — Jardin Partagé — octobre 2025"
    );
    assert!(garden.text.contains("Taille des haies"), "{}", garden.text);
    assert_eq!(
        csv_minutes(&garden.attachments[&format!("jardin-{MONTH}-data.csv")]),
        120
    );

    caltally(d)
        .args(["send", "--month", MONTH, "--amendments"])
        .assert()
        .success();
    assert_eq!(sink.messages().len(), 5, "a correction goes once");

    // The call comes back: the radio is told again, relative to its last mail.
    std::fs::write(&ics, &original).expect("revert");
    caltally(d)
        .args(["send", "--month", MONTH, "--amendments"])
        .assert()
        .success()
        .stdout(predicate::str::contains("2 sent"));
    let second = corrections(&sink);
    assert_eq!(second.len(), 3);
    let radio_again = second
        .iter()
        .filter(|c| c.to == ["bureau@radio.example"])
        .find(|c| {
            c.text.contains(
                "15\u{a0}h\u{a0}30\u{a0}: ajouté (30\u{a0}min, rémunéré) — Appel fournisseur",
            )
        })
        .expect("the call is announced as added back");
    assert!(
        radio_again.attachments[&format!("radio-{MONTH}-data.csv")]
            .contains("appel@collectif.test")
    );
    assert_eq!(radio_again.in_reply_to, radio_report.message_id);
    assert_eq!(
        radio_again.references,
        format!("{} {}", radio_report.message_id, radio.message_id),
        "the thread, oldest first"
    );
    assert!(
        second.iter().any(|c| c.to == ["jardin@potager.example"]
            && c.text
                .contains(": retiré (2\u{a0}h, bénévole) — Taille des haies")),
        "the garden's hours are withdrawn again"
    );
}

#[test]
fn implicit_tls_delivers() {
    let sink = start_sink(SinkOptions {
        smtps: true,
        ..SinkOptions::default()
    });
    let dir = setup(&sink, &fixture("collectif.ics"));
    caltally(dir.path())
        .args(["send", "--month", MONTH, "--association", "ecole"])
        .assert()
        .success();
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        parse(&messages[0]).subject,
        "Rapport d'heures — École des Devoirs — octobre 2025"
    );
}

#[test]
fn a_wrong_password_stops_at_the_first_refusal_and_logs_nothing() {
    let sink = start_sink(SinkOptions::default());
    let dir = setup(&sink, &fixture("collectif.ics"));
    let d = dir.path();
    caltally(d)
        .env("CALTALLY_TEST_SMTP_PASSWORD", "wrong")
        .args(["send", "--month", MONTH])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("refused the SMTP user name or password")
                .and(predicate::str::contains("no other association was tried"))
                .and(predicate::str::contains("fix `username` and the password"))
                .and(predicate::str::contains("2025-10 stays open")),
        )
        .stdout(predicate::str::contains("0 sent").and(predicate::str::contains("closed").not()));
    assert_eq!(
        sink.auth_attempts(),
        1,
        "one AUTH, not one per association: {}",
        sink.log()
    );
    assert!(sink.messages().is_empty());
    let store = caltally::store::Store::open(&d.join("store.db")).expect("store");
    assert!(
        store.closing(MONTH).expect("closing").is_none(),
        "the month stays open"
    );
    for (key, _, _) in ASSOCIATIONS {
        assert!(
            store.sent(key, MONTH).expect("log").is_empty(),
            "{key}: nothing logged"
        );
    }
    drop(store);
    caltally(d)
        .args(["send", "--month", MONTH])
        .assert()
        .success();
    assert_eq!(sink.messages().len(), 3, "retried with the right password");
}

#[test]
fn an_interrupted_mail_is_not_sent_again_blindly() {
    let sink = start_sink(SinkOptions::default());
    let dir = setup(&sink, &fixture("collectif.ics"));
    let d = dir.path();
    caltally(d)
        .args(["send", "--month", MONTH, "--association", "amis"])
        .assert()
        .success();
    assert_eq!(sink.messages().len(), 1);
    // As if a run had been killed during the SMTP session of the radio's mail.
    let store = caltally::store::Store::open(&d.join("store.db")).expect("store");
    store
        .begin_sending(&caltally::store::SentRow {
            id: 0,
            items: "[]".into(),
            association: "radio".into(),
            month: MONTH.into(),
            fingerprint: "0123456789abcdef".into(),
            kind: "report".into(),
            state: "sending".into(),
            at: 1_762_146_000,
            recipients: "bureau@radio.example".into(),
            message_id: "x@collectif.example".into(),
        })
        .expect("log");
    drop(store);
    caltally(d)
        .args(["send", "--month", MONTH])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("radio: the mail to bureau@radio.example was interrupted")
                .and(predicate::str::contains("--association radio --resend")),
        );
    let after = by_recipient(&sink.messages());
    assert_eq!(after.len(), 2, "ecole sent, radio held: {:?}", after.keys());
    assert!(!after.contains_key("bureau@radio.example"));
    caltally(d)
        .args([
            "send",
            "--month",
            MONTH,
            "--association",
            "radio",
            "--resend",
        ])
        .assert()
        .success();
    assert!(by_recipient(&sink.messages()).contains_key("bureau@radio.example"));
    caltally(d)
        .args(["send", "--month", MONTH])
        .assert()
        .success();
    assert_eq!(sink.messages().len(), 3);
}

#[test]
fn a_session_broken_off_after_the_message_is_never_resent_blindly() {
    let sink = start_sink(SinkOptions {
        hang_up_after_data: true,
        ..SinkOptions::default()
    });
    let dir = setup(&sink, &fixture("collectif.ics"));
    let d = dir.path();
    caltally(d)
        .args(["send", "--month", MONTH, "--association", "radio"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("radio: the session with smtp://localhost")
                .and(predicate::str::contains("may have been delivered")),
        );
    assert_eq!(
        sink.messages().len(),
        1,
        "the server did store it: {}",
        sink.log()
    );
    caltally(d)
        .args(["send", "--month", MONTH, "--association", "radio"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("was interrupted"));
    assert_eq!(sink.messages().len(), 1, "not sent a second time");
}

/// A private copy of the fixture calendar, to edit.
fn calendar_copy() -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().expect("calendar dir");
    let ics = dir.path().join("collectif.ics");
    let original = std::fs::read_to_string(fixture("collectif.ics")).expect("fixture");
    std::fs::write(&ics, &original).expect("copy");
    (dir, ics, original)
}

#[test]
fn an_interrupted_correction_is_resent_as_a_correction() {
    let mut sink = start_sink(SinkOptions::default());
    let (_calendar, ics, original) = calendar_copy();
    let dir = setup(&sink, &ics);
    let d = dir.path();
    caltally(d)
        .args(["send", "--month", MONTH, "--association", "radio"])
        .assert()
        .success();
    std::fs::write(&ics, without(&original, "appel@collectif.test")).expect("edit");
    sink.restart_with(SinkOptions {
        hang_up_after_data: true,
        ..SinkOptions::default()
    });
    caltally(d)
        .args([
            "send",
            "--month",
            MONTH,
            "--amendments",
            "--association",
            "radio",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("may have been delivered"));
    sink.restart_with(SinkOptions::default());
    caltally(d)
        .args([
            "send",
            "--month",
            MONTH,
            "--association",
            "radio",
            "--resend",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("correction sent to Radio Libre"));
    let again = corrections(&sink);
    assert_eq!(again.len(), 2, "the broken-off one, then the resent one");
    assert!(again.iter().all(|c| {
        c.text
            .contains(": retiré (30\u{a0}min, rémunéré) — Appel fournisseur")
    }));
    caltally(d)
        .args(["send", "--month", MONTH, "--amendments"])
        .assert()
        .success();
    assert_eq!(corrections(&sink).len(), 2, "told once it went through");
}

#[test]
fn an_untrusted_certificate_sends_nothing_and_logs_nothing() {
    let sink = start_sink(SinkOptions::default());
    let other = start_sink(SinkOptions::default());
    let dir = setup(&sink, &fixture("collectif.ics"));
    let d = dir.path();
    let config = std::fs::read_to_string(d.join("caltally.toml")).expect("config");
    let good = sink.ca_file.display().to_string();
    std::fs::write(
        d.join("caltally.toml"),
        config.replace(&good, &other.ca_file.display().to_string()),
    )
    .expect("wrong CA");
    caltally(d)
        .args(["send", "--month", MONTH])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("certificate")
                .and(predicate::str::contains("tried again on the next run"))
                .and(predicate::str::contains("may have been delivered").not()),
        );
    assert!(sink.messages().is_empty());
    std::fs::write(d.join("caltally.toml"), config).expect("right CA");
    caltally(d)
        .args(["send", "--month", MONTH])
        .assert()
        .success();
    assert_eq!(sink.messages().len(), 3, "nothing was held as maybe sent");
}

#[test]
fn a_report_sent_after_edits_lists_them_and_no_correction_repeats_them() {
    let sink = start_sink(SinkOptions::default());
    let (_calendar, ics, original) = calendar_copy();
    let dir = setup(&sink, &ics);
    let d = dir.path();
    caltally(d)
        .args(["close", "--month", MONTH])
        .assert()
        .success();
    std::fs::write(&ics, without(&original, "appel@collectif.test")).expect("edit");
    caltally(d)
        .args(["send", "--month", MONTH, "--amendments"])
        .assert()
        .success()
        .stdout(predicate::str::contains("3 sent, 0 already sent"));
    let radio = by_recipient(&sink.messages())
        .remove("bureau@radio.example")
        .expect("the radio's report");
    let listed = radio
        .text
        .split("Rectificatifs depuis la clôture")
        .nth(1)
        .expect("the amendments under the closed report");
    assert!(
        listed.contains(": retiré (30\u{a0}min, rémunéré) — Appel fournisseur")
            && !listed.contains("appel@collectif.test"),
        "{listed}"
    );
    assert!(
        radio.attachments[&format!("radio-{MONTH}-data.csv")].contains("appel@collectif.test"),
        "the closed figures"
    );
    caltally(d)
        .args(["send", "--month", MONTH, "--amendments"])
        .assert()
        .success()
        .stdout(predicate::str::contains("0 sent, 3 already sent"));
    assert_eq!(
        sink.messages().len(),
        3,
        "what the report listed is not told again"
    );
}
