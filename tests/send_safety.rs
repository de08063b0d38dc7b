// SPDX-License-Identifier: GPL-3.0-or-later
//! `send` when things go wrong, against the real SMTP sink (aiosmtpd): a server that echoes
//! the credentials it refuses (redacted before printing), a server that is down (the month
//! stays open, for `send` and for `run`), and the associations skipped and why. Plain-text SMTP to a remote host is
//! refused when the config is read.

#[path = "support/smtp.rs"]
mod smtp;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use base64::Engine;
use predicates::prelude::*;

use smtp::{SinkOptions, start_sink};

const MONTH: &str = "2025-10";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sync/collectif.ics")
}

/// `collectif` has no address; `nobody` has one but no entries; the others get mail.
fn setup(mail_section: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "timezone = \"Europe/Brussels\"\nlang = \"en\"\nstore = \"store.db\"\noutput = \"out\"\n\
         [[source]]\nics = \"{}\"\n[associations.collectif]\n\
         [associations.amis]\nemail = [\"tresorerie@amis.example\"]\n\
         [associations.radio]\nemail = [\"bureau@radio.example\"]\n\
         [associations.nobody]\nemail = [\"nobody@example.org\"]\n\
         {mail_section}from = \"Collectif <help@collectif.example>\"\n",
        fixture().display()
    );
    std::fs::write(dir.path().join("caltally.toml"), text).expect("config");
    dir
}

fn caltally(dir: &Path, password: &str) -> Command {
    let mut cmd = Command::cargo_bin("caltally").expect("binary");
    cmd.current_dir(dir)
        .env("CALTALLY_TEST_SMTP_PASSWORD", password)
        .env("CALTALLY_NOW", "2025-11-03T06:00:00+01:00")
        .arg("--config")
        .arg(dir.join("caltally.toml"));
    cmd
}

fn is_closed(dir: &Path) -> bool {
    let store = caltally::store::Store::open(&dir.join("store.db")).expect("store");
    store.closing(MONTH).expect("closing").is_some()
}

#[test]
fn an_echoed_auth_line_is_redacted() {
    let sink = start_sink(SinkOptions {
        echo_auth: true,
        ..SinkOptions::default()
    });
    let dir = setup(&sink.mail_section());
    let password = "hunter2-wrong";
    let payload = base64::engine::general_purpose::STANDARD
        .encode(format!("\0{}\0{password}", smtp::SMTP_USER));
    let out = caltally(dir.path(), password)
        .args(["send", "--month", MONTH])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stderr.contains("(535): 5.7.8 ?[2J?]0;owned?Rejected: AUTH PLAIN [redacted]"),
        "the echo, redacted: {stderr}"
    );
    for output in [&stderr, &stdout] {
        assert!(!output.contains(&payload), "no AUTH payload: {output}");
        assert!(!output.contains(password), "no password: {output}");
        assert!(
            !output.contains('\u{1b}') && !output.contains('\u{7}'),
            "{output:?}"
        );
    }
    assert_eq!(sink.auth_attempts(), 1, "{}", sink.log());
}

#[test]
fn with_the_server_down_the_month_stays_open() {
    let mut sink = start_sink(SinkOptions::default());
    let dir = setup(&sink.mail_section());
    let d = dir.path();
    sink.stop();
    caltally(d, smtp::SMTP_PASSWORD)
        .args(["send", "--month", MONTH])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("closed").not())
        .stderr(predicate::str::contains(
            "2025-10 stays open: no report mail was accepted by the server",
        ));
    assert!(!is_closed(d), "not closed while every mail failed");
    sink.restart();
    caltally(d, smtp::SMTP_PASSWORD)
        .args(["send", "--month", MONTH])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("2025-10 closed")
                .and(predicate::str::contains(
                    "collectif skipped: no `email` in [associations.collectif]",
                ))
                .and(predicate::str::contains(
                    "nobody skipped: no entries in 2025-10",
                )),
        );
    assert!(is_closed(d));
    assert_eq!(sink.messages().len(), 2, "amis and radio");
}

#[test]
fn the_nightly_job_with_the_server_down_leaves_the_month_open() {
    let mut sink = start_sink(SinkOptions::default());
    let dir = setup(&format!("{}send_on_day = 3\n", sink.mail_section()));
    let d = dir.path();
    sink.stop();
    caltally(d, smtp::SMTP_PASSWORD)
        .arg("run")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "2025-10 stays open: no report mail was accepted",
        ));
    assert!(!is_closed(d));
    sink.restart();
    caltally(d, smtp::SMTP_PASSWORD)
        .arg("run")
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert!(is_closed(d));
    assert_eq!(sink.messages().len(), 2);
}

#[test]
fn plain_text_smtp_to_a_remote_host_is_a_config_error() {
    let dir = setup(
        "[mail]\nsmtp = \"smtp://mail.example.org:25\"\nstarttls = \"never\"\n\
         username = \"caltally\"\npassword_env = \"CALTALLY_TEST_SMTP_PASSWORD\"\n",
    );
    caltally(dir.path(), "secret")
        .args(["send", "--month", MONTH])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("caltally.toml:")
                .and(predicate::str::contains("key `starttls`"))
                .and(predicate::str::contains("clear text")),
        );
}
