// SPDX-License-Identifier: GPL-3.0-or-later
//! Incremental sync (RFC 6578) as a pure plan, from the server's listing and the stored
//! ETags. The bodies it asks for are fetched by [`super::fetch`].
//!
//! A calendar whose sync token (or ctag) has not changed is skipped: its listing entry,
//! shared with every calendar of the home, is its only request. Otherwise a
//! `sync-collection` with the stored token gives the changes; a rejected token (403 or 412
//! with `DAV:valid-sync-token`) falls back to a full ETag comparison, which also runs
//! when the last one is older than [`FULL_RECONCILE_SECS`] (Nextcloud prunes its change
//! history without telling) and on `sync --full`. Servers without sync-collection are
//! compared by a PROPFIND listing of ETags. Nothing here writes to the store.
//!
//! Only an explicit 404 is a deletion: a member answered with status 404 (before or after
//! its href), or with only 404 propstats, or an href a multiget leaves out. A member with
//! neither an ETag nor a 404 makes the whole answer malformed, and the calendar is left
//! as it was. The hrefs a multiget leaves out are found by [`super::fetch`].

use std::collections::{HashMap, HashSet};

use super::http::Client;
use super::xml::{self, DAV, Multistatus};
use super::{CaldavError, CalendarInfo, expect, host, multistatus, path_of};

/// A full ETag reconciliation runs when the last one is older than this (7 days).
pub const FULL_RECONCILE_SECS: i64 = 7 * 24 * 3600;

/// What is known locally about a calendar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Local {
    /// Stored sync token.
    pub token: Option<String>,
    /// Stored ctag.
    pub ctag: Option<String>,
    /// Unix time of the last full reconciliation.
    pub last_full: Option<i64>,
    /// `href → etag`.
    pub etags: HashMap<String, Option<String>>,
}

/// How a calendar is synced this time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Token or ctag unchanged: nothing to do.
    Unchanged,
    /// `sync-collection` from the stored token.
    Incremental,
    /// Compare every ETag.
    Full,
}

/// Chooses the mode for one calendar.
pub fn choose_mode(local: &Local, remote: &CalendarInfo, now: i64, force_full: bool) -> Mode {
    let stale = local
        .last_full
        .is_none_or(|t| now - t >= FULL_RECONCILE_SECS);
    if force_full || stale {
        return Mode::Full;
    }
    let unchanged = match (&remote.sync_token, &remote.ctag) {
        (Some(t), _) => local.token.as_ref() == Some(t),
        (None, Some(c)) => local.ctag.as_ref() == Some(c),
        (None, None) => false,
    };
    if unchanged {
        Mode::Unchanged
    } else if local.token.is_some() {
        Mode::Incremental
    } else {
        Mode::Full
    }
}

/// Members of a calendar as the server reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// `(href, etag)` of present members.
    pub present: Vec<(String, Option<String>)>,
    /// Hrefs reported deleted (404).
    pub deleted: Vec<String>,
    /// New sync token.
    pub token: Option<String>,
    /// True if `present` is every member (initial or full listing).
    pub complete: bool,
}

/// Reads a `sync-collection` or PROPFIND Depth 1 answer about the calendar at `path`.
/// Fails, naming the href, on a member that is neither present (an ETag or a 2xx
/// propstat) nor explicitly deleted (404).
pub fn listing_of(
    ms: &Multistatus,
    calendar_path: &str,
    complete: bool,
) -> Result<Listing, String> {
    let mut out = Listing {
        token: ms.sync_token.clone(),
        complete,
        ..Listing::default()
    };
    let own = calendar_path.trim_end_matches('/');
    for r in &ms.responses {
        if r.href.trim_end_matches('/') == own || r.href.ends_with('/') {
            continue;
        }
        let found =
            r.props.etag.is_some() || r.propstat_status.iter().any(|s| (200..300).contains(s));
        let gone = r.status == Some(404)
            || (!r.propstat_status.is_empty() && r.propstat_status.iter().all(|s| *s == 404));
        if r.href.is_empty() {
            return Err("a response has no href".into());
        } else if gone && r.props.etag.is_none() {
            out.deleted.push(r.href.clone());
        } else if found && r.status.is_none_or(|s| (200..300).contains(&s)) {
            out.present.push((r.href.clone(), r.props.etag.clone()));
        } else {
            return Err(format!(
                "{} comes with {}, neither an ETag nor a 404",
                r.href,
                match (r.status, r.propstat_status.as_slice()) {
                    (Some(s), _) => format!("status {s}"),
                    (None, []) => "no status".to_string(),
                    (None, p) => format!("propstat status {p:?}"),
                }
            ));
        }
    }
    Ok(out)
}

/// [`listing_of`], its failure named after the request.
fn listing_or_error(
    ms: &Multistatus,
    url: &str,
    request: &str,
    complete: bool,
) -> Result<Listing, CaldavError> {
    listing_of(ms, &path_of(url), complete).map_err(|message| CaldavError::Malformed {
        server: host(url).to_string(),
        request: format!("{request} {}", path_of(url)),
        message,
    })
}

/// What a sync changes in one calendar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// New hrefs to fetch.
    pub fetch: Vec<String>,
    /// Known hrefs whose ETag changed.
    pub update: Vec<String>,
    /// Known hrefs to delete.
    pub delete: Vec<String>,
    /// Token to store afterwards.
    pub token: Option<String>,
    /// A full comparison was made.
    pub full: bool,
}

impl Plan {
    /// True if nothing changes.
    pub fn is_empty(&self) -> bool {
        self.fetch.is_empty() && self.update.is_empty() && self.delete.is_empty()
    }
}

/// Compares a listing with the stored ETags.
pub fn plan(local: &Local, listing: &Listing) -> Plan {
    let mut p = Plan {
        token: listing.token.clone(),
        full: listing.complete,
        ..Plan::default()
    };
    let mut seen = HashSet::new();
    for (href, etag) in &listing.present {
        seen.insert(href.as_str());
        match local.etags.get(href) {
            None => p.fetch.push(href.clone()),
            Some(stored) if stored.is_none() || etag.is_none() || stored != etag => {
                p.update.push(href.clone())
            }
            Some(_) => {}
        }
    }
    for href in &listing.deleted {
        if local.etags.contains_key(href) && !seen.contains(href.as_str()) {
            p.delete.push(href.clone());
        }
    }
    if listing.complete {
        let mut gone: Vec<String> = local
            .etags
            .keys()
            .filter(|h| !seen.contains(h.as_str()) && !p.delete.contains(h))
            .cloned()
            .collect();
        gone.sort();
        p.delete.extend(gone);
    }
    p
}

/// Why a sync-collection could not be used.
#[derive(Debug)]
pub enum SyncReport {
    /// The changes.
    Changes(Listing),
    /// The token was rejected (403/412 valid-sync-token): do a full comparison.
    TokenRejected,
    /// The server has no sync-collection: list ETags with PROPFIND.
    Unsupported,
}

/// Runs `sync-collection` from `token` (`None`: initial, every member).
pub fn sync_collection(
    client: &Client,
    url: &str,
    token: Option<&str>,
    username: &str,
) -> Result<SyncReport, CaldavError> {
    let reply = client.send(
        "REPORT",
        url,
        Some("0"),
        Some(&xml::sync_collection_body(token)),
        &[],
    )?;
    let rejected = xml::parse_error(&reply.body)
        .iter()
        .any(|(ns, l)| ns == DAV && l == "valid-sync-token");
    match reply.status {
        403 | 412 if rejected => return Ok(SyncReport::TokenRejected),
        400 | 403 | 405 | 415 | 501 if token.is_none() => return Ok(SyncReport::Unsupported),
        _ => {}
    }
    let reply = expect(reply, &[207], "REPORT sync-collection", url, username)?;
    let ms = multistatus(&reply, "REPORT sync-collection", url)?;
    Ok(SyncReport::Changes(listing_or_error(
        &ms,
        url,
        "REPORT sync-collection",
        token.is_none(),
    )?))
}

/// Lists every member's ETag with PROPFIND Depth 1.
pub fn list_etags(client: &Client, url: &str, username: &str) -> Result<Listing, CaldavError> {
    let ms = super::propfind(
        client,
        url,
        "1",
        &xml::propfind_body(&[(DAV, "getetag"), (DAV, "resourcetype")]),
        username,
    )?;
    listing_or_error(&ms, url, "PROPFIND", true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(etags: &[(&str, &str)]) -> Local {
        Local {
            etags: etags
                .iter()
                .map(|(h, e)| (h.to_string(), Some(e.to_string())))
                .collect(),
            ..Local::default()
        }
    }

    #[test]
    fn modes() {
        let remote = CalendarInfo {
            sync_token: Some("t2".into()),
            ..CalendarInfo::default()
        };
        let mut l = Local {
            token: Some("t2".into()),
            last_full: Some(1_000),
            ..Local::default()
        };
        assert_eq!(choose_mode(&l, &remote, 2_000, false), Mode::Unchanged);
        assert_eq!(choose_mode(&l, &remote, 2_000, true), Mode::Full);
        assert_eq!(
            choose_mode(&l, &remote, 1_000 + FULL_RECONCILE_SECS, false),
            Mode::Full
        );
        l.token = Some("t1".into());
        assert_eq!(choose_mode(&l, &remote, 2_000, false), Mode::Incremental);
        l.token = None;
        assert_eq!(choose_mode(&l, &remote, 2_000, false), Mode::Full);
    }

    #[test]
    fn plans_compare_etags() {
        let l = local(&[("/c/a.ics", "1"), ("/c/b.ics", "1"), ("/c/gone.ics", "1")]);
        let incremental = Listing {
            present: vec![
                ("/c/a.ics".into(), Some("2".into())),
                ("/c/new.ics".into(), Some("1".into())),
            ],
            deleted: vec!["/c/b.ics".into(), "/c/never-seen.ics".into()],
            token: Some("t".into()),
            complete: false,
        };
        let p = plan(&l, &incremental);
        assert_eq!(p.fetch, ["/c/new.ics"]);
        assert_eq!(p.update, ["/c/a.ics"]);
        assert_eq!(p.delete, ["/c/b.ics"]);
        let full = Listing {
            present: vec![("/c/a.ics".into(), Some("1".into()))],
            complete: true,
            ..Listing::default()
        };
        let p = plan(&l, &full);
        assert!(p.fetch.is_empty() && p.update.is_empty());
        assert_eq!(p.delete, ["/c/b.ics", "/c/gone.ics"]);
    }

    #[test]
    fn only_an_explicit_404_is_a_deletion() {
        let ms = |inner: &str| {
            xml::parse_multistatus(
                format!(r#"<d:multistatus xmlns:d="DAV:">{inner}<d:sync-token>t2</d:sync-token></d:multistatus>"#)
                    .as_bytes(),
            )
            .expect("parses")
        };
        let ok = r#"<d:response><d:href>/c/a.ics</d:href><d:propstat><d:prop><d:getetag>"1"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"#;
        let gone = r#"<d:response><d:href>/c/b.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>"#;
        let gone_propstat = r#"<d:response><d:href>/c/d.ics</d:href><d:propstat><d:prop><d:getetag/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response>"#;
        let l = listing_of(&ms(&format!("{ok}{gone}{gone_propstat}")), "/c/", false)
            .expect("well-formed");
        assert_eq!(
            l.present,
            [("/c/a.ics".to_string(), Some("\"1\"".to_string()))]
        );
        assert_eq!(l.deleted, ["/c/b.ics", "/c/d.ics"]);
        for bad in [
            r#"<d:response><d:href>/c/x.ics</d:href></d:response>"#,
            r#"<d:response><d:href>/c/x.ics</d:href><d:status>HTTP/1.1 500 Oops</d:status></d:response>"#,
            r#"<d:response><d:href>/c/x.ics</d:href><d:propstat><d:prop/><d:status>HTTP/1.1 403 Forbidden</d:status></d:propstat></d:response>"#,
        ] {
            let err = listing_of(&ms(&format!("{ok}{bad}")), "/c/", false).unwrap_err();
            assert!(err.contains("/c/x.ics"), "{err}");
        }
    }
}
