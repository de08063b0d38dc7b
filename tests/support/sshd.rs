// SPDX-License-Identifier: GPL-3.0-or-later
//! A real OpenSSH server for integration tests, what a Gitea or a plain server looks like to
//! git over SSH: Debian's `sshd` on a free loopback port, in its own temporary directory
//! with its own host key. It lets in the user running the tests with [`SshServer::key`]
//! only (never [`SshServer::other_key`]), and serves the bare repositories made with
//! [`SshServer::create_repo`] by their absolute paths.
//!
//! Include it with `#[path = "support/sshd.rs"] mod sshd;`. Needs `sshd` (`.ci/run`
//! installs openssh-server), `ssh` and `ssh-keygen`. Run as root, it makes sshd's
//! privilege separation folder `/run/sshd` when it is missing, as the package's service
//! does at boot.

#![allow(dead_code)]

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running sshd; killed on drop.
pub struct SshServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// The account it lets in: the user running the tests.
    pub user: String,
    /// The private key it accepts.
    pub key: PathBuf,
    /// A private key it refuses.
    pub other_key: PathBuf,
    /// A known-hosts file that holds its host key.
    pub known_hosts: PathBuf,
    child: Child,
    dir: tempfile::TempDir,
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn new_key(path: &Path) {
    run(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "caltally-test", "-f"])
        .arg(path));
}

/// Starts sshd; panics, with its log, if it does not listen within 15 s. A port taken
/// between its choice and sshd's bind makes sshd exit: another port is tried, 5 in all.
pub fn start() -> SshServer {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::create_dir_all(d.join("repos")).expect("repos");
    for name in ["host_key", "key", "other_key"] {
        new_key(&d.join(name));
    }
    fs::copy(d.join("key.pub"), d.join("authorized_keys")).expect("authorized_keys");
    let user = run(Command::new("id").arg("-un"));
    if user == "root" && !Path::new("/run/sshd").exists() {
        fs::create_dir_all("/run/sshd").expect("/run/sshd");
    }
    let (port, child) = (0..5).find_map(|_| listen(d, &user)).unwrap_or_else(|| {
        panic!(
            "sshd did not listen on any of 5 ports: {}",
            fs::read_to_string(d.join("sshd.log")).unwrap_or_default()
        )
    });
    SshServer {
        port,
        user,
        key: d.join("key"),
        other_key: d.join("other_key"),
        known_hosts: d.join("known_hosts"),
        child,
        dir,
    }
}

/// Starts sshd on a free port with the keys in `d`, letting `user` in; `None` if it
/// exited (its port was taken meanwhile).
fn listen(d: &Path, user: &str) -> Option<(u16, Child)> {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let conf = format!(
        "Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n\
         AuthorizedKeysFile {authorized}\nPidFile {pid}\nPasswordAuthentication no\n\
         KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n\
         PermitRootLogin prohibit-password\nAllowUsers {user}\n",
        host_key = d.join("host_key").display(),
        authorized = d.join("authorized_keys").display(),
        pid = d.join("sshd.pid").display(),
    );
    fs::write(d.join("sshd_config"), conf).expect("config");
    let host_key = fs::read_to_string(d.join("host_key.pub")).expect("host key");
    let host_key: Vec<&str> = host_key.split_whitespace().take(2).collect();
    fs::write(
        d.join("known_hosts"),
        format!("[127.0.0.1]:{port} {}\n", host_key.join(" ")),
    )
    .expect("known_hosts");
    // sshd must be started by its absolute path, to re-execute itself per connection.
    let mut child = Command::new("/usr/sbin/sshd")
        .args(["-D", "-e", "-f"])
        .arg(d.join("sshd_config"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(fs::File::create(d.join("sshd.log")).expect("log"))
        .spawn()
        .expect("sshd starts (apt-get install openssh-server)");
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(15) {
        if child.try_wait().expect("sshd's state").is_some() {
            return None;
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((port, child));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

impl SshServer {
    /// Creates an empty bare repository `NAME.git` (branch `main`); returns its SSH URL.
    pub fn create_repo(&self, name: &str) -> String {
        let path = self.repo_path(name);
        run(Command::new("git")
            .args(["init", "-q", "--bare", "--initial-branch", "main"])
            .arg(&path));
        format!(
            "ssh://{}@127.0.0.1:{}{}",
            self.user,
            self.port,
            path.display()
        )
    }

    /// Where repository `NAME.git` is on disk.
    pub fn repo_path(&self, name: &str) -> PathBuf {
        self.dir.path().join("repos").join(format!("{name}.git"))
    }

    /// A `GIT_SSH_COMMAND` that offers `key` alone, in batch mode, and knows this server's
    /// host key only.
    pub fn ssh_command(&self, key: &Path) -> String {
        format!(
            "ssh -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none -i '{}' \
             -o UserKnownHostsFile='{}' -o StrictHostKeyChecking=yes",
            key.display(),
            self.known_hosts.display()
        )
    }

    /// The server's log.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }
}

impl Drop for SshServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
