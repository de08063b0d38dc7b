// SPDX-License-Identifier: GPL-3.0-or-later
//! `publish` against a real smart-HTTP git server (git http-backend behind lighttpd with
//! Basic auth, what a Gitea looks like to git) and a bare repository by local path: the
//! first publication's exact tree and index, nothing new the second time, one
//! "Rectificatif" commit after an amendment, a member's commit pushed meanwhile kept with
//! ours rebased on top, a wrong token refused without the token showing anywhere, and
//! `--dry-run` touching nothing; `run` on a fixed day publishes once, after the mails.

#[path = "support/git_http.rs"]
mod git_http;
#[path = "support/smtp.rs"]
mod smtp;

use std::path::Path;

use assert_cmd::Command;
use caltally::publish::protocol::{Push, WorkingCopy};
use caltally::publish::{
    self, Credentials, GitCopy, GitSettings, Publication, PublishError, Remote,
    readme::{Index, Row},
};
use git_http::{Member, OCTOBER_COMMIT, OCTOBER_FILES, TOKEN, USER};
use predicates::prelude::*;

const TOKEN_VAR: &str = "CALTALLY_TEST_GIT_TOKEN";

fn caltally(dir: &Path, token: &str) -> Command {
    let mut cmd = Command::cargo_bin("caltally").expect("binary");
    cmd.current_dir(dir)
        .env(TOKEN_VAR, token)
        .arg("--config")
        .arg(dir.join("caltally.toml"));
    cmd
}

/// A config with the demo calendar of October 2025 as a local file; `amis` publishes over
/// HTTP to `amis_repo`, `radio` to the bare repository `radio_repo` by path.
fn setup(d: &Path, amis_repo: &str, radio_repo: &Path) {
    git_http::demo_config(
        d,
        amis_repo,
        radio_repo,
        &format!(
            "username = \"{USER}\"\npassword_env = \"{TOKEN_VAR}\"\n\
             author = \"Le collectif <help@collectif.example>\"\n"
        ),
    );
}

fn amend_calendar(d: &Path) {
    let path = d.join("collectif.ics");
    let text = std::fs::read_to_string(&path).expect("calendar");
    let amended = text.replace(
        "DTEND;TZID=Europe/Brussels:20251008T170000",
        "DTEND;TZID=Europe/Brussels:20251008T180000",
    );
    assert_ne!(text, amended);
    std::fs::write(path, amended).expect("calendar");
}

/// Every file under `dir`, as bytes, with its path.
fn all_files(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(all_files(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn publish_to_a_git_server_then_nothing_then_a_correction() {
    let server = git_http::start();
    let amis_url = server.create_repo("amis");
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let radio = d.join("radio.git");
    git_http::init_bare(&radio);
    setup(d, &amis_url, &radio);

    caltally(d, TOKEN)
        .args(["publish", "--month", "2025-10"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("2025-10 is not closed"));
    caltally(d, TOKEN)
        .args(["close", "--month", "2025-10"])
        .assert()
        .success();

    // A dry run says what it would do and pushes nothing.
    caltally(d, TOKEN)
        .args(["publish", "--month", "2025-10", "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains("heures/2025/2025-10.md"))
        .stdout(predicate::str::contains("heures/2025/2025-10.csv"))
        .stdout(predicate::str::contains("Rapport d'heures — octobre 2025"));
    let amis = Member::clone(&amis_url);
    assert!(
        amis.git(&["ls-remote", "origin"]).is_empty(),
        "dry run pushed nothing"
    );

    caltally(d, TOKEN)
        .args(["publish", "--month", "2025-10"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "amis: \"Rapport d'heures — octobre 2025\" pushed",
        ));
    amis.pull();
    assert_eq!(amis.files(), OCTOBER_FILES);
    assert_eq!(amis.log(), [OCTOBER_COMMIT]);
    let page = amis.read("heures/2025/2025-10.md");
    assert!(
        page.starts_with("# Les Amis — Rapport d'heures octobre 2025"),
        "{page}"
    );
    assert!(page.contains("Permanence accueil"), "{page}");
    let csv = amis.read("heures/2025/2025-10.csv");
    assert_eq!(
        csv.lines().count(),
        3,
        "header + the two entries of amis: {csv}"
    );
    assert!(csv.lines().skip(1).all(|l| l.contains(",amis,")), "{csv}");
    let readme = amis.read("heures/2025/README.md");
    assert!(
        readme.starts_with(caltally::publish::readme::MARKER),
        "{readme}"
    );
    let rows: Vec<&str> = readme.lines().filter(|l| l.starts_with("| [")).collect();
    assert_eq!(
        rows,
        ["| [octobre 2025](2025-10.md) | 3:00 | 0:00 | 0:00 | **3:00** | – |"],
        "{readme}"
    );

    let radio_clone = Member::clone(&radio.display().to_string());
    radio_clone.pull();
    assert_eq!(radio_clone.files(), OCTOBER_FILES);

    // Again: nothing changed, nothing committed.
    caltally(d, TOKEN)
        .args(["publish", "--month", "2025-10"])
        .assert()
        .success()
        .stdout(predicate::str::contains("up to date, nothing to commit"));
    amis.pull();
    assert_eq!(amis.log().len(), 1);

    // A member adds files of their own; then the calendar gains an amendment.
    amis.add_and_push("inventaire.md", "# Inventaire\n");
    amis.add_and_push("heures/2025/notes.md", "notes de Bea\n");
    amend_calendar(d);
    caltally(d, TOKEN)
        .args(["publish", "--month", "2025-10", "--association", "amis"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Rectificatif — octobre 2025"));
    amis.pull();
    assert_eq!(
        amis.log(),
        [
            "Rectificatif — octobre 2025 (Le collectif)",
            "Add heures/2025/notes.md (Bea Member)",
            "Add inventaire.md (Bea Member)",
            "Rapport d'heures — octobre 2025 (Le collectif)"
        ]
    );
    assert_eq!(amis.read("inventaire.md"), "# Inventaire\n");
    assert_eq!(amis.read("heures/2025/notes.md"), "notes de Bea\n");
    let page = amis.read("heures/2025/2025-10.md");
    assert!(
        page.replace('\u{a0}', " ").contains(
            "- mercredi 8 octobre, 14 h – 17 h : modifié, désormais 14 h – 18 h (4 h, bénévole) \
             au lieu de (3 h, bénévole) — Permanence accueil"
        ),
        "the amendment is listed, in words: {page}"
    );
    let readme = amis.read("heures/2025/README.md");
    assert!(
        readme.contains("| [octobre 2025](2025-10.md) | 4:00 |"),
        "{readme}"
    );
    radio_clone.pull();
    assert_eq!(radio_clone.log().len(), 1, "--association amis only");

    // The token was never written anywhere caltally keeps things.
    for (path, bytes) in all_files(&d.join("state")) {
        assert!(
            !contains(&bytes, TOKEN),
            "the token is in {}",
            path.display()
        );
    }
}

#[test]
fn a_wrong_token_is_refused_with_a_clear_message_and_never_shown() {
    let server = git_http::start();
    let amis_url = server.create_repo("amis");
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let radio = d.join("radio.git");
    git_http::init_bare(&radio);
    setup(d, &amis_url, &radio);
    caltally(d, TOKEN)
        .args(["close", "--month", "2025-10"])
        .assert()
        .success();
    let wrong = "wrong-token-0d1e2f";
    let out = caltally(d, wrong)
        .args(["publish", "--month", "2025-10"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        stderr.contains(&format!(
            "amis: not published: {amis_url} refused the user name or token"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("[publish]"), "says what to fix: {stderr}");
    for text in [&stdout, &stderr] {
        assert!(!text.contains(wrong) && !text.contains(TOKEN), "{text}");
    }
    for (path, bytes) in all_files(&d.join("state")) {
        assert!(
            !contains(&bytes, wrong),
            "the token is in {}",
            path.display()
        );
    }
    // The other association was published all the same.
    let radio_clone = Member::clone(&radio.display().to_string());
    radio_clone.pull();
    assert_eq!(radio_clone.log().len(), 1);
}

/// A working copy that lets a member push just before caltally's first push.
struct Racing<'a> {
    inner: GitCopy,
    member: Option<&'a Member>,
    rejected: usize,
}

impl WorkingCopy for Racing<'_> {
    fn update(&mut self) -> Result<(), PublishError> {
        self.inner.update()
    }
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, PublishError> {
        self.inner.read(path)
    }
    fn write(&mut self, path: &str, bytes: &[u8]) -> Result<(), PublishError> {
        self.inner.write(path, bytes)
    }
    fn commit(&mut self, paths: &[String], message: &str) -> Result<bool, PublishError> {
        self.inner.commit(paths, message)
    }
    fn push(&mut self) -> Result<Push, PublishError> {
        if let Some(member) = self.member.take() {
            member.add_and_push("compta/budget.md", "budget 2026\n");
        }
        let push = self.inner.push()?;
        self.rejected += usize::from(push == Push::Rejected);
        Ok(push)
    }
    fn repo(&self) -> String {
        self.inner.repo()
    }
}

#[test]
fn a_commit_pushed_meanwhile_is_kept_and_ours_goes_on_top() {
    let server = git_http::start();
    let url = server.create_repo("amis");
    let member = Member::clone(&url);
    member.add_and_push("README.md", "# Les Amis\n");
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = GitSettings {
        remote: Remote::Https(url.clone()),
        credentials: Some(Credentials {
            username: USER.into(),
            token: TOKEN.into(),
        }),
        ca_file: None,
        timeout: std::time::Duration::from_secs(60),
    };
    let copy = GitCopy::open(
        dir.path().join("amis"),
        "main",
        ("Le collectif".into(), "help@collectif.example".into()),
        settings,
        dir.path(),
    )
    .expect("working copy");
    let mut racing = Racing {
        inner: copy,
        member: Some(&member),
        rejected: 0,
    };
    let p = Publication {
        folder: "heures/2026".into(),
        files: vec![("2026-10.md".into(), b"# Octobre\n".to_vec())],
        index: Index {
            title: "Les Amis".into(),
            header: vec!["Mois".into(), "Total".into()],
            row: Row {
                page: "2026-10.md".into(),
                label: "octobre 2026".into(),
                cells: vec!["1:00".into()],
            },
        },
        message: "Rapport d'heures — octobre 2026".into(),
        correction: "Rectificatif — octobre 2026".into(),
    };
    let outcome = publish::publish(&mut racing, &p).expect("published");
    assert_eq!(racing.rejected, 1, "the first push was rejected");
    assert!(outcome.retried);
    assert_eq!(
        outcome.committed.as_deref(),
        Some("Rapport d'heures — octobre 2026")
    );
    member.pull();
    assert_eq!(
        member.log(),
        [
            "Rapport d'heures — octobre 2026 (Le collectif)",
            "Add compta/budget.md (Bea Member)",
            "Add README.md (Bea Member)"
        ]
    );
    assert_eq!(
        member.files(),
        [
            "README.md",
            "compta/budget.md",
            "heures/2026/2026-10.md",
            "heures/2026/README.md"
        ]
    );
    assert_eq!(
        member.read("README.md"),
        "# Les Amis\n",
        "their README is theirs"
    );
}

#[test]
fn the_nightly_job_publishes_once_after_the_mails() {
    let sink = smtp::start_sink(smtp::SinkOptions::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let repo = d.join("amis.git");
    let ics = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sync/collectif.ics");
    std::fs::copy(ics, d.join("collectif.ics")).expect("calendar");
    std::fs::write(
        d.join("caltally.toml"),
        format!(
            "timezone = \"Europe/Brussels\"\nlang = \"en\"\nstore = \"state/caltally.db\"\noutput = \"reports\"\n\
             [[source]]\nics = \"collectif.ics\"\n\
             [associations.amis]\nemail = [\"tresorerie@amis.example\"]\nrepo = \"amis.git\"\n\
             [associations.radio]\nemail = [\"bureau@radio.example\"]\n\
             {}from = \"Collectif <help@collectif.example>\"\nsend_on_day = 3\nremind_days_before = 0\n",
            sink.mail_section()
        ),
    )
    .expect("config");
    let run = |now: &str| {
        Command::cargo_bin("caltally")
            .expect("binary")
            .current_dir(d)
            .env("CALTALLY_TEST_SMTP_PASSWORD", smtp::SMTP_PASSWORD)
            .env("CALTALLY_NOW", now)
            .args(["--config", "caltally.toml", "run"])
            .assert()
    };
    let nightly = |now: &str| {
        run(now).success().stdout("").stderr("");
    };
    let commits = || {
        let out = std::process::Command::new("git")
            .args(["--git-dir"])
            .arg(&repo)
            .args(["log", "--format=%s (%an)", "main"])
            .output()
            .expect("git log");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    git_http::init_bare(&repo);
    nightly("2025-11-02T02:30:00+01:00");
    assert!(commits().is_empty(), "nothing before the mails");

    // The repository is unreachable on the day: the mails go out all the same.
    std::fs::rename(&repo, d.join("elsewhere.git")).expect("move");
    run("2025-11-03T02:30:00+01:00")
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("2025-10: amis: not published"));
    assert_eq!(sink.messages().len(), 2, "{}", sink.log());

    // The next night publishes it, once.
    std::fs::rename(d.join("elsewhere.git"), &repo).expect("move back");
    nightly("2025-11-04T02:30:00+01:00");
    assert_eq!(commits(), ["Time report — October 2025 (Collectif)"]);
    nightly("2025-11-05T02:30:00+01:00");
    assert_eq!(commits().len(), 1, "published once");
    assert_eq!(sink.messages().len(), 2);
}
