// SPDX-License-Identifier: GPL-3.0-or-later
//! The exit-code contract, for every command: 0 done; 1 failed (a source, a report, a
//! mail, the lock); 2 usage or configuration error. One table: each case runs every
//! command and checks its code, and for a missing config, that the message names the
//! places looked at and suggests `caltally init`.

use std::path::Path;

use assert_cmd::Command;

const CAL: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\n\
DTSTART:20261005T080000Z\r\nDTEND:20261005T093000Z\r\nSUMMARY:Permanence #amis #benevole\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n";

/// A CalDAV source and a `[mail]` section whose passwords come from variables that are
/// not set; the server is never contacted.
const UNSET_PASSWORDS: &str = "store = \"state/caltally.db\"\n\
[[source]]\ncaldav = \"http://127.0.0.1:9/\"\nusername = \"alice\"\npassword_env = \"CALTALLY_TEST_UNSET\"\n\
[mail]\nsmtp = \"smtp://127.0.0.1:9\"\nstarttls = \"never\"\nusername = \"u\"\n\
password_env = \"CALTALLY_TEST_UNSET_SMTP\"\nfrom = \"a@collectif.example\"\n";

/// Every command, with the arguments it needs to get past its own parsing.
const COMMANDS: [&[&str]; 11] = [
    &["init"],
    &["calendars"],
    &["sync"],
    &["report", "--month", "2026-10", "--out", "out"],
    &["check", "--month", "2026-10"],
    &["close", "--month", "2026-10"],
    &["send", "--month", "2026-10"],
    &["run"],
    &["publish", "--month", "2026-10"],
    &["completions", "bash"],
    &["man"],
];

/// One situation, the arguments it adds, and the expected code of each command in the
/// order of [`COMMANDS`].
struct Case {
    name: &'static str,
    config: Option<&'static str>,
    global: &'static [&'static str],
    extra: &'static [&'static str],
    codes: [i32; 11],
}

const CASES: &[Case] = &[
    Case {
        name: "no config file anywhere",
        config: None,
        global: &[],
        extra: &[],
        codes: [0, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0],
    },
    Case {
        name: "--config names a missing file",
        config: None,
        global: &["--config", "missing.toml"],
        extra: &[],
        codes: [0, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0],
    },
    Case {
        name: "a password variable is not set",
        config: Some(UNSET_PASSWORDS),
        global: &[],
        extra: &[],
        codes: [2, 2, 2, 1, 1, 1, 2, 2, 2, 0, 0],
    },
    Case {
        name: "--source names a missing path",
        config: None,
        global: &[],
        extra: &["--source", "missing.ics"],
        codes: [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2],
    },
    Case {
        name: "an unknown option",
        config: None,
        global: &[],
        extra: &["--bogus"],
        codes: [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2],
    },
    Case {
        name: "a source that cannot be fetched",
        config: None,
        global: &[],
        extra: &["--source", "http://127.0.0.1:9/team.ics"],
        codes: [2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2],
    },
    Case {
        name: "a readable --source and no config",
        config: None,
        global: &[],
        extra: &["--source", "cal.ics"],
        codes: [2, 2, 2, 0, 0, 0, 2, 2, 2, 2, 2],
    },
];

fn caltally(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("caltally").expect("binary built");
    cmd.current_dir(dir)
        .env_remove("CALTALLY_CONFIG")
        .env_remove("CALTALLY_TEST_UNSET")
        .env_remove("CALTALLY_TEST_UNSET_SMTP")
        .env("XDG_CONFIG_HOME", dir.join("xdg-config"))
        .env("XDG_DATA_HOME", dir.join("xdg-data"))
        .env("CALTALLY_NOW", "2026-11-03T06:00:00+01:00")
        .env("TZ", "Europe/Brussels")
        .env("LANG", "C");
    cmd
}

#[test]
fn every_command_keeps_the_exit_code_contract() {
    let mut wrong = Vec::new();
    for case in CASES {
        for (command, expected) in COMMANDS.iter().zip(case.codes) {
            let dir = tempfile::tempdir().expect("tempdir");
            std::fs::write(dir.path().join("cal.ics"), CAL).expect("write");
            let mut cmd = caltally(dir.path());
            if let Some(text) = case.config {
                std::fs::write(dir.path().join("caltally.toml"), text).expect("write");
                cmd.args(["--config", "caltally.toml"]);
            }
            let out = cmd
                .args(case.global)
                .args(*command)
                .args(case.extra)
                .output()
                .expect("runs");
            let code = out.status.code().unwrap_or(-1);
            if code != expected {
                wrong.push(format!(
                    "{}: `caltally {}`: exit {code}, expected {expected}\n  {}",
                    case.name,
                    command.join(" "),
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn without_a_config_every_command_says_where_it_looked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let default = dir.path().join("xdg-config/caltally/config.toml");
    for command in &COMMANDS[1..8] {
        let out = caltally(dir.path()).args(*command).output().expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command:?}: {err}");
        for needle in [
            "--config FILE",
            "$CALTALLY_CONFIG",
            &default.display().to_string(),
            "caltally init",
        ] {
            assert!(err.contains(needle), "{command:?} names {needle}: {err}");
        }
        assert!(
            !dir.path().join("xdg-data").exists(),
            "{command:?} wrote nothing"
        );
    }
}

#[test]
fn a_missing_password_names_the_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("caltally.toml"), UNSET_PASSWORDS).expect("write");
    let out = caltally(dir.path())
        .args(["--config", "caltally.toml", "sync"])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("CALTALLY_TEST_UNSET"), "{err}");
    assert!(err.contains("caltally.toml"), "{err}");
}
