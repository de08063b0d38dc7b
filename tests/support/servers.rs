// SPDX-License-Identifier: GPL-3.0-or-later
//! Real CalDAV servers for integration tests, each started on a free loopback port in its own
//! temporary directory: Radicale over HTTP and Xandikos over HTTPS with its self-signed
//! certificate, both with Basic authentication (`alice` / `secret`). The python `caldav`
//! client (`tests/servers/populate.py`) plays the calendar app that fills them.
//!
//! Include it with `#[path = "support/servers.rs"] mod servers;`. The programs come from the
//! test venv (`make venv`, or `$CALTALLY_VENV`).

#![allow(dead_code)]

use std::fs;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to answer on its port.
const READY_WITHIN: Duration = Duration::from_secs(15);

/// Xandikos' self-signed certificate, in the server's directory (`--state-dir state`).
const XANDIKOS_CERT: &str = "state/certs/selfsigned.crt";

/// The user of every test server.
pub const USER: &str = "alice";
/// Its password.
pub const PASSWORD: &str = "secret";

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Radicale: HTTP on 127.0.0.1, plain htpasswd, no delay after a failed login.
    Radicale,
    /// Xandikos multi-user: HTTPS on `localhost` with a self-signed certificate, `{SHA}` htpasswd.
    Xandikos,
}

/// A running server; killed (and waited for) on drop, its directory removed afterwards.
pub struct Server {
    /// Which one.
    pub kind: Kind,
    /// Root URL, with a trailing slash: `http://127.0.0.1:PORT/` or `https://localhost:PORT/`.
    pub base_url: String,
    /// User.
    pub username: String,
    /// Password.
    pub password: String,
    /// Certificate to trust (Xandikos' self-signed one); `None` for Radicale.
    pub ca_file: Option<PathBuf>,
    port: u16,
    /// `None` between [`Server::kill`] and [`Server::restart`].
    child: Option<Child>,
    dir: tempfile::TempDir,
}

/// A program of the test venv: `$CALTALLY_VENV/bin/NAME`, else `<crate>/.venv/bin/NAME`.
pub fn venv_bin(name: &str) -> PathBuf {
    let venv = std::env::var_os("CALTALLY_VENV").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"),
        PathBuf::from,
    );
    let bin = venv.join("bin").join(name);
    assert!(
        bin.exists(),
        "{} is missing: run `make venv` (the tests need the Python test tools of \
         tests/servers/requirements.txt), or point CALTALLY_VENV at a venv that has them",
        bin.display()
    );
    bin
}

/// A port nobody listens on right now (the OS picks it; it is free again once we drop it),
/// never one already handed to another server of this test process.
fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// Starts Radicale with an htpasswd file, owner-only rights and no delay on failed logins.
pub fn start_radicale() -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::create_dir_all(d.join("storage")).expect("storage dir");
    fs::write(d.join("users"), format!("{USER}:{PASSWORD}\n")).expect("htpasswd");
    launch(Kind::Radicale, dir)
}

/// Starts Xandikos in multi-user mode: HTTPS with a self-signed certificate for `localhost`
/// (made on first start in `state/certs/`), Basic authentication from a `{SHA}` htpasswd.
pub fn start_xandikos() -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::create_dir_all(d.join("data")).expect("data dir");
    fs::create_dir_all(d.join("state")).expect("state dir");
    // base64(sha1("secret")); Xandikos also takes bcrypt, but that needs another package.
    fs::write(
        d.join("htpasswd"),
        format!("{USER}:{{SHA}}5en6G6MezRroT3XKqkdPOmY/BfQ=\n"),
    )
    .expect("htpasswd");
    launch(Kind::Xandikos, dir)
}

/// Starts `kind` on a free port, trying another port if the chosen one was taken meanwhile
/// (another test may have been given the same one).
fn launch(kind: Kind, dir: tempfile::TempDir) -> Server {
    let mut s = Server {
        kind,
        base_url: String::new(),
        username: USER.into(),
        password: PASSWORD.into(),
        ca_file: (kind == Kind::Xandikos).then(|| dir.path().join(XANDIKOS_CERT)),
        port: 0,
        child: None,
        dir,
    };
    for attempt in 1..=3 {
        s.set_port(free_port());
        s.spawn();
        match s.wait_ready() {
            Ok(()) => return s,
            Err(why) if attempt < 3 && s.log().contains("already in use") => {
                s.kill();
                eprintln!("{kind:?}: port {} taken ({why}), trying another", s.port);
            }
            Err(why) => {
                s.kill();
                panic!(
                    "{kind:?} did not start: {why}\n--- server log ---\n{}",
                    s.log()
                );
            }
        }
    }
    unreachable!()
}

impl Server {
    fn set_port(&mut self, port: u16) {
        self.port = port;
        self.base_url = match self.kind {
            Kind::Radicale => format!("http://127.0.0.1:{port}/"),
            Kind::Xandikos => format!("https://localhost:{port}/"),
        };
        if self.kind == Kind::Radicale {
            let d = self.dir.path();
            let config = format!(
                "[server]\nhosts = 127.0.0.1:{port}\n\n\
                 [auth]\ntype = htpasswd\nhtpasswd_filename = {}\nhtpasswd_encryption = plain\ndelay = 0\n\n\
                 [rights]\ntype = owner_only\n\n\
                 [storage]\nfilesystem_folder = {}\n\n\
                 [logging]\nlevel = warning\n",
                d.join("users").display(),
                d.join("storage").display()
            );
            fs::write(d.join("config"), config).expect("radicale config");
        }
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The temporary directory holding the configuration, data and log.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Where `populate.py --calendar NAME` puts (and finds) the calendar NAME, as created by
    /// the python `caldav` client under the calendar home: `<base>alice/NAME/` on Radicale
    /// (home = principal), `<base>alice/calendars/NAME/` on Xandikos. NAME must be URL-safe.
    pub fn calendar_url(&self, name: &str) -> String {
        match self.kind {
            Kind::Radicale => format!("{}{}/{name}/", self.base_url, self.username),
            Kind::Xandikos => format!("{}{}/calendars/{name}/", self.base_url, self.username),
        }
    }

    fn spawn(&mut self) {
        let d = self.dir.path();
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(d.join("server.log"))
            .expect("server log");
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
                    // `localhost`, not 127.0.0.1: the certificate's SAN is DNS:<listen address>.
                    .args(["-l", "localhost", "-p", &self.port.to_string()])
                    .arg("--autocert")
                    .arg("--htpasswd")
                    .arg(d.join("htpasswd"));
                c
            }
        };
        let child = cmd
            .current_dir(d)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("server log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("{:?} cannot be spawned: {e}", self.kind));
        self.child = Some(child);
    }

    /// Waits until the port accepts connections (and, for Xandikos, the certificate exists).
    fn wait_ready(&mut self) -> Result<(), String> {
        let start = Instant::now();
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(format!("it exited ({status})"));
            }
            // Xandikos writes its certificate before it listens; wait for both.
            let cert_ok = match self.kind {
                Kind::Radicale => true,
                Kind::Xandikos => {
                    fs::metadata(self.dir.path().join(XANDIKOS_CERT)).is_ok_and(|m| m.len() > 0)
                }
            };
            if cert_ok && TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                // Something answers; make sure it is this server, not one that took the
                // port first (this one then stops, saying the address is in use).
                std::thread::sleep(Duration::from_millis(100));
                if let Some(child) = self.child.as_mut()
                    && let Ok(Some(status)) = child.try_wait()
                {
                    self.child = None;
                    return Err(format!("it exited ({status})"));
                }
                if self.log().contains("already in use") {
                    return Err(format!("port {} is taken", self.port));
                }
                return Ok(());
            }
            if start.elapsed() > READY_WITHIN {
                return Err(format!(
                    "port {} not answering after {READY_WITHIN:?}",
                    self.port
                ));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The server's output so far (all starts).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Stops the server at once (SIGKILL), keeping its data and port for [`Server::restart`].
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the server again on the same port with the same data (killing it first if it
    /// still runs).
    pub fn restart(&mut self) {
        self.kill();
        let start = Instant::now();
        loop {
            self.spawn();
            match self.wait_ready() {
                Ok(()) => return,
                // The killed process' socket may linger for a moment.
                Err(_)
                    if start.elapsed() < READY_WITHIN && self.log().contains("already in use") =>
                {
                    self.kill();
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(why) => {
                    self.kill();
                    panic!(
                        "{:?} did not restart on port {}: {why}\n--- server log ---\n{}",
                        self.kind,
                        self.port,
                        self.log()
                    );
                }
            }
        }
    }

    /// Runs `populate.py <base_url> alice secret --calendar CALENDAR [--cacert CA] ARGS...`
    /// (see its `--help`) and returns what it printed; panics with its stderr on failure.
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
        let out = cmd
            .args(args)
            // Loopback must never go through a proxy configured for the machine.
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            .stdin(Stdio::null())
            .output()
            .expect("populate.py runs");
        assert!(
            out.status.success(),
            "populate.py --calendar {calendar} {args:?} on {:?} failed ({}):\n{}\n--- server log ---\n{}",
            self.kind,
            out.status,
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
