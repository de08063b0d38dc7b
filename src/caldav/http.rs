// SPDX-License-Identifier: GPL-3.0-or-later
//! A thin blocking HTTP client for WebDAV methods (ureq + rustls).
//!
//! Owns: Basic authentication (no cookie jar), sent only to the origin the client was
//! made for: a request to any other origin (another host or port, or http after https)
//! is refused before it leaves, whoever asks for it. Also timeouts on connect and read,
//! TLS verified by default with an optional extra trust root (`ca_file`), redirects
//! returned to the caller (so a PROPFIND is re-sent as a PROPFIND), bounded retries on
//! 429 and 503 honouring `Retry-After`, a bound on the size of a response read into
//! memory, and errors that name the server, the request and the status but never the
//! credentials.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ureq::tls::{PemItem, RootCerts, TlsConfig};

use super::origin::{Origin, OriginError, shown};
use crate::input::redact;

/// Credentials for Basic authentication.
#[derive(Clone)]
pub struct Credentials {
    /// User name.
    pub username: String,
    /// App password.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

/// How the client behaves.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Timeout for a whole response.
    pub read_timeout: Duration,
    /// Longest wait honoured for `Retry-After`.
    pub max_retry_wait: Duration,
    /// How many times 429/503 are retried.
    pub retries: u32,
    /// Largest response body read into memory, in bytes.
    pub max_response: u64,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(120),
            max_retry_wait: Duration::from_secs(120),
            retries: 2,
            max_response: crate::input::MAX_RESPONSE,
        }
    }
}

/// What went wrong with a request.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The extra trust root could not be read.
    #[error("cannot read ca_file {path}: {message}")]
    CaFile {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// The request could not be sent or the response not read (DNS, TLS, timeout…).
    #[error("{method} {url}: {message}")]
    Transport {
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// Why.
        message: String,
    },
    /// The URL the client was made for has no origin.
    #[error(transparent)]
    Origin(#[from] OriginError),
    /// A request to another origin than the configured one, refused before it was sent.
    #[error(
        "refused to send {method} to {requested}: the credentials are only for {configured}{why}. \
If the server has really moved, put its new URL in the config"
    )]
    OtherOrigin {
        /// Method.
        method: String,
        /// The configured origin.
        configured: String,
        /// The origin asked for.
        requested: String,
        /// ", and never go from https to http" when that is the step.
        why: String,
    },
    /// The response is larger than [`ClientOptions::max_response`].
    #[error(
        "{method} {url}: the response is larger than {} MiB and was not read; \
the server sent far more than a calendar holds (nothing was stored)",
        limit >> 20
    )]
    TooLarge {
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// The bound, in bytes.
        limit: u64,
    },
    /// The request was malformed (bad URL).
    #[error("{method} {url}: invalid request: {message}")]
    Request {
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// Why.
        message: String,
    },
}

/// A response, fully read.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// `Location`, for redirects.
    pub location: Option<String>,
    /// `Retry-After` in seconds.
    pub retry_after: Option<u64>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `ETag`.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
    /// Body.
    pub body: Vec<u8>,
}

/// A client bound to one account on one origin. It can be shared by several threads:
/// every request, from any of them, goes through the same origin check and size bound.
pub struct Client {
    agent: ureq::Agent,
    origin: Origin,
    auth: Option<String>,
    options: ClientOptions,
    /// Requests sent, for the summary line and the "unchanged costs one request" check.
    requests: AtomicU32,
    /// Quickest answer so far, request sent to body read, in microseconds (`u64::MAX`:
    /// none yet).
    quickest: AtomicU64,
}

impl Client {
    /// A client for the origin of `base` (the configured URL), with optional credentials
    /// and extra trust root. It sends no request to any other origin.
    pub fn new(
        base: &str,
        credentials: Option<&Credentials>,
        ca_file: Option<&Path>,
        options: ClientOptions,
    ) -> Result<Client, HttpError> {
        let origin = Origin::of(base)?;
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .allow_non_standard_methods(true)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(options.connect_timeout))
            .timeout_global(Some(options.read_timeout))
            .user_agent(concat!(
                "caltally/",
                env!("CARGO_PKG_VERSION"),
                " (time reports)"
            ));
        if let Some(path) = ca_file {
            let pem = std::fs::read(path).map_err(|e| HttpError::CaFile {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            let certs: Vec<_> = ureq::tls::parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(HttpError::CaFile {
                    path: path.display().to_string(),
                    message: "no PEM certificate found".into(),
                });
            }
            config = config.tls_config(
                TlsConfig::builder()
                    .root_certs(RootCerts::Specific(Arc::new(certs)))
                    .build(),
            );
        }
        let auth = credentials.map(|c| {
            use base64::Engine;
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", c.username, c.password))
            )
        });
        Ok(Client {
            agent: config.build().into(),
            origin,
            auth,
            options,
            requests: AtomicU32::new(0),
            quickest: AtomicU64::new(u64::MAX),
        })
    }

    /// Requests sent so far, from every thread.
    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The quickest answer so far, from sending a request to reading its whole body:
    /// the round trip plus the server's least work, which tells a server near and light
    /// from one that is far away or slow to start.
    pub fn quickest_answer(&self) -> Option<Duration> {
        match self.quickest.load(Ordering::Relaxed) {
            u64::MAX => None,
            us => Some(Duration::from_micros(us)),
        }
    }

    /// The origin this client talks to.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Refuses `url` unless it has this client's origin.
    pub fn check_origin(&self, method: &str, url: &str) -> Result<(), HttpError> {
        let userinfo = crate::input::refuse_userinfo(url, "").is_err();
        if self.origin.contains(url) && !userinfo {
            return Ok(());
        }
        let downgrade =
            self.origin.scheme == "https" && Origin::of(url).is_ok_and(|o| o.scheme == "http");
        Err(HttpError::OtherOrigin {
            method: method.into(),
            configured: self.origin.to_string(),
            requested: shown(url),
            why: if downgrade {
                ", and never go from https to http".into()
            } else if userinfo {
                ", and a URL carrying `user:password@` is never followed".into()
            } else {
                String::new()
            },
        })
    }

    /// Sends one request; retries 429 and 503 within the configured bound.
    pub fn send(
        &self,
        method: &str,
        url: &str,
        depth: Option<&str>,
        body: Option<&str>,
        extra: &[(&str, &str)],
    ) -> Result<Reply, HttpError> {
        let mut attempt = 0;
        loop {
            let reply = self.send_once(method, url, depth, body, extra)?;
            let retryable = matches!(reply.status, 429 | 503);
            if !retryable || attempt >= self.options.retries {
                return Ok(reply);
            }
            let wait = Duration::from_secs(reply.retry_after.unwrap_or(5));
            if wait > self.options.max_retry_wait {
                return Ok(reply);
            }
            log::info!(
                "{method} {url}: {} — retrying in {}s",
                reply.status,
                wait.as_secs()
            );
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    fn send_once(
        &self,
        method: &str,
        url: &str,
        depth: Option<&str>,
        body: Option<&str>,
        extra: &[(&str, &str)],
    ) -> Result<Reply, HttpError> {
        self.check_origin(method, url)?;
        let request_err = |message: String| HttpError::Request {
            method: method.into(),
            url: redact(url),
            message,
        };
        let m =
            http::Method::from_bytes(method.as_bytes()).map_err(|e| request_err(e.to_string()))?;
        let mut builder = http::Request::builder().method(m).uri(url);
        if let Some(auth) = &self.auth {
            builder = builder.header("Authorization", auth);
        }
        if let Some(depth) = depth {
            builder = builder.header("Depth", depth);
        }
        if body.is_some() {
            builder = builder.header("Content-Type", "application/xml; charset=utf-8");
        }
        for (k, v) in extra {
            builder = builder.header(*k, *v);
        }
        let request = builder
            .body(body.unwrap_or_default().as_bytes().to_vec())
            .map_err(|e| request_err(e.to_string()))?;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let sent = Instant::now();
        let transport = |message: String| HttpError::Transport {
            method: method.into(),
            url: redact(url),
            message,
        };
        let response = self
            .agent
            .run(request)
            .map_err(|e| transport(e.to_string()))?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let status = response.status().as_u16();
        let location = header("location");
        let retry_after = header("retry-after").and_then(|v| v.trim().parse().ok());
        let content_type = header("content-type");
        let etag = header("etag");
        let last_modified = header("last-modified");
        let body = response
            .into_body()
            .with_config()
            .limit(self.options.max_response)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(limit) => HttpError::TooLarge {
                    method: method.into(),
                    url: redact(url),
                    limit,
                },
                e => transport(e.to_string()),
            })?;
        let took = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX - 1);
        self.quickest.fetch_min(took, Ordering::Relaxed);
        Ok(Reply {
            status,
            location,
            retry_after,
            content_type,
            etag,
            last_modified,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quickest_answer_is_the_shortest_request_seen() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}/", listener.local_addr().expect("addr"));
        // Answers two requests, the second after 300 ms.
        let server = std::thread::spawn(move || {
            for wait in [0, 300] {
                let (mut stream, _) = listener.accept().expect("accept");
                let mut buf = [0u8; 4096];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = stream.read(&mut buf).expect("read");
                    assert!(n > 0, "request cut short");
                    got.extend_from_slice(&buf[..n]);
                }
                std::thread::sleep(Duration::from_millis(wait));
                stream
                    .write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                    )
                    .expect("write");
            }
        });
        let client = Client::new(&base, None, None, ClientOptions::default()).expect("client");
        assert_eq!(client.quickest_answer(), None, "nothing sent yet");
        client.send("GET", &base, None, None, &[]).expect("first");
        let quick = client.quickest_answer().expect("measured");
        assert!(quick < Duration::from_millis(300), "{quick:?}");
        client.send("GET", &base, None, None, &[]).expect("second");
        assert_eq!(
            client.quickest_answer(),
            Some(quick),
            "the slower one is not kept"
        );
        server.join().expect("server");
    }

    #[test]
    fn requests_leave_the_configured_origin_never() {
        let credentials = Credentials {
            username: "alice".into(),
            password: "s3cret".into(),
        };
        let client = Client::new(
            "https://Cloud.example.org/remote.php/dav/",
            Some(&credentials),
            None,
            ClientOptions::default(),
        )
        .expect("client");
        assert!(
            client
                .check_origin("PROPFIND", "https://cloud.example.org:443/x")
                .is_ok()
        );
        let err = client
            .send(
                "PROPFIND",
                "http://cloud.example.org/remote.php/dav/",
                None,
                None,
                &[],
            )
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("to http://cloud.example.org")
                && err.contains("only for https://cloud.example.org")
                && err.contains("never go from https to http"),
            "{err}"
        );
        let err = client
            .send("GET", "https://bob:pw@evil.example:8443/", None, None, &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("to https://evil.example:8443:") && !err.contains("pw"),
            "{err}"
        );
        let err = client
            .check_origin("GET", "https://eve:pw@cloud.example.org/")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("never followed") && !err.contains("pw"),
            "{err}"
        );
        assert_eq!(client.requests(), 0, "nothing was sent");
    }
}
