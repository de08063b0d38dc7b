// SPDX-License-Identifier: GPL-3.0-or-later
//! Discovery (RFC 6764 §6, RFC 5397, RFC 4791 §6.2.1): from a server root, a principal
//! URL or a calendar URL to the list of event calendars.
//!
//! Order: a configured URL that is itself a calendar is used as it is; a server root goes
//! through `/.well-known/caldav` (the PROPFIND is re-sent on each redirect, never turned
//! into a GET); then `current-user-principal`, `calendar-home-set`, and a Depth 1 listing
//! of the home. Kept: collections that are calendars supporting VEVENT. Skipped: the
//! birthday calendar, the trash bin, scheduling inbox/outbox, subscriptions and deleted
//! calendars (NEXTCLOUD.md §1.4–§1.10).
//!
//! Every step stays on the configured origin: a redirect, a principal, a home or a
//! calendar on another origin (or on http after https) is refused with both origins
//! named, before anything is sent there or remembered. The answer of the well-known
//! step is reused, so the root is asked once.
//!
//! The change markers of a home listing (`sync-token`, `getctag`) are asked for only
//! when the caller can use them ([`Markers`]): some servers (Radicale) compute each by
//! reading every object of every calendar, which costs more than the listing itself.

use super::http::Client;
use super::xml::{self, CALDAV, CALENDAR_PROPS, CS, DAV, NC, Props};
use super::{CaldavError, CalendarInfo, absolute, expect, multistatus, path_of, propfind};

const MAX_REDIRECTS: usize = 5;

/// Where a configured URL led.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// The URL is a calendar collection.
    Calendar(CalendarInfo),
    /// The calendar home of the account.
    Home(String),
}

/// Finds the calendar home (or the single calendar) behind `url`.
pub fn discover(client: &Client, url: &str, username: &str) -> Result<Found, CaldavError> {
    let body = xml::propfind_body(CALENDAR_PROPS);
    let is_root = path_of(url).trim_matches('/').is_empty();
    client.check_origin("PROPFIND", url)?;
    let (start, ms) = match is_root.then(|| well_known(client, url, username)) {
        Some(Ok(Some(found))) => found,
        Some(Err(e)) => return Err(e),
        _ => (
            url.to_string(),
            propfind(client, url, "0", &body, username)?,
        ),
    };
    let Some(r) = ms.responses.first() else {
        return Err(CaldavError::Discovery(format!(
            "{start} answered an empty PROPFIND; give the URL of the calendar or of /remote.php/dav/"
        )));
    };
    if r.props.is(CALDAV, "calendar") {
        return Ok(Found::Calendar(info(&start, &start, &r.props)));
    }
    if let Some(home) = &r.props.calendar_home_set {
        return on_origin(client, absolute(&start, home)).map(Found::Home);
    }
    let principal = r.props.current_user_principal.as_deref().ok_or_else(|| {
        CaldavError::Discovery(format!("{start} names no current-user-principal: is it a CalDAV server? (for Nextcloud, use https://HOST/remote.php/dav/)"))
    })?;
    let principal_url = on_origin(client, absolute(&start, principal))?;
    let ms = propfind(
        client,
        &principal_url,
        "0",
        &xml::propfind_body(&[(CALDAV, "calendar-home-set")]),
        username,
    )?;
    let home = ms
        .responses
        .iter()
        .find_map(|r| r.props.calendar_home_set.clone())
        .ok_or_else(|| {
            CaldavError::Discovery(format!(
                "the principal {principal_url} has no calendar-home-set"
            ))
        })?;
    on_origin(client, absolute(&principal_url, &home)).map(Found::Home)
}

/// `url` if it is on the client's origin; an error naming both origins otherwise.
fn on_origin(client: &Client, url: String) -> Result<String, CaldavError> {
    client.check_origin("PROPFIND", &url)?;
    Ok(url)
}

/// Discovery, then the listing of the home: the event calendars behind `url`, and the
/// home they were listed from (`None` when `url` is itself a calendar).
pub fn find_calendars(
    client: &Client,
    url: &str,
    username: &str,
) -> Result<(Vec<CalendarInfo>, Option<String>), CaldavError> {
    find_calendars_with(client, url, username, Markers::ALL)
}

/// [`find_calendars`], the home listing asking only for `markers`.
pub fn find_calendars_with(
    client: &Client,
    url: &str,
    username: &str,
    markers: Markers,
) -> Result<(Vec<CalendarInfo>, Option<String>), CaldavError> {
    match discover(client, url, username)? {
        Found::Calendar(c) => Ok((vec![c], None)),
        Found::Home(home) => Ok((
            list_calendars_with(client, &home, username, markers)?,
            Some(home),
        )),
    }
}

/// Follows `/.well-known/caldav`, re-sending PROPFIND on each redirect (never to another
/// origin): the URL that answered and its answer. `None` if the server does not answer there.
fn well_known(
    client: &Client,
    root: &str,
    username: &str,
) -> Result<Option<(String, xml::Multistatus)>, CaldavError> {
    let mut url = format!("{}/.well-known/caldav", super::origin(root));
    let body = xml::propfind_body(CALENDAR_PROPS);
    for _ in 0..MAX_REDIRECTS {
        let reply = client.send("PROPFIND", &url, Some("0"), Some(&body), &[])?;
        match reply.status {
            301 | 302 | 303 | 307 | 308 => match &reply.location {
                Some(loc) => url = on_origin(client, absolute(&url, loc))?,
                None => return Ok(None),
            },
            207 => {
                let ms = multistatus(&reply, "PROPFIND", &url)?;
                return Ok((!ms.responses.is_empty()).then_some((url, ms)));
            }
            401 => return expect(reply, &[], "PROPFIND", &url, username).map(|_| None),
            _ => return Ok(None),
        }
    }
    Ok(None)
}

/// Which change markers a home listing asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Markers {
    /// `DAV:sync-token`: needed to tell an unchanged calendar on a server with
    /// sync-collection.
    pub sync_token: bool,
    /// `CS:getctag`: needed to tell an unchanged calendar on a server without it.
    pub ctag: bool,
}

impl Markers {
    /// Both markers.
    pub const ALL: Markers = Markers {
        sync_token: true,
        ctag: true,
    };

    /// The markers a sync can use, from the stored calendars of the source: none before
    /// its first sync (every calendar is then listed in full, and sync-collection gives
    /// the token), the sync token once a calendar is stored, and the ctag while a stored
    /// calendar has no token.
    pub fn for_stored(stored_tokens: &[Option<&str>]) -> Markers {
        Markers {
            sync_token: !stored_tokens.is_empty(),
            ctag: stored_tokens.iter().any(Option::is_none),
        }
    }

    fn wants(&self, prop: (&str, &str)) -> bool {
        match prop {
            (DAV, "sync-token") => self.sync_token,
            (CS, "getctag") => self.ctag,
            _ => true,
        }
    }
}

/// Lists the event calendars of a home (one request), with both change markers.
pub fn list_calendars(
    client: &Client,
    home: &str,
    username: &str,
) -> Result<Vec<CalendarInfo>, CaldavError> {
    list_calendars_with(client, home, username, Markers::ALL)
}

/// Lists the event calendars of a home (one request), asking only for `markers`.
pub fn list_calendars_with(
    client: &Client,
    home: &str,
    username: &str,
    markers: Markers,
) -> Result<Vec<CalendarInfo>, CaldavError> {
    let props: Vec<(&str, &str)> = CALENDAR_PROPS
        .iter()
        .copied()
        .filter(|p| markers.wants(*p))
        .collect();
    let reply = client.send(
        "PROPFIND",
        home,
        Some("1"),
        Some(&xml::propfind_body(&props)),
        &[],
    )?;
    let reply = expect(reply, &[207], "PROPFIND", home, username)?;
    let ms = multistatus(&reply, "PROPFIND", home)?;
    let home_path = path_of(home);
    ms.responses
        .iter()
        .filter(|r| r.href.trim_end_matches('/') != home_path.trim_end_matches('/'))
        .filter(|r| is_event_calendar(&r.href, &r.props))
        .map(|r| {
            let url = on_origin(client, absolute(home, &r.href))?;
            Ok(info(home, &url, &r.props))
        })
        .collect()
}

/// True for a collection worth syncing.
pub fn is_event_calendar(href: &str, p: &Props) -> bool {
    let last = href
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let special = last == "inbox"
        || last == "outbox"
        || last == "trashbin"
        || last.starts_with("contact_birthdays");
    p.is(CALDAV, "calendar")
        && !p.is(NC, "deleted-calendar")
        && !p.is(NC, "trash-bin")
        && !p.is(CS, "subscribed")
        && !p.is(CALDAV, "schedule-inbox")
        && !p.is(CALDAV, "schedule-outbox")
        && !special
        && p.components
            .as_ref()
            .is_none_or(|c| c.iter().any(|c| c == "VEVENT"))
}

fn info(_base: &str, url: &str, p: &Props) -> CalendarInfo {
    let path = path_of(url);
    let last = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    CalendarInfo {
        url: url.to_string(),
        name: p
            .displayname
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| last.clone()),
        ctag: p.ctag.clone(),
        sync_token: p.sync_token.clone(),
        shared: last.contains("_shared_by_") || p.read_only.is_some(),
        read_only: p.read_only.unwrap_or(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_asked_for_only_when_the_stored_state_can_use_them() {
        let none = Markers {
            sync_token: false,
            ctag: false,
        };
        assert_eq!(Markers::for_stored(&[]), none, "first sync");
        assert_eq!(
            Markers::for_stored(&[Some("t1"), Some("t2")]),
            Markers {
                sync_token: true,
                ctag: false
            }
        );
        assert_eq!(Markers::for_stored(&[Some("t1"), None]), Markers::ALL);
        let body = |m: Markers| {
            let props: Vec<_> = CALENDAR_PROPS
                .iter()
                .copied()
                .filter(|p| m.wants(*p))
                .collect();
            xml::propfind_body(&props)
        };
        assert!(!body(none).contains("sync-token") && !body(none).contains("getctag"));
        assert!(body(none).contains("supported-calendar-component-set"));
        assert!(body(Markers::ALL).contains("<d:sync-token/>"));
        assert!(body(Markers::ALL).contains("<cs:getctag/>"));
    }
}
