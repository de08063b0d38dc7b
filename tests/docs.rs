// SPDX-License-Identifier: GPL-3.0-or-later
//! The help, the shell completions and the man page, all from the clap definitions: global
//! options under their own heading, examples that never break a URL, the completion script
//! loads in bash, and the man page renders without a warning.

use std::collections::BTreeSet;
use std::process::Stdio;

use assert_cmd::Command;
use predicates::prelude::*;

const COMMANDS: [&str; 11] = [
    "init",
    "calendars",
    "sync",
    "report",
    "check",
    "close",
    "send",
    "remind",
    "run",
    "completions",
    "man",
];

fn caltally() -> Command {
    let mut cmd = Command::cargo_bin("caltally").expect("binary built");
    cmd.env_remove("CALTALLY_CONFIG").env("LANG", "C");
    cmd
}

fn stdout(cmd: &mut Command) -> String {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn help(command: Option<&str>, columns: &str) -> String {
    let mut cmd = caltally();
    cmd.env("COLUMNS", columns);
    if let Some(c) = command {
        cmd.arg(c);
    }
    stdout(cmd.arg("--help"))
}

fn urls(text: &str) -> BTreeSet<String> {
    text.split(|c: char| c.is_whitespace() || c == '\'')
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(str::to_string)
        .collect()
}

#[test]
fn global_options_have_their_own_heading() {
    for command in std::iter::once(None).chain(COMMANDS.iter().copied().map(Some)) {
        let text = help(command, "100");
        let (own, global) = text
            .split_once("Global options:")
            .unwrap_or_else(|| panic!("{command:?}: {text}"));
        assert!(global.contains("--config <FILE>"), "{command:?}: {text}");
        assert!(!own.contains("--config <FILE>"), "{command:?}: {text}");
        assert!(!own.contains("--quiet"), "{command:?}: {text}");
    }
}

#[test]
fn help_says_what_each_command_needs_to_know() {
    let report = help(Some("report"), "100");
    for needle in [
        "entries.csv",
        "summary.csv",
        "summary.md",
        "summary.svg",
        "<association>.md",
        "[possible values: fr, en]",
        "Last day of the period",
        "last",
    ] {
        assert!(report.contains(needle), "report --help lists {needle}");
    }
    let init = help(Some("init"), "100");
    assert!(init.contains("--caldav <URL>"), "{init}");
    assert!(init.contains("init \\\n      --caldav https://"), "{init}");
    let main = help(None, "100");
    assert!(
        main.contains("completions") && main.contains("man"),
        "{main}"
    );
}

#[test]
fn examples_never_break_a_url() {
    let mut whole = BTreeSet::new();
    let mut narrow = String::new();
    for command in std::iter::once(None).chain(COMMANDS.iter().copied().map(Some)) {
        whole.extend(urls(&help(command, "1000")));
        narrow.push_str(&help(command, "80"));
    }
    assert!(!whole.is_empty());
    let page = stdout(caltally().arg("man"));
    let rendered = std::process::Command::new("man")
        .args(["-l", "-"])
        .env("MANWIDTH", "80")
        .env("MAN_KEEP_FORMATTING", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(page.as_bytes())?;
            child.wait_with_output()
        })
        .expect("man runs");
    let rendered = String::from_utf8_lossy(&rendered.stdout).to_string();
    assert!(rendered.contains("caltally report"), "{rendered}");
    for found in urls(&narrow).into_iter().chain(urls(&rendered)) {
        assert!(whole.contains(&found), "a URL was broken: {found}");
    }
}

#[test]
fn the_bash_completion_loads() {
    let script = stdout(caltally().args(["completions", "bash"]));
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("caltally.bash");
    std::fs::write(&file, script).expect("write");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("source {}; complete -p caltally", file.display()))
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("-F _caltally caltally"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The same through process substitution, as the README shows it.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source <({} completions bash); complete -p caltally",
            assert_cmd::cargo::cargo_bin("caltally").display()
        ))
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn zsh_and_fish_scripts_name_every_command() {
    let zsh = stdout(caltally().args(["completions", "zsh"]));
    assert!(zsh.starts_with("#compdef caltally"), "{zsh}");
    let fish = stdout(caltally().args(["completions", "fish"]));
    for command in COMMANDS {
        assert!(zsh.contains(&format!("'{command}:")), "zsh: {command}");
        assert!(
            fish.contains(&format!("-a \"{command}\"")),
            "fish: {command}"
        );
    }
    caltally()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bash, zsh, fish"));
}

#[test]
fn the_man_page_renders_without_warnings() {
    let page = stdout(caltally().arg("man"));
    assert!(page.starts_with(".ie"), "{}", &page[..80.min(page.len())]);
    for command in COMMANDS {
        assert!(
            page.contains(&format!(".SS \"caltally {command}\"")),
            "{command}"
        );
    }
    let out = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(page.as_bytes())?;
            child.wait_with_output()
        })
        .expect("groff runs");
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
