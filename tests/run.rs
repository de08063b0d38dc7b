// SPDX-License-Identifier: GPL-3.0-or-later
//! `run`, the nightly job, end to end against a real Radicale (filled by the python `caldav`
//! client) and a real SMTP server, with "today" fixed by `CALTALLY_NOW`: silent on success,
//! both months' reports refreshed, nothing sent before `send_on_day`, everything sent once
//! on that day, nothing the day after; a later edit of the calendar shows as an amendment
//! and is not mailed by `run`; a failed sync sends nothing and says so.

#[path = "support/servers.rs"]
mod servers;
#[path = "support/smtp.rs"]
mod smtp;

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/sync")
        .join(name)
        .display()
        .to_string()
}

fn nightly(dir: &Path, now: &str) -> assert_cmd::assert::Assert {
    Command::cargo_bin("caltally")
        .expect("binary")
        .current_dir(dir)
        .env("CALTALLY_TEST_PASSWORD", servers::PASSWORD)
        .env("CALTALLY_TEST_SMTP_PASSWORD", smtp::SMTP_PASSWORD)
        .env("CALTALLY_NOW", now)
        .arg("--config")
        .arg(dir.join("caltally.toml"))
        .arg("run")
        .assert()
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|_| panic!("{file}"))
}

#[test]
fn nightly_job_sends_once_from_send_on_day() {
    let server = servers::start_radicale();
    server.populate("collectif", &["--create", &fixture("collectif.ics")]);
    let mut sink = smtp::start_sink(smtp::SinkOptions::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(
        d.join("caltally.toml"),
        format!(
            "timezone = \"Europe/Brussels\"\nlang = \"en\"\nstore = \"state/caltally.db\"\noutput = \"reports\"\n\
             [[source]]\ncaldav = \"{}\"\nusername = \"{}\"\npassword_env = \"CALTALLY_TEST_PASSWORD\"\n\
             [associations.amis]\nemail = [\"tresorerie@amis.example\"]\n\
             [associations.ecole]\nemail = [\"secretariat@ecole.example\"]\n\
             [associations.radio]\nemail = [\"bureau@radio.example\"]\n\
             {}from = \"Collectif <help@collectif.example>\"\nsend_on_day = 3\nremind_days_before = 0\n",
            server.base_url,
            servers::USER,
            sink.mail_section()
        ),
    )
    .expect("config");

    // The 2nd: reports refreshed, nothing sent, nothing printed.
    nightly(d, "2025-11-02T02:30:00+01:00")
        .success()
        .stdout("")
        .stderr("");
    assert!(sink.messages().is_empty(), "nothing before send_on_day");
    assert!(read(d, "reports/2025-10/summary.md").contains("October 2025"));
    assert!(read(d, "reports/2025-11/summary.md").contains("November 2025"));
    let october = read(d, "reports/2025-10/entries.csv");
    assert!(october.contains("appel@collectif.test"));

    // The 3rd: last month goes out, once per association.
    nightly(d, "2025-11-03T02:30:00+01:00")
        .success()
        .stdout("")
        .stderr("");
    let sent = sink.messages();
    assert_eq!(sent.len(), 3, "{}", sink.log());
    let text: Vec<String> = sent
        .iter()
        .map(|m| String::from_utf8_lossy(m).into_owned())
        .collect();
    for to in [
        "tresorerie@amis.example",
        "secretariat@ecole.example",
        "bureau@radio.example",
    ] {
        assert_eq!(
            text.iter()
                .filter(|m| m.contains(&format!("To: {to}")))
                .count(),
            1,
            "{to}"
        );
    }
    assert!(text.iter().all(|m| m.contains("October 2025")));

    // The 4th: nothing more.
    nightly(d, "2025-11-04T02:30:00+01:00")
        .success()
        .stdout("")
        .stderr("");
    assert_eq!(sink.messages().len(), 3, "nothing the day after");

    // The calendar is edited after the mails: the closed month's report lists the
    // amendments, and `run` mails nothing by itself.
    server.populate("collectif", &["--apply", &fixture("amendments.json")]);
    nightly(d, "2025-11-05T02:30:00+01:00")
        .success()
        .stdout("")
        .stderr("");
    assert_eq!(sink.messages().len(), 3);
    let summary = read(d, "reports/2025-10/summary.md");
    assert!(
        summary.contains("## Amendments since the closing")
            && summary.contains(": added (2:00, volunteer) — Dépannage oublié"),
        "{summary}"
    );
    assert_eq!(
        read(d, "reports/2025-10/entries.csv"),
        october,
        "the closed figures stay"
    );
    assert!(
        !std::fs::read_dir(d.join("reports"))
            .expect("reports")
            .any(|e| e
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .contains("tmp")),
        "no temporary directory left"
    );

    // The server is down: one line per problem, exit 1, and no mail is attempted.
    sink.stop();
    drop(server);
    nightly(d, "2025-12-03T02:30:00+01:00")
        .code(1)
        .stderr(predicate::str::contains("not sent because the sync failed"));
}

#[test]
fn a_second_run_is_refused_while_one_holds_the_lock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(
        d.join("caltally.toml"),
        format!(
            "timezone = \"Europe/Brussels\"\nstore = \"caltally.db\"\noutput = \"reports\"\n\
             [[source]]\nics = \"{}\"\n",
            fixture("collectif.ics")
        ),
    )
    .expect("config");
    let lock = std::fs::File::create(d.join("caltally.db.lock")).expect("lock file");
    lock.try_lock().expect("the test holds the lock");
    nightly(d, "2025-11-02T02:30:00+01:00")
        .code(1)
        .stderr(predicate::str::contains(
            "another caltally run holds the lock",
        ));
    assert!(
        !d.join("reports").exists(),
        "nothing written without the lock"
    );
    drop(lock);
    nightly(d, "2025-11-02T02:30:00+01:00")
        .success()
        .stdout("")
        .stderr("");
    assert!(read(d, "reports/2025-10/entries.csv").contains("appel@collectif.test"));
}

#[test]
fn a_missed_send_on_day_is_caught_up_on_the_next_run() {
    let sink = smtp::start_sink(smtp::SinkOptions::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(
        d.join("caltally.toml"),
        format!(
            "timezone = \"Europe/Brussels\"\nstore = \"caltally.db\"\noutput = \"reports\"\n\
             [[source]]\nics = \"{}\"\n\
             [associations.radio]\nemail = [\"bureau@radio.example\"]\n\
             {}from = \"Collectif <help@collectif.example>\"\nsend_on_day = 3\nremind_days_before = 0\n",
            fixture("collectif.ics"),
            sink.mail_section()
        ),
    )
    .expect("config");
    // The machine was off from the 2nd to the 5th.
    nightly(d, "2025-11-01T02:30:00+01:00")
        .success()
        .stdout("")
        .stderr("");
    assert!(sink.messages().is_empty());
    nightly(d, "2025-11-06T02:30:00+01:00")
        .success()
        .stdout("")
        .stderr("");
    assert_eq!(
        sink.messages().len(),
        1,
        "sent on the first run after the day"
    );
    nightly(d, "2025-11-07T02:30:00+01:00").success();
    assert_eq!(sink.messages().len(), 1);
}
