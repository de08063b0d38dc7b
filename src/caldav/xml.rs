// SPDX-License-Identifier: GPL-3.0-or-later
//! WebDAV/CalDAV XML: request bodies, and pure parsers of response bodies from bytes
//! (RFC 4918 §14, RFC 4791 §9, RFC 6578 §6).
//!
//! Elements are matched by namespace URI and local name, never by prefix: Sabre
//! (Nextcloud) writes `d:`, Xandikos `ns0:`, Radicale a default namespace. Each
//! `<response>`'s own `<status>` is read wherever it stands (Sabre puts it before the
//! `<href>` for deleted members), and a `418` propstat is ignored. Hrefs are
//! percent-decoded. `<sync-token>` is accepted anywhere in the multistatus.
//!
//! Text is collected as bytes and decoded per element, so one `calendar-data` that is not
//! valid UTF-8 is decoded on its own (bad bytes replaced, and flagged) instead of failing
//! the whole answer. A body declared ISO-8859-1 is turned into UTF-8 first
//! ([`body_as_utf8`]).

use percent_encoding::percent_decode_str;
use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::{Namespace, ResolveResult};

/// `DAV:`.
pub const DAV: &str = "DAV:";
/// CalDAV.
pub const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
/// Apple/CalendarServer extensions (ctag, subscribed).
pub const CS: &str = "http://calendarserver.org/ns/";
/// ownCloud extensions (owner-principal, read-only).
pub const OC: &str = "http://owncloud.org/ns";
/// Nextcloud extensions (deleted-calendar, trash-bin).
pub const NC: &str = "http://nextcloud.com/ns";

/// A response body that is not the XML expected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum XmlError {
    /// Not well-formed XML (e.g. truncated).
    #[error("malformed XML response: {0}")]
    Malformed(String),
    /// Well-formed, but no `DAV:multistatus`.
    #[error("the response is not a WebDAV multistatus")]
    NotMultistatus,
}

/// The properties caltally reads, from one 200 propstat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Props {
    /// `DAV:displayname`.
    pub displayname: Option<String>,
    /// `DAV:resourcetype` children, as `(namespace, local name)`.
    pub resourcetype: Vec<(String, String)>,
    /// `C:supported-calendar-component-set` names, if present.
    pub components: Option<Vec<String>>,
    /// `CS:getctag`.
    pub ctag: Option<String>,
    /// `DAV:sync-token` as a property.
    pub sync_token: Option<String>,
    /// `DAV:getetag`, as received.
    pub etag: Option<String>,
    /// `C:calendar-data`.
    pub calendar_data: Option<String>,
    /// `calendar-data` held bytes that are not UTF-8 (replaced by U+FFFD).
    pub calendar_data_lossy: bool,
    /// `DAV:current-user-principal` href.
    pub current_user_principal: Option<String>,
    /// `C:calendar-home-set` href.
    pub calendar_home_set: Option<String>,
    /// `OC:owner-principal`.
    pub owner_principal: Option<String>,
    /// `OC:read-only`.
    pub read_only: Option<bool>,
}

impl Props {
    /// True if `DAV:resourcetype` holds `{ns}local`.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.resourcetype.iter().any(|(n, l)| n == ns && l == local)
    }
}

/// One `DAV:response`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    /// Percent-decoded href.
    pub href: String,
    /// The response's own status code (e.g. 404 for a deleted member).
    pub status: Option<u16>,
    /// Properties of the 200 propstat.
    pub props: Props,
    /// Status codes of the propstats, 418 excluded.
    pub propstat_status: Vec<u16>,
}

/// A parsed multistatus.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Multistatus {
    /// The responses, in order.
    pub responses: Vec<Response>,
    /// The top-level `DAV:sync-token`.
    pub sync_token: Option<String>,
}

/// Parses a `DAV:multistatus` body.
pub fn parse_multistatus(body: &[u8]) -> Result<Multistatus, XmlError> {
    let mut p = Walker::new(body);
    let mut out = Multistatus::default();
    let mut seen_root = false;
    let mut response: Option<Response> = None;
    let mut propstat: Option<(Option<u16>, Props)> = None;
    while let Some(step) = p.next()? {
        match step {
            Step::Open(name) => {
                let top = p.path.last().cloned().unwrap_or_default();
                match (top.0.as_str(), top.1.as_str()) {
                    (DAV, "multistatus") if p.path.len() == 1 => seen_root = true,
                    (DAV, "response") if p.path.len() == 2 => response = Some(Response::default()),
                    (DAV, "propstat") if response.is_some() => {
                        propstat = Some((None, Props::default()))
                    }
                    _ => {
                        if let Some((_, props)) = propstat.as_mut() {
                            open_prop(&p.path, name, props);
                        }
                    }
                }
            }
            Step::Close(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                let depth = p.path.len();
                let (ns, local) = p.path.last().cloned().unwrap_or_default();
                match (ns.as_str(), local.as_str()) {
                    (DAV, "response") if depth == 2 => {
                        if let Some(r) = response.take() {
                            out.responses.push(r);
                        }
                    }
                    (DAV, "propstat") => {
                        if let (Some(r), Some((status, props))) =
                            (response.as_mut(), propstat.take())
                        {
                            let code = status.unwrap_or(200);
                            if code == 418 {
                                // Sabre's dummy propstat on deleted members.
                            } else {
                                r.propstat_status.push(code);
                                if (200..300).contains(&code) {
                                    r.props = props;
                                }
                            }
                        }
                    }
                    (DAV, "sync-token") if depth == 2 => {
                        out.sync_token = Some(text.trim().to_string())
                    }
                    (DAV, "href") if depth == 3 => {
                        if let Some(r) = response.as_mut() {
                            r.href = decode_href(text.trim());
                        }
                    }
                    (DAV, "status") if depth == 3 => {
                        if let Some(r) = response.as_mut() {
                            r.status = status_code(&text);
                        }
                    }
                    (DAV, "status") if depth == 4 => {
                        if let Some((status, _)) = propstat.as_mut() {
                            *status = status_code(&text);
                        }
                    }
                    (CALDAV, "calendar-data") => {
                        if let Some((_, props)) = propstat.as_mut() {
                            props.calendar_data_lossy = matches!(text, std::borrow::Cow::Owned(_));
                            props.calendar_data = Some(text.into_owned());
                        }
                    }
                    _ => {
                        if let Some((_, props)) = propstat.as_mut() {
                            close_prop(&p.path, &text, props);
                        }
                    }
                }
            }
        }
        p.pop_if_closed();
    }
    if !seen_root {
        return Err(XmlError::NotMultistatus);
    }
    Ok(out)
}

/// The `(namespace, local)` names of the children of a `DAV:error` body, e.g.
/// `DAV:valid-sync-token`. Empty if the body is not a DAV error.
pub fn parse_error(body: &[u8]) -> Vec<(String, String)> {
    let mut p = Walker::new(body);
    let mut names = Vec::new();
    while let Ok(Some(step)) = p.next() {
        if let Step::Open(_) = step
            && p.path.len() == 2
            && p.path[0] == (DAV.to_string(), "error".to_string())
        {
            names.push(p.path[1].clone());
        }
        p.pop_if_closed();
    }
    names
}

fn open_prop(path: &[(String, String)], name: Option<String>, props: &mut Props) {
    let n = path.len();
    let parent = if n >= 2 {
        Some((path[n - 2].0.as_str(), path[n - 2].1.as_str()))
    } else {
        None
    };
    let Some((ns, local)) = path.last() else {
        return;
    };
    match (parent, ns.as_str(), local.as_str()) {
        (Some((DAV, "resourcetype")), _, _) => props.resourcetype.push(path[n - 1].clone()),
        (_, CALDAV, "supported-calendar-component-set") => {
            props.components.get_or_insert_with(Vec::new);
        }
        (Some((CALDAV, "supported-calendar-component-set")), CALDAV, "comp") => {
            if let Some(name) = name {
                props
                    .components
                    .get_or_insert_with(Vec::new)
                    .push(name.to_ascii_uppercase());
            }
        }
        _ => {}
    }
}

fn close_prop(path: &[(String, String)], text: &str, props: &mut Props) {
    let n = path.len();
    let Some((ns, local)) = path.last() else {
        return;
    };
    let parent = if n >= 2 { Some(&path[n - 2]) } else { None };
    let in_parent = |pns: &str, plocal: &str| parent.is_some_and(|(a, b)| a == pns && b == plocal);
    let value = || text.trim().to_string();
    match (ns.as_str(), local.as_str()) {
        (DAV, "displayname") => props.displayname = Some(value()),
        (CS, "getctag") => props.ctag = Some(value()),
        (DAV, "sync-token") => props.sync_token = Some(value()),
        (DAV, "getetag") => props.etag = Some(value()),
        (OC, "owner-principal") => props.owner_principal = Some(value()),
        (OC, "read-only") => props.read_only = Some(matches!(text.trim(), "1" | "true")),
        (DAV, "href") if in_parent(DAV, "current-user-principal") => {
            props.current_user_principal = Some(decode_href(text.trim()))
        }
        (DAV, "href") if in_parent(CALDAV, "calendar-home-set") => {
            props.calendar_home_set = Some(decode_href(text.trim()))
        }
        _ => {}
    }
}

/// The body as UTF-8 bytes: decoded from ISO-8859-1 when `content_type` declares that
/// charset (each byte is the code point of the same number), else as it is.
pub fn body_as_utf8<'a>(body: &'a [u8], content_type: Option<&str>) -> std::borrow::Cow<'a, [u8]> {
    let latin1 = content_type
        .and_then(|c| {
            c.split(';')
                .filter_map(|p| p.trim().split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
                .map(|(_, v)| v.trim().trim_matches('"').to_ascii_lowercase())
        })
        .is_some_and(|c| {
            matches!(
                c.as_str(),
                "iso-8859-1" | "iso8859-1" | "iso_8859-1" | "latin1" | "latin-1" | "l1"
            )
        });
    if !latin1 || body.is_ascii() {
        return std::borrow::Cow::Borrowed(body);
    }
    std::borrow::Cow::Owned(
        body.iter()
            .map(|&b| char::from(b))
            .collect::<String>()
            .into_bytes(),
    )
}

/// Percent-decodes an href.
pub fn decode_href(href: &str) -> String {
    percent_decode_str(href).decode_utf8_lossy().into_owned()
}

fn status_code(line: &str) -> Option<u16> {
    line.split_whitespace().nth(1)?.parse().ok()
}

enum Step {
    /// An element opened; carries its `name` attribute, if any.
    Open(Option<String>),
    /// An element closed; carries its text as bytes (not yet decoded).
    Close(Vec<u8>),
}

/// Streams elements with their resolved names; keeps the path and the text of the
/// innermost element.
struct Walker<'a> {
    reader: NsReader<&'a [u8]>,
    path: Vec<(String, String)>,
    text: Vec<Vec<u8>>,
    closed: bool,
}

impl<'a> Walker<'a> {
    fn new(body: &'a [u8]) -> Self {
        let mut reader = NsReader::from_reader(body);
        reader.config_mut().expand_empty_elements = true;
        Self {
            reader,
            path: Vec::new(),
            text: Vec::new(),
            closed: false,
        }
    }

    fn pop_if_closed(&mut self) {
        if self.closed {
            self.path.pop();
            self.text.pop();
            self.closed = false;
        }
    }

    fn next(&mut self) -> Result<Option<Step>, XmlError> {
        loop {
            let (ns, event) = self
                .reader
                .read_resolved_event()
                .map_err(|e| XmlError::Malformed(e.to_string()))?;
            let ns = match ns {
                ResolveResult::Bound(Namespace(n)) => String::from_utf8_lossy(n).into_owned(),
                _ => String::new(),
            };
            match event {
                Event::Start(e) => {
                    let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    let name = e
                        .attributes()
                        .filter_map(Result::ok)
                        .find(|a| a.key.as_ref() == b"name")
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned());
                    self.path.push((ns, local));
                    self.text.push(Vec::new());
                    return Ok(Some(Step::Open(name)));
                }
                Event::End(_) => {
                    self.closed = true;
                    let text = self.text.last().cloned().unwrap_or_default();
                    return Ok(Some(Step::Close(text)));
                }
                Event::Text(t) => {
                    if let Some(last) = self.text.last_mut() {
                        last.extend_from_slice(&t);
                    }
                }
                Event::CData(t) => {
                    if let Some(last) = self.text.last_mut() {
                        last.extend_from_slice(&t);
                    }
                }
                Event::GeneralRef(r) => {
                    let c = if r.is_char_ref() {
                        r.resolve_char_ref()
                            .map_err(|e| XmlError::Malformed(e.to_string()))?
                    } else {
                        match r
                            .decode()
                            .map_err(|e| XmlError::Malformed(e.to_string()))?
                            .as_ref()
                        {
                            "lt" => Some('<'),
                            "gt" => Some('>'),
                            "amp" => Some('&'),
                            "quot" => Some('"'),
                            "apos" => Some('\''),
                            other => {
                                return Err(XmlError::Malformed(format!(
                                    "unknown entity &{other};"
                                )));
                            }
                        }
                    };
                    if let (Some(c), Some(last)) = (c, self.text.last_mut()) {
                        last.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                    }
                }
                Event::Eof => {
                    if !self.path.is_empty() {
                        return Err(XmlError::Malformed(
                            "the body ends inside an element (truncated?)".into(),
                        ));
                    }
                    return Ok(None);
                }
                _ => {}
            }
        }
    }
}

/// Properties asked during discovery and listing.
pub const CALENDAR_PROPS: &[(&str, &str)] = &[
    (DAV, "resourcetype"),
    (DAV, "displayname"),
    (DAV, "current-user-principal"),
    (CALDAV, "calendar-home-set"),
    (CALDAV, "supported-calendar-component-set"),
    (CS, "getctag"),
    (DAV, "sync-token"),
    (OC, "owner-principal"),
    (OC, "read-only"),
];

fn prefix(ns: &str) -> &'static str {
    match ns {
        CALDAV => "c",
        CS => "cs",
        OC => "oc",
        NC => "nc",
        _ => "d",
    }
}

const ROOT_NS: &str = r#"xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/" xmlns:oc="http://owncloud.org/ns""#;

/// A PROPFIND body asking for `props`.
pub fn propfind_body(props: &[(&str, &str)]) -> String {
    let mut body =
        format!(r#"<?xml version="1.0" encoding="utf-8"?><d:propfind {ROOT_NS}><d:prop>"#);
    for (ns, local) in props {
        body.push_str(&format!("<{}:{local}/>", prefix(ns)));
    }
    body.push_str("</d:prop></d:propfind>");
    body
}

/// A `sync-collection` REPORT body (RFC 6578 §3.2); never with `<limit>`.
pub fn sync_collection_body(token: Option<&str>) -> String {
    let token = token
        .map(|t| quick_xml::escape::escape(t).into_owned())
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><d:sync-collection {ROOT_NS}><d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"#
    )
}

/// A `calendar-multiget` REPORT body (RFC 4791 §7.9) for hrefs given as encoded paths.
pub fn multiget_body(encoded_hrefs: &[String]) -> String {
    let mut body = format!(
        r#"<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget {ROOT_NS}><d:prop><d:getetag/><c:calendar-data/></d:prop>"#
    );
    for h in encoded_hrefs {
        body.push_str(&format!(
            "<d:href>{}</d:href>",
            quick_xml::escape::escape(h.as_str())
        ));
    }
    body.push_str("</c:calendar-multiget>");
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_prefixes_and_teapots() {
        let body = br#"<?xml version="1.0"?>
<x:multistatus xmlns:x="DAV:" xmlns:y="urn:ietf:params:xml:ns:caldav">
 <x:response><x:status>HTTP/1.1 404 Not Found</x:status><x:href>/cal/old%20one.ics</x:href>
  <x:propstat><x:prop/><x:status>HTTP/1.1 418 I'm a teapot</x:status></x:propstat></x:response>
 <x:response><x:href>/cal/a.ics</x:href><x:propstat><x:prop><x:getetag>"e1"</x:getetag>
  <y:calendar-data>BEGIN:VCALENDAR&#13;
END:VCALENDAR&#13;
</y:calendar-data></x:prop><x:status>HTTP/1.1 200 OK</x:status></x:propstat></x:response>
 <x:sync-token>http://sabre.io/ns/sync/7</x:sync-token>
</x:multistatus>"#;
        let ms = parse_multistatus(body).expect("parses");
        assert_eq!(ms.sync_token.as_deref(), Some("http://sabre.io/ns/sync/7"));
        assert_eq!(ms.responses[0].href, "/cal/old one.ics");
        assert_eq!(ms.responses[0].status, Some(404));
        assert!(ms.responses[0].propstat_status.is_empty());
        assert_eq!(ms.responses[1].props.etag.as_deref(), Some("\"e1\""));
        assert_eq!(
            ms.responses[1].props.calendar_data.as_deref(),
            Some("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
        );
    }

    #[test]
    fn one_object_that_is_not_utf8_is_decoded_alone() {
        let body = b"<d:multistatus xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\">\
<d:response><d:href>/c/bad.ics</d:href><d:propstat><d:prop><c:calendar-data>SUMMARY:Caf\xe9</c:calendar-data>\
</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>\
<d:response><d:href>/c/good.ics</d:href><d:propstat><d:prop><c:calendar-data>SUMMARY:Caf\xc3\xa9</c:calendar-data>\
</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>";
        let ms = parse_multistatus(body).expect("parses");
        let bad = &ms.responses[0].props;
        assert_eq!(bad.calendar_data.as_deref(), Some("SUMMARY:Caf\u{fffd}"));
        assert!(bad.calendar_data_lossy);
        let good = &ms.responses[1].props;
        assert_eq!(good.calendar_data.as_deref(), Some("SUMMARY:Café"));
        assert!(!good.calendar_data_lossy);
        let latin1 = body_as_utf8(b"Caf\xe9", Some("text/xml; charset=\"ISO-8859-1\""));
        assert_eq!(&*latin1, "Café".as_bytes());
        assert_eq!(&*body_as_utf8(b"Caf\xe9", Some("text/xml")), b"Caf\xe9");
    }

    #[test]
    fn truncated_bodies_are_errors() {
        assert!(matches!(
            parse_multistatus(b"<d:multistatus xmlns:d=\"DAV:\"><d:response>"),
            Err(XmlError::Malformed(_))
        ));
        assert_eq!(
            parse_multistatus(b"<html><body>Maintenance</body></html>"),
            Err(XmlError::NotMultistatus)
        );
    }

    #[test]
    fn error_bodies_name_their_precondition() {
        let body = br#"<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns"><s:exception>Sabre\DAV\Exception\InvalidSyncToken</s:exception><d:valid-sync-token/></d:error>"#;
        assert!(parse_error(body).contains(&(DAV.to_string(), "valid-sync-token".to_string())));
    }
}
