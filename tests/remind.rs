// SPDX-License-Identifier: GPL-3.0-or-later
//! `remind` against a real SMTP server, on the demo calendar (October 2026): each person who
//! owns a `check` problem gets one message listing exactly their own events, the events that
//! name nobody go to the collective, no association gets anything; nothing is sent again for
//! the same list; once a person fixes their event in a real CalDAV server (Radicale, edited
//! with the python `caldav` client) they get nothing more and the others nothing new. And
//! `run` on fixed days: the reminders `remind_days_before` days before `send_on_day`, the
//! reports on that day, each once.

#[path = "support/servers.rs"]
mod servers;
#[path = "support/smtp.rs"]
mod smtp;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use mail_parser::MessageParser;
use predicates::prelude::*;

fn demo(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/demo")
        .join(name)
}

const PEOPLE: &[(&str, &str)] = &[
    ("alice", "alice@collectif.example"),
    ("bruno", "bruno@collectif.example"),
    ("chloe", "chloe@collectif.example"),
    ("driss", "driss@collectif.example"),
];
const COLLECTIVE: &str = "help@collectif.example";
const ASSOCIATIONS: &[&str] = &[
    "tresorerie@amis.example",
    "secretariat@ecole-devoirs.example",
    "bureau@radiolibre.example",
    "jardin@potager.example",
];

/// The demo's config with `source` in place of its `[[source]]`, a store in the temporary
/// directory, and `[mail]` sending through `sink` (`extra` ends the `[mail]` section).
fn demo_config(dir: &Path, source: &str, sink: &smtp::Sink, extra: &str) {
    let text = std::fs::read_to_string(demo("caltally.toml")).expect("demo config");
    let head = text
        .split("\n[mail]")
        .next()
        .expect("the part before [mail]");
    let head = head.replace("ics = \"collectif.ics\"", source).replace(
        "store = \"../../target/demo/caltally.db\"",
        "store = \"state/caltally.db\"",
    );
    assert!(
        head.contains(source),
        "the demo config changed: adapt this test"
    );
    let config = format!(
        "{head}\n{}from = \"Le collectif <{COLLECTIVE}>\"\ncc = [\"{COLLECTIVE}\"]\nsend_on_day = 3\n{extra}",
        sink.mail_section()
    );
    std::fs::write(dir.join("caltally.toml"), config).expect("config");
}

fn caltally(dir: &Path, now: &str) -> Command {
    let mut cmd = Command::cargo_bin("caltally").expect("binary");
    cmd.current_dir(dir)
        .env("CALTALLY_TEST_PASSWORD", servers::PASSWORD)
        .env("CALTALLY_TEST_SMTP_PASSWORD", smtp::SMTP_PASSWORD)
        .env("CALTALLY_NOW", now)
        .arg("--config")
        .arg(dir.join("caltally.toml"));
    cmd
}

/// Recipient → the text part of each message sent to them, in order.
fn by_recipient(messages: &[Vec<u8>]) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for raw in messages {
        let m = MessageParser::default().parse(raw).expect("a message");
        let text = m.body_text(0).unwrap_or_default().into_owned();
        for to in m.to().into_iter().flat_map(|a| a.iter()) {
            let address = to.address().unwrap_or_default().to_string();
            map.entry(address).or_default().push(text.clone());
        }
    }
    map
}

/// `check --format json` of October 2026: person → the summaries of their problems.
fn problems(dir: &Path, now: &str) -> BTreeMap<String, Vec<String>> {
    let out = caltally(dir, now)
        .args(["check", "--month", "2026-10", "--format", "json"])
        .output()
        .expect("check runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in findings {
        let person = f["person"].as_str().unwrap_or_default().to_string();
        let summary = f["summary"].as_str().unwrap_or_default().to_string();
        map.entry(person).or_default().push(summary);
    }
    map
}

fn address_of(person: &str) -> &'static str {
    PEOPLE
        .iter()
        .find(|(k, _)| *k == person)
        .map_or(COLLECTIVE, |(_, a)| a)
}

/// Each recipient got one message listing exactly the problems `check` gives them.
fn assert_each_got_their_own(
    mail: &BTreeMap<String, Vec<String>>,
    expected: &BTreeMap<String, Vec<String>>,
) {
    let recipients: Vec<&str> = expected.keys().map(|p| address_of(p)).collect();
    assert_eq!(
        mail.keys().map(String::as_str).collect::<Vec<_>>(),
        {
            let mut r = recipients.clone();
            r.sort_unstable();
            r
        },
        "exactly the people who own a problem, and the collective"
    );
    for (person, summaries) in expected {
        let texts = &mail[address_of(person)];
        assert_eq!(texts.len(), 1, "{person}: one message");
        let text = &texts[0];
        assert_eq!(
            text.matches("\n- ").count(),
            summaries.len(),
            "{person}: one line per problem\n{text}"
        );
        for s in summaries {
            assert!(text.contains(s.as_str()), "{person}: {s}\n{text}");
        }
        for (other, theirs) in expected.iter().filter(|(p, _)| *p != person) {
            for s in theirs.iter().filter(|s| !summaries.contains(s)) {
                assert!(!text.contains(s.as_str()), "{person} got {other}'s {s}");
            }
        }
        assert!(text.contains("3 novembre 2026"), "{text}");
    }
}

#[test]
fn each_person_is_reminded_of_their_own_events_once_per_state() {
    let server = servers::start_radicale();
    server.populate(
        "collectif",
        &["--create", &demo("collectif.ics").display().to_string()],
    );
    let sink = smtp::start_sink(smtp::SinkOptions::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let source = format!(
        "caldav = \"{}\"\nusername = \"{}\"\npassword_env = \"CALTALLY_TEST_PASSWORD\"",
        server.base_url,
        servers::USER
    );
    demo_config(d, &source, &sink, "");
    let now = "2026-11-01T07:00:00+01:00";
    caltally(d, now).arg("sync").assert().success();
    let expected = problems(d, now);
    assert!(expected.len() >= 3, "{expected:?}");

    caltally(d, now)
        .args(["remind", "--month", "2026-10"])
        .assert()
        .success()
        .stdout(predicate::str::contains("reminder sent to Alice Dubois"))
        .stdout(predicate::str::contains("4 reminder(s) sent"));
    let mail = by_recipient(&sink.messages());
    assert_each_got_their_own(&mail, &expected);
    for a in ASSOCIATIONS {
        assert!(!mail.contains_key(*a), "{a} got a reminder");
    }
    assert!(
        !mail.contains_key("driss@collectif.example"),
        "nothing to fix"
    );
    let count = sink.messages().len();

    // The same problems: nothing new.
    caltally(d, now)
        .args(["remind", "--month", "2026-10"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "0 reminder(s) sent, 4 unchanged since the last one",
        ));
    assert_eq!(sink.messages().len(), count);

    // Alice keeps one association in her event, in the calendar app.
    let uid = "66519754-72b1-4ea8-bbb4-d99c0524cc0a";
    let script = d.join("fix.json");
    std::fs::write(
        &script,
        format!(
            "[{{\"op\": \"edit-summary\", \"uid\": \"{uid}\", \"summary\": \"Visio commune : site mutualisé #amis #benevole\"}}]"
        ),
    )
    .expect("script");
    server.populate("collectif", &["--apply", &script.display().to_string()]);
    caltally(d, now).arg("sync").assert().success();
    assert!(!problems(d, now).contains_key("alice"), "fixed");
    caltally(d, now)
        .args(["remind", "--month", "2026-10"])
        .assert()
        .success();
    assert_eq!(
        sink.messages().len(),
        count,
        "nothing for Alice, nothing new for the others"
    );

    // The problem comes back: Alice is told again, and only she.
    std::fs::write(
        &script,
        format!(
            "[{{\"op\": \"edit-summary\", \"uid\": \"{uid}\", \"summary\": \"Visio commune Amis / Radio : site mutualisé #amis #radio #benevole\"}}]"
        ),
    )
    .expect("script");
    server.populate("collectif", &["--apply", &script.display().to_string()]);
    caltally(d, now).arg("sync").assert().success();
    caltally(d, now)
        .args(["remind", "--month", "2026-10"])
        .assert()
        .success();
    let again = by_recipient(&sink.messages()[count..]);
    assert_eq!(
        again.keys().collect::<Vec<_>>(),
        ["alice@collectif.example"]
    );
}

#[test]
fn dry_run_and_to_log_nothing() {
    let sink = smtp::start_sink(smtp::SinkOptions::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let source = format!("ics = \"{}\"", demo("collectif.ics").display());
    demo_config(d, &source, &sink, "");
    let now = "2026-11-01T07:00:00+01:00";
    // The default month is last month, not sent yet.
    caltally(d, now)
        .args(["remind", "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains("4 reminder(s) written"));
    let eml = std::fs::read_to_string(d.join("reports/mail/2026-10/remind-alice.eml"))
        .expect("alice's .eml");
    assert!(eml.contains("To: alice@collectif.example"), "{eml}");
    assert!(
        d.join("reports/mail/2026-10/remind-collective.eml")
            .exists()
    );
    assert!(sink.messages().is_empty());
    caltally(d, now)
        .args([
            "remind",
            "--to",
            "me@collectif.example",
            "--person",
            "bruno",
        ])
        .assert()
        .success();
    let mail = by_recipient(&sink.messages());
    assert_eq!(mail.keys().collect::<Vec<_>>(), ["me@collectif.example"]);
    assert!(mail["me@collectif.example"][0].contains("Rangement du local"));
    // Neither logged anything: the real run mails everyone.
    caltally(d, now)
        .arg("remind")
        .assert()
        .success()
        .stdout(predicate::str::contains("4 reminder(s) sent"));
    caltally(d, now)
        .args(["remind", "--person", "nobody"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--person `nobody`"));
}

#[test]
fn run_reminds_before_send_on_day_and_sends_the_reports_on_it() {
    let sink = smtp::start_sink(smtp::SinkOptions::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let source = format!("ics = \"{}\"", demo("collectif.ics").display());
    demo_config(d, &source, &sink, "remind_days_before = 2\n");
    let run = |now: &str| {
        caltally(d, now)
            .arg("run")
            .assert()
            .success()
            .stdout("")
            .stderr(predicate::str::contains("error").not());
    };
    // Three days before: September's reports may go out, no reminder.
    run("2026-10-31T02:30:00+01:00");
    let before = sink.messages().len();
    assert!(
        by_recipient(&sink.messages())
            .keys()
            .all(|to| ASSOCIATIONS.contains(&to.as_str())),
        "no reminder three days before"
    );
    run("2026-11-01T02:30:00+01:00");
    let reminders = by_recipient(&sink.messages()[before..]);
    assert_eq!(sink.messages().len(), before + 4, "{}", sink.log());
    assert!(
        reminders
            .keys()
            .all(|to| to.ends_with("@collectif.example"))
    );
    // The eve: the same problems, nothing again.
    run("2026-11-02T02:30:00+01:00");
    assert_eq!(sink.messages().len(), before + 4);
    run("2026-11-03T02:30:00+01:00");
    let all = by_recipient(&sink.messages()[before + 4..]);
    assert!(
        all.keys().all(|to| ASSOCIATIONS.contains(&to.as_str())),
        "{all:?}"
    );
    assert!(!all.is_empty(), "the reports went out");
    let sent = sink.messages().len();
    run("2026-11-04T02:30:00+01:00");
    assert_eq!(sink.messages().len(), sent, "each once");
}

#[test]
fn a_refused_reminder_is_retried_and_never_holds_back_the_reports() {
    let mut sink = smtp::start_sink(smtp::SinkOptions {
        refuse: vec!["alice@collectif.example".into()],
        ..Default::default()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let source = format!("ics = \"{}\"", demo("collectif.ics").display());
    demo_config(d, &source, &sink, "");
    let run = |now: &str| caltally(d, now).arg("run").assert();
    run("2026-11-01T02:30:00+01:00")
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "reminder for Alice Dubois not sent to alice@collectif.example",
        ));
    assert_eq!(sink.messages().len(), 3, "the others were reminded");
    // The server takes it the next night; the others are not mailed again.
    sink.restart_with(smtp::SinkOptions::default());
    run("2026-11-02T02:30:00+01:00").success().stderr("");
    let mail = by_recipient(&sink.messages());
    assert_eq!(sink.messages().len(), 4);
    assert_eq!(mail["alice@collectif.example"].len(), 1);
    // The reports go out on the day as usual.
    sink.restart_with(smtp::SinkOptions {
        refuse: vec!["alice@collectif.example".into()],
        ..Default::default()
    });
    run("2026-11-03T02:30:00+01:00").success().stderr("");
    assert!(sink.messages().len() > 4, "the reports went out");
}
