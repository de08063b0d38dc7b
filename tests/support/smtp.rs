// SPDX-License-Identifier: GPL-3.0-or-later
//! A real SMTP server for integration tests: `tests/servers/smtp_sink.py` (aiosmtpd) on a free
//! loopback port, in its own temporary directory, storing every accepted message in a Maildir.
//!
//! It always offers TLS with a self-signed certificate for `localhost` (made at the first
//! start, kept across restarts; trust [`Sink::ca_file`]) and always requires AUTH PLAIN or
//! LOGIN as [`SMTP_USER`] / [`SMTP_PASSWORD`] before MAIL. By default it speaks STARTTLS and
//! refuses MAIL and AUTH before it; with [`SinkOptions::smtps`] the port speaks TLS from the
//! first byte (port 465 style). Recipients in [`SinkOptions::refuse`] get
//! `550 5.1.1 <ADDR>: mailbox unavailable`.
//!
//! Each stored message is the DATA as received (CRLF line ends, dot-unstuffed), preceded by the
//! envelope headers `X-Peer`, `X-MailFrom` and `X-RcptTo` (recipients joined by `", "`).
//!
//! Include it with `#[path = "support/smtp.rs"] mod smtp;`. Python and aiosmtpd come from the
//! test venv (`make venv`, or `$CALTALLY_VENV`).

#![allow(dead_code)]

use std::fs;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the sink may take to listen.
const READY_WITHIN: Duration = Duration::from_secs(15);

/// The only user the sink accepts.
pub const SMTP_USER: &str = "caltally";
/// Its password.
pub const SMTP_PASSWORD: &str = "mail-secret";

/// What the sink does besides STARTTLS + AUTH + Maildir.
#[derive(Debug, Default, Clone)]
pub struct SinkOptions {
    /// Implicit TLS on the port (`smtps://`) instead of STARTTLS (`smtp://`).
    pub smtps: bool,
    /// Recipients answered with `550 5.1.1 <ADDR>: mailbox unavailable` (compared
    /// case-insensitively).
    pub refuse: Vec<String>,
    /// Store each message, then drop the connection instead of answering the end of DATA:
    /// the client cannot know that the message was delivered.
    pub hang_up_after_data: bool,
    /// Refuse wrong credentials with a 535 that echoes them: terminal escape sequences, the
    /// AUTH PLAIN payload and the password in clear.
    pub echo_auth: bool,
}

/// A running sink; killed (and waited for) on drop, its directory removed afterwards.
pub struct Sink {
    /// The TCP port on 127.0.0.1 (connect to `localhost`: the certificate is for that name).
    pub port: u16,
    /// The self-signed certificate (PEM) to trust.
    pub ca_file: PathBuf,
    /// The Maildir: messages land in `new/`.
    pub maildir: PathBuf,
    opts: SinkOptions,
    /// `None` between [`Sink::stop`] and [`Sink::restart`].
    child: Option<Child>,
    dir: tempfile::TempDir,
}

/// The venv's python: `$CALTALLY_VENV/bin/python`, else `<crate>/.venv/bin/python`.
fn venv_python() -> PathBuf {
    let venv = std::env::var_os("CALTALLY_VENV").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"),
        PathBuf::from,
    );
    let bin = venv.join("bin").join("python");
    assert!(
        bin.exists(),
        "{} is missing: run `make venv` (the SMTP tests need aiosmtpd and cryptography from \
         tests/servers/requirements.txt), or point CALTALLY_VENV at a venv that has them",
        bin.display()
    );
    bin
}

/// A port nobody listens on right now (the OS picks it; it is free again once we drop it).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Starts a sink on a free port: TLS (STARTTLS, or implicit with `opts.smtps`) with a fresh
/// certificate, AUTH required as [`SMTP_USER`] / [`SMTP_PASSWORD`], refusing `opts.refuse`.
pub fn start_sink(opts: SinkOptions) -> Sink {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut sink = Sink {
        port: 0,
        ca_file: dir.path().join("tls").join("cert.pem"),
        maildir: dir.path().join("maildir"),
        opts,
        child: None,
        dir,
    };
    for attempt in 1..=3 {
        sink.port = free_port();
        let mark = sink.spawn();
        match sink.wait_ready(mark) {
            Ok(()) => return sink,
            // Another test may have been given the same port meanwhile.
            Err(why) if attempt < 3 && sink.log_since(mark).contains("already in use") => {
                sink.stop();
                eprintln!(
                    "SMTP sink: port {} taken ({why}), trying another",
                    sink.port
                );
            }
            Err(why) => {
                sink.stop();
                panic!(
                    "SMTP sink did not start: {why}\n--- sink log ---\n{}",
                    sink.log()
                );
            }
        }
    }
    unreachable!()
}

impl Sink {
    /// `smtp://localhost:PORT` (STARTTLS) or `smtps://localhost:PORT` (implicit TLS).
    pub fn url(&self) -> String {
        let scheme = if self.opts.smtps { "smtps" } else { "smtp" };
        format!("{scheme}://localhost:{}", self.port)
    }

    /// A `[mail]` section sending through this sink, the password read from
    /// `CALTALLY_TEST_SMTP_PASSWORD` (set it to [`SMTP_PASSWORD`]); `from` and the rest follow.
    pub fn mail_section(&self) -> String {
        format!(
            "[mail]\nsmtp = \"{}\"\nca_file = \"{}\"\nusername = \"{SMTP_USER}\"\n\
             password_env = \"CALTALLY_TEST_SMTP_PASSWORD\"\n",
            self.url(),
            self.ca_file.display()
        )
    }

    /// How many AUTH commands it received, over all starts (from its log of commands).
    pub fn auth_attempts(&self) -> usize {
        self.log()
            .lines()
            .filter(|l| l.contains(">> b'AUTH"))
            .count()
    }

    /// The options it runs with (the last ones given to [`Sink::restart_with`]).
    pub fn options(&self) -> &SinkOptions {
        &self.opts
    }

    /// The temporary directory holding the Maildir, the certificate and the log.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The raw bytes of every message in the Maildir (`new/` and `cur/`), in delivery order:
    /// sorted by file name, whose leading `SECONDS.M<MICROSECONDS>` (Python's `mailbox`
    /// naming; the microseconds are not zero-padded) are compared as numbers.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let mut files = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = fs::read_dir(self.maildir.join(sub)) else {
                continue; // no Maildir yet: no message
            };
            for entry in entries {
                let entry = entry.expect("Maildir entry");
                let name = entry.file_name().to_string_lossy().into_owned();
                if !name.starts_with('.') {
                    files.push((maildir_order(&name), entry.path()));
                }
            }
        }
        files.sort();
        files
            .into_iter()
            .map(|(_, path)| fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
            .collect()
    }

    /// The sink's output so far (all starts): `ready`, aiosmtpd's log of each command (AUTH
    /// arguments masked), one `stored …` or `refused RCPT …` line per message or refusal.
    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Stops the sink at once (SIGKILL), keeping its port, Maildir and certificate for
    /// [`Sink::restart`]. Delivery into a Maildir is atomic (written in `tmp/`, then renamed),
    /// so a kill never leaves half a message in `new/`.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Whether it runs (it has not been stopped and has not exited).
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Starts it again (stopping it first if it still runs) on the same port, with the same
    /// Maildir, certificate and options.
    pub fn restart(&mut self) {
        let opts = self.opts.clone();
        self.restart_with(opts);
    }

    /// [`Sink::restart`] with other options (say, another `refuse` list, or switching between
    /// STARTTLS and implicit TLS; [`Sink::url`] follows).
    pub fn restart_with(&mut self, opts: SinkOptions) {
        self.stop();
        self.opts = opts;
        let start = Instant::now();
        loop {
            let mark = self.spawn();
            match self.wait_ready(mark) {
                Ok(()) => return,
                // Should the old socket linger for a moment, try again.
                Err(_)
                    if start.elapsed() < READY_WITHIN
                        && self.log_since(mark).contains("already in use") =>
                {
                    self.stop();
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(why) => {
                    self.stop();
                    panic!(
                        "SMTP sink did not restart on port {}: {why}\n--- sink log ---\n{}",
                        self.port,
                        self.log()
                    );
                }
            }
        }
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("sink.log")
    }

    /// The log written after byte `mark`.
    fn log_since(&self, mark: u64) -> String {
        let log = fs::read(self.log_path()).unwrap_or_default();
        let from = usize::try_from(mark).unwrap_or(usize::MAX).min(log.len());
        String::from_utf8_lossy(&log[from..]).into_owned()
    }

    /// Starts the process; returns the log's length before it, where its output begins.
    fn spawn(&mut self) -> u64 {
        let d = self.dir.path();
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("sink log");
        let mark = log.metadata().expect("sink log").len();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/smtp_sink.py");
        let tls_dir = d.join("tls");
        let mut cmd = Command::new(venv_python());
        cmd.arg(script)
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .arg("--maildir")
            .arg(&self.maildir)
            // The certificate is made once; restarts reuse it, so `ca_file` stays valid.
            .arg(if self.ca_file.exists() {
                "--cert"
            } else {
                "--make-cert"
            })
            .arg(&tls_dir)
            .args(["--user", SMTP_USER, "--password", SMTP_PASSWORD]);
        if self.opts.smtps {
            cmd.arg("--smtps");
        }
        for addr in &self.opts.refuse {
            cmd.arg("--refuse").arg(addr);
        }
        if self.opts.hang_up_after_data {
            cmd.arg("--hang-up-after-data");
        }
        if self.opts.echo_auth {
            cmd.arg("--echo-auth");
        }
        let child = cmd
            .current_dir(d)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("sink log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("the SMTP sink cannot be spawned: {e}"));
        self.child = Some(child);
        mark
    }

    /// Waits until this start printed `ready` and the port accepts connections.
    fn wait_ready(&mut self, mark: u64) -> Result<(), String> {
        let start = Instant::now();
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(format!("it exited ({status})"));
            }
            if self.log_since(mark).lines().any(|l| l == "ready")
                && TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
            {
                return Ok(());
            }
            if start.elapsed() > READY_WITHIN {
                return Err(format!(
                    "port {} not ready after {READY_WITHIN:?}",
                    self.port
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Sort key of a Maildir file name `SECONDS.M<MICROSECONDS>P<PID>Q<N>.<HOST>`: the two
/// numbers, then the name (names of another form sort by name, after those).
fn maildir_order(name: &str) -> (u64, u64, String) {
    let mut parts = name.splitn(3, '.');
    let secs = parts.next().and_then(|s| s.parse().ok());
    let micros = parts.next().and_then(|s| {
        let digits = s.strip_prefix('M')?;
        let end = digits
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(digits.len());
        digits[..end].parse().ok()
    });
    match (secs, micros) {
        (Some(s), Some(m)) => (s, m, name.to_owned()),
        _ => (u64::MAX, u64::MAX, name.to_owned()),
    }
}
