// SPDX-License-Identifier: GPL-3.0-or-later
//! E-mail: the MIME message of an association's monthly report and its delivery over SMTP.
//!
//! Owns: the SMTP URL (`smtp://` with STARTTLS or plain on loopback, `smtps://` with
//! implicit TLS), the message (a `text/plain` part given as plain text, a `text/html`
//! alternative rendered from Markdown with pulldown-cmark and inline styles, attachments),
//! the `.eml` bytes of `--dry-run`, and one SMTP session per message. Knows nothing of the store or
//! the calendar: [`crate::app`] decides what to send and records what was sent.
//!
//! Guarantees: AUTH only over TLS (plain `smtp://` with `starttls = "never"` is refused
//! unless the server is on loopback); a refusal of the credentials is told apart
//! ([`MailError::Auth`]) so that the caller stops instead of trying again; every server
//! reply in an error is passed through [`redact`] first.

mod redact;
pub use redact::{REDACTED, Secrets, redact};

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

/// What can go wrong while building or sending a message.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// An address that is not `Name <user@domain>` or `user@domain`.
    #[error("`{value}` is not an e-mail address ({reason})")]
    Address {
        /// The text given.
        value: String,
        /// The parser's reason.
        reason: String,
    },
    /// A bad `[mail] smtp` or `starttls`.
    #[error("{0}")]
    Server(String),
    /// `starttls = "never"` for a server that is not on loopback: the password would cross
    /// the network in clear text.
    #[error(
        "starttls = \"never\" would send the password in clear text to `{0}`; it is allowed \
         only for a server on this machine (localhost, 127.0.0.0/8, ::1): use starttls = \"required\" \
         or an smtps:// URL"
    )]
    PlainText(String),
    /// The CA file could not be used.
    #[error("cannot use the CA file: {0}")]
    Tls(String),
    /// The message could not be assembled.
    #[error("cannot build the message: {0}")]
    Build(String),
    /// The server refused the message, or no session could be opened: it was not delivered.
    #[error("{0}")]
    Refused(String),
    /// The server refused the user name or password (a permanent AUTH error such as 535):
    /// every other session would be refused too.
    #[error("{0}")]
    Auth(String),
    /// The session broke off at a point where the server may already have taken the message.
    #[error("{0}")]
    Unknown(String),
}

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `smtp://` then STARTTLS, which must succeed.
    StartTls,
    /// `smtps://`: TLS from the first byte.
    Implicit,
    /// `smtp://` with `starttls = "never"`: plain text (a server on loopback).
    Plain,
}

/// An SMTP server, from `[mail] smtp` and `starttls`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// Host name (also the name its certificate must carry).
    pub host: String,
    /// Port.
    pub port: u16,
    /// Protection.
    pub security: Security,
}

impl Server {
    /// Parses `smtp://HOST[:PORT]` or `smtps://HOST[:PORT]` with the `starttls` setting.
    pub fn parse(url: &str, starttls: &str) -> Result<Server, MailError> {
        let bad = |m: &str| MailError::Server(format!("`{url}`: {m}"));
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("expected smtp://HOST[:PORT] or smtps://HOST[:PORT]"))?;
        let rest = rest.trim_end_matches('/');
        if rest.contains('/') || rest.contains('@') {
            return Err(bad(
                "give only the host and port; the user goes in `username`",
            ));
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || rest.starts_with('[') => {
                let port = p
                    .parse::<u16>()
                    .map_err(|_| bad(&format!("`{p}` is not a port number")))?;
                (h.trim_start_matches('[').trim_end_matches(']'), Some(port))
            }
            _ => (rest, None),
        };
        if host.is_empty() {
            return Err(bad("the host is missing"));
        }
        let security = match (scheme.to_ascii_lowercase().as_str(), starttls) {
            ("smtps", _) => Security::Implicit,
            ("smtp", "required") => Security::StartTls,
            ("smtp", "never") => Security::Plain,
            ("smtp", other) => {
                return Err(MailError::Server(format!(
                    "starttls = \"{other}\": expected \"required\" or \"never\""
                )));
            }
            (other, _) => return Err(bad(&format!("unknown scheme `{other}`; use smtp or smtps"))),
        };
        if security == Security::Plain && !is_loopback(host) {
            return Err(MailError::PlainText(host.to_string()));
        }
        let default_port = if security == Security::Implicit {
            465
        } else {
            587
        };
        Ok(Server {
            host: host.to_string(),
            port: port.unwrap_or(default_port),
            security,
        })
    }
}

/// Whether `host` names this machine: `localhost`, 127.0.0.0/8 or ::1 (also IPv4-mapped).
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => false,
    }
}

/// Parses one address, `Name <user@domain>` or `user@domain`.
pub fn parse_mailbox(text: &str) -> Result<Mailbox, MailError> {
    text.trim()
        .parse::<Mailbox>()
        .map_err(|e| MailError::Address {
            value: text.to_string(),
            reason: e.to_string(),
        })
}

/// One attachment.
#[derive(Debug, Clone)]
pub struct Attached {
    /// File name.
    pub name: String,
    /// MIME type, e.g. `text/csv; charset=utf-8`.
    pub content_type: String,
    /// Content.
    pub bytes: Vec<u8>,
}

/// Everything a message says, as plain values.
#[derive(Debug, Clone)]
pub struct Letter {
    /// Sender.
    pub from: String,
    /// Where replies go (the collective).
    pub reply_to: String,
    /// Recipients.
    pub to: Vec<String>,
    /// Copies.
    pub cc: Vec<String>,
    /// Subject (any Unicode; encoded per RFC 2047).
    pub subject: String,
    /// Date header.
    pub date: SystemTime,
    /// Message-ID without angle brackets, e.g. `caltally.2026-10.amis.1a2b@collectif.example`.
    pub message_id: String,
    /// The Message-ID this one answers (a correction answers the month's report).
    pub in_reply_to: Option<String>,
    /// The Message-IDs of the thread, oldest first.
    pub references: Vec<String>,
    /// Title of the HTML page.
    pub title: String,
    /// The body, in Markdown: rendered as the `text/html` part.
    pub markdown: String,
    /// The same body as plain text: the `text/plain` part.
    pub plain: String,
    /// Attachments.
    pub attachments: Vec<Attached>,
}

/// Builds the MIME message of a letter.
pub fn build(letter: &Letter) -> Result<Message, MailError> {
    let mut b = Message::builder()
        .from(parse_mailbox(&letter.from)?)
        .reply_to(parse_mailbox(&letter.reply_to)?)
        .subject(letter.subject.clone())
        .date(letter.date)
        .message_id(Some(format!("<{}>", letter.message_id)))
        .user_agent(format!("caltally/{}", env!("CARGO_PKG_VERSION")));
    let bracket = |id: &str| format!("<{}>", id.trim_matches(['<', '>']));
    if let Some(id) = &letter.in_reply_to {
        b = b.in_reply_to(bracket(id));
    }
    if !letter.references.is_empty() {
        let ids: Vec<String> = letter.references.iter().map(|id| bracket(id)).collect();
        b = b.references(ids.join(" "));
    }
    if letter.to.is_empty() {
        return Err(MailError::Build("no recipient".into()));
    }
    for to in &letter.to {
        b = b.to(parse_mailbox(to)?);
    }
    for cc in &letter.cc {
        b = b.cc(parse_mailbox(cc)?);
    }
    let html = markdown_to_html(&letter.markdown, &letter.title);
    let mut body = MultiPart::mixed().multipart(MultiPart::alternative_plain_html(
        letter.plain.clone(),
        html,
    ));
    for a in &letter.attachments {
        let ct = ContentType::parse(&a.content_type)
            .map_err(|e| MailError::Build(format!("{}: {e}", a.content_type)))?;
        body = body.singlepart(Attachment::new(a.name.clone()).body(a.bytes.clone(), ct));
    }
    b.multipart(body)
        .map_err(|e| MailError::Build(e.to_string()))
}

/// The bytes of a message, as an `.eml` file holds them.
pub fn to_eml(message: &Message) -> Vec<u8> {
    message.formatted()
}

/// The domain of an address (for Message-IDs and EHLO); `localhost` if there is none or
/// it is not ASCII (a Message-ID must be plain ASCII).
pub fn domain_of(address: &str) -> String {
    parse_mailbox(address)
        .map(|m| m.email.domain().to_string())
        .ok()
        .filter(|d| d.is_ascii() && !d.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

const CELL: &str = "border:1px solid #c8c8c8;padding:3px 8px;vertical-align:top";

/// Renders Markdown as a standalone HTML page with inline styles (mail clients drop
/// `<style>` blocks), readable on a phone as on a desktop: a viewport, a column at most
/// 640 px wide, tables that scroll sideways inside their own box instead of widening the
/// page, and dates, times and amounts that never break across lines.
pub fn markdown_to_html(markdown: &str, title: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let parser = Parser::new_ext(markdown, Options::ENABLE_TABLES);
    let mut body = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut body, parser);
    let body = style_cells(&body).replace(
        "<table>",
        "<div style=\"overflow-x:auto;max-width:100%\"><table style=\"border-collapse:collapse;margin:0.5em 0 1em 0\">",
    );
    let body = body
        .replace("</table>", "</table></div>")
        .replace("<h1>", "<h1 style=\"font-size:20px;line-height:1.3\">")
        .replace("<h2>", "<h2 style=\"font-size:17px;line-height:1.3\">");
    let title = pulldown_cmark_escape_text(title);
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head>\n\
         <body style=\"margin:0;padding:0;background:#ffffff\">\n\
         <div style=\"max-width:640px;margin:0 auto;padding:8px 12px;font-family:sans-serif;\
         font-size:14px;line-height:1.4;color:#222222;background:#ffffff;overflow-wrap:break-word\">\n\
         {body}</div></body></html>\n"
    )
}

/// Gives every table cell its inline style: borders, alignment, and `nowrap` for a cell
/// that holds a date, a time, a duration or an amount (short, with a digit).
fn style_cells(html: &str) -> String {
    let mut out = String::with_capacity(html.len() * 2);
    let mut rest = html;
    while let Some(at) = next_cell(rest) {
        let tag = &rest[at + 1..at + 3];
        out.push_str(&rest[..at]);
        let Some(open_end) = rest[at..].find('>').map(|i| at + i + 1) else {
            break;
        };
        let open = &rest[at..open_end];
        let close = format!("</{tag}>");
        let content_end = rest[open_end..]
            .find(&close)
            .map_or(rest.len(), |i| open_end + i);
        let content = &rest[open_end..content_end];
        let align = ["right", "center"]
            .into_iter()
            .find(|a| open.contains(&format!("text-align: {a}")))
            .unwrap_or("left");
        let mut style = format!("text-align:{align};{CELL}");
        if tag == "th" {
            style.push_str(";background:#f0f0f0");
        }
        if holds_figure(content) {
            style.push_str(";white-space:nowrap");
        }
        out.push_str(&format!("<{tag} style=\"{style}\">{content}"));
        rest = &rest[content_end..];
    }
    out.push_str(rest);
    out
}

/// Where the next `<td` or `<th` opening tag starts.
fn next_cell(html: &str) -> Option<usize> {
    let find = |t: &str| {
        html.match_indices(t)
            .find(|(i, _)| matches!(html.as_bytes().get(i + 3), Some(b'>' | b' ')))
            .map(|(i, _)| i)
    };
    match (find("<td"), find("<th")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Whether a cell's text is a date, a time, a duration or an amount: short, with a digit.
fn holds_figure(content: &str) -> bool {
    let mut text = String::new();
    let mut in_tag = false;
    for c in content.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.chars().any(|c| c.is_ascii_digit()) && text.chars().count() <= 28
}

fn pulldown_cmark_escape_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A connection setting for [`Mailer::new`].
pub struct MailerSettings<'a> {
    /// The server.
    pub server: &'a Server,
    /// AUTH user and password.
    pub credentials: Option<(String, String)>,
    /// An extra trust root, PEM.
    pub ca_pem: Option<&'a [u8]>,
    /// How long a silent server is waited for.
    pub timeout: Duration,
    /// The name given in EHLO (the domain of `from`).
    pub hello: String,
}

/// Sends messages over SMTP, one session per message.
pub struct Mailer {
    server: Server,
    tls: Option<TlsParameters>,
    hello: ClientId,
    credentials: Option<Credentials>,
    secrets: Secrets,
    timeout: Duration,
}

impl Mailer {
    /// Prepares the sessions (no connection is opened yet).
    pub fn new(s: &MailerSettings<'_>) -> Result<Mailer, MailError> {
        let tls = match s.server.security {
            Security::Plain => None,
            Security::StartTls | Security::Implicit => {
                let mut b = TlsParameters::builder(s.server.host.clone());
                if let Some(pem) = s.ca_pem {
                    b = b.add_root_certificate(
                        Certificate::from_pem(pem).map_err(|e| MailError::Tls(e.to_string()))?,
                    );
                }
                Some(
                    b.build_rustls()
                        .map_err(|e| MailError::Tls(e.to_string()))?,
                )
            }
        };
        Ok(Mailer {
            server: s.server.clone(),
            tls,
            hello: ClientId::Domain(s.hello.clone()),
            credentials: s
                .credentials
                .as_ref()
                .map(|(user, password)| Credentials::new(user.clone(), password.clone())),
            secrets: s
                .credentials
                .as_ref()
                .map(|(user, password)| Secrets::of(user, password))
                .unwrap_or_default(),
            timeout: s.timeout,
        })
    }

    /// Sends one message to every `To` and `Cc` in one SMTP session; an error if the server
    /// refused any recipient.
    ///
    /// [`MailError::Refused`]: the message was certainly not delivered (no connection, TLS
    /// failure, a temporary AUTH failure, or an SMTP reply 4xx/5xx). [`MailError::Auth`]:
    /// the server refused the credentials for good. [`MailError::Unknown`]: the session broke
    /// off once the envelope had started (network error, timeout), so the server may have
    /// taken the message. Every server reply in the error is redacted.
    pub fn send(&self, message: &Message) -> Result<(), MailError> {
        let describe = |e: &lettre::transport::smtp::Error| redact(&describe(e), &self.secrets);
        let refused = |e: lettre::transport::smtp::Error| MailError::Refused(describe(&e));
        let wrapper = match self.server.security {
            Security::Implicit => self.tls.as_ref(),
            _ => None,
        };
        let mut conn = SmtpConnection::connect(
            (self.server.host.as_str(), self.server.port),
            Some(self.timeout),
            &self.hello,
            wrapper,
            None,
        )
        .map_err(refused)?;
        if let (Security::StartTls, Some(tls)) = (self.server.security, &self.tls) {
            conn.starttls(tls, &self.hello).map_err(refused)?;
        }
        if let Some(credentials) = &self.credentials
            && let Err(e) = conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
        {
            conn.abort();
            return Err(if e.is_permanent() {
                MailError::Auth(describe(&e))
            } else {
                refused(e)
            });
        }
        // From here on only an SMTP reply proves that the message was not taken.
        match conn.send(message.envelope(), &message.formatted()) {
            Ok(_) => {
                let _ = conn.quit();
                Ok(())
            }
            Err(e) if e.is_permanent() || e.is_transient() || e.is_client() => {
                conn.abort();
                Err(refused(e))
            }
            Err(e) => {
                conn.abort();
                Err(MailError::Unknown(describe(&e)))
            }
        }
    }
}

/// The error with its causes, on one line.
fn describe(e: &lettre::transport::smtp::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
#[path = "mail_tests.rs"]
mod tests;
