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
use git_http::{Member, OCTOBER_COMMIT, OCTOBER_FILES};
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

/// A running sshd with an empty repository `amis`, and a folder with the demo calendar of
/// October 2025, closed, where `amis` publishes to it over SSH and `radio` to a bare
/// repository by path.
struct Setup {
    server: sshd::SshServer,
    amis_url: String,
    radio: std::path::PathBuf,
    dir: tempfile::TempDir,
}

fn closed_month() -> Setup {
    let server = sshd::start();
    let amis_url = server.create_repo("amis");
    let dir = tempfile::tempdir().expect("tempdir");
    let radio = dir.path().join("radio.git");
    git_http::init_bare(&radio);
    git_http::demo_config(
        dir.path(),
        &amis_url,
        &radio,
        "author = \"Le collectif <help@collectif.example>\"\n",
    );
    caltally(dir.path(), None)
        .args(["close", "--month", "2025-10"])
        .assert()
        .success();
    Setup {
        server,
        amis_url,
        radio,
        dir,
    }
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
    let Setup {
        server, radio, dir, ..
    } = closed_month();
    let d = dir.path();
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
    assert_eq!(amis.files(), OCTOBER_FILES);
    assert_eq!(amis.log(), [OCTOBER_COMMIT]);
    assert!(
        amis.read("heures/2025/2025-10.md")
            .starts_with("# Les Amis — Rapport d'heures octobre 2025"),
        "the association's page"
    );
    assert_eq!(commits(&radio).len(), 1, "radio, by path, beside it");
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

/// How a test's ssh is refused.
enum Refusal {
    /// A key the server does not accept, with its host key known.
    OtherKey,
    /// caltally's own ssh command: batch mode, and the user's known hosts, which cannot
    /// hold this server's fresh host key. Without batch mode, ssh would ask on a terminal.
    UnknownHost,
}

/// Publishes through an ssh the server refuses: caltally names the refused SSH key and
/// says `what_to_check`; amis gets nothing, radio is published all the same.
fn refused(how: Refusal, what_to_check: &str) {
    let Setup {
        server,
        amis_url,
        radio,
        dir,
    } = closed_month();
    let d = dir.path();
    let ssh_command = match how {
        Refusal::OtherKey => Some(server.ssh_command(&server.other_key)),
        Refusal::UnknownHost => None,
    };

    let out = caltally(d, ssh_command.as_deref())
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
    assert!(stderr.contains(what_to_check), "says what to do: {stderr}");
    assert!(commits(&server.repo_path("amis")).is_empty());
    assert_eq!(commits(&radio).len(), 1, "radio was published all the same");
}

#[test]
fn a_key_the_server_refuses_is_named_and_the_others_are_published() {
    refused(Refusal::OtherKey, "public key");
}

#[test]
fn an_unknown_host_key_is_refused_without_a_prompt() {
    refused(Refusal::UnknownHost, "known_hosts");
}
