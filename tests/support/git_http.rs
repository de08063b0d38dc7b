// SPDX-License-Identifier: GPL-3.0-or-later
//! A real smart-HTTP git server for integration tests, what a Gitea looks like to git:
//! Debian's `git http-backend` behind lighttpd with Basic authentication ([`USER`] /
//! [`TOKEN`]), on a free loopback port in its own temporary directory. Bare repositories
//! are made with [`GitServer::create_repo`]. [`Member`] is someone else working on a
//! repository with their own clone. [`demo_config`] writes the demo calendar and a config
//! that publishes it; [`OCTOBER_FILES`] and [`OCTOBER_COMMIT`] are what its first
//! publication holds.
//!
//! Include it with `#[path = "support/git_http.rs"] mod git_http;`. Needs `lighttpd`
//! (`.ci/run` installs it) and git's `git-http-backend`.

#![allow(dead_code)]

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The files the first publication of October 2025 (the demo calendar) puts in an
/// association's repository.
pub const OCTOBER_FILES: [&str; 3] = [
    "heures/2025/2025-10.csv",
    "heures/2025/2025-10.md",
    "heures/2025/README.md",
];
/// The subject and author of its one commit, as [`Member::log`] shows it.
pub const OCTOBER_COMMIT: &str = "Rapport d'heures — octobre 2025 (Le collectif)";

/// The account every test repository accepts.
pub const USER: &str = "caltally-bot";
/// Its access token.
pub const TOKEN: &str = "gitea-token-7f3c9a1e5b";

/// A running lighttpd; killed on drop.
pub struct GitServer {
    /// `http://127.0.0.1:PORT/git/`.
    pub base_url: String,
    child: Child,
    dir: tempfile::TempDir,
}

fn lighttpd() -> PathBuf {
    ["/usr/sbin/lighttpd", "/usr/local/sbin/lighttpd"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("lighttpd"))
}

fn http_backend() -> PathBuf {
    let out = Command::new("git")
        .arg("--exec-path")
        .output()
        .expect("git --exec-path");
    let exec = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    [
        exec.join("git-http-backend"),
        PathBuf::from("/usr/lib/git-core/git-http-backend"),
    ]
    .into_iter()
    .find(|p| p.exists())
    .expect("git-http-backend is installed")
}

/// Starts the server.
pub fn start() -> GitServer {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::create_dir_all(d.join("repos")).expect("repos");
    fs::create_dir_all(d.join("www")).expect("www");
    fs::write(d.join("users"), format!("{USER}:{TOKEN}\n")).expect("users");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let conf = format!(
        r#"server.modules = ("mod_auth", "mod_authn_file", "mod_alias", "mod_setenv", "mod_cgi")
server.bind = "127.0.0.1"
server.port = {port}
server.document-root = "{www}"
server.errorlog = "{log}"
alias.url = ("/git/" => "{backend}/")
$HTTP["url"] =~ "^/git/" {{
  cgi.assign = ("" => "")
  setenv.set-environment = ("GIT_PROJECT_ROOT" => "{repos}", "GIT_HTTP_EXPORT_ALL" => "")
  auth.backend = "plain"
  auth.backend.plain.userfile = "{users}"
  auth.require = ("" => ("method" => "basic", "realm" => "git", "require" => "valid-user"))
}}
"#,
        www = d.join("www").display(),
        log = d.join("error.log").display(),
        backend = http_backend().display(),
        repos = d.join("repos").display(),
        users = d.join("users").display(),
    );
    fs::write(d.join("lighttpd.conf"), conf).expect("conf");
    let child = Command::new(lighttpd())
        .args(["-D", "-f"])
        .arg(d.join("lighttpd.conf"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(fs::File::create(d.join("stderr.log")).expect("log"))
        .spawn()
        .expect("lighttpd starts (apt-get install lighttpd)");
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "lighttpd did not listen: {}",
            fs::read_to_string(d.join("stderr.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    GitServer {
        base_url: format!("http://127.0.0.1:{port}/git/"),
        child,
        dir,
    }
}

impl GitServer {
    /// Creates an empty bare repository `NAME.git` (branch `main`); returns its URL.
    pub fn create_repo(&self, name: &str) -> String {
        init_bare(&self.dir.path().join("repos").join(format!("{name}.git")));
        format!("{}{name}.git", self.base_url)
    }

    /// The server's error log.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for GitServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes into `d` the demo calendar of October 2025 (`collectif.ics`) and a config
/// reading it, where `amis` publishes to `amis_repo` and `radio` to `radio_repo`, with
/// `publish` as the config's `[publish]` lines.
pub fn demo_config(d: &Path, amis_repo: &str, radio_repo: &Path, publish: &str) {
    let ics = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sync/collectif.ics");
    fs::copy(ics, d.join("collectif.ics")).expect("calendar");
    fs::write(
        d.join("caltally.toml"),
        format!(
            "timezone = \"Europe/Brussels\"\nlang = \"fr\"\nstore = \"state/caltally.db\"\n\
             [[source]]\nics = \"collectif.ics\"\n\
             [associations.amis]\nname = \"Les Amis\"\nrepo = \"{amis_repo}\"\n\
             [associations.radio]\nrepo = \"{}\"\n\
             [associations.ecole]\n[associations.collectif]\n\
             [publish]\n{publish}",
            radio_repo.display()
        ),
    )
    .expect("config");
}

/// Makes an empty bare repository at `path` whose default branch is `main`.
pub fn init_bare(path: &Path) {
    let out = Command::new("git")
        .args(["init", "-q", "--bare", "--initial-branch", "main"])
        .arg(path)
        .output()
        .expect("git init");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Someone with their own clone of a repository (HTTP with [`USER`]/[`TOKEN`], or a path).
pub struct Member {
    /// The clone.
    pub dir: PathBuf,
    _home: tempfile::TempDir,
}

impl Member {
    /// Clones `url` (an empty repository is fine).
    pub fn clone(url: &str) -> Member {
        let home = tempfile::tempdir().expect("tempdir");
        let askpass = home.path().join("askpass");
        fs::write(
            &askpass,
            format!("#!/bin/sh\ncase \"$1\" in Username*) echo {USER};; *) echo {TOKEN};; esac\n"),
        )
        .expect("askpass");
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&askpass, fs::Permissions::from_mode(0o700)).expect("chmod");
        let dir = home.path().join("clone");
        let m = Member { dir, _home: home };
        m.git_in(m._home.path(), &["clone", "-q", "--", url, "clone"]);
        m
    }

    fn git_in(&self, cwd: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(cwd)
            .args(args)
            .env("GIT_ASKPASS", self._home.path().join("askpass"))
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Bea Member")
            .env("GIT_AUTHOR_EMAIL", "bea@amis.example")
            .env("GIT_COMMITTER_NAME", "Bea Member")
            .env("GIT_COMMITTER_EMAIL", "bea@amis.example")
            .env("LC_ALL", "C")
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs git in the clone; panics on failure.
    pub fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.dir, args)
    }

    /// Fetches and moves to the remote `main`.
    pub fn pull(&self) {
        self.git(&["fetch", "-q", "origin"]);
        self.git(&["checkout", "-q", "-B", "main", "origin/main"]);
    }

    /// Every file of `main` (after [`Member::pull`]), sorted.
    pub fn files(&self) -> Vec<String> {
        self.git(&["ls-tree", "-r", "--name-only", "HEAD"])
            .lines()
            .map(String::from)
            .collect()
    }

    /// The subjects of `main`'s commits, newest first, with their authors: `subject (author)`.
    pub fn log(&self) -> Vec<String> {
        self.git(&["log", "--format=%s (%an)", "HEAD"])
            .lines()
            .map(String::from)
            .collect()
    }

    /// A file of the clone.
    pub fn read(&self, path: &str) -> String {
        fs::read_to_string(self.dir.join(path)).unwrap_or_else(|_| panic!("{path}"))
    }

    /// Adds a file, commits it and pushes it to `main`.
    pub fn add_and_push(&self, path: &str, text: &str) {
        let full = self.dir.join(path);
        fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        fs::write(full, text).expect("write");
        self.git(&["add", "--", path]);
        self.git(&["commit", "-q", "-m", &format!("Add {path}")]);
        self.git(&["push", "-q", "origin", "HEAD:refs/heads/main"]);
    }
}
