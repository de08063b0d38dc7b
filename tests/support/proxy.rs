// SPDX-License-Identifier: GPL-3.0-or-later
//! A fault-injecting HTTP/1.1 proxy for tests: it stands between caltally and a real
//! server (Radicale over plain HTTP), forwards every request, and on the requests a
//! [`Fault`] names, answers 500, truncates the body, stalls past the client's timeout,
//! drops the connection, or corrupts one calendar object. It also counts requests.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// What to do to matching requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Forward unchanged.
    None,
    /// Answer with this status and an empty body.
    Status(u16),
    /// Answer `503` with `Retry-After: 1` and an HTML page (Nextcloud's maintenance mode),
    /// this many times, then forward.
    Maintenance(u32),
    /// Send the headers and half the body, then close.
    Truncate,
    /// Wait this long before answering.
    Stall(Duration),
    /// Close the connection without answering (the server "dies").
    Drop,
    /// Replace the first `calendar-data` with text that is not iCalendar.
    Corrupt,
}

/// A running proxy.
pub struct Proxy {
    /// `http://127.0.0.1:PORT/`.
    pub url: String,
    fault: Arc<Mutex<(String, Fault)>>,
    /// Requests forwarded or answered.
    pub requests: Arc<AtomicU32>,
    /// Set when a faulty request has been received.
    pub hit: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl Proxy {
    /// Starts a proxy to `upstream` (`host:port`).
    pub fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let fault = Arc::new(Mutex::new((String::new(), Fault::None)));
        let requests = Arc::new(AtomicU32::new(0));
        let hit = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (f, r, h, s, up) = (
            fault.clone(),
            requests.clone(),
            hit.clone(),
            stop.clone(),
            upstream.to_string(),
        );
        thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (f, r, h, up) = (f.clone(), r.clone(), h.clone(), up.clone());
                thread::spawn(move || {
                    let _ = serve(conn, &up, &f, &r, &h);
                });
            }
        });
        Proxy {
            url: format!("http://127.0.0.1:{port}/"),
            fault,
            requests,
            hit,
            stop,
            port,
        }
    }

    /// Applies `fault` to requests whose first line or body contains `pattern`.
    pub fn set_fault(&self, pattern: &str, fault: Fault) {
        *self.fault.lock().expect("lock") = (pattern.to_string(), fault);
        self.hit.store(false, Ordering::SeqCst);
    }

    /// Requests seen so far.
    pub fn count(&self) -> u32 {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn read_request(conn: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = conn.read(&mut chunk)?;
        if n == 0 {
            return Ok(buf);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = conn.read(&mut chunk)?;
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok(buf);
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Rewrites the request to close the connection after the answer, and to ask for an
/// uncompressed body (so that a fault can edit it).
fn close_after(request: &[u8]) -> Vec<u8> {
    let Some(end) = find(request, b"\r\n\r\n") else {
        return request.to_vec();
    };
    let head = String::from_utf8_lossy(&request[..end]);
    let mut out: Vec<String> = head
        .lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            !l.starts_with("connection:") && !l.starts_with("accept-encoding:")
        })
        .map(str::to_string)
        .collect();
    out.push("Connection: close".into());
    let mut bytes = out.join("\r\n").into_bytes();
    bytes.extend_from_slice(b"\r\n\r\n");
    bytes.extend_from_slice(&request[end + 4..]);
    bytes
}

fn serve(
    mut conn: TcpStream,
    upstream: &str,
    fault: &Mutex<(String, Fault)>,
    requests: &AtomicU32,
    hit: &AtomicBool,
) -> std::io::Result<()> {
    let request = read_request(&mut conn)?;
    if request.is_empty() {
        return Ok(());
    }
    requests.fetch_add(1, Ordering::SeqCst);
    let (pattern, f) = fault.lock().expect("lock").clone();
    let text = String::from_utf8_lossy(&request);
    let matches = f != Fault::None && !pattern.is_empty() && text.contains(&pattern);
    if matches {
        hit.store(true, Ordering::SeqCst);
    }
    match (&f, matches) {
        (Fault::Status(code), true) => {
            conn.write_all(
                format!(
                    "HTTP/1.1 {code} Injected\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                .as_bytes(),
            )?;
            return Ok(());
        }
        (Fault::Maintenance(n), true) if *n > 0 => {
            *fault.lock().expect("lock") = (pattern.clone(), Fault::Maintenance(n - 1));
            let page = "<!DOCTYPE html><html><body>Maintenance mode</body></html>";
            let head = format!(
                "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                page.len()
            );
            conn.write_all(head.as_bytes())?;
            conn.write_all(page.as_bytes())?;
            return Ok(());
        }
        (Fault::Drop, true) => {
            conn.shutdown(Shutdown::Both)?;
            return Ok(());
        }
        (Fault::Stall(d), true) => thread::sleep(*d),
        _ => {}
    }
    let mut up = TcpStream::connect(upstream)?;
    up.write_all(&close_after(&request))?;
    let mut response = Vec::new();
    up.read_to_end(&mut response)?;
    match (&f, matches) {
        (Fault::Truncate, true) => {
            let end = find(&response, b"\r\n\r\n").map_or(0, |e| e + 4);
            let cut = end + (response.len() - end) / 2;
            conn.write_all(&response[..cut])?;
            conn.shutdown(Shutdown::Both)?;
        }
        (Fault::Corrupt, true) => {
            let body = String::from_utf8_lossy(&response).into_owned();
            let corrupted = corrupt_first_object(&body);
            conn.write_all(&fix_length(corrupted).into_bytes())?;
        }
        _ => conn.write_all(&response)?,
    }
    Ok(())
}

fn corrupt_first_object(response: &str) -> String {
    let Some(start) = response.find("BEGIN:VCALENDAR") else {
        return response.to_string();
    };
    let Some(end) = response[start..]
        .find("END:VCALENDAR")
        .map(|e| start + e + "END:VCALENDAR".len())
    else {
        return response.to_string();
    };
    format!(
        "{}this is not a calendar{}",
        &response[..start],
        &response[end..]
    )
}

fn fix_length(response: String) -> String {
    let Some(end) = response.find("\r\n\r\n") else {
        return response;
    };
    let body_len = response.len() - end - 4;
    let head: Vec<String> = response[..end]
        .lines()
        .map(|l| {
            if l.to_ascii_lowercase().starts_with("content-length:") {
                format!("Content-Length: {body_len}")
            } else {
                l.to_string()
            }
        })
        .collect();
    format!("{}\r\n\r\n{}", head.join("\r\n"), &response[end + 4..])
}
