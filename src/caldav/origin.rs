// SPDX-License-Identifier: GPL-3.0-or-later
//! Origins (RFC 6454 §4): the scheme, host and port that credentials belong to.
//!
//! Owns: parsing a URL's origin, normalised (scheme and host lower-cased, the default
//! port of the scheme made explicit) so that `https://Cloud.example.org/` and
//! `https://cloud.example.org:443/x` compare equal. The HTTP client sends its credentials
//! only to the origin it was made for, and discovery refuses a redirect or an href that
//! leaves it. Printing an origin never shows a `user:password@` part.

use std::fmt;

/// The `scheme://host:port` of a URL, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `http` or `https`.
    pub scheme: String,
    /// Lower-cased host (an IPv6 address keeps its brackets).
    pub host: String,
    /// Port, explicit or the scheme's default.
    pub port: u16,
}

/// Why a URL has no origin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{url}` is not an http:// or https:// URL with a host")]
pub struct OriginError {
    /// The URL, without credentials.
    pub url: String,
}

impl Origin {
    /// The origin of an absolute `http(s)` URL.
    pub fn of(url: &str) -> Result<Origin, OriginError> {
        let err = || OriginError {
            url: crate::input::redact(url),
        };
        let uri: http::Uri = url.parse().map_err(|_| err())?;
        let scheme = uri.scheme_str().ok_or_else(err)?.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return Err(err()),
        };
        let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(err)?;
        Ok(Origin {
            scheme,
            host: host.to_ascii_lowercase(),
            port: uri.port_u16().unwrap_or(default_port),
        })
    }

    /// True when `url` has this origin.
    pub fn contains(&self, url: &str) -> bool {
        Origin::of(url).is_ok_and(|o| &o == self)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let default = matches!(
            (self.scheme.as_str(), self.port),
            ("http", 80) | ("https", 443)
        );
        if default {
            write!(f, "{}://{}", self.scheme, self.host)
        } else {
            write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
        }
    }
}

/// A URL's origin for a message, or the URL itself (without credentials) if it has none.
pub fn shown(url: &str) -> String {
    Origin::of(url).map_or_else(|_| crate::input::redact(url), |o| o.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised() {
        let a = Origin::of("https://Cloud.Example.org/remote.php/dav/").expect("origin");
        assert_eq!(a.to_string(), "https://cloud.example.org");
        assert!(a.contains("https://cloud.example.org:443/x"));
        assert!(a.contains("HTTPS://CLOUD.example.org/"));
        assert!(!a.contains("http://cloud.example.org/"), "https → http");
        assert!(!a.contains("https://cloud.example.org:8443/"));
        assert!(!a.contains("https://evil.example/"));
        assert!(!a.contains("/relative"));
        let b = Origin::of("http://127.0.0.1:5232/").expect("origin");
        assert_eq!(b.to_string(), "http://127.0.0.1:5232");
        assert!(
            b.contains("http://bob:pw@127.0.0.1:5232/"),
            "userinfo is not part of it"
        );
        assert_eq!(
            Origin::of("http://[::1]:80/x").expect("v6").to_string(),
            "http://[::1]"
        );
        assert!(Origin::of("ftp://h/").is_err());
        assert_eq!(shown("https://u:secret@h:8443/a"), "https://h:8443");
    }
}
