// SPDX-License-Identifier: GPL-3.0-or-later
//! Running the system `git`, bounded in time, with no prompt and no stored credential.
//!
//! Every call gets `GIT_TERMINAL_PROMPT=0`, an askpass program (ours when a token is
//! configured, else `false`), SSH in batch mode, no credential helper (so that the user's
//! own helper never stores the token), no hooks and no signing, and C messages so that
//! errors can be recognised. The token lives only in the environment of the git process:
//! the askpass script, written 0700 in a private folder, prints it from there. Arguments
//! are passed without a shell; paths come after `--`.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{PublishError, Remote};

/// The oldest git this module works with (`git init --initial-branch`, 2.28, July 2020).
pub const MIN_GIT: (u32, u32) = (2, 28);

/// The environment variables the askpass script reads.
const USER_VAR: &str = "CALTALLY_GIT_USERNAME";
const TOKEN_VAR: &str = "CALTALLY_GIT_TOKEN";

/// The askpass script: answers git's user name question, and its password question with
/// the token. It holds no secret itself.
const ASKPASS: &str = "#!/bin/sh\n# caltally: answers git's questions from its environment.\ncase \"$1\" in\n  Username*) printf '%s\\n' \"$CALTALLY_GIT_USERNAME\" ;;\n  *) printf '%s\\n' \"$CALTALLY_GIT_TOKEN\" ;;\nesac\n";

/// A user name and an access token for an HTTPS repository.
#[derive(Clone)]
pub struct Credentials {
    /// The account (a bot account, or the token's owner).
    pub username: String,
    /// The access token or password.
    pub token: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, <redacted>)", self.username)
    }
}

/// How to reach one repository.
#[derive(Debug, Clone)]
pub struct GitSettings {
    /// The repository.
    pub remote: Remote,
    /// For HTTPS.
    pub credentials: Option<Credentials>,
    /// Extra trust root (PEM) for HTTPS.
    pub ca_file: Option<PathBuf>,
    /// Bound of every git call.
    pub timeout: Duration,
}

/// Checks that `git` is installed and recent enough; returns its version line.
pub fn check_git() -> Result<String, PublishError> {
    let out = Command::new("git")
        .arg("--version")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            PublishError::Git(format!(
                "cannot run `git` ({e}): publishing needs git {}.{} or later; install it (e.g. `apt install git`)",
                MIN_GIT.0, MIN_GIT.1
            ))
        })?;
    let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
    match parse_version(&line) {
        Some(v) if v >= MIN_GIT => Ok(line),
        _ => Err(PublishError::Git(format!(
            "publishing needs git {}.{} or later, found `{line}`; install a newer git",
            MIN_GIT.0, MIN_GIT.1
        ))),
    }
}

/// `git version 2.39.5` → `(2, 39)`.
fn parse_version(line: &str) -> Option<(u32, u32)> {
    let v = line.strip_prefix("git version ")?;
    let mut parts = v.split(|c: char| !c.is_ascii_digit());
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// What a finished git command said.
#[derive(Debug)]
pub(super) struct Finished {
    /// Exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error, credentials redacted.
    pub stderr: String,
}

/// A git runner for one working copy.
pub(super) struct Git {
    settings: GitSettings,
    dir: PathBuf,
    /// The private folder holding the askpass script; removed when dropped.
    askpass: Option<tempfile::TempDir>,
    author: (String, String),
}

impl Git {
    /// A runner in `dir`; the askpass script (if a token is configured) goes in a private
    /// folder under `private`.
    pub fn new(
        settings: GitSettings,
        dir: PathBuf,
        private: &Path,
        author: (String, String),
    ) -> Result<Self, PublishError> {
        let askpass = match &settings.credentials {
            Some(_) => Some(write_askpass(private)?),
            None => None,
        };
        Ok(Self {
            settings,
            dir,
            askpass,
            author,
        })
    }

    /// The repository, for messages.
    pub fn repo(&self) -> String {
        self.settings.remote.to_string()
    }

    /// Runs `git ARGS` in the working copy; an exit code other than 0 is an error.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<String, PublishError> {
        let f = self.status(args)?;
        if f.code == Some(0) {
            return Ok(f.stdout);
        }
        Err(self.failure(args, &f))
    }

    /// The error for a failed command: a refused credential is named as such.
    pub fn failure<S: AsRef<OsStr>>(&self, args: &[S], f: &Finished) -> PublishError {
        let repo = self.repo();
        let e = &f.stderr;
        let http_refused = [
            "Authentication failed",
            "could not read Username",
            "could not read Password",
            "terminal prompts disabled",
            "returned error: 403",
        ];
        let ssh_refused = [
            "Permission denied (publickey",
            "Host key verification failed",
        ];
        if matches!(self.settings.remote, Remote::Https(_))
            && http_refused.iter().any(|p| e.contains(p))
        {
            return PublishError::Refused {
                repo,
                what: "the user name or token",
                hint: "check `username` and the token (password_env, password_command or password_file) in \
                       [publish]; the token needs write access to the repository",
            };
        }
        if matches!(self.settings.remote, Remote::Ssh(_))
            && ssh_refused.iter().any(|p| e.contains(p))
        {
            return PublishError::Refused {
                repo,
                what: "the SSH key",
                hint: "add the public key of the user running caltally (or load it in its agent) to an \
                       account with write access to the repository, and check the host key in ~/.ssh/known_hosts",
            };
        }
        let message = e
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with("hint:"))
            .collect::<Vec<_>>()
            .join("; ");
        PublishError::Command {
            repo,
            step: step_of(args),
            message: if message.is_empty() {
                format!("exit code {:?}", f.code)
            } else {
                message
            },
        }
    }

    /// Runs `git ARGS` in the working copy and returns how it ended.
    pub fn status<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<Finished, PublishError> {
        let mut cmd = self.command();
        cmd.args(args);
        let secs = self.settings.timeout.as_secs().max(1);
        let start = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| PublishError::Git(format!("cannot run `git`: {e}")))?;
        let out = child.stdout.take().map(reader);
        let err = child.stderr.take().map(reader);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if start.elapsed() < self.settings.timeout => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Ok(None) => {
                    kill_group(&mut child);
                    return Err(PublishError::Timeout {
                        repo: self.repo(),
                        step: step_of(args),
                        seconds: secs,
                    });
                }
                Err(e) => return Err(PublishError::Git(format!("cannot wait for `git`: {e}"))),
            }
        };
        let join = |h: Option<std::thread::JoinHandle<Vec<u8>>>| {
            h.and_then(|h| h.join().ok())
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default()
        };
        Ok(Finished {
            code: status.code(),
            stdout: join(out),
            stderr: self.redact(&join(err)),
        })
    }

    /// The token, should git ever print it, replaced.
    fn redact(&self, text: &str) -> String {
        match &self.settings.credentials {
            Some(c) if !c.token.is_empty() => text.replace(&c.token, "<redacted>"),
            _ => text.to_string(),
        }
    }

    fn command(&self) -> Command {
        let secs = self.settings.timeout.as_secs().max(1).to_string();
        let mut cmd = Command::new("git");
        cmd.current_dir(&self.dir)
            .args(["-c", "credential.helper="])
            .args(["-c", "core.hooksPath=/dev/null"])
            .args(["-c", "commit.gpgSign=false"])
            .args(["-c", "http.lowSpeedLimit=1"])
            .arg("-c")
            .arg(format!("http.lowSpeedTime={secs}"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("LC_ALL", "C")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_AUTHOR_NAME", &self.author.0)
            .env("GIT_AUTHOR_EMAIL", &self.author.1)
            .env("GIT_COMMITTER_NAME", &self.author.0)
            .env("GIT_COMMITTER_EMAIL", &self.author.1)
            .env_remove("SSH_ASKPASS");
        for var in [
            "GIT_DIR",
            "GIT_WORK_TREE",
            "GIT_INDEX_FILE",
            "GIT_OBJECT_DIRECTORY",
            "GIT_ALTERNATE_OBJECT_DIRECTORIES",
            "GIT_NAMESPACE",
            "GIT_CONFIG_PARAMETERS",
            USER_VAR,
            TOKEN_VAR,
        ] {
            cmd.env_remove(var);
        }
        if std::env::var_os("GIT_SSH_COMMAND").is_none() && std::env::var_os("GIT_SSH").is_none() {
            cmd.env(
                "GIT_SSH_COMMAND",
                "ssh -o BatchMode=yes -o ConnectTimeout=30",
            );
        }
        if let Some(ca) = &self.settings.ca_file {
            cmd.env("GIT_SSL_CAINFO", ca);
        }
        match (&self.askpass, &self.settings.credentials) {
            (Some(dir), Some(c)) => {
                cmd.env("GIT_ASKPASS", dir.path().join("askpass"))
                    .env(USER_VAR, &c.username)
                    .env(TOKEN_VAR, &c.token);
            }
            _ => {
                cmd.env("GIT_ASKPASS", "false");
            }
        }
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
        cmd
    }
}

/// The askpass script in a new private folder (0700) under `private`.
fn write_askpass(private: &Path) -> Result<tempfile::TempDir, PublishError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let io = |what, path: &Path| {
        let path = path.display().to_string();
        move |source| PublishError::Io { what, path, source }
    };
    std::fs::create_dir_all(private).map_err(io("cannot create", private))?;
    let dir = tempfile::Builder::new()
        .prefix(".askpass-")
        .tempdir_in(private)
        .map_err(io("cannot create a private folder in", private))?;
    let path = dir.path().join("askpass");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o700)
        .open(&path)
        .map_err(io("cannot write", &path))?;
    file.write_all(ASKPASS.as_bytes())
        .map_err(io("cannot write", &path))?;
    Ok(dir)
}

/// Reads a pipe to its end on its own thread (so that a full pipe never blocks git).
fn reader(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        buf
    })
}

/// Kills git and what it started (its process group: `git-remote-https`, `ssh`).
fn kill_group(child: &mut std::process::Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group that `process_group(0)`
        // gave this child; it touches no memory.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The git command of `args`, for messages (its first word).
fn step_of<S: AsRef<OsStr>>(args: &[S]) -> String {
    args.first()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read() {
        assert_eq!(parse_version("git version 2.39.5"), Some((2, 39)));
        assert_eq!(parse_version("git version 2.47.3.windows.1"), Some((2, 47)));
        assert_eq!(parse_version("git version 2.9"), Some((2, 9)));
        assert!(parse_version("git version 2.9").is_some_and(|v| v < MIN_GIT));
        assert_eq!(parse_version("nonsense"), None);
        check_git().expect("the test machine has a recent git");
    }

    #[test]
    fn a_silent_server_is_given_up_in_time() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
        let port = listener.local_addr().expect("port").port();
        let dir = tempfile::tempdir().expect("tempdir");
        let git = Git::new(
            GitSettings {
                remote: Remote::Https(format!("http://127.0.0.1:{port}/r.git")),
                credentials: Some(Credentials {
                    username: "bot".into(),
                    token: "t0ken".into(),
                }),
                ca_file: None,
                timeout: Duration::from_secs(1),
            },
            dir.path().to_path_buf(),
            dir.path(),
            ("caltally".into(), "caltally@example.org".into()),
        )
        .expect("runner");
        let start = Instant::now();
        let url = format!("http://127.0.0.1:{port}/r.git");
        let err = git.run(&["ls-remote", "--", &url]).unwrap_err();
        assert!(matches!(err, PublishError::Timeout { .. }), "{err}");
        assert!(start.elapsed() < Duration::from_secs(10));
        drop(listener);
    }
}
