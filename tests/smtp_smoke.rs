// SPDX-License-Identifier: GPL-3.0-or-later
//! Tests of the SMTP sink harness (`tests/support/smtp.rs`) with the crate's own mailer,
//! lettre over rustls: STARTTLS + AUTH, implicit TLS, wrong passwords, refused recipients,
//! stop/restart. Each test checks what the sink really stored, so a sink that accepted
//! everything, stored nothing, or lost messages on restart would fail here.

#[path = "support/smtp.rs"]
mod smtp;

use std::fs;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use mail_parser::MessageParser;
use smtp::{SMTP_PASSWORD, SMTP_USER, Sink, SinkOptions, start_sink};

const FROM: &str = "Caltally <rapports@caltally.test>";
const TO: &str = "Trésorière <tresoriere@asso.test>";
const SUBJECT: &str = "Rapport d'heures — octobre 2026";

/// How the client talks to the sink.
#[derive(Clone, Copy)]
enum Mode {
    StartTls,
    Wrapper,
    Plain,
}

/// A lettre transport to the sink trusting only its certificate, with these credentials.
fn transport(sink: &Sink, mode: Mode, credentials: Option<(&str, &str)>) -> SmtpTransport {
    transport_with_timeout(sink, mode, credentials, Duration::from_secs(10))
}

fn transport_with_timeout(
    sink: &Sink,
    mode: Mode,
    credentials: Option<(&str, &str)>,
    timeout: Duration,
) -> SmtpTransport {
    let pem = fs::read(&sink.ca_file).expect("the sink's certificate");
    let tls = TlsParameters::builder("localhost".into())
        .certificate_store(CertificateStore::None)
        .add_root_certificate(Certificate::from_pem(&pem).expect("a PEM certificate"))
        .build_rustls()
        .expect("rustls parameters");
    let tls = match mode {
        Mode::StartTls => Tls::Required(tls),
        Mode::Wrapper => Tls::Wrapper(tls),
        Mode::Plain => Tls::None,
    };
    let mut b = SmtpTransport::builder_dangerous("localhost")
        .port(sink.port)
        .tls(tls)
        .timeout(Some(timeout));
    if let Some((user, password)) = credentials {
        b = b.credentials(Credentials::new(user.into(), password.into()));
    }
    b.build()
}

/// The transport a correctly configured mailer would use for `sink`.
fn good_transport(sink: &Sink) -> SmtpTransport {
    let mode = if sink.url().starts_with("smtps://") {
        Mode::Wrapper
    } else {
        Mode::StartTls
    };
    transport(sink, mode, Some((SMTP_USER, SMTP_PASSWORD)))
}

fn message(to: &[&str], subject: &str, body: &str) -> Message {
    let mut b = Message::builder()
        .from(FROM.parse::<Mailbox>().unwrap())
        .subject(subject);
    for t in to {
        b = b.to(t.parse::<Mailbox>().unwrap());
    }
    b.body(body.to_owned()).unwrap()
}

/// (subject, X-MailFrom, X-RcptTo, first text body) of a stored message.
fn summary(raw: &[u8]) -> (String, String, String, String) {
    let m = MessageParser::default()
        .parse(raw)
        .unwrap_or_else(|| panic!("unparsable message:\n{}", String::from_utf8_lossy(raw)));
    let header = |name: &str| {
        m.header_raw(name)
            .unwrap_or_else(|| panic!("no {name} in:\n{}", String::from_utf8_lossy(raw)))
            .trim()
            .to_owned()
    };
    (
        m.subject().unwrap_or_default().to_owned(),
        header("X-MailFrom"),
        header("X-RcptTo"),
        m.body_text(0).unwrap_or_default().trim_end().to_owned(),
    )
}

#[test]
fn starttls_auth_delivers_a_utf8_subject() {
    let sink = start_sink(SinkOptions::default());
    assert_eq!(sink.url(), format!("smtp://localhost:{}", sink.port));
    assert!(sink.messages().is_empty());

    let body = "Total : 12 h 30 (bénévolat)\nDétail en pièce jointe.";
    let reply = good_transport(&sink)
        .send(&message(&[TO], SUBJECT, body))
        .unwrap_or_else(|e| panic!("send failed: {e}\n--- sink log ---\n{}", sink.log()));
    assert_eq!(u16::from(reply.code()), 250);

    let msgs = sink.messages();
    assert_eq!(msgs.len(), 1, "{}", sink.log());
    let raw = &msgs[0];
    let (subject, mail_from, rcpt_to, text) = summary(raw);
    assert_eq!(subject, SUBJECT);
    assert_eq!(mail_from, "rapports@caltally.test");
    assert_eq!(rcpt_to, "tresoriere@asso.test");
    assert_eq!(text, body.replace('\n', "\r\n"));
    let parsed = MessageParser::default().parse(raw).unwrap();
    assert!(parsed.date().is_some(), "lettre adds Date");
    // The envelope headers come first, then the message as lettre sent it, CRLF line ends.
    assert!(
        raw.starts_with(b"X-Peer: "),
        "{}",
        String::from_utf8_lossy(raw)
    );
    assert!(raw.windows(2).any(|w| w == b"\r\n"));
    // It went through STARTTLS and AUTH (aiosmtpd logs each command, AUTH masked).
    let log = sink.log();
    assert!(log.contains("STARTTLS"), "{log}");
    assert!(log.contains("AUTH PLAIN ********"), "{log}");
    assert!(
        !log.contains(SMTP_PASSWORD),
        "the password leaked into the log:\n{log}"
    );
}

#[test]
fn plain_text_sessions_are_refused() {
    let sink = start_sink(SinkOptions::default());
    // Without STARTTLS: MAIL gets 530, and AUTH is not even offered.
    let no_tls = transport(&sink, Mode::Plain, None).send(&message(&[TO], "x", "x"));
    let err = no_tls.expect_err("MAIL before STARTTLS must fail");
    assert_eq!(err.status().map(u16::from), Some(530), "{err}");
    // (530 is also the answer to MAIL before AUTH: check it is about STARTTLS.)
    assert!(err.to_string().contains("STARTTLS"), "{err}");
    let no_tls_auth = transport(&sink, Mode::Plain, Some((SMTP_USER, SMTP_PASSWORD)))
        .send(&message(&[TO], "x", "x"));
    let err = no_tls_auth.expect_err("AUTH before STARTTLS must fail");
    assert!(
        err.is_client(),
        "AUTH is not even offered before STARTTLS: {err}"
    );
    // With STARTTLS but no AUTH: 530 too.
    let no_auth = transport(&sink, Mode::StartTls, None).send(&message(&[TO], "x", "x"));
    let err = no_auth.expect_err("MAIL before AUTH must fail");
    assert_eq!(err.status().map(u16::from), Some(530), "{err}");
    assert!(sink.messages().is_empty(), "{}", sink.log());
}

#[test]
fn a_wrong_password_is_refused_and_nothing_is_stored() {
    let sink = start_sink(SinkOptions::default());
    let err = transport(&sink, Mode::StartTls, Some((SMTP_USER, "not-the-password")))
        .send(&message(&[TO], SUBJECT, "x"))
        .expect_err("a wrong password must fail");
    assert!(err.is_permanent(), "{err}");
    assert_eq!(err.status().map(u16::from), Some(535), "{err}");
    let err = transport(&sink, Mode::StartTls, Some(("someone", SMTP_PASSWORD)))
        .send(&message(&[TO], SUBJECT, "x"))
        .expect_err("a wrong user must fail");
    assert_eq!(err.status().map(u16::from), Some(535), "{err}");
    assert!(sink.messages().is_empty(), "{}", sink.log());

    // The same sink takes the right password: the refusal was about the password.
    good_transport(&sink)
        .send(&message(&[TO], SUBJECT, "x"))
        .expect("the right password works");
    assert_eq!(sink.messages().len(), 1);
}

#[test]
fn smtps_delivers() {
    let sink = start_sink(SinkOptions {
        smtps: true,
        ..SinkOptions::default()
    });
    assert_eq!(sink.url(), format!("smtps://localhost:{}", sink.port));
    good_transport(&sink)
        .send(&message(&[TO], SUBJECT, "implicite"))
        .unwrap_or_else(|e| panic!("send failed: {e}\n--- sink log ---\n{}", sink.log()));
    let msgs = sink.messages();
    assert_eq!(msgs.len(), 1, "{}", sink.log());
    let (subject, _, rcpt_to, text) = summary(&msgs[0]);
    assert_eq!(
        (subject.as_str(), rcpt_to.as_str()),
        (SUBJECT, "tresoriere@asso.test")
    );
    assert_eq!(text, "implicite");

    // It is really TLS from the first byte: a STARTTLS client waits in vain for the greeting
    // (the server waits for a ClientHello) until its read timeout, which lettre reports as a
    // network error (EAGAIN), not `is_timeout()`, and without any SMTP reply.
    let starttls = transport_with_timeout(
        &sink,
        Mode::StartTls,
        Some((SMTP_USER, SMTP_PASSWORD)),
        Duration::from_millis(500),
    )
    .send(&message(&[TO], SUBJECT, "x"));
    let err = starttls.expect_err("a STARTTLS client on the smtps port must fail");
    assert!(err.status().is_none() && !err.is_tls(), "{err:?}");
    assert_eq!(sink.messages().len(), 1);
}

#[test]
fn refused_recipients_get_550_and_others_are_delivered() {
    let gone = "parti@asso.test";
    let sink = start_sink(SinkOptions {
        refuse: vec![gone.into()],
        ..SinkOptions::default()
    });
    let mailer = good_transport(&sink);

    let err = mailer
        .send(&message(&[gone], SUBJECT, "x"))
        .expect_err("a refused recipient must fail");
    assert!(err.is_permanent(), "{err}");
    assert_eq!(err.status().map(u16::from), Some(550), "{err}");
    assert!(err.to_string().contains("mailbox unavailable"), "{err}");
    assert!(sink.log().contains(&format!("refused RCPT <{gone}>")));
    // lettre gives up the whole message when one RCPT fails: the good recipient gets nothing.
    let err = mailer
        .send(&message(&[TO, gone], SUBJECT, "x"))
        .expect_err("lettre aborts on the first refused RCPT");
    assert_eq!(err.status().map(u16::from), Some(550), "{err}");
    assert!(sink.messages().is_empty(), "{}", sink.log());

    // Another recipient, afterwards, on the same transport.
    mailer
        .send(&message(&[TO], SUBJECT, "après le refus"))
        .expect("an accepted recipient");
    let msgs = sink.messages();
    assert_eq!(msgs.len(), 1, "{}", sink.log());
    let (_, _, rcpt_to, text) = summary(&msgs[0]);
    assert_eq!(rcpt_to, "tresoriere@asso.test");
    assert_eq!(text, "après le refus");
}

#[test]
fn restart_keeps_port_messages_and_certificate() {
    let mut sink = start_sink(SinkOptions::default());
    let (port, url) = (sink.port, sink.url());
    let cert = fs::read(&sink.ca_file).unwrap();
    good_transport(&sink)
        .send(&message(&[TO], "premier", "1"))
        .expect("first message");

    sink.stop();
    assert!(!sink.is_running());
    let down = good_transport(&sink).send(&message(&[TO], "perdu", "x"));
    assert!(down.is_err(), "a stopped sink must not accept mail");
    assert_eq!(sink.messages().len(), 1, "messages survive a stop");

    sink.restart();
    assert!(sink.is_running());
    assert_eq!((sink.port, sink.url()), (port, url));
    assert_eq!(
        fs::read(&sink.ca_file).unwrap(),
        cert,
        "the same certificate"
    );
    // A transport built before the restart (same CA file) still works.
    good_transport(&sink)
        .send(&message(&[TO], "second", "2"))
        .unwrap_or_else(|e| panic!("send after restart: {e}\n--- sink log ---\n{}", sink.log()));

    // restart_with changes the options: now the same recipient is refused.
    sink.restart_with(SinkOptions {
        refuse: vec!["tresoriere@asso.test".into()],
        ..SinkOptions::default()
    });
    assert_eq!(sink.port, port);
    let err = good_transport(&sink)
        .send(&message(&[TO], "refusé", "3"))
        .expect_err("refused after restart_with");
    assert_eq!(err.status().map(u16::from), Some(550), "{err}");

    let subjects: Vec<String> = sink.messages().iter().map(|m| summary(m).0).collect();
    assert_eq!(
        subjects,
        ["premier", "second"],
        "both messages, in delivery order"
    );
    assert_eq!(sink.log().lines().filter(|l| *l == "ready").count(), 3);
}
