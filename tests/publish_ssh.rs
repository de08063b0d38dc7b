// SPDX-License-Identifier: GPL-3.0-or-later
//! `publish` over SSH against a real OpenSSH server on loopback (`support/sshd.rs`): the
//! month pushed with the user's own key and `GIT_SSH_COMMAND` left as the user set it,
//! nothing new the second time; a key the server refuses, and a host whose key is not
//! known, each named as a refused SSH key with what to do, without a prompt, while the
//! other association is published all the same.

#[path = "support/git_http.rs"]
mod git_http;
#[path = "support/sshd.rs"]
mod sshd;

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use git_http::Member;
use predicates::prelude::*;

/// caltally in `dir`, with `GIT_SSH_COMMAND` as given (`None`: unset, caltally's own).
fn caltally(dir: &Path, ssh_command: Option<&str>) -> Command {
    let mut cmd = Command::cargo_bin("caltally").expect("binary");
    cmd.current_dir(dir)
        .env_remove("GIT_SSH")
        .env_remove("SSH_AUTH_SOCK")
        .timeout(Duration::from_secs(120))
        .arg("--config")
        .arg(dir.join("caltally.toml"));
    match ssh_command {
        Some(c) => cmd.env("GIT_SSH_COMMAND", c),
        None => cmd.env_remove("GIT_SSH_COMMAND"),
    };
    cmd
}

/// A config with the demo calendar of October 2025, closed: `amis` publishes to
/// `amis_repo` over SSH, `radio` to the bare repository `radio_repo` by path.
fn closed_month(d: &Path, amis_repo: &str, radio_repo: &Path) {
    let ics = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sync/collectif.ics");
    std::fs::copy(ics, d.join("collectif.ics")).expect("calendar");
    git_http::init_bare(radio_repo);
    std::fs::write(
        d.join("caltally.toml"),
        format!(
            "timezone = \"Europe/Brussels\"\nlang = \"fr\"\nstore = \"state/caltally.db\"\n\
             [[source]]\nics = \"collectif.ics\"\n\
             [associations.amis]\nname = \"Les Amis\"\nrepo = \"{amis_repo}\"\n\
             [associations.radio]\nrepo = \"{}\"\n\
             [associations.ecole]\n[associations.collectif]\n\
             [publish]\nauthor = \"Le collectif <help@collectif.example>\"\n",
            radio_repo.display()
        ),
    )
    .expect("config");
    caltally(d, None)
        .args(["close", "--month", "2025-10"])
        .assert()
        .success();
}

/// The commits of the bare repository at `path` (none if it is empty).
fn commits(path: &Path) -> Vec<String> {
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(path)
        .args(["rev-list", "--all"])
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn publish_over_ssh_with_the_users_key_then_nothing_new() {
    let server = sshd::start();
    let amis_url = server.create_repo("amis");
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let radio = d.join("radio.git");
    closed_month(d, &amis_url, &radio);
    let ssh = server.ssh_command(&server.key);

    caltally(d, Some(&ssh))
        .args(["publish", "--month", "2025-10"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "amis: \"Rapport d'heures — octobre 2025\" pushed",
        ));
    let amis = Member::clone(&server.repo_path("amis").display().to_string());
    amis.pull();
    assert_eq!(
        amis.files(),
        [
            "heures/2025/2025-10.csv",
            "heures/2025/2025-10.md",
            "heures/2025/README.md"
        ]
    );
    assert_eq!(
        amis.log(),
        ["Rapport d'heures — octobre 2025 (Le collectif)"]
    );
    assert!(
        amis.read("heures/2025/2025-10.md")
            .starts_with("# Les Amis — Rapport d'heures octobre 2025"),
        "the association's page"
    );
    assert!(
        server.log().contains("Accepted publickey"),
        "git went through the server: {}",
        server.log()
    );

    caltally(d, Some(&ssh))
        .args(["publish", "--month", "2025-10"])
        .assert()
        .success()
        .stdout(predicate::str::contains("up to date, nothing to commit"));
    assert_eq!(commits(&server.repo_path("amis")).len(), 1);
}

#[test]
fn a_key_the_server_refuses_is_named_and_the_others_are_published() {
    let server = sshd::start();
    let amis_url = server.create_repo("amis");
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let radio = d.join("radio.git");
    closed_month(d, &amis_url, &radio);

    let out = caltally(d, Some(&server.ssh_command(&server.other_key)))
        .args(["publish", "--month", "2025-10"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "amis: not published: {amis_url} refused the SSH key"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("public key"), "says what to do: {stderr}");
    assert!(commits(&server.repo_path("amis")).is_empty());
    assert_eq!(commits(&radio).len(), 1, "radio was published all the same");
}

#[test]
fn an_unknown_host_key_is_refused_without_a_prompt() {
    let server = sshd::start();
    let amis_url = server.create_repo("amis");
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let radio = d.join("radio.git");
    closed_month(d, &amis_url, &radio);

    // caltally's own ssh command: batch mode, the user's known hosts, which cannot hold
    // this server's fresh host key. Without batch mode, ssh would ask on the terminal.
    let out = caltally(d, None)
        .args(["publish", "--month", "2025-10"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "amis: not published: {amis_url} refused the SSH key"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("known_hosts"),
        "says what to check: {stderr}"
    );
    assert!(commits(&server.repo_path("amis")).is_empty());
    assert_eq!(commits(&radio).len(), 1, "radio was published all the same");
}
