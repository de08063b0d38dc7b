// SPDX-License-Identifier: GPL-3.0-or-later
//! A read-only CalDAV client: discovery, listing and incremental sync (RFC 4791, RFC 6578,
//! RFC 6764), with Nextcloud's behaviour as the reference.
//!
//! Key terms: a *home* is the collection holding a user's calendars; a *calendar* is one
//! collection; an *object* is one resource (href) holding one UID. Submodules: [`http`]
//! (requests), [`xml`] (bodies and pure parsers), [`discovery`] (from any URL to the
//! calendars), [`sync`] (a pure plan from the server's answers and the stored state),
//! [`fetch`] (the objects' bodies, a few multiget requests in flight at once).
//! This module never touches the store: `app` connects the two.

pub mod discovery;
pub mod fetch;
pub mod http;
pub mod origin;
pub mod sync;
pub mod xml;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use http::{Client, HttpError, Reply};
use xml::XmlError;

/// A calendar found on a server.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CalendarInfo {
    /// Absolute URL of the collection.
    pub url: String,
    /// Display name (the last path segment if none).
    pub name: String,
    /// `CS:getctag`.
    pub ctag: Option<String>,
    /// `DAV:sync-token`.
    pub sync_token: Option<String>,
    /// Shared with this account by someone else (Nextcloud `_shared_by_`, owner-principal).
    pub shared: bool,
    /// Read-only for this account.
    pub read_only: bool,
}

/// What went wrong talking to a CalDAV server.
#[derive(Debug, thiserror::Error)]
pub enum CaldavError {
    /// Transport or TLS failure, or timeout.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// 401.
    #[error(
        "{server} refused the credentials of `{username}` (401 on {request}). With Nextcloud, use an app \
password: Settings → Security → Devices & sessions → \"Create new app password\", then give it with \
password_env, password_command or password_file"
    )]
    Unauthorized {
        /// Host.
        server: String,
        /// User name (never the password).
        username: String,
        /// Method and path.
        request: String,
    },
    /// Any other unexpected status.
    #[error("{server}: {request} answered {status}{detail}")]
    Status {
        /// Host.
        server: String,
        /// Method and path.
        request: String,
        /// Status code.
        status: u16,
        /// A hint (maintenance mode, Retry-After…), starting with "; " when present.
        detail: String,
    },
    /// The body is not the XML expected.
    #[error("{server}: {request}: {error}")]
    Xml {
        /// Host.
        server: String,
        /// Method and path.
        request: String,
        /// Why (printed once: it is part of this message, not a further cause).
        error: XmlError,
    },
    /// Well-formed XML that does not say what the protocol requires.
    #[error(
        "{server}: {request}: malformed answer: {message}; nothing of this calendar was changed"
    )]
    Malformed {
        /// Host.
        server: String,
        /// Method and path.
        request: String,
        /// What is wrong.
        message: String,
    },
    /// Discovery found no calendar home.
    #[error("{0}")]
    Discovery(String),
}

/// Characters percent-encoded in request paths (everything but unreserved and `/`).
pub(crate) const PATH_SET: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b'@')
    .add(b'&')
    .add(b'+')
    .add(b',')
    .add(b';')
    .add(b'=');

/// `scheme://host[:port]` of a URL.
pub fn origin(url: &str) -> &str {
    let after = url.find("://").map_or(0, |i| i + 3);
    let end = url[after..].find('/').map_or(url.len(), |i| after + i);
    &url[..end]
}

/// The host of a URL, for messages.
pub fn host(url: &str) -> &str {
    let o = origin(url);
    o.find("://").map_or(o, |i| &o[i + 3..])
}

/// The path of a URL, percent-decoded.
pub fn path_of(url: &str) -> String {
    let o = origin(url);
    xml::decode_href(if url.len() > o.len() {
        &url[o.len()..]
    } else {
        "/"
    })
}

/// An absolute URL for a decoded href found in a response to a request on `base`.
pub fn absolute(base: &str, href: &str) -> String {
    if href.starts_with("http://") || href.starts_with("https://") {
        return href.to_string();
    }
    let encoded = utf8_percent_encode(href, PATH_SET).to_string();
    if href.starts_with('/') {
        format!("{}{}", origin(base), encoded)
    } else {
        let dir = &base[..base.rfind('/').map_or(base.len(), |i| i + 1)];
        format!("{dir}{encoded}")
    }
}

/// Maps a reply to an error unless its status is one of `ok`.
pub fn expect(
    reply: Reply,
    ok: &[u16],
    method: &str,
    url: &str,
    username: &str,
) -> Result<Reply, CaldavError> {
    if ok.contains(&reply.status) {
        return Ok(reply);
    }
    let server = host(url).to_string();
    let request = format!("{method} {}", path_of(url));
    if reply.status == 401 {
        return Err(CaldavError::Unauthorized {
            server,
            username: username.to_string(),
            request,
        });
    }
    let html = reply
        .content_type
        .as_deref()
        .is_some_and(|c| c.contains("html"));
    let detail = match (reply.status, reply.retry_after) {
        (503, Some(s)) if html => format!(
            "; the server is in maintenance mode (retry after {s} s); the next run will try again"
        ),
        (503, _) => {
            "; the server is unavailable (maintenance or upgrade); the next run will try again"
                .into()
        }
        (429, Some(s)) => {
            format!("; too many requests (retry after {s} s); wait before the next run")
        }
        (429, None) => "; too many requests; wait before the next run".into(),
        (507, _) => "; the server refused to list everything at once".into(),
        _ => String::new(),
    };
    Err(CaldavError::Status {
        server,
        request,
        status: reply.status,
        detail,
    })
}

/// Parses a multistatus reply, naming the request on error.
pub fn multistatus(
    reply: &Reply,
    method: &str,
    url: &str,
) -> Result<xml::Multistatus, CaldavError> {
    let body = xml::body_as_utf8(&reply.body, reply.content_type.as_deref());
    xml::parse_multistatus(&body).map_err(|error| CaldavError::Xml {
        server: host(url).to_string(),
        request: format!("{method} {}", path_of(url)),
        error,
    })
}

/// Sends a PROPFIND and parses its multistatus.
pub fn propfind(
    client: &Client,
    url: &str,
    depth: &str,
    body: &str,
    username: &str,
) -> Result<xml::Multistatus, CaldavError> {
    let reply = client.send("PROPFIND", url, Some(depth), Some(body), &[])?;
    let reply = expect(reply, &[207], "PROPFIND", url, username)?;
    multistatus(&reply, "PROPFIND", url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_joined_and_encoded() {
        assert_eq!(origin("https://h:8443/a/b"), "https://h:8443");
        assert_eq!(
            absolute(
                "https://h/remote.php/dav/",
                "/remote.php/dav/calendars/alice/"
            ),
            "https://h/remote.php/dav/calendars/alice/"
        );
        assert_eq!(
            absolute("http://h/alice/work/", "/alice/work/team@x.ics"),
            "http://h/alice/work/team%40x.ics"
        );
        assert_eq!(
            path_of("http://h/alice/work/team%40x.ics"),
            "/alice/work/team@x.ics"
        );
        assert_eq!(
            host("https://cloud.example.org/remote.php"),
            "cloud.example.org"
        );
    }
}
