// SPDX-License-Identifier: GPL-3.0-or-later
//! Real CalDAV servers for integration tests, started on free loopback ports in temporary
//! directories: Radicale over HTTP and Xandikos over HTTPS with its self-signed certificate,
//! both with Basic authentication (`alice` / `secret`). Recipes: TEST-SERVERS.md §2. The
//! python `caldav` client (`tests/servers/populate.py`) plays the calendar app.

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Radicale, HTTP.
    Radicale,
    /// Xandikos, HTTPS.
    Xandikos,
}

/// A running server; killed on drop.
pub struct Server {
    /// Which one.
    pub kind: Kind,
    /// Root URL, with a trailing slash.
    pub base_url: String,
    /// User.
    pub username: String,
    /// Password.
    pub password: String,
    /// Certificate to trust (Xandikos).
    pub ca_file: Option<PathBuf>,
    port: u16,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

/// A program of the test venv (`$CALTALLY_VENV`, else `.venv/`).
pub fn venv_bin(name: &str) -> PathBuf {
    let venv = std::env::var_os("CALTALLY_VENV").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"),
        PathBuf::from,
    );
    let bin = venv.join("bin").join(name);
    assert!(
        bin.exists(),
        "{} is missing: run `make venv` (the tests need the Python test tools)",
        bin.display()
    );
    bin
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Starts Radicale with an htpasswd file and no delay on failed logins.
pub fn start_radicale() -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let d = dir.path();
    std::fs::create_dir_all(d.join("storage")).expect("storage");
    std::fs::write(d.join("users"), "alice:secret\n").expect("users");
    std::fs::write(
        d.join("config"),
        format!(
            "[server]\nhosts = 127.0.0.1:{port}\n[auth]\ntype = htpasswd\nhtpasswd_filename = {}\nhtpasswd_encryption = plain\ndelay = 0\n[rights]\ntype = owner_only\n[storage]\nfilesystem_folder = {}\n[logging]\nlevel = warning\n",
            d.join("users").display(),
            d.join("storage").display()
        ),
    )
    .expect("config");
    let mut s = Server {
        kind: Kind::Radicale,
        base_url: format!("http://127.0.0.1:{port}/"),
        username: "alice".into(),
        password: "secret".into(),
        ca_file: None,
        port,
        child: None,
        dir,
    };
    s.restart();
    s
}

/// Starts Xandikos in multi-user mode, HTTPS with a self-signed certificate for `localhost`.
pub fn start_xandikos() -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let d = dir.path();
    std::fs::create_dir_all(d.join("data")).expect("data");
    std::fs::create_dir_all(d.join("state")).expect("state");
    // {SHA} of "secret": base64(sha1("secret")).
    std::fs::write(
        d.join("htpasswd"),
        "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n",
    )
    .expect("htpasswd");
    let mut s = Server {
        kind: Kind::Xandikos,
        base_url: format!("https://localhost:{port}/"),
        username: "alice".into(),
        password: "secret".into(),
        ca_file: Some(d.join("state/certs/selfsigned.crt")),
        port,
        child: None,
        dir,
    };
    s.restart();
    s
}

impl Server {
    /// Starts (again) on the same port with the same data.
    pub fn restart(&mut self) {
        let d = self.dir.path();
        let log = std::fs::File::create(d.join("server.log")).expect("log");
        let mut cmd = match self.kind {
            Kind::Radicale => {
                let mut c = Command::new(venv_bin("radicale"));
                c.arg("--config").arg(d.join("config"));
                c
            }
            Kind::Xandikos => {
                let mut c = Command::new(venv_bin("xandikos"));
                c.arg("multi-user")
                    .arg("-d")
                    .arg(d.join("data"))
                    .arg("--state-dir")
                    .arg(d.join("state"))
                    .arg("--defaults")
                    .args([
                        "-l",
                        "localhost",
                        "-p",
                        &self.port.to_string(),
                        "--autocert",
                        "--htpasswd",
                    ])
                    .arg(d.join("htpasswd"));
                c
            }
        };
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("server starts");
        self.child = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&mut self) {
        let start = Instant::now();
        loop {
            let cert_ok = self
                .ca_file
                .as_ref()
                .is_none_or(|c| c.exists() && std::fs::metadata(c).is_ok_and(|m| m.len() > 0));
            if cert_ok && TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("{:?} exited ({status}):\n{}", self.kind, self.log());
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{:?} not ready after 20 s:\n{}",
                self.kind,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Stops the server (the port stays reserved for [`Server::restart`]).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Runs `populate.py` on calendar `calendar` with `args`; returns its output.
    pub fn populate(&self, calendar: &str, args: &[&str]) -> String {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/populate.py");
        let mut cmd = Command::new(venv_bin("python"));
        cmd.arg(script)
            .arg(&self.base_url)
            .arg(&self.username)
            .arg(&self.password)
            .args(["--calendar", calendar]);
        if let Some(ca) = &self.ca_file {
            cmd.arg("--cacert").arg(ca);
        }
        let out = cmd.args(args).output().expect("populate.py runs");
        assert!(
            out.status.success(),
            "populate.py {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}
